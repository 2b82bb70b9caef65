// The fleet quota's Lua script (src/core/quota.lua) against a real redis-server, with an injected clock:
// learning limits, waits, the sliding log, the extend-only pause, the UTC day rollover, and crash safety by
// expiry (Redis TIME as the clock there). Needs no package build: the script is read from the source.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { startRedis } from "../support/redis.mjs";

const SCRIPT = readFileSync(new URL("../../src/core/quota.lua", import.meta.url), "utf8");
const W = 1000; // the log's width in these tests (ms)
const LEASE = 100;
const T0 = Date.UTC(2026, 11, 2, 10, 0, 0); // a fixed "now" (ms), 10:00 UTC
const MIDNIGHT = Date.UTC(2026, 11, 3);

const server = await startRedis();
let redis, n = 0;
before(() => { if (!server.skip) redis = new Redis({ path: server.socket, lazyConnect: false }); });
after(async () => { redis?.disconnect(); await server.stop?.(); });

/** A fresh bucket's keys (one hash tag), and its two operations with the clock `now` ("" = Redis TIME). */
function bucket() {
  const tag = `{t${++n}}`;
  const keys = [`deapi-test:${tag}:images/generations:log`, `deapi-test:${tag}:images/generations:meta`];
  const run = (...args) => redis.eval(SCRIPT, 2, ...keys, ...args.map(String));
  return {
    keys,
    acquire: (now, w = W, lease = LEASE) => run("acquire", now, w, lease),
    report: (now, { limit = "", remaining = "", dailyLimit = "", dailyRemaining = "", pauseMs = 0, dailySpent = false, w = W } = {}) =>
      run("report", now, w, limit, remaining, dailyLimit, dailyRemaining, pauseMs, dailySpent ? "1" : ""),
  };
}

describe("the fleet quota script", { skip: server.skip }, () => {
  it("before a limit is known one request probes; the answer teaches every process the limit", async () => {
    const b = bucket();
    assert.deepEqual(await b.acquire(T0), [1, 0], "the first request goes");
    assert.deepEqual(await b.acquire(T0 + 10), [4, LEASE - 10], "the others wait for the probe's lease");
    assert.deepEqual(await b.acquire(T0 + LEASE), [1, 0], "a lease that ran out (its answer never came): the next probes");
    await b.report(T0 + LEASE + 5, { limit: 3, remaining: 1 });
    assert.deepEqual(await b.acquire(T0 + LEASE + 6), [1, 0], "limit 3 learned: the third request of the window goes");
    const [code, wait] = await b.acquire(T0 + LEASE + 7);
    assert.equal(code, 0, "the fourth waits");
    assert.equal(wait, T0 + W - (T0 + LEASE + 7), "until the oldest reservation leaves the log");
    assert.equal(await redis.hget(b.keys[1], "l"), "3");
    assert.equal(await redis.hget(b.keys[1], "pr"), null, "the report ended the probe");
  });

  it("a sliding log: never more than the limit in any span of W, and each wait is exact", async () => {
    const b = bucket();
    await b.report(T0, { limit: 4 });
    const granted = [];
    for (let t = T0; t < T0 + 5 * W; t += 37) {
      const [code, wait] = await b.acquire(t);
      if (code === 1) granted.push(t);
      else {
        assert.equal(code, 0);
        assert.ok(wait >= 1 && wait <= W, String(wait));
        assert.deepEqual(await b.acquire(t + wait - 1), [0, 1], "one ms early: still waiting");
      }
    }
    for (const start of granted) assert.ok(granted.filter((t) => t >= start && t < start + W).length <= 4);
    assert.ok(granted.length >= 4 * 5 - 4, `${granted.length} granted in 5 windows`);
  });

  it("a server count above the log's (the key spent elsewhere) joins the log", async () => {
    const b = bucket();
    await b.report(T0, { limit: 5, remaining: 1 });
    assert.equal(await redis.zcard(b.keys[0]), 4, "4 used by the server, 0 reserved → 4 entries as of now");
    assert.deepEqual(await b.acquire(T0 + 1), [1, 0]);
    assert.equal((await b.acquire(T0 + 2))[0], 0, "the fifth was the last");
    await b.report(T0 + 3, { limit: 5, remaining: 0 });
    assert.equal(await redis.zcard(b.keys[0]), 5, "no more than the server said: nothing added");
  });

  it("a 429's pause holds the bucket for every process, and only extends", async () => {
    const b = bucket();
    await b.report(T0, { limit: 10 });
    await b.report(T0, { limit: 10, remaining: 0, pauseMs: 5000 });
    assert.deepEqual(await b.acquire(T0 + 1000), [2, 4000]);
    await b.report(T0 + 1000, { pauseMs: 1000 });
    assert.deepEqual(await b.acquire(T0 + 1000), [2, 4000], "a shorter pause does not shorten it");
    await b.report(T0 + 2000, { pauseMs: 6000 });
    assert.deepEqual(await b.acquire(T0 + 2000), [2, 6000], "a longer one extends it");
    assert.ok(await redis.pttl(b.keys[1]) > 0);
    assert.deepEqual(await b.acquire(T0 + 8000), [1, 0], "over: requests go again");
  });

  it("daily counts per UTC day: a spent daily quota fails until midnight, the next day starts at 0", async () => {
    const b = bucket();
    await b.report(T0, { limit: 100, remaining: 100, dailyLimit: 3, dailyRemaining: 1 });
    assert.deepEqual(await b.acquire(T0 + 1), [1, 0], "2 used per the server, the third goes");
    assert.deepEqual(await b.acquire(T0 + 2), [3, MIDNIGHT - (T0 + 2)], "then the day is spent: ms to midnight UTC");
    assert.deepEqual(await b.acquire(MIDNIGHT - 1), [3, 1]);
    assert.deepEqual(await b.acquire(MIDNIGHT), [1, 0], "a new UTC day");
    assert.equal(await redis.hget(b.keys[1], "dc"), "1");
    // a daily 429 (the quota spent, its limit unknown): spent until midnight for every process
    const c = bucket();
    await c.report(T0, { limit: 5, pauseMs: 60_000, dailySpent: true });
    assert.deepEqual(await c.acquire(T0 + 61_000), [3, MIDNIGHT - (T0 + 61_000)]);
    assert.deepEqual(await c.acquire(MIDNIGHT + 5), [1, 0]);
  });

  it("every key expires: the log W after its newest entry, the meta hash by W after midnight", async () => {
    const b = bucket();
    await b.acquire(T0);
    await b.report(T0, { limit: 2, pauseMs: 2 * 86_400_000 });
    const [logTtl, metaTtl] = [await redis.pttl(b.keys[0]), await redis.pttl(b.keys[1])];
    assert.ok(logTtl > 0 && logTtl <= W, `log ${logTtl}`);
    assert.ok(metaTtl > 2 * 86_400_000 - 100 && metaTtl <= 2 * 86_400_000 + W, `meta ${metaTtl} (the pause is longer than the day)`);
    const c = bucket();
    await c.acquire(T0);
    const ttl = await redis.pttl(c.keys[1]);
    assert.ok(ttl > MIDNIGHT - T0 && ttl <= MIDNIGHT - T0 + W, `meta ${ttl}`);
  });

  it("crash safety on Redis TIME: a reservation whose process died ages out within W", async () => {
    const b = bucket();
    const w = 300;
    await b.report("", { limit: 1, w });
    assert.deepEqual(await b.acquire("", w), [1, 0], "a process reserves, then is killed before it reports");
    const [code, wait] = await b.acquire("", w);
    assert.equal(code, 0);
    assert.ok(wait > 0 && wait <= w);
    await new Promise((r) => setTimeout(r, wait + 20));
    assert.deepEqual(await b.acquire("", w), [1, 0], "the others go on after one window");
    // a probe whose process died: its lease ends and the next request probes
    const c = bucket();
    assert.deepEqual(await c.acquire("", w, 50), [1, 0]);
    assert.equal((await c.acquire("", w, 50))[0], 4);
    await new Promise((r) => setTimeout(r, 70));
    assert.deepEqual(await c.acquire("", w, 50), [1, 0]);
  });

  it("the clock is Redis TIME when none is injected", async () => {
    const b = bucket();
    const before = Date.now();
    await b.acquire("");
    const [, score] = await redis.zrange(b.keys[0], 0, 0, "WITHSCORES");
    assert.ok(Math.abs(Number(score) - before) < 1000, `${score} vs ${before}`);
  });

  it("an unknown operation is an error reply", async () => {
    await assert.rejects(redis.eval(SCRIPT, 2, "x:{u}:log", "x:{u}:meta", "nope", T0, W), /unknown operation/);
  });
});
