// The built npm package against the mock deAPI, in Node: every status of the seed, the retry
// schedule, jobs, models, balance, options, proxy mode and key safety.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { client, newKey, rejection, sdk, validImage, withMock } from "./helpers.mjs";

const {
  DeapiClient, DeapiError, ValidationError, AuthenticationError, NotFoundError, RateLimitError, ServerError,
  ConnectionError, RequestTimeoutError, AbortError, JobFailedError, JobTimeoutError, InvalidOptionsError,
  InsufficientBalanceError, InvalidResponseError, isDeapiError, isValidationError,
} = sdk;

let mock;
before(async () => { mock = await withMock(); });
after(() => mock.close());

/** Attempts the mock saw for this key (and path substring). */
const seen = (key, path) => mock.requests({ key, path });

describe("status codes of the seed", () => {
  it("200: balance resolves", async () => {
    const { c } = client(mock);
    assert.deepEqual(await c.account.balance(), { balance: 19.72 });
  });

  it("401: a bad key rejects with AuthenticationError carrying the server's message", async () => {
    const c = new DeapiClient({ apiKey: "bad", baseUrl: mock.url });
    const e = await rejection(c.account.balance());
    assert.ok(e instanceof AuthenticationError && e instanceof DeapiError && e instanceof Error);
    assert.equal(e.name, "AuthenticationError");
    assert.equal(e.code, "authentication");
    assert.equal(e.status, 401);
    assert.equal(e.message, "Unauthenticated.");
    assert.equal(e.attempts, 1, "401 is never retried");
    assert.deepEqual(e.body, { message: "Unauthenticated." });
    assert.match(e.stack, /AuthenticationError: Unauthenticated\./);
  });

  it("404: an unknown job id rejects with NotFoundError naming the job", async () => {
    const { c } = client(mock);
    const e = await rejection(c.jobs.get("00000000-0000-4000-8000-000000000000"));
    assert.ok(e instanceof NotFoundError);
    assert.equal(e.status, 404);
    assert.equal(e.message, "No query results for the requested resource.");
    assert.equal(e.requestId, "00000000-0000-4000-8000-000000000000");
    assert.equal(e.attempts, 1);
  });

  it("422: ValidationError with errors in server order and fieldErrors equal to the body", async () => {
    const { c, key } = client(mock);
    const params = { prompt: "a fox", model: "Flux1schnell", width: 100, height: 5000, guidance: 3.5, seed: 1 };
    const e = await rejection(c.images.generate(params));
    assert.ok(e instanceof ValidationError && e instanceof DeapiError && e instanceof Error);
    assert.ok(isValidationError(e) && isDeapiError(e));
    assert.equal(e.status, 422);
    assert.equal(e.code, "validation");
    const body = e.body;
    assert.equal(e.message, body.message);
    assert.deepEqual(e.fieldErrors, body.errors);
    const expected = Object.entries(body.errors).flatMap(([field, msgs]) => msgs.map((message) => ({ field, message })));
    assert.deepEqual(e.errors, expected);
    assert.deepEqual(Object.keys(body.errors), ["width", "height", "steps"], "server order");
    assert.ok(e.errors.length >= 3);
    assert.equal(seen(key, "/images/generations").length, 1, "422 is never retried");
  });

  it("422 with errors.balance is an InsufficientBalanceError (a ValidationError)", async () => {
    const { c } = client(mock);
    const e = await rejection(c.images.generate(validImage({ prompt: "pay me [balance]" })));
    assert.ok(e instanceof InsufficientBalanceError && e instanceof ValidationError);
    assert.equal(e.code, "insufficient_balance");
    assert.deepEqual(e.fieldErrors, { balance: ["Not enough balance."] });
  });

  it("429 with Retry-After: 86400 rejects at once with RateLimitError", async () => {
    const { c, key } = client(mock);
    mock.addFaults({ key, responses: [{ preset: "rate429", retryAfter: 86400 }] });
    const e = await rejection(c.account.balance());
    assert.ok(e instanceof RateLimitError);
    assert.equal(e.status, 429);
    assert.equal(e.retryAfter, 86400);
    assert.equal(e.attempts, 1);
    assert.equal(e.rateLimit.type, "daily");
    assert.match(e.message, /Too Many Attempts\. Retry after 86400 s\./);
    assert.equal(seen(key).length, 1);
  });

  it("429 with a short Retry-After is slept and retried", async () => {
    const retries = [];
    const { c, key } = client(mock, { onRetry: (ev) => retries.push([ev.reason, ev.delayMs]) });
    mock.addFaults({ key, responses: [{ preset: "rate429", retryAfter: 0 }] });
    assert.deepEqual(await c.account.balance(), { balance: 19.72 });
    assert.deepEqual(retries, [["rate_limited", 0]]);
    assert.equal(seen(key).length, 2);
  });

  it("500: 3×500 then 200 resolves after exactly 4 attempts with delays base, 2×base, 4×base", async () => {
    const delays = [];
    const { c, key } = client(mock, { retryBaseDelayMs: 3, onRetry: (ev) => delays.push(ev.delayMs) });
    mock.addFaults({ key, responses: [{ status: 500 }, { status: 500 }, { status: 500 }] });
    assert.deepEqual(await c.account.balance(), { balance: 19.72 });
    assert.equal(seen(key).length, 4);
    assert.deepEqual(delays, [3, 6, 12]);
  });

  it("500: 4×500 rejects with ServerError after 4 attempts", async () => {
    const { c, key } = client(mock);
    mock.addFaults({ key, responses: Array(4).fill({ status: 500 }) });
    const e = await rejection(c.account.balance());
    assert.ok(e instanceof ServerError);
    assert.equal(e.status, 500);
    assert.equal(e.message, "Server Error");
    assert.equal(e.attempts, 4);
    assert.equal(seen(key).length, 4);
  });
});

describe("odd error bodies", () => {
  it("HTML 502 from a proxy", async () => {
    const { c, key } = client(mock, { maxRetries: 0 });
    mock.addFaults({ key, responses: [{ preset: "html502" }] });
    const e = await rejection(c.account.balance());
    assert.ok(e instanceof ServerError);
    assert.equal(e.status, 502);
    assert.match(e.message, /HTTP 502 Bad Gateway with an HTML page/);
    assert.match(e.body, /<title>502 Bad Gateway<\/title>/);
  });

  it("empty 503", async () => {
    const { c, key } = client(mock, { maxRetries: 0 });
    mock.addFaults({ key, responses: [{ preset: "empty503" }] });
    const e = await rejection(c.account.balance());
    assert.ok(e instanceof ServerError);
    assert.equal(e.message, "deAPI request failed: HTTP 503 Service Unavailable with an empty body");
  });

  it("the stale error shape still gives field errors", async () => {
    const { c, key } = client(mock);
    mock.addFaults({ key, responses: [{ preset: "stale422" }] });
    const e = await rejection(c.images.generate(validImage()));
    assert.ok(e instanceof ValidationError);
    assert.deepEqual(e.errors, [{ field: "prompt", message: "The prompt field is required." }]);
    assert.deepEqual(e.fieldErrors, { prompt: ["The prompt field is required."] });
  });

  it("a 200 without the envelope is an InvalidResponseError, and the client keeps working", async () => {
    const { c, key } = client(mock);
    mock.addFaults({ key, responses: [{ status: 200, body: { data: {} } }, { status: 200, rawBody: "<html>", contentType: "text/html" }] });
    const e1 = await rejection(c.images.generate(validImage()));
    assert.ok(e1 instanceof InvalidResponseError);
    assert.match(e1.message, /request_id/);
    const e2 = await rejection(c.account.balance());
    assert.ok(e2 instanceof InvalidResponseError);
    assert.match(e2.message, /not JSON/);
    assert.deepEqual(await c.account.balance(), { balance: 19.72 });
  });
});

describe("network faults and cancellation", () => {
  it("a connection reset is retried, then rejects with ConnectionError and its cause", async () => {
    const { c, key } = client(mock, { maxRetries: 2 });
    mock.addFaults({ key, responses: Array(3).fill({ preset: "reset" }) });
    const e = await rejection(c.account.balance());
    assert.ok(e instanceof ConnectionError);
    assert.equal(e.status, undefined);
    assert.equal(e.attempts, 3);
    assert.ok(e.cause instanceof Error);
    assert.match(e.message, /Could not reach deAPI/);
  });

  it("a refused connection is a ConnectionError", async () => {
    const c = new DeapiClient({ apiKey: newKey(), baseUrl: "http://127.0.0.1:1", maxRetries: 1, retryBaseDelayMs: 1 });
    const e = await rejection(c.account.balance());
    assert.ok(e instanceof ConnectionError);
    assert.equal(e.attempts, 2);
  });

  it("a hang hits the per-attempt timeout: RequestTimeoutError", async () => {
    const { c, key } = client(mock, { maxRetries: 1, timeoutMs: 50 });
    mock.addFaults({ key, responses: [{ preset: "hang" }, { preset: "hang" }] });
    const e = await rejection(c.account.balance());
    assert.ok(e instanceof RequestTimeoutError);
    assert.equal(e.code, "timeout");
    assert.equal(e.attempts, 2);
    assert.match(e.message, /within 50 ms/);
  });

  it("per-call timeoutMs overrides the client's", async () => {
    const { c, key } = client(mock, { maxRetries: 0 });
    mock.addFaults({ key, responses: [{ preset: "hang" }] });
    const e = await rejection(c.account.balance({ timeoutMs: 30 }));
    assert.ok(e instanceof RequestTimeoutError);
    assert.match(e.message, /within 30 ms/);
  });

  it("abort during the request rejects with AbortError and the signal's reason", async () => {
    const { c, key } = client(mock);
    mock.addFaults({ key, responses: [{ preset: "hang" }] });
    const ac = new AbortController();
    const p = c.account.balance({ signal: ac.signal });
    setTimeout(() => ac.abort(new Error("user left")), 20);
    const e = await rejection(p);
    assert.ok(e instanceof AbortError);
    assert.equal(e.name, "AbortError");
    assert.equal(e.code, "aborted");
    assert.equal(e.cause.message, "user left");
  });

  it("abort during a backoff sleep rejects without another attempt", async () => {
    const { c, key } = client(mock, { retryBaseDelayMs: 60_000 });
    mock.addFaults({ key, responses: [{ status: 503 }] });
    const ac = new AbortController();
    const p = c.account.balance({ signal: ac.signal, timeoutMs: 5000 });
    // abort once the first attempt has been answered
    while (seen(key).length < 1) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    const e = await rejection(p);
    assert.ok(e instanceof AbortError);
    assert.equal(e.attempts, 1);
    assert.equal(seen(key).length, 1);
  });

  it("an already aborted signal makes no request", async () => {
    const { c, key } = client(mock);
    const e = await rejection(c.account.balance({ signal: AbortSignal.abort() }));
    assert.ok(e instanceof AbortError);
    assert.equal(e.attempts, 0);
    assert.equal(seen(key).length, 0);
  });

  it("retrySubmissions: false submits once on 500 but still retries a connection failure", async () => {
    const { c, key } = client(mock, { retrySubmissions: false });
    mock.addFaults({ key, path: "/images/generations", responses: [{ status: 500 }] });
    const e = await rejection(c.images.generate(validImage()));
    assert.ok(e instanceof ServerError);
    assert.equal(e.attempts, 1);
    mock.addFaults({ key, path: "/images/generations", responses: [{ preset: "reset" }] });
    const job = await c.images.generate(validImage());
    assert.equal(typeof job.requestId, "string");
    assert.equal(seen(key, "/images/generations").length, 3);
    // reads still retry 5xx
    mock.addFaults({ key, path: "/images/generations/price", responses: [{ status: 502 }] });
    assert.equal(typeof (await c.images.generatePrice(validImage())).price, "number");
  });
});

describe("jobs", () => {
  it("generate → wait: pending → processing → done, with progress and a PNG result", async () => {
    const { c, key } = client(mock);
    const job = await c.images.generate(validImage());
    assert.match(job.requestId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(JSON.parse(JSON.stringify(job)), { requestId: job.requestId });
    const seenStatuses = [];
    const done = await job.wait({ pollIntervalMs: 1, onProgress: (s) => seenStatuses.push([s.status, s.progress]) });
    assert.equal(done.status, "done");
    assert.equal(done.request_id, job.requestId);
    assert.equal(done.progress, 100);
    assert.deepEqual(seenStatuses.map((s) => s[0]).filter((s, i, a) => a[i - 1] !== s), ["pending", "processing", "done"]);
    const progress = seenStatuses.map((s) => s[1]);
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b), "progress never goes back");
    const png = Buffer.from(await (await fetch(done.result_url)).arrayBuffer());
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(seen(key, "/jobs/").length >= 3);
  });

  it("a failed job rejects with JobFailedError and the v2 failure fields", async () => {
    const { c } = client(mock);
    const job = await c.images.generate(validImage({ prompt: "a fox [fail]" }));
    const e = await rejection(c.jobs.wait(job.requestId, { pollIntervalMs: 1 }));
    assert.ok(e instanceof JobFailedError && e instanceof DeapiError);
    assert.equal(e.code, "job_failed");
    assert.equal(e.status, undefined);
    assert.equal(e.requestId, job.requestId);
    assert.equal(e.errorCode, "PROCESSING_ERROR");
    assert.equal(e.errorReason, "PROCESSING_FAILED");
    assert.equal(e.errorMessage, "The worker failed to process the job.");
    assert.equal(e.retryable, true);
    assert.equal(e.refunded, true);
    assert.match(e.message, /failed: The worker failed to process the job\./);
  });

  it("maxWaitMs rejects with JobTimeoutError", async () => {
    const { c } = client(mock);
    const job = await c.images.generate(validImage());
    const e = await rejection(job.wait({ pollIntervalMs: 1, maxWaitMs: 0 }));
    assert.ok(e instanceof JobTimeoutError);
    assert.equal(e.requestId, job.requestId);
    assert.equal(e.body.status, "pending");
  });

  it("abort during wait() polling rejects with AbortError", async () => {
    const { c } = client(mock);
    const job = await c.images.generate(validImage());
    const ac = new AbortController();
    const p = job.wait({ pollIntervalMs: 60_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    const e = await rejection(p);
    assert.ok(e instanceof AbortError);
    assert.equal(e.requestId, job.requestId);
  });

  it("deapi.job(id) rebuilds a handle; jobs.get polls once", async () => {
    const { c } = client(mock);
    const { requestId } = await c.images.generate(validImage());
    const again = c.job(requestId);
    const s = await again.status();
    assert.equal(s.request_id, requestId);
    assert.ok(["pending", "processing"].includes(s.status));
    assert.throws(() => c.job(""), InvalidOptionsError);
    const e = await rejection(c.jobs.get(42));
    assert.ok(e instanceof InvalidOptionsError);
  });
});

describe("models, price, v1", () => {
  it("models.list sends limit=50 and decodes leniently", async () => {
    const { c, key } = client(mock);
    const page = await c.models.list();
    const req = seen(key, "/models")[0];
    assert.equal(req.query.limit, "50");
    assert.equal(page.data.length, 50);
    assert.equal(page.currentPage, 1);
    assert.ok(page.lastPage >= 2);
    for (const m of page.data) {
      assert.ok(Array.isArray(m.inference_types), m.slug);
      assert.equal(typeof m.info.limits, "object");
      for (const v of Object.values(m.info.features)) assert.equal(typeof v, "boolean", m.slug);
    }
  });

  it("models.all walks every page; the filter is sent", async () => {
    const { c, key } = client(mock);
    const all = await c.models.all();
    const { MODELS } = await import("../mock/server.mjs");
    assert.deepEqual(all.map((m) => m.slug), MODELS.map((m) => m.slug));
    assert.equal(seen(key, "/models").length, 2);
    const t2i = await c.models.all({ inference_types: ["txt2img"] });
    assert.ok(t2i.length > 0 && t2i.every((m) => m.inference_types.includes("txt2img")));
    assert.equal(seen(key, "/models").at(-1).query["filter[inference_types]"], "txt2img");
  });

  it("generatePrice resolves to { price }", async () => {
    const { c } = client(mock);
    const r = await c.images.generatePrice(validImage());
    assert.equal(typeof r.price, "number");
    assert.ok(r.price > 0);
  });

  it("apiVersion v1 uses the v1 paths for every operation", async () => {
    const { c, key } = client(mock, { apiVersion: "v1" });
    await c.account.balance();
    await c.images.generatePrice(validImage());
    const job = await c.images.generate(validImage());
    await job.wait({ pollIntervalMs: 1 });
    await c.models.list({ limit: 5 });
    const paths = [...new Set(seen(key).map((r) => r.path))];
    assert.deepEqual(paths, [
      "/api/v1/client/balance",
      "/api/v1/client/txt2img/price-calculation",
      "/api/v1/client/txt2img",
      `/api/v1/client/request-status/${job.requestId}`,
      "/api/v1/client/models",
    ]);
  });

  it("v2 requests carry Bearer auth, Accept and a JSON body with typed numbers and no nulls", async () => {
    const { c, key } = client(mock);
    await c.images.generate(validImage({ negative_prompt: null, loras: undefined }));
    const r = seen(key, "/images/generations")[0];
    assert.equal(r.method, "POST");
    assert.equal(r.path, "/api/v2/images/generations");
    assert.equal(r.headers.authorization, `Bearer ${key}`);
    assert.equal(r.headers.accept, "application/json");
    assert.match(r.headers["content-type"], /^application\/json/);
    assert.deepEqual(JSON.parse(r.body), validImage());
  });
});

describe("options", () => {
  const bad = [
    [{ apikey: "1|abcdef" }, "apikey"],
    [{}, "apiKey"],
    [{ apiKey: "" }, "apiKey"],
    [{ apiKey: "1|abcdef", baseUrl: "ftp://x" }, "baseUrl"],
    [{ apiKey: "1|abcdef", apiVersion: "v3" }, "apiVersion"],
    [{ apiKey: "1|abcdef", timeoutMs: -1 }, "timeoutMs"],
    [{ apiKey: "1|abcdef", maxRetries: 2.5 }, "maxRetries"],
    [{ apiKey: "1|abcdef", retryBaseDelayMs: "1s" }, "retryBaseDelayMs"],
    [{ apiKey: "1|abcdef", maxRetryAfterMs: null, retrySubmissions: "yes" }, "retrySubmissions"],
    [{ apiKey: "1|abcdef", headers: { "X-A": 1 } }, "headers"],
    // a value Node's http and fetch would refuse at every attempt (a ConnectionError after retries)
    [{ apiKey: "1|abcdef", headers: { "X-Name": "日本" } }, "headers"],
    [{ apiKey: "1|abcdef", baseUrl: "https://user:s3cretpw@proxy.test/api" }, "baseUrl"],
    [{ apiKey: "1|abcdef", fetch: "not a function" }, "fetch"],
    [{ apiKey: "1|abcdef", onRetry: 5 }, "onRetry"],
    [{ apiKey: "1|abcdef", dangerouslyAllowBrowser: 1 }, "dangerouslyAllowBrowser"],
  ];
  for (const [opts, name] of bad) {
    it(`rejects a bad \`${name}\` with InvalidOptionsError naming it`, () => {
      assert.throws(() => new DeapiClient(opts), (e) => {
        assert.ok(e instanceof InvalidOptionsError && e instanceof DeapiError);
        assert.equal(e.code, "invalid_options");
        assert.ok(e.message.includes(`\`${name}\``), e.message);
        assert.ok(!JSON.stringify(e).includes("s3cretpw") && !e.message.includes("s3cretpw"), "a URL's password is not echoed");
        return true;
      });
    });
  }

  it("rejects non-object options and bad call options", async () => {
    assert.throws(() => new DeapiClient("1|abcdef"), InvalidOptionsError);
    const { c } = client(mock);
    for (const o of [{ signal: "x" }, { timeoutMs: 0 }, { nope: 1 }, 5]) {
      const e = await rejection(c.account.balance(o));
      assert.ok(e instanceof InvalidOptionsError, JSON.stringify(o));
    }
    const e = await rejection(c.images.generate("a fox"));
    assert.ok(e instanceof InvalidOptionsError);
    assert.match(e.message, /params/);
    // an AbortSignal where the options go (job.wait(signal)) was read as `{}` and ignored: now refused, saying how
    const ac = new AbortController();
    for (const p of [c.account.balance(ac.signal), c.job("0b0e5c4e-0000-4000-8000-000000000000").wait(ac.signal)]) {
      const s = await rejection(p);
      assert.ok(s instanceof InvalidOptionsError, s.name);
      assert.match(s.message, /got an AbortSignal where the options go: pass it as \{ signal \}/);
    }
  });

  it("the browser key guard refuses a key without dangerouslyAllowBrowser", () => {
    globalThis.document = {};
    try {
      assert.throws(() => new DeapiClient({ apiKey: "1|abcdef" }), (e) => e instanceof InvalidOptionsError && /browser/.test(e.message));
      assert.ok(new DeapiClient({ apiKey: "1|abcdef", dangerouslyAllowBrowser: true }));
      assert.ok(new DeapiClient({ baseUrl: "/api/deapi" }), "keyless proxy mode with a same-origin path");
    } finally {
      delete globalThis.document;
    }
  });

  it("an Authorization in headers is a key: refused in a browser without dangerouslyAllowBrowser (issue 25)", () => {
    globalThis.document = {};
    try {
      for (const name of ["Authorization", "authorization"]) {
        assert.throws(() => new DeapiClient({ baseUrl: "/api/deapi", headers: { [name]: "Bearer HeaderKeyNeverEchoed" } }), (e) => {
          assert.ok(e instanceof InvalidOptionsError, e.name);
          assert.match(e.message, /`headers`: sets Authorization, a key: refused in a browser/);
          assert.match(e.message, /dangerouslyAllowBrowser: true/);
          assert.ok(!JSON.stringify(e).includes("HeaderKeyNeverEchoed") && !e.stack.includes("HeaderKeyNeverEchoed"));
          return true;
        });
      }
      assert.ok(new DeapiClient({ baseUrl: "/api/deapi", headers: { Authorization: "Bearer t" }, dangerouslyAllowBrowser: true }));
      assert.ok(new DeapiClient({ baseUrl: "/api/deapi", headers: { "X-App": "a" } }), "other headers need no opt-in");
    } finally {
      delete globalThis.document;
    }
  });

  it("Host, Content-Length, Transfer-Encoding, Connection and Upgrade are refused in headers (issue 25)", () => {
    for (const name of ["Host", "content-length", "Transfer-Encoding", "Connection", "UPGRADE"]) {
      assert.throws(() => new DeapiClient({ apiKey: newKey(), headers: { [name]: "x" } }), (e) => {
        assert.ok(e instanceof InvalidOptionsError, `${name}: ${e.name}`);
        assert.ok(e.message.includes("`headers`") && e.message.includes(`must not set ${name}`), e.message);
        return true;
      });
    }
  });

  it("http:// with apiKey is refused unless the host is loopback or allowInsecureHttp: true (issue 25)", () => {
    const key = "1|ClearTextKeyNeverEchoed";
    for (const baseUrl of ["http://api.deapi.ai", "http://proxy.example/deapi", "http://127.0.0.1.nip.io", "http://localhost.evil.test",
      "http://10.0.0.2:8080", "http://127.1", "http://[::ffff:127.0.0.1]"]) {
      assert.throws(() => new DeapiClient({ apiKey: key, baseUrl }), (e) => {
        assert.ok(e instanceof InvalidOptionsError, `${baseUrl}: ${e.name}`);
        assert.match(e.message, /`baseUrl`: is http:\/\/ and `apiKey` is set: the key would travel in clear text/);
        assert.match(e.message, /allowInsecureHttp: true/);
        assert.ok(!JSON.stringify(e).includes("ClearTextKeyNeverEchoed"));
        return true;
      }, baseUrl);
    }
    // an Authorization header is a key here too
    assert.throws(() => new DeapiClient({ baseUrl: "http://proxy.example", headers: { Authorization: "Bearer t" } }), /`headers` sets Authorization/);
    for (const baseUrl of ["http://127.0.0.1:8787", "http://127.8.9.10", "http://localhost:3000/api", "http://app.localhost", "http://[::1]:9", "https://proxy.example"]) {
      assert.ok(new DeapiClient({ apiKey: key, baseUrl }), baseUrl);
    }
    assert.ok(new DeapiClient({ apiKey: key, baseUrl: "http://proxy.example", allowInsecureHttp: true }), "the opt-in");
    assert.ok(new DeapiClient({ baseUrl: "http://proxy.example/deapi" }), "keyless proxy mode: no key to expose");
    assert.throws(() => new DeapiClient({ apiKey: key, allowInsecureHttp: "yes" }), /`allowInsecureHttp`: must be true or false/);
  });

  it("keyless proxy mode sends no Authorization; custom headers are sent", async () => {
    const proxy = await withMock({ allowKeyless: true });
    try {
      const c = new DeapiClient({ baseUrl: proxy.url, headers: { "X-Session": "s1" } });
      assert.deepEqual(await c.account.balance(), { balance: 19.72 });
      const [r] = proxy.requests({ key: "keyless" });
      assert.equal(r.headers.authorization, undefined);
      assert.equal(r.headers["x-session"], "s1");
    } finally {
      await proxy.close();
    }
  });

  it("an injected fetch is used", async () => {
    const calls = [];
    const fetchImpl = (url, init) => { calls.push([url, init.method]); return fetch(url, init); };
    const { c } = client(mock, { fetch: fetchImpl });
    await c.account.balance();
    assert.deepEqual(calls, [[`${mock.url}/api/v2/account/balance`, "GET"]]);
  });
});

describe("errors", () => {
  it("are real Error subclasses with literal names, toJSON, and cross-copy isDeapiError", () => {
    const e = new ValidationError({ message: "m", status: 422, errors: [{ field: "a", message: "b" }] });
    assert.ok(e instanceof ValidationError && e instanceof DeapiError && e instanceof Error);
    assert.equal(e.name, "ValidationError");
    assert.equal(Object.prototype.toString.call(e), "[object Error]");
    assert.equal(e.toJSON().errors[0].field, "a");
    // a look-alike from another copy of the package: same brand symbol
    const other = Object.create(Error.prototype, { [Symbol.for("deapi-wasm.error")]: { value: true }, code: { value: "validation" } });
    assert.ok(isDeapiError(other) && isValidationError(other));
    assert.ok(!isDeapiError(new Error("x")) && !isDeapiError(null) && !isDeapiError("x"));
  });

  it("never contain the API key, and hooks see it redacted", async () => {
    const key = "987|KeyThatMustNeverLeak";
    const events = [];
    const c = new DeapiClient({
      apiKey: key, baseUrl: mock.url, retryBaseDelayMs: 1, maxRetries: 1,
      onRequest: (ev) => events.push(ev), onResponse: (ev) => events.push(ev), onRetry: (ev) => events.push(ev), onError: (ev) => events.push(ev),
    });
    // a hostile server that echoes the key back in every part of the error
    mock.addFaults({ key, responses: [
      { status: 500, body: { message: `bad ${key}`, errors: { [key]: [key] } } },
      { status: 422, body: { message: `Key ${key} rejected`, errors: { prompt: [`echo ${key}`] } }, headers: { "X-RateLimit-Source": key } },
    ] });
    const e = await rejection(c.images.generate(validImage()));
    assert.ok(e instanceof ValidationError);
    const dump = [e.message, e.stack, JSON.stringify(e), JSON.stringify(e.body), JSON.stringify(events, (k, v) => (v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v))].join("\n");
    assert.ok(!dump.includes("KeyThatMustNeverLeak"), dump);
    assert.equal(events[0].headers.Authorization, "Bearer [REDACTED]");
    assert.ok(events.some((ev) => ev.reason === "server_error"));
    assert.equal(events.at(-1), e, "onError receives the rejected error");
  });
});

describe("per-call maxRetries", () => {
  it("a call's maxRetries replaces the client's for that call (0: one attempt); wait() applies it to each poll; a bad one is an InvalidOptionsError", async () => {
    let calls = 0;
    const fetch = async () => {
      calls++;
      return new Response(JSON.stringify({ message: "Service Unavailable" }), { status: 503, headers: { "content-type": "application/json" } });
    };
    const c = new DeapiClient({ apiKey: newKey(), baseUrl: "https://api.test", fetch, maxRetries: 3, retryBaseDelayMs: 1 });
    const sent = async (promise) => {
      calls = 0;
      const e = await rejection(promise);
      return [e.name, e.attempts, calls];
    };
    assert.deepEqual(await sent(c.account.balance({ maxRetries: 0 })), ["ServerError", 1, 1]);
    assert.deepEqual(await sent(c.account.balance({ maxRetries: 2 })), ["ServerError", 3, 3]);
    assert.deepEqual(await sent(c.account.balance()), ["ServerError", 4, 4], "the client's maxRetries otherwise");
    assert.deepEqual(await sent(c.jobs.get("r-1", { maxRetries: 0 })), ["ServerError", 1, 1]);
    assert.deepEqual(await sent(c.models.all({}, { maxRetries: 1 })), ["ServerError", 2, 2]);
    assert.deepEqual(await sent(c.job("r-1").wait({ maxRetries: 0, pollIntervalMs: 1 })), ["ServerError", 1, 1]);
    for (const bad of [11, -1, 1.5, "2"]) {
      const e = await rejection(c.account.balance({ maxRetries: bad }));
      assert.equal(e.name, "InvalidOptionsError", String(bad));
      assert.match(e.message, /`maxRetries`.*integer from 0 to 10/);
    }
  });
});
