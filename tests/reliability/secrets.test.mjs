// Issue 25 part 3, "Nothing secret leaves its origin", against hostile loopback servers (node:http,
// written here, no mock logic): secret headers echoed back by the server appear in no error, body,
// toJSON(), stack or hook event; a connection error names the origin, never a base path holding a
// token; `.`, `..` and other non-ids never reach the network as a job id.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { errorTexts, eventText, recorder, sdk, settle } from "./support.mjs";

const { DeapiClient, ValidationError, ServerError, ConnectionError, InvalidOptionsError } = sdk;

/** A server on 127.0.0.1 that records every request and answers with `answer(req)` →
 * { status, body (text), headers }. */
async function hostile(answer) {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      const a = answer(req);
      res.writeHead(a.status, { "Content-Type": "application/json", ...a.headers });
      res.end(a.body);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => new Promise((r) => server.close(r)) };
}

/** Every text a rejection and the hook events show. */
const shown = (e, events) => [...errorTexts(e), ...events.map((x) => `${x.hook}: ${eventText(x.ev)}`)].join("\n");

describe("secret headers echoed by a hostile server", () => {
  // recognisable values, each a secret by the rules
  const SECRETS = {
    Authorization: "Bearer AuthzTok3nNeverLeaks",
    "Proxy-Authorization": "Basic UHJveHlQYXNzTmV2ZXJMZWFrcw==",
    Cookie: "theme=dark; sid=CookieSess10nNeverLeaks",
    "X-Api-Key": "XApiKeyValueNeverLeaks",
    "X-Auth-Token": "XAuthTokenNeverLeaks",
    "X-Session-Id": "XSessionIdNeverLeaks",
  };
  // what must not show: each value, and the token parts on their own
  const NEEDLES = ["AuthzTok3nNeverLeaks", "UHJveHlQYXNzTmV2ZXJMZWFrcw", "CookieSess10nNeverLeaks", "XApiKeyValueNeverLeaks",
    "XAuthTokenNeverLeaks", "XSessionIdNeverLeaks"];
  let srv;
  before(async () => {
    // every request header echoed into the message, the field names, the messages and the body;
    // a 500 first (retried: onRetry sees an error), then a 422
    let n = 0;
    srv = await hostile((req) => {
      const values = Object.values(req.headers).map(String);
      const body = JSON.stringify({
        message: `Rejected: ${values.join(" | ")}`,
        errors: Object.fromEntries(values.map((v, i) => [`f${i}_${v}`, [`echo ${v}`]])),
        headers: req.headers,
      });
      return { status: n++ % 2 === 0 ? 500 : 422, body, headers: { "X-RateLimit-Source": values.join(" "), "X-RateLimit-Remaining": "1" } };
    });
  });
  after(() => srv.close());

  it("none of their values is in the error, its body, toJSON(), stack or any hook event; hooks see them [REDACTED]", async () => {
    const rec = recorder();
    const c = new DeapiClient({ baseUrl: srv.url, headers: { ...SECRETS, "X-App": "visible-app" }, retryBaseDelayMs: 1, maxRetries: 1, ...rec.hooks });
    const r = await settle(c.images.generatePrice({ prompt: "a fox", model: "Flux1schnell" }));
    assert.equal(r.ok, false);
    assert.ok(r.error instanceof ValidationError, r.error?.name);
    assert.equal(srv.seen.at(-1).headers["x-api-key"], "XApiKeyValueNeverLeaks", "the headers were sent (and echoed)");
    assert.ok(rec.of("onRetry").some((ev) => ev.error instanceof ServerError), "the 500 was seen by onRetry");
    const text = shown(r.error, rec.events);
    for (const needle of NEEDLES) assert.ok(!text.includes(needle), `${needle} leaked: …${text.slice(Math.max(0, text.indexOf(needle) - 60), text.indexOf(needle) + 40)}…`);
    assert.ok(text.includes("visible-app"), "a header that is no secret is echoed as it is");
    const [req] = rec.of("onRequest");
    assert.equal(req.headers.Authorization, "Bearer [REDACTED]");
    assert.equal(req.headers["Proxy-Authorization"], "Basic [REDACTED]");
    for (const name of ["Cookie", "X-Api-Key", "X-Auth-Token", "X-Session-Id"]) assert.equal(req.headers[name], "[REDACTED]", name);
    assert.equal(req.headers["X-App"], "visible-app");
  });
});

describe("connection errors name the origin only", () => {
  it("a refused connection with a token in baseUrl's path: the token is in no message, toJSON(), stack, cause or hook event", async () => {
    // a port nothing listens on: bind one, note it, close it
    const probe = await hostile(() => ({ status: 200, body: "{}" }));
    const origin = probe.url;
    await probe.close();
    const rec = recorder();
    const c = new DeapiClient({ apiKey: "1|originTestKey1", baseUrl: `${origin}/proxy/PathTok3nNeverLeaks/deapi?sig=QueryTok3nNeverLeaks`, maxRetries: 1, retryBaseDelayMs: 1, ...rec.hooks });
    const r = await settle(c.account.balance());
    assert.ok(r.error instanceof ConnectionError, r.error?.name);
    assert.match(r.error.message, new RegExp(`^Could not reach deAPI at ${origin.replace(/[.]/g, "\\.")}: `));
    const errorsOnly = [...errorTexts(r.error), ...rec.of("onRetry").map((ev) => eventText(ev.error)), ...rec.of("onError").map(eventText)].join("\n");
    for (const needle of ["PathTok3nNeverLeaks", "QueryTok3nNeverLeaks", "/proxy/"]) assert.ok(!errorsOnly.includes(needle), `${needle} in ${errorsOnly.slice(0, 400)}`);
  });
});

describe("job ids are ids", () => {
  let srv;
  before(async () => { srv = await hostile(() => ({ status: 200, body: '{"data":{"status":"done","progress":100}}' })); });
  after(() => srv.close());

  it("`.`, `..` and other non-ids are refused with InvalidOptionsError naming requestId; the server sees no request", async () => {
    const c = new DeapiClient({ apiKey: "1|jobIdTestKey1", baseUrl: srv.url, schedule: false });
    const bad = [".", "..", " .. ", "../account/balance", "..%2F", "a/b", "a?b", "a#b", "a.b", "%2e%2e", "x".repeat(129), "é"];
    for (const id of bad) {
      for (const [what, p] of [["jobs.get", () => c.jobs.get(id)], ["jobs.get.withResponse", () => c.jobs.get.withResponse(id)], ["jobs.wait", () => c.jobs.wait(id, { pollIntervalMs: 1 })]]) {
        const r = await settle(p());
        assert.ok(r.error instanceof InvalidOptionsError, `${what}(${JSON.stringify(id)}): ${r.ok ? "resolved" : r.error?.name}`);
        assert.match(r.error.message, /`requestId`/);
      }
      assert.throws(() => c.job(id), (e) => e instanceof InvalidOptionsError && /`requestId`/.test(e.message), `deapi.job(${JSON.stringify(id)})`);
    }
    assert.deepEqual(srv.seen.map((s) => `${s.method} ${s.url}`), [], "no request reached the server (GET /api/v2/ with the key before)");
    // a real id still goes out
    await c.jobs.get("c08a339c-73e5-4d67-a4d5-231302fbff9a");
    assert.deepEqual(srv.seen.map((s) => s.url), ["/api/v2/jobs/c08a339c-73e5-4d67-a4d5-231302fbff9a"]);
  });
});
