// Issue #6 part 4: cancellation. Aborting during the request, during a backoff sleep and during
// wait() polling rejects promptly with AbortError and leaves no pending timer — in Node (checked with
// process.getActiveResourcesInfo()) and in Chromium (a ledger of window.setTimeout/clearTimeout kept by
// tests/reliability/page.html, since a browser has no getActiveResourcesInfo).
//
// "Promptly" is asserted as "before the 60 s timer would have ended": every scenario leaves a 60 s timer
// pending (per-attempt timeout, backoff sleep or poll interval) and the promise must settle while it
// still would be. Each scenario first shows that the probe sees that timer (more timers while pending
// than before), so the "no timer left" assertion can fail.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { KEY, SECRET, activeTimeouts, eventText, leaks, openBrowserPage, recorder, sdk, settle, startMock, turn, until, validImage } from "./support.mjs";

const { DeapiClient, AbortError, DeapiError } = sdk;
const MINUTE = 60_000;
const TEST = { timeout: 150_000 }; // a broken abort would wait out the 60 s timers and fail on elapsed

let mock;
before(async () => { mock = await startMock({ quiet: true }); });
after(() => mock?.close());

/**
 * Start `run(client, signal)`, wait for `ready()`, check the probe sees the SDK's timers, abort, and
 * return what the checks need.
 */
async function abortScenario({ client = {}, faults, run, ready }) {
  mock.reset();
  const rec = recorder();
  const c = new DeapiClient({ apiKey: KEY, baseUrl: mock.url, maxRetries: 3, retryBaseDelayMs: MINUTE, timeoutMs: MINUTE, ...rec.hooks, ...client });
  if (faults) mock.addFaults({ key: KEY, responses: faults });
  await turn();
  const before = activeTimeouts();
  const ac = new AbortController();
  const t0 = Date.now();
  const pending = settle(run(c, ac.signal));
  await until(() => ready(rec), "the call to reach the point to abort at", 30_000);
  await turn();
  const during = activeTimeouts();
  const reason = new Error("user navigated away");
  ac.abort(reason);
  const result = await pending;
  const elapsed = Date.now() - t0;
  await turn();
  const afterCount = activeTimeouts();
  const seen = mock.requests({ key: KEY }).map((r) => r.path); // requests of the aborted call
  mock.clearFaults();
  const next = await settle(c.account.balance()); // the same client, after the abort
  return { c, rec, result, elapsed, before, during, after: afterCount, reason, next, seen };
}

function assertAborted(s, { attempts }) {
  assert.ok(!s.result.ok, "the call rejects");
  const e = s.result.error;
  assert.ok(e instanceof AbortError && e instanceof DeapiError && e instanceof Error, `AbortError, got ${e?.name}: ${e?.message}`);
  assert.equal(e.name, "AbortError");
  assert.equal(e.code, "aborted");
  assert.equal(e.cause, s.reason, "cause is the signal's reason");
  if (attempts !== undefined) assert.equal(e.attempts, attempts);
  assert.ok(s.elapsed < MINUTE, `settled after ${s.elapsed} ms: before the 60 s timer would have ended`);
  assert.ok(s.during > s.before, `the probe sees the SDK's pending 60 s timer (${s.before} → ${s.during} Timeout handles)`);
  assert.ok(s.after <= s.before, `no timer left behind: ${s.before} Timeout handles before the call, ${s.after} after`);
  const onError = s.rec.of("onError");
  assert.equal(onError[0], e, "onError receives the AbortError");
  assert.equal(onError.length, 1);
  assert.deepEqual(s.next.value, { balance: 19.72 }, `the same client works after the abort: ${s.next.error?.message}`);
  const texts = [e.message, e.stack, JSON.stringify(e), ...s.rec.events.map(({ ev }) => eventText(ev))].map((text) => ({ where: "abort", text }));
  assert.deepEqual(leaks(texts), []);
  return e;
}

describe("cancellation in Node", () => {
  it("abort during a hung request: AbortError, no retry, no timer left", TEST, async () => {
    const s = await abortScenario({
      faults: [{ preset: "hang" }, { preset: "hang" }],
      run: (c, signal) => c.account.balance({ signal }),
      ready: () => mock.requests({ key: KEY }).length === 1,
    });
    assertAborted(s, { attempts: 1 });
    assert.equal(s.rec.of("onRetry").length, 0, "an abort is never retried");
    assert.equal(s.seen.length, 1);
  });

  it("abort while the response body is still arriving: AbortError, no timer left", TEST, async () => {
    const s = await abortScenario({
      faults: [{ preset: "slowBody", intervalMs: 2_000 }],
      run: (c, signal) => c.account.balance({ signal }),
      ready: () => mock.requests({ key: KEY }).length === 1,
    });
    assertAborted(s, { attempts: 1 });
    assert.equal(s.seen.length, 1, "not retried");
  });

  it("abort during a backoff sleep (retryBaseDelayMs 60 000): AbortError after 1 attempt, no timer left", TEST, async () => {
    const s = await abortScenario({
      client: { timeoutMs: 9_999 },
      faults: [{ status: 503 }],
      run: (c, signal) => c.account.balance({ signal }),
      ready: (rec) => rec.of("onRetry").length === 1,
    });
    assertAborted(s, { attempts: 1 });
    assert.equal(s.rec.of("onRetry")[0].delayMs, MINUTE);
    assert.equal(s.seen.length, 1, "no second attempt");
  });

  it("abort during wait() polling (pollIntervalMs 60 000): AbortError with the requestId, no timer left", TEST, async () => {
    const polls = [];
    const s = await abortScenario({
      run: async (c, signal) => {
        const job = await c.images.generate(validImage());
        polls.job = job;
        return job.wait({ signal, pollIntervalMs: MINUTE, onProgress: (st) => polls.push(st.status) });
      },
      ready: () => polls.length === 1,
    });
    const e = assertAborted(s, {});
    assert.equal(e.requestId, polls.job.requestId);
    assert.equal(s.seen.filter((p) => p.includes("/jobs/")).length, 1, "one poll, then the sleep was cut short");
  });
});

describe("cancellation in Chromium", () => {
  let b;
  before(async () => { b = await openBrowserPage(); });
  after(() => b?.close());

  /** Start `kind` in the page; Node waits for `ready`, then the page aborts and reports. */
  async function inPage(kind, ready) {
    b.mock.reset();
    if (kind === "request") b.mock.addFaults({ key: KEY, responses: [{ preset: "hang" }, { preset: "hang" }] });
    if (kind === "backoff") b.mock.addFaults({ key: KEY, responses: [{ status: 503 }] });
    await b.page.evaluate(async ({ kind, key }) => {
      const run = (window.run = { retries: 0, polls: 0 });
      const c = new window.sdk.DeapiClient({
        apiKey: key, baseUrl: location.origin, dangerouslyAllowBrowser: true, maxRetries: 3, retryBaseDelayMs: 60_000,
        timeoutMs: kind === "backoff" ? 9_999 : 60_000, onRetry: () => { run.retries++; },
      });
      const job = kind === "wait" ? await c.images.generate({ prompt: "a red fox", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: -1 }) : null;
      run.requestId = job?.requestId;
      await window.turn();
      run.before = window.pendingTimers();
      run.ac = new AbortController();
      const t0 = performance.now();
      const p = kind === "wait"
        ? job.wait({ signal: run.ac.signal, pollIntervalMs: 60_000, onProgress: () => { run.polls++; } })
        : c.account.balance({ signal: run.ac.signal });
      run.result = window.outcome(p, t0);
    }, { kind, key: KEY });
    await until(ready, `the ${kind} scenario to reach its abort point`, 30_000);
    if (kind === "backoff") await b.page.waitForFunction(() => window.run.retries === 1);
    if (kind === "wait") await b.page.waitForFunction(() => window.run.polls === 1);
    return b.page.evaluate(async () => {
      const run = window.run;
      await window.turn();
      const during = window.pendingTimers();
      run.ac.abort(new Error("user navigated away"));
      const r = await run.result;
      await window.turn();
      return { ...r, before: run.before, during, after: window.pendingTimers(), requestId: r.requestId, expectedId: run.requestId };
    });
  }

  function assertPageAborted(r) {
    assert.equal(r.ok, false, "rejects");
    assert.ok(r.isAbortError && r.isDeapiError, `AbortError, got ${r.name}: ${r.message}`);
    assert.equal(r.code, "aborted");
    assert.equal(r.cause, "user navigated away");
    assert.ok(r.elapsed < MINUTE, `settled after ${r.elapsed} ms, before the 60 s timer would have ended`);
    assert.ok(r.during.includes(MINUTE), `the ledger sees the pending 60 s timer: ${JSON.stringify(r.during)}`);
    assert.ok(!r.after.includes(MINUTE), `the 60 s timer is cleared: ${JSON.stringify(r.after)}`);
    assert.ok(r.after.length <= r.before.length, `no timer left: ${JSON.stringify(r.before)} before, ${JSON.stringify(r.after)} after`);
    for (const text of [r.message, r.stack, r.json]) assert.ok(!text.includes(KEY) && !text.includes(SECRET));
  }

  it("abort during a hung request", TEST, async () => {
    const r = await inPage("request", () => b.mock.requests({ key: KEY }).length === 1);
    assertPageAborted(r);
    assert.equal(r.attempts, 1);
    assert.equal(b.mock.requests({ key: KEY }).length, 1, "not retried");
  });

  it("abort during a backoff sleep", TEST, async () => {
    const r = await inPage("backoff", () => b.mock.requests({ key: KEY }).length === 1);
    assertPageAborted(r);
    assert.equal(r.attempts, 1);
    assert.equal(b.mock.requests({ key: KEY }).length, 1, "no second attempt");
  });

  it("abort during wait() polling", TEST, async () => {
    const r = await inPage("wait", () => b.mock.requests({ key: KEY, path: "/jobs/" }).length === 1);
    assertPageAborted(r);
    assert.equal(r.requestId, r.expectedId);
    assert.equal(b.mock.requests({ key: KEY, path: "/jobs/" }).length, 1);
  });

  it("no page error or console error", () => {
    assert.deepEqual(b.problems, []);
  });
});
