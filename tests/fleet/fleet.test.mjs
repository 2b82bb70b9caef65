// The fleet: several worker processes (tests/fleet/worker.mjs) on one key against the mock deAPI's
// Laravel throttle (a window anchored at its first hit). With the Redis quota store: every call succeeds
// and the server answers no 429; without it (each process paces itself): 429s (so this test can fail);
// a forced 429 pauses every process; redis-server killed mid-run and a worker killed mid-run lose nothing.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startRedis } from "../support/redis.mjs";
import { startUpstashRest } from "../support/upstash-rest.mjs";
import { stop, until } from "../support.mjs";
import { newKey, withMock } from "../js/helpers.mjs";

const WORKER = fileURLToPath(new URL("./worker.mjs", import.meta.url));
const WINDOW = 1000;
const LIMIT = 8;
let redis = await startRedis();
after(async () => { await redis.stop?.(); });

/** Starts a worker; resolves with its JSON line (or { killed }) when it exits. */
function worker(opts) {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(opts)], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { err += d; });
  const done = new Promise((resolve, reject) => child.once("exit", (code, signal) => {
    if (signal) return resolve({ killed: signal });
    try { resolve(JSON.parse(out.trim().split("\n").pop())); } catch { reject(new Error(`worker exited ${code}: ${err || out}`)); }
  }));
  return { child, done };
}

/** `n` workers × `calls` each on one fresh key; the mock's log of that key afterwards. */
async function fleet(mock, { n = 4, calls = LIMIT, store = true, client, rest, during } = {}) {
  const apiKey = newKey();
  const prefix = `fleet-${apiKey.split("|")[0]}`;
  const ws = Array.from({ length: n }, () => worker({ baseUrl: mock.url, apiKey, calls, windowMs: WINDOW, prefix, socket: store ? redis.socket : undefined, client, rest }));
  await during?.(ws, apiKey);
  const results = await Promise.all(ws.map((w) => w.done));
  return { results, log: mock.requests({ key: apiKey, path: "/images/generations" }) };
}

const count429 = (log) => log.filter((r) => r.status === 429).length;

describe("several processes on one key", { skip: redis.skip }, () => {
  it("with the Redis store: every call succeeds and the server answers no 429", async () => {
    const mock = await withMock({ rateLimit: { perMinute: LIMIT, perDay: 100_000 }, rateLimitWindowMs: WINDOW });
    try {
      const { results, log } = await fleet(mock);
      assert.deepEqual(results.map((r) => r.failed), [0, 0, 0, 0], JSON.stringify(results));
      assert.equal(log.length, 4 * LIMIT, "one request per call");
      assert.equal(count429(log), 0, "no 429 at the server");
      for (const r of results) assert.deepEqual(r.storeErrors, []);
    } finally {
      await mock.close();
    }
  });

  for (const client of ["node-redis", "upstash"]) {
    it(`the same with ${client === "upstash" ? "@upstash/redis (a local REST endpoint forwarding to the redis-server)" : "node-redis"}`, async () => {
      const mock = await withMock({ rateLimit: { perMinute: LIMIT, perDay: 100_000 }, rateLimitWindowMs: WINDOW });
      const rest = client === "upstash" ? await startUpstashRest({ socket: redis.socket }) : null;
      try {
        const { results, log } = await fleet(mock, { n: 3, calls: 6, client, rest: rest && { url: rest.url, token: rest.token } });
        assert.deepEqual(results.map((r) => r.failed), [0, 0, 0], JSON.stringify(results));
        assert.equal(log.length, 18, "one request per call");
        assert.equal(count429(log), 0, "no 429 at the server");
        if (rest) assert.ok(rest.commands.filter((c) => c === "EVALSHA").length >= 18, "the workers' calls went through the REST endpoint");
      } finally {
        await rest?.close();
        await mock.close();
      }
    });
  }

  it("without it (each process paces itself), the same run meets 429s at the server", async () => {
    const mock = await withMock({ rateLimit: { perMinute: LIMIT, perDay: 100_000 }, rateLimitWindowMs: WINDOW });
    try {
      const { log } = await fleet(mock, { store: false });
      assert.ok(count429(log) > 0, `expected 429s without a shared store, saw ${count429(log)} in ${log.length} requests`);
    } finally {
      await mock.close();
    }
  });

  it("a forced 429 pauses every process until its Retry-After is over", async () => {
    const mock = await withMock({ rateLimit: { perMinute: LIMIT, perDay: 100_000 }, rateLimitWindowMs: WINDOW });
    try {
      const { results, log } = await fleet(mock, {
        n: 3, calls: 4,
        during: async (_, apiKey) => { await mock.addFaults({ key: apiKey, path: "/images/generations", responses: [{ preset: "rate429", retryAfter: 2 }] }); },
      });
      assert.deepEqual(results.map((r) => r.failed), [0, 0, 0]);
      const forced = log.find((r) => r.fault);
      assert.ok(forced, "the fault was served");
      const t429 = Date.parse(forced.time);
      // a request the store granted before the pause was recorded may still arrive just after it
      // (500 ms: on a loaded machine, requests granted just before the pause was recorded arrived after a 150 ms grace)
      const during = log.filter((r) => r !== forced && Date.parse(r.time) > t429 + 500 && Date.parse(r.time) < t429 + 2000 - 50);
      assert.deepEqual(during.map((r) => r.time), [], "nothing sent while the fleet was paused");
      assert.equal(log.filter((r) => r.status === 200).length, 12);
    } finally {
      await mock.close();
    }
  });

  it("redis-server killed mid-run and a worker killed mid-run: the others lose nothing", async () => {
    const mock = await withMock({ rateLimit: { perMinute: LIMIT, perDay: 100_000 }, rateLimitWindowMs: WINDOW });
    try {
      const socket = redis.socket;
      const { results } = await fleet(mock, {
        calls: 2 * LIMIT,
        during: async (ws, apiKey) => {
          // (once the workers are sending — a fixed delay could fall before a loaded machine started them)
          await until(() => mock.requests({ key: apiKey, path: "/images/generations" }).length >= 4, "the workers' first calls", 30_000);
          ws[3].child.kill("SIGKILL");
          await redis.kill(true); // a crash: no shutdown (its dir kept for the restart)
          // (3 s: longer than a store call's 1 s timeout, so a call the clients queue while reconnecting
          // times out rather than succeeding once the server is back)
          await new Promise((r) => setTimeout(r, 3000));
          redis = await startRedis({ socket });
        },
      });
      assert.deepEqual(results[3], { killed: "SIGKILL" });
      for (const r of results.slice(0, 3)) {
        assert.equal(r.failed, 0, JSON.stringify(r.messages));
        assert.equal(r.ok, 2 * LIMIT);
        assert.ok(r.storeErrors.length >= 1, `onError heard of the outage: ${JSON.stringify(results)}`);
      }
    } finally {
      await mock.close();
    }
  });
});
