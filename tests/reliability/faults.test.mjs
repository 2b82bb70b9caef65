// Issue #6 part 3 (and 5): network faults from the mock deAPI. For each: the attempts made (the mock's
// request log, or onRequest events when nothing answers), the delays asked of the timer, the final
// error class, and that no request is retried beyond maxRetries. Everything runs with the canary key
// and all four hooks; at the end the key must appear nowhere in what the SDK handed out.
//
// How the backoff delays are measured: `recordTimers` (support.mjs) wraps `globalThis.setTimeout`
// around the call and records every delay, marking the calls whose immediate caller is the package
// (the facade in pkg/dist, which runs the core's timers with the global `setTimeout`). Of those SDK timers, the per-attempt
// timeout is the one made with exactly `timeoutMs` at the start of every attempt (each test picks a
// `timeoutMs` no backoff delay can equal); every other SDK timer is a backoff sleep, in order. The
// mock runs in this process too, but its timers (slowBody, resetMidBody) are not the SDK's caller.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { KEY, TRANSPORTS, assertNear, errorTexts, eventText, leaks, recordTimers, recorder, sdk, startMock, validImage } from "./support.mjs";

const { DeapiClient, ServerError, RateLimitError, ConnectionError, RequestTimeoutError } = sdk;

let mock;
const handedOut = [];
before(async () => { mock = await startMock({ quiet: true }); });
after(() => mock?.close());

/** The connection faults, hangs and slow bodies run through both TRANSPORTS: the client options of
 * the describe block that runs. */
let transport = {};

/**
 * Run `call` on a fresh client (canary key, hooks) with `faults` queued for it.
 * → { result, attempts (mock log), requestsSent (onRequest events), perAttempt, backoff, retries, rec }
 */
async function scenario({ client = {}, faults, call = (c) => c.account.balance(), compress, baseUrl }) {
  mock.reset();
  const rec = recorder();
  const timeoutMs = client.timeoutMs ?? 30_000;
  const c = new DeapiClient({ apiKey: KEY, baseUrl: baseUrl ?? mock.url, ...rec.hooks, ...transport, ...client });
  if (faults) mock.addFaults({ key: KEY, responses: faults });
  const { result, records } = await recordTimers(() => call(c), { compress });
  const sdkTimers = records.filter((r) => r.sdk);
  const out = {
    c, rec, result,
    attempts: mock.requests({ key: KEY }).length,
    requestsSent: rec.of("onRequest").length,
    perAttempt: sdkTimers.filter((r) => r.ms === timeoutMs).length,
    backoff: sdkTimers.filter((r) => r.ms !== timeoutMs).map((r) => r.ms),
    retries: rec.of("onRetry"),
  };
  if (!result.ok) errorTexts(result.error).forEach((text, i) => handedOut.push({ where: `error part ${i}`, text }));
  rec.events.forEach(({ hook, ev }) => handedOut.push({ where: hook, text: eventText(ev) }));
  mock.clearFaults();
  return out;
}

/** The common checks of a call that failed after retries. */
function assertFailure(s, Class, { attempts, backoff }) {
  assert.ok(!s.result.ok, `expected a rejection, got ${JSON.stringify(s.result.value)}`);
  const e = s.result.error;
  assert.ok(e instanceof Class, `expected ${Class.name}, got ${e.name}: ${e.message}`);
  assert.equal(e.attempts, attempts, "error.attempts");
  assert.equal(s.requestsSent, attempts, "onRequest events");
  assert.equal(s.retries.length, attempts - 1, "onRetry events");
  assert.deepEqual(s.retries.map((r) => r.attempt), Array.from({ length: attempts - 1 }, (_, i) => i + 1));
  assert.equal(s.perAttempt, attempts, "one per-attempt timer per attempt");
  assert.equal(s.backoff.length, backoff.length, `backoff timers ${JSON.stringify(s.backoff)}`);
  backoff.forEach((ms, i) => {
    assertNear(s.backoff[i], ms, `timer delay of retry ${i + 1}`);
    assertNear(s.retries[i].delayMs, ms, `onRetry delayMs of retry ${i + 1}`);
  });
  const onError = s.rec.of("onError");
  assert.equal(onError.length, 1);
  assert.equal(onError[0], e);
  return e;
}

/** A port nothing listens on. */
async function closedPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

describe("5xx × N", () => {
  it("3×503 then 200: resolves after 4 attempts; the timer is asked for base, 2×base, 4×base", async () => {
    const s = await scenario({ client: { retryBaseDelayMs: 40, timeoutMs: 9_999 }, faults: Array(3).fill({ status: 503 }) });
    assert.ok(s.result.ok, s.result.error?.message);
    assert.deepEqual(s.result.value, { balance: 19.72 });
    assert.equal(s.attempts, 4);
    assert.equal(s.perAttempt, 4);
    assert.equal(s.backoff.length, 3);
    [40, 80, 160].forEach((ms, i) => { assertNear(s.backoff[i], ms, `timer ${i}`); assertNear(s.retries[i].delayMs, ms, `onRetry ${i}`); });
    assert.deepEqual(s.retries.map((r) => r.reason), ["server_error", "server_error", "server_error"]);
    assert.ok(s.retries.every((r) => r.error instanceof ServerError && r.error.status === 503));
    assert.equal(s.rec.of("onError").length, 0);
  });

  it("the default schedule is 1 s, 2 s, 4 s (delays recorded as asked, waited compressed)", async () => {
    const s = await scenario({ client: { timeoutMs: 9_999 }, faults: Array(3).fill({ status: 502 }), compress: (ms) => (ms === 9_999 ? ms : 1) });
    assert.ok(s.result.ok, s.result.error?.message);
    assert.equal(s.attempts, 4);
    [1000, 2000, 4000].forEach((ms, i) => { assertNear(s.backoff[i], ms, `timer ${i}`); assertNear(s.retries[i].delayMs, ms, `onRetry ${i}`); });
  });

  for (const maxRetries of [0, 1, 2, 3]) {
    it(`maxRetries ${maxRetries}: 500s never get more than ${maxRetries + 1} attempts → ServerError`, async () => {
      const s = await scenario({ client: { maxRetries, retryBaseDelayMs: 10, timeoutMs: 9_999 }, faults: Array(maxRetries + 3).fill({ status: 500 }) });
      const e = assertFailure(s, ServerError, { attempts: maxRetries + 1, backoff: [10, 20, 40].slice(0, maxRetries) });
      assert.equal(s.attempts, maxRetries + 1, "requests the mock saw");
      assert.equal(e.status, 500);
      assert.equal(e.message, "Server Error");
    });
  }

  it("a 503 Retry-After longer than the backoff is honoured", async () => {
    const s = await scenario({ client: { maxRetries: 1, retryBaseDelayMs: 10, timeoutMs: 9_999 }, faults: [{ status: 503, headers: { "Retry-After": "2" } }], compress: (ms) => (ms === 9_999 ? ms : 1) });
    assert.ok(s.result.ok);
    assert.equal(s.attempts, 2);
    assertNear(s.backoff[0], 2000, "timer");
    assertNear(s.retries[0].delayMs, 2000, "onRetry");
  });

  it("mixed faults share one budget: reset, 503, 429, 500 with maxRetries 3 → the last one's class after 4 attempts", async () => {
    const s = await scenario({
      client: { maxRetries: 3, retryBaseDelayMs: 10, timeoutMs: 9_999 },
      faults: [{ preset: "reset" }, { status: 503 }, { preset: "rate429", retryAfter: 0 }, { status: 500 }, { status: 500 }],
    });
    assertFailure(s, ServerError, { attempts: 4, backoff: [10, 20, 0] });
    assert.deepEqual(s.retries.map((r) => r.reason), ["connection_failure", "server_error", "rate_limited"]);
    assert.equal(s.attempts, 4);
  });
});

describe("429 storm", () => {
  it("10×429 with Retry-After 0 and maxRetries 3 → RateLimitError after 4 attempts, sleeping 0 each time", async () => {
    const s = await scenario({ client: { maxRetries: 3, retryBaseDelayMs: 50, timeoutMs: 9_999 }, faults: Array(10).fill({ preset: "rate429", retryAfter: 0 }) });
    const e = assertFailure(s, RateLimitError, { attempts: 4, backoff: [0, 0, 0] });
    assert.deepEqual(s.backoff, [0, 0, 0], "Retry-After: 0 is slept as 0 ms, not the 50 ms backoff");
    assert.deepEqual(s.retries.map((r) => [r.reason, r.delayMs]), [["rate_limited", 0], ["rate_limited", 0], ["rate_limited", 0]]);
    assert.equal(s.attempts, 4, "the other 6 faults are never requested");
    assert.equal(e.status, 429);
    assert.equal(e.retryAfter, 0);
    assert.equal(e.rateLimit.type, "minute");
  });

  it("429 without Retry-After backs off base, 2×base", async () => {
    const s = await scenario({ client: { maxRetries: 2, retryBaseDelayMs: 30, timeoutMs: 9_999 }, faults: [{ status: 429 }, { status: 429 }] });
    assert.ok(s.result.ok);
    assert.equal(s.attempts, 3);
    [30, 60].forEach((ms, i) => assertNear(s.backoff[i], ms, `timer ${i}`));
  });
});

for (const [label, options] of TRANSPORTS) {
  describe(`connection faults, through ${label}`, () => {
    before(() => { transport = options; });
    after(() => { transport = {}; });
    it("connection refused (a closed port): ConnectionError after maxRetries + 1 attempts", async () => {
      const port = await closedPort();
      const s = await scenario({ baseUrl: `http://127.0.0.1:${port}`, client: { maxRetries: 2, retryBaseDelayMs: 25, timeoutMs: 9_999 } });
      const e = assertFailure(s, ConnectionError, { attempts: 3, backoff: [25, 50] });
      assert.equal(e.status, undefined);
      assert.match(e.message, /Could not reach deAPI at http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
      assert.ok(e.cause instanceof Error, "cause is the transport's error");
      assert.equal(e.cause.cause?.code, "ECONNREFUSED", "with the system error's code");
      assert.deepEqual(s.retries.map((r) => r.reason), ["connection_failure", "connection_failure"]);
    });

    it("reset before the headers: ConnectionError after maxRetries + 1 attempts", async () => {
      const s = await scenario({ client: { maxRetries: 2, retryBaseDelayMs: 15, timeoutMs: 9_999 }, faults: Array(4).fill({ preset: "reset" }) });
      const e = assertFailure(s, ConnectionError, { attempts: 3, backoff: [15, 30] });
      assert.equal(s.attempts, 3);
      assert.match(e.message, /Could not reach deAPI/);
    });

    it("reset before the headers, then an answer: resolves on the retry", async () => {
      const s = await scenario({ client: { maxRetries: 1, retryBaseDelayMs: 15, timeoutMs: 9_999 }, faults: [{ preset: "reset" }] });
      assert.deepEqual(s.result.value, { balance: 19.72 });
      assert.equal(s.attempts, 2);
    });

    it("reset mid-body (headers and half the JSON, then closed): ConnectionError after maxRetries + 1 attempts", async () => {
      const s = await scenario({ client: { maxRetries: 1, retryBaseDelayMs: 15, timeoutMs: 9_999 }, faults: Array(3).fill({ preset: "resetMidBody" }) });
      const e = assertFailure(s, ConnectionError, { attempts: 2, backoff: [15] });
      assert.equal(s.attempts, 2);
      assert.equal(e.status, undefined);
      assert.ok(s.rec.of("onResponse").length === 0 || s.rec.of("onResponse").every((r) => r.status === 200), "at most the 200 headers were seen");
    });

    it("reset mid-body, then a whole answer: resolves on the retry", async () => {
      const s = await scenario({ client: { maxRetries: 1, retryBaseDelayMs: 15, timeoutMs: 9_999 }, faults: [{ preset: "resetMidBody" }] });
      assert.deepEqual(s.result.value, { balance: 19.72 });
      assert.equal(s.attempts, 2);
    });

    it("retrySubmissions: false — a submission whose response was cut mid-body is not sent again (the server got it)", async () => {
      const s = await scenario({
        client: { maxRetries: 2, retryBaseDelayMs: 5, timeoutMs: 9_999, retrySubmissions: false },
        faults: [{ preset: "resetMidBody", body: { data: { request_id: "c08a339c-cut" } } }],
        call: (c) => c.images.generate(validImage()),
      });
      assert.equal(s.attempts, 1, "submissions the mock received");
      assert.ok(!s.result.ok);
    });

    it("retrySubmissions: false — a submission whose response timed out is not sent again", async () => {
      const s = await scenario({
        client: { maxRetries: 2, retryBaseDelayMs: 5, timeoutMs: 150, retrySubmissions: false },
        faults: [{ preset: "slowBody", intervalMs: 100, body: { data: { request_id: "c08a339c-slow" } } }],
        call: (c) => c.images.generate(validImage()),
      });
      assert.ok(!s.result.ok && s.result.error instanceof RequestTimeoutError, s.result.error?.message);
      assert.equal(s.attempts, 1);
      assert.equal(s.result.error.attempts, 1);
    });
  });

  describe(`hangs and slow bodies, through ${label}`, () => {
    before(() => { transport = options; });
    after(() => { transport = {}; });
    it("a hang hits the per-attempt timeout: RequestTimeoutError after maxRetries + 1 attempts", async () => {
      const s = await scenario({ client: { maxRetries: 1, retryBaseDelayMs: 20, timeoutMs: 80 }, faults: Array(3).fill({ preset: "hang" }) });
      const e = assertFailure(s, RequestTimeoutError, { attempts: 2, backoff: [20] });
      assert.equal(s.attempts, 2);
      assert.equal(e.code, "timeout");
      assert.match(e.message, /within 80 ms/);
      assert.deepEqual(s.retries.map((r) => r.reason), ["timeout"]);
    });

    it("a slow body (1 byte / 100 ms) times out: RequestTimeoutError after maxRetries + 1 attempts", async () => {
      const s = await scenario({ client: { maxRetries: 1, retryBaseDelayMs: 20, timeoutMs: 250 }, faults: Array(3).fill({ preset: "slowBody", chunkBytes: 1, intervalMs: 100 }) });
      const e = assertFailure(s, RequestTimeoutError, { attempts: 2, backoff: [20] });
      assert.equal(s.attempts, 2);
      assert.match(e.message, /within 250 ms/);
      assert.ok(s.rec.of("onResponse").every((r) => r.status === 200), "the headers came in time; the body did not");
    });

    it("a slow body that completes within timeoutMs is a success, with no retry", async () => {
      const s = await scenario({ client: { maxRetries: 2, retryBaseDelayMs: 20, timeoutMs: 5_000 }, faults: [{ preset: "slowBody", chunkBytes: 4, intervalMs: 20 }] });
      assert.deepEqual(s.result.value, { balance: 19.72 });
      assert.equal(s.attempts, 1);
      assert.equal(s.retries.length, 0);
      assert.deepEqual(s.backoff, []);
    });
  });

}

describe("key safety across every fault", () => {
  it("the key appears nowhere in the errors and hook events of the faults above", () => {
    assert.ok(handedOut.length > 50, `${handedOut.length} texts`);
    assert.ok(handedOut.some((t) => t.text.includes("Bearer [REDACTED]")), "onRequest events were collected");
    assert.deepEqual(leaks(handedOut), []);
  });
});
