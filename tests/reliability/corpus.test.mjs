// Issue #6 part 1 and 5: the hostile-response corpus (corpus.json). Every entry is served once by the
// mock deAPI (as a fault for the canary key) to one SDK call; the result must be the structured
// DeapiError (or the documented success) the entry expects, with a message a UI can show, and the
// SAME client must then make a successful call. All of it runs with a recognisable API key and all
// four hooks installed; at the end, the key must appear nowhere in what the SDK handed out.
//
// corpus.json entry: { name, request: balance|generate|jobStatus|models|price, client?: extra options,
//   response: a mock fault ({status, headers?, body? | rawBody? | bodyBase64?, contentType?} or {preset}),
//   repeat?: serve it N times, expect: { class, code, status (null = undefined), messageIncludes?,
//   attempts?, errorsCount?, fieldErrors?, body?, bodyIncludes?, bodyMaxLength?, requestId?,
//   rateLimitSource?, also?, noPrototypePollution? } or { success: true, value?, priceIsNumber? },
//   requests?: how many requests the mock must have seen, echoesKey?: the body echoes the key,
//   crossOrigin?: the redirect points at a second mock (which must see no request), todo?: a known SDK bug (the reason) }
// Strings in `response` may hold tokens: ⟦KEY⟧, ⟦SECRET⟧, ⟦ALT_ORIGIN⟧ (the second mock),
// ⟦repeat N|TEXT⟧ and ⟦seq N|SEP|TEMPLATE⟧ (TEMPLATE with # replaced by 0…N-1, joined by SEP).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { KEY, SECRET, TRANSPORTS, assertSentence, call, errorTexts, eventText, leaks, recorder, sdk, settle, startMock } from "./support.mjs";

const corpus = JSON.parse(readFileSync(new URL("./corpus.json", import.meta.url), "utf8"));
const { DeapiClient, DeapiError, isDeapiError } = sdk;

let mock, alt;
const rec = recorder();
const clients = new Map();
/** One client per transport (the corpus runs through both) and option set, reused across entries:
 * the wasm instance must survive all of them. */
function clientFor(extra = {}, [label, transport] = TRANSPORTS[0]) {
  const id = `${label} ${JSON.stringify(extra)}`;
  if (!clients.has(id)) {
    clients.set(id, new DeapiClient({ apiKey: KEY, baseUrl: mock.url, maxRetries: 0, retryBaseDelayMs: 1, ...rec.hooks, ...transport, ...extra }));
  }
  return clients.get(id);
}

/** Texts handed out by the SDK, for the key sweep: { where, text }. Known-bug entries apart. */
const handedOut = { clean: [], known: [] };
const outcomes = [];
const crashes = [];
const onCrash = (kind) => (e) => crashes.push(`${kind}: ${e?.stack ?? e}`);
const onUncaught = onCrash("uncaughtException");
const onUnhandled = onCrash("unhandledRejection");

before(async () => {
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUnhandled);
  mock = await startMock({ quiet: true });
  alt = await startMock({ quiet: true });
});
after(async () => {
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUnhandled);
  await mock?.close();
  await alt?.close();
});

function expand(v) {
  if (typeof v === "string") {
    return v
      .replace(/⟦repeat (\d+)\|([^⟧]*)⟧/g, (_, n, text) => text.repeat(Number(n)))
      .replace(/⟦seq (\d+)\|([^|⟧]*)\|([^⟧]*)⟧/g, (_, n, sep, tpl) => Array.from({ length: Number(n) }, (_, i) => tpl.replaceAll("#", String(i))).join(sep))
      .replaceAll("⟦KEY⟧", KEY).replaceAll("⟦SECRET⟧", SECRET).replaceAll("⟦ALT_ORIGIN⟧", alt.url);
  }
  if (Array.isArray(v)) return v.map(expand);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [expand(k), expand(x)]));
  return v;
}

const plain = (v) => JSON.parse(JSON.stringify(v));

function checkError(entry, e, events) {
  const x = entry.expect;
  const what = entry.name;
  assert.ok(e instanceof Error, `${what}: rejects with an Error, got ${e}`);
  assert.ok(e instanceof DeapiError && isDeapiError(e), `${what}: a DeapiError, got ${e?.name}: ${e?.message}`);
  assert.ok(e instanceof sdk[x.class], `${what}: instance of ${x.class}, got ${e.name}`);
  if (x.also) assert.ok(e instanceof sdk[x.also], `${what}: also a ${x.also}`);
  assert.equal(e.name, x.class, `${what}: name`);
  assert.equal(e.code, x.code, `${what}: code`);
  assert.equal(e.status, x.status ?? undefined, `${what}: status`);
  assertSentence(e.message, what);
  for (const part of [x.messageIncludes ?? []].flat()) assert.ok(e.message.includes(part), `${what}: message ${JSON.stringify(e.message.slice(0, 300))} should include ${JSON.stringify(part)}`);
  assert.match(String(e.stack), new RegExp(`^${x.class}: `), `${what}: the stack starts with the class`);
  if (x.attempts !== undefined) assert.equal(e.attempts, x.attempts, `${what}: attempts`);
  if (x.errorsCount !== undefined) assert.equal(e.errors.length, x.errorsCount, `${what}: errors.length`);
  if (x.fieldErrors !== undefined) assert.deepEqual(plain(e.fieldErrors), x.fieldErrors, `${what}: fieldErrors`);
  assert.ok(Array.isArray(e.errors) && e.errors.every((f) => typeof f.field === "string" && typeof f.message === "string" && f.message.length > 0), `${what}: errors are {field, message} strings`);
  if ("body" in x) assert.deepEqual(e.body, x.body, `${what}: body`);
  if (x.bodyIncludes !== undefined) assert.ok(String(typeof e.body === "string" ? e.body : JSON.stringify(e.body)).includes(x.bodyIncludes), `${what}: body includes ${x.bodyIncludes}`);
  if (x.bodyMaxLength !== undefined) assert.ok(typeof e.body === "string" && e.body.length <= x.bodyMaxLength, `${what}: body cut to ${x.bodyMaxLength} chars, got ${e.body?.length}`);
  if (x.requestId !== undefined) assert.equal(e.requestId, x.requestId, `${what}: requestId`);
  if (x.rateLimitSource !== undefined) assert.equal(e.rateLimit?.source, x.rateLimitSource, `${what}: rateLimit.source`);
  if (x.noPrototypePollution) {
    assert.equal({}.polluted, undefined, "Object.prototype untouched");
    // issue 25: prototype-named fields are kept in `errors` (the raw data) and dropped as keys of `fieldErrors`
    assert.deepEqual(e.errors.map((f) => f.field), ["__proto__", "constructor", "prompt"], "every message is kept in errors");
    assert.deepEqual(Object.keys(e.fieldErrors), ["prompt"], "no __proto__ or constructor key in fieldErrors");
    assert.ok(!Object.hasOwn(e.fieldErrors, "constructor") && !Object.hasOwn(e.fieldErrors, "__proto__"));
    assert.equal(e.body.polluted, undefined, "the body's __proto__ key did not become its prototype");
    assert.deepEqual(Object.keys(e.body), ["message", "errors", "__proto__"]);
  }
  // the JSON form carries the same facts
  const j = e.toJSON();
  assert.deepEqual([j.name, j.code, j.status, j.message], [e.name, e.code, e.status, e.message], `${what}: toJSON()`);
  const onError = events.filter((ev) => ev.hook === "onError");
  assert.equal(onError.length, 1, `${what}: onError called once`);
  assert.equal(onError[0].ev, e, `${what}: onError receives the rejected error`);
}

function checkSuccess(entry, value, events) {
  const x = entry.expect;
  if (x.value !== undefined) assert.deepEqual(plain(value), x.value, `${entry.name}: resolved value`);
  if (x.priceIsNumber) assert.ok(typeof value.price === "number" && value.price > 0, `${entry.name}: a price`);
  assert.equal(events.filter((ev) => ev.hook === "onError").length, 0, `${entry.name}: onError not called`);
}

describe("the hostile-response corpus (tests/reliability/corpus.json)", () => {
  it("has at least 45 entries, each with a unique name, a known request and an expectation", () => {
    assert.ok(corpus.length >= 45, `${corpus.length} entries`);
    assert.equal(new Set(corpus.map((e) => e.name)).size, corpus.length);
    for (const e of corpus) {
      assert.ok(["balance", "generate", "jobStatus", "models", "price"].includes(e.request), e.name);
      assert.ok(e.expect.success === true || (typeof e.expect.class === "string" && typeof e.expect.code === "string" && "status" in e.expect), e.name);
      assert.ok(e.expect.success || sdk[e.expect.class], `${e.name}: ${e.expect.class} is exported`);
    }
    const echo = corpus.filter((e) => e.echoesKey && !e.todo);
    assert.ok(echo.length >= 6, "entries that echo the key back");
  });
});

for (const transport of TRANSPORTS) describe(`the corpus through ${transport[0]}`, () => {
  for (const entry of corpus) {
    it(entry.name, entry.todo ? { todo: entry.todo } : {}, async () => {
      mock.reset();
      alt.reset();
      const c = clientFor(entry.client, transport);
      const response = expand(entry.response);
      mock.addFaults({ key: KEY, responses: Array(entry.repeat ?? 1).fill(response) });
      const from = rec.events.length;
      const r = await settle(call(c, entry.request));
      const events = rec.events.slice(from);
      const bucket = entry.todo ? handedOut.known : handedOut.clean;
      if (!r.ok) errorTexts(r.error).forEach((text, i) => bucket.push({ where: `${entry.name} (error part ${i})`, text }));
      events.forEach(({ hook, ev }) => bucket.push({ where: `${entry.name} (${hook})`, text: eventText(ev) }));
      outcomes.push({ entry, result: r });

      if (entry.expect.success) {
        assert.ok(r.ok, `${entry.name}: should resolve, rejected with ${r.error?.name}: ${r.error?.message?.slice(0, 300)}`);
        checkSuccess(entry, r.value, events);
      } else {
        assert.ok(!r.ok, `${entry.name}: should reject, resolved with ${JSON.stringify(r.value)?.slice(0, 200)}`);
        checkError(entry, r.error, events);
      }
      if (entry.requests !== undefined) assert.equal(mock.requests({ key: KEY }).length, entry.requests, `${entry.name}: requests the mock saw`);
      if (entry.crossOrigin) {
        // requests go with redirect: "manual": the other origin never sees one (no headers, no body)
        assert.deepEqual(alt.requests(), [], "no request reached the other origin");
        assert.ok(!r.ok && r.error.message.includes(`redirect to ${alt.url}/api/v2/account/balance`), "the message names the Location");
      }
      if (entry.echoesKey) {
        const texts = r.ok ? [JSON.stringify(r.value)] : errorTexts(r.error);
        assert.deepEqual(leaks(texts.map((text) => ({ where: entry.name, text }))), [], `${entry.name}: the echoed key is redacted`);
      }

      // the same client (and wasm instance) keeps working
      mock.clearFaults();
      const next = await settle(c.account.balance());
      assert.ok(next.ok, `${entry.name}: the next call failed: ${next.error?.name}: ${next.error?.message}`);
      assert.deepEqual(next.value, { balance: 19.72 });
    });
  }
});

describe("the corpus, over both transports", () => {
  it("the key appears nowhere: messages, stacks, JSON.stringify, toJSON(), bodies, causes and hook events", () => {
    const texts = handedOut.clean;
    assert.ok(texts.length > 2 * corpus.length, `${texts.length} texts collected`);
    const all = texts.map((t) => t.text).join("\n");
    // the sweep is meaningful: echoed keys were received and redacted
    assert.ok((all.match(/\[REDACTED\]/g) ?? []).length >= 10, "the echoed keys show up redacted");
    assert.deepEqual(leaks(texts), []);
  });

  it("the key appears nowhere, also for the entries that once leaked it (a key straddling the 4 KiB cut, the secret half alone)", () => {
    const names = ["key straddling the 4 KiB cut of a text body", "the key's secret half echoed without its id", "the key with an HTML-escaped pipe in a proxy page"];
    for (const name of names) {
      const texts = handedOut.clean.filter((t) => t.where.startsWith(`${name} (`));
      assert.ok(texts.length > 1, `${name}: its error and hook events were swept (both transports)`);
      assert.deepEqual(leaks(texts), []);
    }
  });

  it("every onRequest event shows the Authorization header redacted", () => {
    const reqs = rec.of("onRequest");
    assert.ok(reqs.length >= 2 * corpus.length);
    for (const ev of reqs) {
      assert.equal(ev.headers.Authorization, "Bearer [REDACTED]");
      assert.ok(!JSON.stringify(ev).includes(SECRET));
    }
    for (const ev of rec.of("onRetry")) assert.ok(ev.error instanceof DeapiError && typeof ev.delayMs === "number");
  });

  it("no uncaught exception or unhandled rejection happened while the corpus ran", async () => {
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(crashes, []);
  });

  it("every error message is at most 4 KiB (a hostile body cannot make a multi-megabyte message or stack)", () => {
    const long = outcomes.filter((o) => !o.result.ok && o.result.error.message.length > 4097)
      .map((o) => `${o.entry.name}: ${o.result.error.message.length} chars`);
    assert.deepEqual(long, []);
  });

  it("an InvalidResponseError for a 2xx says how many attempts were made", () => {
    const wrong = outcomes.filter((o) => !o.result.ok && o.result.error.code === "invalid_response" && o.result.error.attempts !== 1)
      .map((o) => `${o.entry.name}: attempts ${o.result.error.attempts}`);
    assert.ok(outcomes.some((o) => !o.result.ok && o.result.error.code === "invalid_response"));
    assert.deepEqual(wrong, []);
  });
});

describe("unknown job statuses in wait()", () => {
  it("an unknown status is kept and treated as running until done", async () => {
    mock.reset();
    const c = clientFor();
    const id = "7f0c1d2e-0000-4000-8000-00000000beef";
    const seen = [];
    mock.addFaults({ key: KEY, path: "/jobs/", responses: [
      { status: 200, body: { data: { status: "mystery", progress: "10" } } },
      { status: 200, body: { data: { status: "in_progress" } } },
      { status: 200, body: { data: { status: "done", progress: 100, result_url: "https://x/r.png" } } },
    ] });
    const done = await c.jobs.wait(id, { pollIntervalMs: 1, onProgress: (s) => seen.push([s.status, s.progress]) });
    assert.deepEqual(seen, [["mystery", 10], ["in_progress", null], ["done", 100]]);
    assert.equal(done.result_url, "https://x/r.png");
    assert.equal(mock.requests({ key: KEY, path: "/jobs/" }).length, 3);
  });

  it("a status without `status` stops wait() with InvalidResponseError, and the client keeps working", async () => {
    mock.reset();
    const c = clientFor();
    mock.addFaults({ key: KEY, path: "/jobs/", responses: [{ status: 200, body: { data: { status: "pending" } } }, { status: 200, body: { data: { progress: 50 } } }] });
    const r = await settle(c.jobs.wait("7f0c1d2e-0000-4000-8000-00000000f00d", { pollIntervalMs: 1 }));
    assert.ok(!r.ok && r.error instanceof sdk.InvalidResponseError, r.error?.message);
    assert.match(r.error.message, /no `status`/);
    assert.deepEqual(await c.account.balance(), { balance: 19.72 });
  });
});
