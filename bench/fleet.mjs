// Fleet throughput (issue 23): N worker processes × M calls on one key against the mock deAPI's Laravel
// throttle of L per window W — the share of the limit the fleet uses in its steady state and the 429s the
// server answers, with the Redis quota store and with each process pacing itself; then the store's cost
// per call against the per-process scheduler (one process, calls one after another, no limit in reach).
// Prints numbers; asserts nothing. Needs the built package (node scripts/build.mjs) and redis-server.
//   node bench/fleet.mjs            FLEET_N=4 FLEET_M=30 FLEET_L=20 FLEET_W=10000 FLEET_CALLS=400
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { startRedis } from "../tests/support/redis.mjs";
import { newKey, sdk, validImage, withMock } from "../tests/js/helpers.mjs";

const env = (k, d) => Number(process.env[k] ?? d);
const N = env("FLEET_N", 4), M = env("FLEET_M", 30), L = env("FLEET_L", 20), W = env("FLEET_W", 10000), CALLS = env("FLEET_CALLS", 400);
const WORKER = fileURLToPath(new URL("../tests/fleet/worker.mjs", import.meta.url));

const redis = await startRedis();
if (redis.skip) {
  console.log(`fleet bench skipped: ${redis.skip}`);
  process.exit(0);
}

function run(opts) {
  const child = spawn(process.execPath, [WORKER, JSON.stringify(opts)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => { out += d; });
  return new Promise((resolve) => child.once("exit", () => resolve(JSON.parse(out.trim().split("\n").pop() || "{}"))));
}

async function fleet(store) {
  const mock = await withMock({ rateLimit: { perMinute: L, perDay: 1e9 }, rateLimitWindowMs: W });
  try {
    const apiKey = newKey();
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: N }, () =>
      run({ baseUrl: mock.url, apiKey, calls: M, windowMs: W, prefix: `bench-${apiKey.split("|")[0]}-${process.pid}`, socket: store ? redis.socket : undefined })));
    const wall = Date.now() - t0;
    const log = mock.requests({ key: apiKey, path: "/images/generations" });
    const ok = log.filter((r) => r.status === 200).map((r) => Date.parse(r.time)).sort((a, b) => a - b);
    const span = ok.at(-1) - ok[0];
    // steady state: after the first window's L, the limit allows L per W
    const share = span > 0 ? (ok.length - L) / (L * span / W) : NaN;
    return { calls: N * M, failed: results.reduce((s, r) => s + (r.failed ?? 0), 0), requests: log.length, r429: log.length - ok.length, share, wall };
  } finally {
    await mock.close();
  }
}

async function perCall(store) {
  const mock = await withMock({ rateLimit: { perMinute: 1e9, perDay: 1e9 } });
  const io = store ? new Redis({ path: redis.socket }) : null;
  try {
    const c = new sdk.DeapiClient({
      apiKey: newKey(), baseUrl: mock.url, schedule: true,
      ...(io && { quotaStore: sdk.redisQuotaStore(io, { prefix: `bench-percall-${process.pid}` }) }),
    });
    for (let i = 0; i < 30; i++) await c.jobs.get.withResponse("warm-up").catch(() => {});
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) await c.images.generate(validImage());
    return (performance.now() - t0) / CALLS;
  } finally {
    io?.disconnect();
    await mock.close();
  }
}

const pct = (x) => `${(x * 100).toFixed(1)} %`;
console.log(`fleet: ${N} processes × ${M} calls, one key, the mock's throttle ${L} per ${W} ms (anchored at its first hit)`);
for (const store of [true, false]) {
  const r = await fleet(store);
  console.log(`  ${store ? "Redis quota store     " : "per-process scheduler "} share of the limit used ${pct(r.share)}, 429s at the server ${r.r429} of ${r.requests} requests, calls failed ${r.failed} of ${r.calls}, ${(r.wall / 1000).toFixed(1)} s`);
}
const [local, shared] = [await perCall(false), await perCall(true)];
console.log(`per call (one process, ${CALLS} submissions in a row, limit out of reach): scheduler ${local.toFixed(2)} ms, with the Redis store ${shared.toFixed(2)} ms → the store costs ${(shared - local).toFixed(2)} ms per call (acquire + report over a unix socket)`);
await redis.stop();
