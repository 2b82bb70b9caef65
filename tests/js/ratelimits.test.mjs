// Rate limits as a model: the quota of every bucket from every response, deapi.rateLimits(), and a
// 429 that says whether the minute or the daily limit was hit and when it resets.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { client, rejection, sdk, validImage, withMock } from "./helpers.mjs";

const { RateLimitError } = sdk;

let mock;
before(async () => { mock = await withMock({ rateLimit: { perMinute: 3, perDay: 1000, windowMs: 60_000 } }); });
after(() => mock.close());

const nextMidnightUtc = (ms) => (Math.floor(ms / 864e5) + 1) * 864e5;

describe("quota on every response", () => {
  it("rateLimits() holds each bucket's last limit and remaining, with Dates", async () => {
    const { c } = client(mock);
    assert.deepEqual(c.rateLimits(), {}, "nothing known before the first response");
    await c.images.generate(validImage());
    await c.images.generate(validImage());
    await c.images.generatePrice(validImage());
    await c.account.balance(); // not rate limited: no bucket
    const q = c.rateLimits();
    assert.deepEqual(Object.keys(q).sort(), ["images/generations", "price"]);
    const g = q["images/generations"];
    assert.equal(g.limit, 3);
    assert.equal(g.remaining, 1);
    assert.equal(g.source, "images/generations");
    assert.ok(g.updatedAt instanceof Date && g.resetAt instanceof Date && g.dailyResetAt instanceof Date);
    assert.ok(g.resetAt > g.updatedAt, "the minute window ends after the response");
    assert.equal(g.dailyResetAt.getTime(), nextMidnightUtc(g.updatedAt.getTime()));
    assert.equal(q.price.remaining, 2);
  });

  it("a minute 429 says so and when it resets; rateLimits() shows the bucket exhausted", async () => {
    const { c } = client(mock, { maxRetryAfterMs: 0 });
    for (let i = 0; i < 3; i++) await c.images.generate(validImage());
    const e = await rejection(c.images.generate(validImage()));
    assert.ok(e instanceof RateLimitError);
    assert.equal(e.rateLimit.type, "minute");
    assert.ok(e.retryAfter >= 1 && e.retryAfter <= 60, String(e.retryAfter));
    assert.ok(e.rateLimit.resetAt instanceof Date);
    const expected = Date.now() + e.retryAfter * 1000;
    assert.ok(Math.abs(e.rateLimit.resetAt.getTime() - expected) < 5_000, "resetAt = now + Retry-After");
    const g = c.rateLimits()["images/generations"];
    assert.equal(g.remaining, 0);
    assert.equal(g.type, "minute");
    assert.equal(g.resetAt.getTime(), e.rateLimit.resetAt.getTime());
  });

  it("a daily 429 resets at the next midnight UTC", async () => {
    const daily = await withMock({ rateLimit: { perMinute: 100, perDay: 2 } });
    try {
      const { c } = client(daily, { maxRetryAfterMs: 60_000 });
      await c.images.generate(validImage());
      await c.images.generate(validImage());
      const e = await rejection(c.images.generate(validImage()));
      assert.ok(e instanceof RateLimitError);
      assert.equal(e.rateLimit.type, "daily");
      assert.equal(e.rateLimit.dailyRemaining, 0);
      assert.equal(e.attempts, 1, "a daily limit is not slept through");
      assert.equal(e.rateLimit.resetAt.getTime(), nextMidnightUtc(Date.now()));
    } finally {
      await daily.close();
    }
  });
});

describe("the client-side scheduler (schedule: true / maxConcurrency)", () => {
  const windowed = () => withMock({ rateLimit: { perMinute: 5, perDay: 100_000, windowMs: 300 } });

  it("50 submissions against a limit of 5 per window: 0 errors and no 429 seen", async () => {
    const m = await windowed();
    try {
      const statuses = [];
      const { c, key } = client(m, { schedule: true, maxConcurrency: 8, rateLimitWindowMs: 300, onResponse: (ev) => statuses.push(ev.status) });
      const jobs = await Promise.all(Array.from({ length: 50 }, () => c.images.generate(validImage())));
      assert.equal(jobs.length, 50);
      assert.ok(jobs.every((j) => /^[0-9a-f-]{36}$/.test(j.requestId)));
      assert.equal(statuses.filter((s) => s === 429).length, 0, "no 429 reached the client");
      assert.equal(m.requests({ key, path: "/images/generations" }).length, 50, "one request per submission");
    } finally {
      await m.close();
    }
  });

  it("the same batch without the scheduler runs into 429s, surfaced as minute RateLimitErrors", async () => {
    const m = await windowed();
    try {
      const { c } = client(m, { maxRetryAfterMs: 0 });
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => c.images.generate(validImage())));
      const rejected = results.filter((r) => r.status === "rejected").map((r) => r.reason);
      assert.ok(rejected.length >= 10, `${rejected.length} rejected`);
      for (const e of rejected) {
        assert.ok(e instanceof RateLimitError);
        assert.equal(e.rateLimit.type, "minute");
      }
    } finally {
      await m.close();
    }
  });

  it("maxConcurrency caps the requests in flight", async () => {
    const m = await withMock({ rateLimit: { perMinute: 1000, perDay: 100_000 } });
    try {
      let inFlight = 0, most = 0;
      const slow = async (url, init) => {
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          await new Promise((r) => setTimeout(r, 5));
          return await fetch(url, init);
        } finally {
          inFlight--;
        }
      };
      const { c } = client(m, { maxConcurrency: 3, fetch: slow });
      await Promise.all(Array.from({ length: 12 }, () => c.account.balance()));
      assert.equal(most, 3);
    } finally {
      await m.close();
    }
  });

  it("an abort while queued rejects at once, without a request", async () => {
    const m = await withMock();
    try {
      const { c, key } = client(m, { maxConcurrency: 1 });
      m.addFaults({ key, path: "/account/balance", responses: [{ preset: "hang" }] });
      const ac1 = new AbortController();
      const first = c.account.balance({ signal: ac1.signal });
      while (m.requests({ key }).length < 1) await new Promise((r) => setTimeout(r, 2));
      const ac2 = new AbortController();
      const queued = c.images.generatePrice(validImage(), { signal: ac2.signal });
      ac2.abort(new Error("never mind"));
      const e = await rejection(queued);
      assert.ok(e instanceof sdk.AbortError);
      assert.equal(e.attempts, 0);
      assert.equal(e.cause.message, "never mind");
      assert.equal(m.requests({ key, path: "/price" }).length, 0, "the queued request was never sent");
      ac1.abort();
      await rejection(first);
      // the slot is free again
      assert.equal(typeof (await c.images.generatePrice(validImage())).price, "number");
    } finally {
      await m.close();
    }
  });

  it("once the daily limit is known to be used up, the scheduler fails fast without sending", async () => {
    const m = await withMock({ rateLimit: { perMinute: 100, perDay: 2 } });
    try {
      const { c, key } = client(m, { schedule: true });
      await c.images.generate(validImage());
      await c.images.generate(validImage());
      const first = await rejection(c.images.generate(validImage()));
      assert.equal(first.rateLimit.type, "daily");
      const sent = m.requests({ key, path: "/images/generations" }).length;
      const e = await rejection(c.images.generate(validImage()));
      assert.ok(e instanceof RateLimitError);
      assert.equal(e.rateLimit.type, "daily");
      assert.equal(e.attempts, 0);
      assert.equal(e.rateLimit.resetAt.getTime(), nextMidnightUtc(Date.now()));
      assert.match(e.message, /daily rate limit of images\/generations is used up/);
      assert.equal(m.requests({ key, path: "/images/generations" }).length, sent, "not sent");
    } finally {
      await m.close();
    }
  });
});

describe("a 429 whose Retry-After exceeds maxRetryAfterMs (issue 25)", () => {
  // A minute-typed 429 asking for ten years: it used to park the scheduler's bucket until then, so
  // every later scheduled call hung. Each call here carries a guard signal, so a regression fails
  // (as an AbortError where a RateLimitError is expected) instead of hanging the suite.
  const TEN_YEARS = 10 * 365 * 86_400;
  const guard = () => AbortSignal.timeout(10_000);
  const longMinute429 = { preset: "rate429", retryAfter: TEN_YEARS, headers: { "X-RateLimit-Type": "minute", "X-RateLimit-Daily-Remaining": "99999" } };

  it("scheduled calls after it fail fast with RateLimitError (retryAfter set, attempts 0, not sent), as unscheduled ones do", async () => {
    const { c, key } = client(mock, { schedule: true });
    mock.addFaults({ key, path: "/images/generations", responses: [longMinute429] });
    const first = await rejection(c.images.generate(validImage(), { signal: guard() }));
    assert.ok(first instanceof RateLimitError, first.name);
    assert.equal(first.rateLimit.type, "minute");
    assert.equal(first.attempts, 1);
    const sent = mock.requests({ key, path: "/images/generations" }).length;
    for (const call of [() => c.images.generate(validImage(), { signal: guard() }), () => c.images.generate.withResponse(validImage(), { signal: guard() })]) {
      const e = await rejection(call());
      assert.ok(e instanceof RateLimitError, `a RateLimitError, not ${e.name}: ${e.message}`);
      assert.equal(e.attempts, 0);
      assert.ok(e.retryAfter > TEN_YEARS - 60 && e.retryAfter <= TEN_YEARS, String(e.retryAfter));
      assert.equal(e.rateLimit.type, "minute");
      assert.match(e.message, /maxRetryAfterMs; the request was not sent/);
    }
    assert.equal(mock.requests({ key, path: "/images/generations" }).length, sent, "not sent");
    // the same outcome without the scheduler: the next call is sent and its 429 is not slept
    const { c: plain, key: k2 } = client(mock);
    mock.addFaults({ key: k2, path: "/images/generations", responses: [longMinute429] });
    const u = await rejection(plain.images.generate(validImage(), { signal: guard() }));
    assert.ok(u instanceof RateLimitError && u.retryAfter === TEN_YEARS);
    // other buckets of the scheduled client are not held
    assert.equal(typeof (await c.images.generatePrice(validImage(), { signal: guard() })).price, "number");
    // and a Retry-After within maxRetryAfterMs is still slept by a scheduled client, then retried
    const { c: short, key: k3 } = client(mock, { schedule: true });
    mock.addFaults({ key: k3, path: "/images/generations", responses: [{ preset: "rate429", retryAfter: 1 }] });
    const job = await short.images.generate(validImage(), { signal: guard() });
    assert.equal(typeof job.requestId, "string");
    assert.equal(mock.requests({ key: k3, path: "/images/generations" }).length, 2);
  });
});

describe("one poller for every wait() of a scheduled client", () => {
  // Counts the status requests in flight at once, through an injected fetch.
  const counting = () => {
    const stats = { inFlight: 0, most: 0, total: 0 };
    const f = async (url, init) => {
      const status = url.includes("/jobs/");
      if (status) { stats.inFlight++; stats.total++; stats.most = Math.max(stats.most, stats.inFlight); }
      try {
        return await fetch(url, init);
      } finally {
        if (status) stats.inFlight--;
      }
    };
    return { stats, f };
  };

  it("20 concurrent wait()s share one poller: one status request at a time, every job done", async () => {
    const m = await withMock({ jobSteps: { pending: 1, processing: 2 } });
    try {
      const { stats, f } = counting();
      const { c } = client(m, { schedule: true, maxConcurrency: 8, fetch: f });
      const jobs = await Promise.all(Array.from({ length: 20 }, () => c.images.generate(validImage())));
      const progress = new Map();
      const done = await Promise.all(jobs.map((j) => j.wait({ pollIntervalMs: 2, onProgress: (s) => progress.set(s.request_id, s.status) })));
      assert.ok(done.every((s) => s.status === "done"));
      assert.deepEqual(new Set(done.map((s) => s.request_id)), new Set(jobs.map((j) => j.requestId)));
      assert.equal(stats.most, 1, "never two status requests at once");
      assert.equal(stats.total, 20 * 4, "each job polled until done (pending, processing ×2, done), no more");
      assert.equal(progress.size, 20);
    } finally {
      await m.close();
    }
  });

  it("without the scheduler each wait() polls on its own (for contrast)", async () => {
    const m = await withMock({ jobSteps: { pending: 1, processing: 2 } });
    try {
      const { stats, f } = counting();
      const { c } = client(m, { fetch: f });
      const jobs = await Promise.all(Array.from({ length: 20 }, () => c.images.generate(validImage())));
      await Promise.all(jobs.map((j) => j.wait({ pollIntervalMs: 2 })));
      assert.ok(stats.most > 1, `${stats.most} at once`);
    } finally {
      await m.close();
    }
  });

  // A wait() that starts the moment the poller finishes its last job (from that job's own
  // resolution, with no tick in between) must start polling again, not join a loop that is ending.
  it("a wait() started as the last one resolves is polled too", { timeout: 20_000 }, async () => {
    const m = await withMock({ jobSteps: { pending: 1, processing: 1 } });
    try {
      const { c } = client(m, { schedule: true });
      const first = await c.images.generate(validImage());
      const second = await c.images.generate(validImage());
      const chained = first.wait({ pollIntervalMs: 0, maxPollIntervalMs: 0 }).then(() => second.wait({ pollIntervalMs: 0, maxPollIntervalMs: 0 }));
      const done = await chained;
      assert.equal(done.status, "done");
      assert.equal(done.request_id, second.requestId);
    } finally {
      await m.close();
    }
  });

  it("a shared wait() can be aborted, a failed job rejects its own wait only", async () => {
    const m = await withMock({ jobSteps: { pending: 1, processing: 2 } });
    try {
      const { c } = client(m, { schedule: true });
      const ok = await c.images.generate(validImage());
      const bad = await c.images.generate(validImage({ prompt: "a fox [fail]" }));
      const gone = await c.images.generate(validImage());
      const ac = new AbortController();
      const waits = [ok.wait({ pollIntervalMs: 2 }), bad.wait({ pollIntervalMs: 2 }), gone.wait({ pollIntervalMs: 60_000, signal: ac.signal })];
      ac.abort();
      const [a, b, g] = await Promise.allSettled(waits);
      assert.equal(a.status, "fulfilled");
      assert.equal(a.value.status, "done");
      assert.ok(b.reason instanceof sdk.JobFailedError);
      assert.equal(b.reason.requestId, bad.requestId);
      assert.ok(g.reason instanceof sdk.AbortError);
      assert.equal(g.reason.requestId, gone.requestId);
    } finally {
      await m.close();
    }
  });
});

describe("withResponse(): the result and what its response said", () => {
  // its own mock, with a 200 ms window: wait({ pollIntervalMs: 1 }) runs into the jobs bucket's limit
  // of 3 and sleeps out its Retry-After (60 s on the file's minute-long window)
  let own;
  before(async () => { own = await withMock({ rateLimit: { perMinute: 3, perDay: 1000, windowMs: 200 } }); });
  after(() => own.close());

  it("submit, price, jobs.get, models.list and balance; not wait() or models.all()", async () => {
    const { c } = client(own);
    const r = await c.images.generate.withResponse(validImage());
    assert.ok(r.data instanceof sdk.Job, "the data is still a Job");
    assert.equal(r.status, 200);
    assert.equal(r.rateLimit.limit, 3);
    assert.equal(r.rateLimit.remaining, 2);
    assert.equal(r.rateLimit.source, "images/generations");
    const done = await r.data.wait({ pollIntervalMs: 1 });
    assert.equal(done.status, "done");
    const p = await c.images.generatePrice.withResponse(validImage());
    assert.equal(typeof p.data.price, "number");
    assert.equal(p.rateLimit.source, "price");
    const b = await c.account.balance.withResponse();
    assert.deepEqual(b, { status: 200, rateLimit: null, data: { balance: 19.72 } });
    const page = await c.models.list.withResponse({ limit: 2 });
    assert.equal(page.data.data.length, 2);
    assert.equal(page.rateLimit, null, "models are not rate limited");
    const st = await c.jobs.get.withResponse(r.data.requestId);
    assert.equal(st.status, 200);
    assert.equal(st.data.status, "done");
    assert.equal(st.data.request_id, r.data.requestId);
    assert.equal(st.rateLimit.source, "jobs");
    assert.equal(typeof st.rateLimit.remaining, "number");
    const e = await rejection(c.jobs.wait(r.data.requestId, { withResponse: true }));
    assert.ok(e instanceof sdk.InvalidOptionsError, "wait() makes many requests: no one response to show");
    assert.match(e.message, /withResponse/);
    const all = await rejection(c.models.all({}, { withResponse: true }));
    assert.ok(all instanceof sdk.InvalidOptionsError, "models.all() reads many pages");
  });
});
