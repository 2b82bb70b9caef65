// The built package (pkg/dist/browser.js + .wasm) in real Chromium against the mock deAPI: scenarios
// run in tests/browser/page.html through page.evaluate (errors come back as plain data, with the
// instanceof checks done in the page). The demo page (www/) is tested in demo.test.mjs.
// Every scenario uses the keyless proxy key, so they run one after another and reset the mock first.
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startMock } from "../mock/server.mjs";
import { dist, ensureBuilt, openChromium, root, until as untilFor, watchPage as watch } from "../support.mjs";

const TIMEOUT = 60_000;

let mock, chromium, context;

before(async () => {
  ensureBuilt();
  mock = await startMock({
    quiet: true, allowKeyless: true,
    staticDirs: { "/pkg/": dist, "/test/": join(root, "tests", "browser") },
  });
  chromium = await openChromium({ viewport: { width: 1000, height: 900 }, timeout: TIMEOUT });
  context = chromium.context; // several pages, each watched
});
after(async () => {
  await chromium?.close();
  await mock?.close();
});

/** Polls a Node-side condition (e.g. the mock's request log); not an assertion, only a guard against hanging. */
const until = (cond, what) => untilFor(cond, what, TIMEOUT);

const api = (path, method) => mock.requests({ key: "keyless", path, method }).filter((r) => r.path === path);

describe("the package in Chromium (tests/browser/page.html)", () => {
  let page, problems;
  before(async () => {
    page = await context.newPage();
    problems = watch(page);
    await page.goto(`${mock.url}/test/page.html`);
    await page.waitForFunction(() => window.testReady === true);
  });
  beforeEach(() => mock.reset());
  after(() => page.close());

  it("200: a keyless client reads the balance through the same-origin proxy, without Authorization", async () => {
    const r = await page.evaluate(() => capture(() => new sdk.DeapiClient({ baseUrl: location.origin }).account.balance()));
    assert.deepEqual(r, { ok: true, value: { balance: 19.72 } });
    const [req] = api("/api/v2/account/balance", "GET");
    assert.equal(req.headers.authorization, undefined);
    assert.equal(req.headers.accept, "application/json");
  });

  it("401: a bad key (dangerouslyAllowBrowser) rejects with AuthenticationError", async () => {
    const r = await page.evaluate(() => capture(() =>
      new sdk.DeapiClient({ apiKey: "bad", baseUrl: location.origin, dangerouslyAllowBrowser: true }).account.balance()));
    assert.equal(r.ok, false);
    const e = r.error;
    assert.equal(e.name, "AuthenticationError");
    assert.deepEqual(e.instanceOf.sort(), ["AuthenticationError", "DeapiError", "Error"]);
    assert.equal(e.isDeapiError, true);
    assert.equal(e.code, "authentication");
    assert.equal(e.status, 401);
    assert.equal(e.message, "Unauthenticated.");
    assert.equal(e.attempts, 1);
    assert.equal(e.stack, "AuthenticationError: Unauthenticated.");
    const [req] = mock.requests({ key: "bad" });
    assert.equal(req.headers.authorization, "Bearer bad");
  });

  it("the browser key guard: an apiKey without dangerouslyAllowBrowser throws InvalidOptionsError", async () => {
    const r = await page.evaluate(() => capture(() => new sdk.DeapiClient({ apiKey: "1|abcdef123", baseUrl: location.origin })));
    assert.equal(r.ok, false);
    const e = r.error;
    assert.equal(e.name, "InvalidOptionsError");
    assert.deepEqual(e.instanceOf.sort(), ["DeapiError", "Error", "InvalidOptionsError"]);
    assert.equal(e.code, "invalid_options");
    assert.match(e.message, /`apiKey`.*refused in a browser/);
    assert.match(e.message, /dangerouslyAllowBrowser: true/);
    assert.ok(!e.message.includes("abcdef123"), "the key is not echoed");
    assert.equal(mock.requests().length, 0);
  });

  it("404: an unknown job id rejects with NotFoundError", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    const r = await page.evaluate((id) => capture(() => new sdk.DeapiClient({ baseUrl: location.origin }).jobs.get(id)), id);
    const e = r.error;
    assert.equal(e.name, "NotFoundError");
    assert.ok(e.instanceOf.includes("NotFoundError") && e.instanceOf.includes("DeapiError"));
    assert.equal(e.status, 404);
    assert.equal(e.message, "No query results for the requested resource.");
    assert.equal(e.requestId, id);
    assert.equal(api(`/api/v2/jobs/${id}`, "GET").length, 1);
  });

  it("422: images.generate with a bad width/height and no steps rejects with ValidationError", async () => {
    const r = await page.evaluate(() => capture(() => new sdk.DeapiClient({ baseUrl: location.origin })
      .images.generate({ prompt: "a fox", model: "Flux1schnell", width: 100, height: 5000, guidance: 3.5, seed: 1 })));
    const e = r.error;
    assert.equal(e.name, "ValidationError");
    assert.deepEqual(e.instanceOf.sort(), ["DeapiError", "Error", "ValidationError"]);
    assert.equal(e.isValidationError, true);
    assert.equal(e.status, 422);
    assert.equal(e.code, "validation");
    assert.deepEqual(Object.keys(e.fieldErrors), ["width", "height", "steps"], "server order");
    assert.deepEqual(e.fieldErrors, e.body.errors);
    assert.deepEqual(e.fieldErrors.width, ["The width field must be at least 256.", "The width field must be a multiple of 16."]);
    assert.deepEqual(e.fieldErrors.steps, ["The steps field is required."]);
    const flat = Object.entries(e.fieldErrors).flatMap(([field, msgs]) => msgs.map((message) => ({ field, message })));
    assert.deepEqual(e.errors, flat);
    assert.equal(e.message, "The width field must be at least 256. (and 4 more errors)");
    const reqs = api("/api/v2/images/generations", "POST");
    assert.equal(reqs.length, 1, "422 is not retried");
    assert.deepEqual(JSON.parse(reqs[0].body), { prompt: "a fox", model: "Flux1schnell", width: 100, height: 5000, guidance: 3.5, seed: 1 });
  });

  it("429 with Retry-After: 86400 rejects at once with RateLimitError", async () => {
    mock.addFaults({ key: "keyless", responses: [{ preset: "rate429", retryAfter: 86400 }] });
    const r = await page.evaluate(() => capture(() => new sdk.DeapiClient({ baseUrl: location.origin }).account.balance()));
    const e = r.error;
    assert.equal(e.name, "RateLimitError");
    assert.ok(e.instanceOf.includes("RateLimitError"));
    assert.equal(e.status, 429);
    assert.equal(e.retryAfter, 86400);
    assert.equal(e.attempts, 1);
    assert.equal(e.rateLimit.type, "daily");
    assert.equal(api("/api/v2/account/balance", "GET").length, 1);
  });

  it("429 cross-origin (page on 127.0.0.1, API on localhost): Retry-After and X-RateLimit-* pass CORS", async () => {
    mock.addFaults({ key: "keyless", responses: [{ preset: "rate429", retryAfter: 86400 }] });
    const other = mock.url.replace("127.0.0.1", "localhost");
    const r = await page.evaluate((base) => capture(() => new sdk.DeapiClient({ baseUrl: base }).account.balance()), other);
    const e = r.error;
    assert.equal(e.name, "RateLimitError", JSON.stringify(e));
    assert.equal(e.retryAfter, 86400);
    assert.equal(e.rateLimit.type, "daily");
    assert.equal(e.rateLimit.source, "global");
    const [req] = api("/api/v2/account/balance", "GET");
    assert.equal(req.headers.origin, mock.url, "a cross-origin request");
  });

  it("3×500 then 200 resolves after 4 attempts (retryBaseDelayMs: 1)", async () => {
    mock.addFaults({ key: "keyless", responses: [{ status: 500 }, { status: 500 }, { status: 500 }] });
    const r = await page.evaluate(() => capture(async () => {
      const retries = [];
      const c = new sdk.DeapiClient({ baseUrl: location.origin, retryBaseDelayMs: 1, onRetry: (ev) => retries.push([ev.attempt, ev.reason, ev.error.name]) });
      return { balance: await c.account.balance(), retries };
    }));
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.deepEqual(r.value.balance, { balance: 19.72 });
    assert.deepEqual(r.value.retries.map(([, reason, name]) => [reason, name]), Array(3).fill(["server_error", "ServerError"]));
    assert.deepEqual(api("/api/v2/account/balance", "GET").map((q) => q.status), [500, 500, 500, 200]);
  });

  it("4×500 rejects with ServerError carrying attempts 4", async () => {
    mock.addFaults({ key: "keyless", responses: Array(4).fill({ status: 500 }) });
    const r = await page.evaluate(() => capture(() => new sdk.DeapiClient({ baseUrl: location.origin, retryBaseDelayMs: 1 }).account.balance()));
    assert.equal(r.error.name, "ServerError");
    assert.equal(r.error.status, 500);
    assert.equal(r.error.attempts, 4);
    assert.equal(api("/api/v2/account/balance", "GET").length, 4);
  });

  it("generate + wait: pending → processing → done, and the result_url loads in an <img>", async () => {
    const r = await page.evaluate(() => capture(async () => {
      const c = new sdk.DeapiClient({ baseUrl: location.origin });
      const job = await c.images.generate(valid());
      const seen = [];
      const done = await job.wait({ pollIntervalMs: 1, onProgress: (s) => seen.push([s.status, s.progress]) });
      return { requestId: job.requestId, json: JSON.parse(JSON.stringify(job)), done, seen, img: await loadImage(done.result_url) };
    }));
    assert.equal(r.ok, true, JSON.stringify(r.error));
    const { requestId, json, done, seen, img } = r.value;
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(json, { requestId });
    assert.equal(done.status, "done");
    assert.equal(done.request_id, requestId);
    assert.equal(done.progress, 100);
    assert.equal(done.result_url, `${mock.url}/results/${requestId}.png`);
    assert.deepEqual(seen.map((s) => s[0]).filter((s, i, a) => a[i - 1] !== s), ["pending", "processing", "done"]);
    const progress = seen.map((s) => s[1]);
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
    assert.deepEqual(img, { loaded: true, naturalWidth: 512, naturalHeight: 512 });
  });

  it("a failed job rejects wait() with JobFailedError", async () => {
    const r = await page.evaluate(() => capture(async () => {
      const c = new sdk.DeapiClient({ baseUrl: location.origin });
      const job = await c.images.generate(valid({ prompt: "a fox [fail]" }));
      return job.wait({ pollIntervalMs: 1 });
    }));
    assert.equal(r.error.name, "JobFailedError");
    assert.equal(r.error.code, "job_failed");
    assert.match(r.error.message, /The worker failed to process the job\./);
  });

  it("AbortController.abort() during a hanging request rejects with AbortError", async () => {
    mock.addFaults({ key: "keyless", path: "/api/v2/account/balance", responses: [{ preset: "hang" }] });
    await page.evaluate(() => {
      const ac = new AbortController();
      const c = new sdk.DeapiClient({ baseUrl: location.origin });
      window.pending.abort = { ac, result: capture(() => c.account.balance({ signal: ac.signal })) };
    });
    await until(() => api("/api/v2/account/balance", "GET").length === 1, "the request to reach the mock");
    const r = await page.evaluate(() => {
      window.pending.abort.ac.abort(new Error("user left"));
      return window.pending.abort.result;
    });
    const e = r.error;
    assert.equal(e.name, "AbortError");
    assert.ok(e.instanceOf.includes("AbortError") && e.instanceOf.includes("DeapiError"));
    assert.equal(e.code, "aborted");
    assert.deepEqual(e.cause, { name: "Error", message: "user left" });
    assert.equal(api("/api/v2/account/balance", "GET").length, 1, "an abort is not retried");
  });

  it("importing /pkg/browser.js is enough: a client works without init(), and init() stays a harmless no-op", async () => {
    const p = await context.newPage();
    const pageProblems = watch(p);
    await p.goto(`${mock.url}/test/page.html?noinit`);
    await p.waitForFunction(() => window.testReady === true);
    const r = await p.evaluate(async () => {
      const before = await capture(() => new sdk.DeapiClient({ baseUrl: location.origin }).account.balance());
      await sdk.init();
      await sdk.init("/nowhere.wasm"); // ignored once loaded
      const after = await capture(() => new sdk.DeapiClient({ baseUrl: location.origin }).account.balance());
      return { before, after };
    });
    assert.deepEqual(r, { before: { ok: true, value: { balance: 19.72 } }, after: { ok: true, value: { balance: 19.72 } } });
    await p.close();
    assert.deepEqual(pageProblems, []);
  });

  it("quotaStore is not in the browser module: an InvalidOptionsError says it is for servers, not 'unknown option'", async () => {
    const r = await page.evaluate(() => capture(() => new sdk.DeapiClient({ baseUrl: location.origin, quotaStore: { take() {}, report() {} } })));
    assert.equal(r.ok, false);
    assert.equal(r.error.name, "InvalidOptionsError");
    assert.match(r.error.message, /`quotaStore`: servers only.*createProxy/);
    assert.doesNotMatch(r.error.message, /unknown option/);
  });

  it("verifyWebhook is not in the browser module: it rejects with an InvalidOptionsError saying where it runs", async () => {
    const p = await context.newPage();
    await p.goto(`${mock.url}/test/page.html`);
    await p.waitForFunction(() => window.testReady === true);
    const r = await p.evaluate(async () => {
      const e = await sdk.verifyWebhook({ payload: "{}", signature: "sha256=00", timestamp: "1", secret: "s" }).then(() => null, (x) => x);
      return { invalidOptions: e instanceof sdk.InvalidOptionsError, name: e.name, message: e.message };
    });
    assert.equal(r.invalidOptions, true, JSON.stringify(r));
    assert.equal(r.name, "InvalidOptionsError");
    assert.match(r.message, /not in deapi-wasm's browser build.*Node, Deno, Bun or a Cloudflare Worker/);
    await p.close();
  });

  it("deapi.realtime.relay is not in the browser module: it throws an InvalidOptionsError saying it runs on servers", async () => {
    const p = await context.newPage();
    await p.goto(`${mock.url}/test/page.html`);
    await p.waitForFunction(() => window.testReady === true);
    const r = await p.evaluate(async () => {
      const c = new sdk.DeapiClient({ baseUrl: location.origin });
      let e = null;
      try {
        await c.realtime.relay("7f0c1d2e-0000-4000-8000-00000000c0de");
      } catch (x) {
        e = x;
      }
      return { invalidOptions: e instanceof sdk.InvalidOptionsError, name: e.name, message: e.message };
    });
    assert.equal(r.invalidOptions, true, JSON.stringify(r));
    assert.match(r.message, /relay runs on servers .*: it is not in the browser build/);
    await p.close();
  });

  it("when the .wasm cannot be loaded, new DeapiClient throws an error naming its URL; init() then loads it", async () => {
    const p = await context.newPage();
    await p.route("**/deapi_wasm_bg.wasm", (route) => route.abort());
    await p.goto(`${mock.url}/test/page.html?noinit`);
    await p.waitForFunction(() => window.testReady === true);
    const early = await p.evaluate(() => capture(() => new sdk.DeapiClient({ baseUrl: location.origin })));
    assert.equal(early.ok, false);
    assert.match(early.error.message, new RegExp(`could not load its WebAssembly module from ${mock.url}/pkg/web/deapi_wasm_bg\\.wasm`));
    assert.match(early.error.message, /await init\(urlOrBytes\)/);
    await p.unroute("**/deapi_wasm_bg.wasm");
    const late = await p.evaluate(async () => {
      await sdk.init();
      return capture(() => new sdk.DeapiClient({ baseUrl: location.origin }).account.balance());
    });
    assert.deepEqual(late, { ok: true, value: { balance: 19.72 } });
    await p.close();
  });

  it("the test page logged no uncaught errors", () => {
    // 4xx/5xx responses are logged by Chromium as "Failed to load resource"; anything else is a bug.
    assert.deepEqual(problems.filter((p) => !/Failed to load resource: the server responded with a status of (401|404|422|429|500)|net::ERR_/.test(p)), []);
  });
});
