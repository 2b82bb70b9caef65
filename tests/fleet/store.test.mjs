// `quotaStore` and `redisQuotaStore` over the built package: the three clients (ioredis, node-redis, and
// @upstash/redis through a local REST endpoint forwarding to the same redis-server), clients on one key
// sharing the mock's throttle without a 429, what the scheduler reports, fail-fast answers, and a store
// that stops answering (the process paces itself, onError hears of it once, fleet pacing resumes).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { Redis as Upstash } from "@upstash/redis";
import { startRedis } from "../support/redis.mjs";
import { startUpstashRest } from "../support/upstash-rest.mjs";
import { newKey, rejection, sdk, validImage, withMock } from "../js/helpers.mjs";

const { DeapiClient, redisQuotaStore, InvalidOptionsError, RateLimitError } = sdk;
const server = await startRedis();
const WINDOW = 1000;
let io, nr, rest, up;

before(async () => {
  if (server.skip) return;
  io = new Redis({ path: server.socket });
  nr = createClient({ socket: { path: server.socket } });
  await nr.connect();
  rest = await startUpstashRest({ socket: server.socket });
  up = new Upstash({ url: rest.url, token: rest.token, enableTelemetry: false });
});
after(async () => {
  io?.disconnect();
  await nr?.quit();
  await rest?.close();
  await server.stop?.();
});

// (a minute's window and a 10 s probe lease: a slow machine between two calls must not see either end)
const req = (bucket, over = {}) => ({ key: "t3st", bucket, windowMs: 60_000, leaseMs: 10_000, ...over });

describe("redisQuotaStore", { skip: server.skip }, () => {
  it("the script's SHA-1 in the module is the script's (EVALSHA finds it)", () => {
    const lua = readFileSync(new URL("../../src/core/quota.lua", import.meta.url));
    const sha = createHash("sha1").update(lua).digest("hex");
    assert.ok(readFileSync(new URL("../../src/core/fleet.rs", import.meta.url), "utf8").includes(`"${sha}"`), sha);
  });

  for (const [name, client] of [["ioredis", () => io], ["node-redis", () => nr], ["@upstash/redis (REST)", () => up]]) {
    it(`${name}: acquire and report through the client's eval, EVAL again after the script cache is flushed`, async () => {
      const store = redisQuotaStore(client(), { prefix: `t-${name.slice(0, 6)}`, timeoutMs: 2000 });
      assert.equal(store.timeoutMs, 2000);
      await io.script("FLUSH");
      assert.deepEqual(await store.acquire(req("b")), { ok: true, waitMs: 0 }, "the probe");
      const probe = await store.acquire(req("b"));
      assert.equal(probe.ok, false);
      assert.equal(probe.reason, "probe");
      await store.report({ ...req("b"), limit: 2, remaining: 1, dailyLimit: null, dailyRemaining: null, pauseMs: 0, dailySpent: false });
      assert.deepEqual(await store.acquire(req("b")), { ok: true, waitMs: 0 }, "limit 2 learned");
      const full = await store.acquire(req("b"));
      assert.equal(full.reason, "minute");
      assert.ok(full.waitMs > 0 && full.waitMs <= 62_000, String(full.waitMs)); // the window + its margin (2 s)
      await store.report({ ...req("b"), limit: null, remaining: null, dailyLimit: null, dailyRemaining: null, pauseMs: 5000, dailySpent: false });
      const paused = await store.acquire(req("b"));
      assert.equal(paused.reason, "paused");
      assert.ok(paused.waitMs > 4000);
    });
  }

  it("keys: one hash tag per API key, from a hash of its id; never the key", async () => {
    const m = await withMock({ rateLimit: { perMinute: 5, perDay: 1000 }, rateLimitWindowMs: WINDOW });
    try {
      const apiKey = "4242|FleetSecretNeverStored";
      const c = new DeapiClient({ apiKey, baseUrl: m.url, rateLimitWindowMs: WINDOW, quotaStore: redisQuotaStore(io, { prefix: "tags" }) });
      await c.images.generate(validImage());
      await c.jobs.get((await c.images.generate(validImage())).requestId);
      const keys = (await io.keys("tags:*")).sort();
      assert.ok(keys.length >= 3, keys.join());
      const tags = new Set(keys.map((k) => /^tags:\{([0-9a-f]{16})\}:/.exec(k)?.[1]));
      assert.equal(tags.size, 1, keys.join());
      assert.ok(!tags.has(undefined));
      assert.ok(keys.some((k) => k.endsWith(":images/generations:meta")) && keys.some((k) => k.endsWith(":jobs:meta")));
      for (const k of keys) {
        assert.ok(!k.includes("4242") && !k.includes("Secret"), k);
        assert.ok((await io.pttl(k)) > 0, `${k} expires`);
        const v = JSON.stringify((await io.type(k)) === "hash" ? await io.hgetall(k) : await io.zrange(k, 0, -1));
        assert.ok(!v.includes("Secret"), v);
      }
      // another key of the same id shares the tag; another id does not
      const c2 = new DeapiClient({ apiKey: "4243|FleetSecretNeverStored", baseUrl: m.url, rateLimitWindowMs: WINDOW, quotaStore: redisQuotaStore(io, { prefix: "tags" }) });
      await c2.images.generate(validImage());
      assert.equal(new Set((await io.keys("tags:*")).map((k) => /\{(\w+)\}/.exec(k)[1])).size, 2);
    } finally {
      await m.close();
    }
  });

  it("refuses what it cannot use: other clients, a prefix with braces, a bad timeout, a quotaStore that is no store", () => {
    for (const bad of [{}, null, 42, { eval() {} }]) {
      assert.throws(() => redisQuotaStore(bad), (e) => e instanceof InvalidOptionsError && /ioredis/.test(e.message));
    }
    assert.throws(() => redisQuotaStore(io, { prefix: "a{b}" }), (e) => e instanceof InvalidOptionsError && /`prefix`/.test(e.message));
    assert.throws(() => redisQuotaStore(io, { timeoutMs: 0 }), (e) => e instanceof InvalidOptionsError && /`timeoutMs`/.test(e.message));
    for (const bad of [{}, { acquire() {} }, "redis://localhost", 42]) {
      assert.throws(() => new DeapiClient({ apiKey: newKey(), quotaStore: bad }), (e) => e instanceof InvalidOptionsError && /`quotaStore`/.test(e.message));
    }
    assert.doesNotThrow(() => new DeapiClient({ apiKey: newKey(), quotaStore: null }));
  });
});

describe("the scheduler with a quota store", { skip: server.skip }, () => {
  for (const [name, client] of [["ioredis", () => io], ["node-redis", () => nr], ["@upstash/redis (REST)", () => up]]) {
    it(`${name}: three clients on one key share the mock's throttle: every call succeeds, no 429`, async () => {
      const m = await withMock({ rateLimit: { perMinute: 4, perDay: 1000 }, rateLimitWindowMs: WINDOW });
      try {
        const apiKey = newKey();
        const statuses = [];
        const prefix = `run-${name.slice(0, 6)}`; // one store for the three clients, as three processes would share it
        const clients = Array.from({ length: 3 }, () => new DeapiClient({
          apiKey, baseUrl: m.url, rateLimitWindowMs: WINDOW, retryBaseDelayMs: 1, maxRetries: 0,
          quotaStore: redisQuotaStore(client(), { prefix }), onResponse: (e) => statuses.push(e.status),
        }));
        const jobs = await Promise.all(Array.from({ length: 10 }, (_, i) => clients[i % 3].images.generate(validImage())));
        assert.equal(jobs.length, 10);
        assert.equal(statuses.filter((s) => s === 429).length, 0, "no 429");
        assert.equal(m.requests({ key: apiKey }).length, 10, "one request per call");
      } finally {
        await m.close();
      }
    });
  }

  /** An in-memory store that records what the scheduler says and answers as told. */
  function spyStore(answer = () => ({ ok: true, waitMs: 0 })) {
    const s = { acquired: [], reports: [], timeoutMs: 100 };
    s.acquire = async (r) => { s.acquired.push(r); return answer(r); };
    s.report = async (r) => { s.reports.push(r); };
    return s;
  }

  it("asks before each rate-limited request, reports headers and a 429's pause; models and balance skip the store", async () => {
    const m = await withMock({ rateLimit: { perMinute: 100, perDay: 1000 } });
    try {
      const store = spyStore();
      const apiKey = newKey();
      const c = new DeapiClient({ apiKey, baseUrl: m.url, quotaStore: store, retryBaseDelayMs: 1, maxRetryAfterMs: 5000 });
      await c.account.balance();
      assert.equal(store.acquired.length, 0, "balance is not rate limited");
      await c.images.generate(validImage());
      assert.deepEqual(Object.keys(store.acquired[0]).sort(), ["bucket", "key", "leaseMs", "windowMs"]);
      assert.equal(store.acquired[0].bucket, "images/generations");
      assert.match(store.acquired[0].key, /^[0-9a-f]{16}$/);
      assert.equal(store.acquired[0].windowMs, 62_000, "the window plus a 2 s margin");
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual({ ...store.reports[0], key: "k" }, { key: "k", bucket: "images/generations", windowMs: 62_000, limit: 100, remaining: 99, dailyLimit: null, dailyRemaining: null, pauseMs: 0, dailySpent: false });
      await m.addFaults({ key: apiKey, path: "/images/generations", responses: [{ preset: "rate429", retryAfter: 1 }] });
      await c.images.generate(validImage());
      await new Promise((r) => setTimeout(r, 20));
      const pause = store.reports.find((r) => r.pauseMs > 0);
      assert.deepEqual([pause.pauseMs, pause.dailySpent, pause.remaining], [1000, false, 0], "the fleet pauses for Retry-After");
      assert.equal(store.acquired.length, 3, "the retry asked again");
    } finally {
      await m.close();
    }
  });

  it("a daily quota spent elsewhere, or a fleet pause past maxRetryAfterMs, fails fast without a request", async () => {
    const m = await withMock({});
    try {
      const apiKey = newKey();
      const daily = spyStore(() => ({ ok: false, waitMs: 3_600_000, reason: "daily" }));
      const c = new DeapiClient({ apiKey, baseUrl: m.url, quotaStore: daily });
      const e = await rejection(c.images.generate(validImage()));
      assert.ok(e instanceof RateLimitError, e.message);
      assert.deepEqual([e.attempts, e.rateLimit.type], [0, "daily"]);
      assert.ok(Math.abs(e.rateLimit.resetAt.getTime() - (Date.now() + 3_600_000)) < 5000);
      const paused = spyStore(() => ({ ok: false, waitMs: 120_000, reason: "paused" }));
      const c2 = new DeapiClient({ apiKey, baseUrl: m.url, quotaStore: paused, maxRetryAfterMs: 60_000 });
      const e2 = await rejection(c2.jobs.get("r-1"));
      assert.ok(e2 instanceof RateLimitError && /maxRetryAfterMs/.test(e2.message), e2.message);
      assert.equal(e2.retryAfter, 120);
      assert.equal(m.requests({ key: apiKey }).length, 0, "nothing sent");
    } finally {
      await m.close();
    }
  });

  it("a store that stops answering never fails a call: local pacing, onError once, fleet pacing when it answers again", async () => {
    const m = await withMock({ rateLimit: { perMinute: 100, perDay: 1000 } });
    try {
      let down = true;
      const store = spyStore(() => (down ? new Promise(() => {}) : { ok: true, waitMs: 0 }));
      const errors = [];
      const c = new DeapiClient({ apiKey: newKey(), baseUrl: m.url, quotaStore: store, onError: (e) => errors.push(e) });
      const t0 = Date.now();
      await Promise.all(Array.from({ length: 4 }, () => c.images.generate(validImage())));
      assert.equal(errors.length, 1, "onError heard once for the outage");
      assert.equal(errors[0].code, "quota_store");
      assert.match(errors[0].message, /paces itself/);
      assert.match(errors[0].cause.message, /100 ms \(timeoutMs\)/);
      assert.equal(store.acquired.length, 4, "the four asked at once, each timed out");
      await c.images.generate(validImage());
      assert.equal(store.acquired.length, 4, "the breaker is open: not asked");
      assert.ok(Date.now() - t0 < 1500);
      down = false;
      await new Promise((r) => setTimeout(r, 2100)); // the breaker's 2 s
      const before = store.acquired.length;
      await c.images.generate(validImage());
      await c.images.generate(validImage());
      assert.equal(store.acquired.length, before + 2, "asked again: fleet pacing resumed");
      assert.equal(errors.length, 1);
    } finally {
      await m.close();
    }
  });
});
