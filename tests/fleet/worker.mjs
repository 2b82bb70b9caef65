// One worker process of the fleet test (tests/fleet/fleet.test.mjs) and bench (bench/fleet.mjs):
// `node worker.mjs '<json>'` with { baseUrl, apiKey, calls, windowMs, prefix, socket?, client?, rest? } — a
// DeapiClient on the shared key (with a quota store in the redis-server at `socket` through `client`:
// "ioredis" (default), "node-redis", or "upstash" through the REST endpoint `rest` { url, token }; else the
// per-process scheduler) makes `calls` submissions at once and prints one JSON line
// { ok, failed, messages, storeErrors }. It closes its Redis client at the end.
import { Redis } from "ioredis";
import { createClient } from "redis";
import { Redis as Upstash } from "@upstash/redis";
import { sdk, validImage } from "../js/helpers.mjs";

const o = JSON.parse(process.argv[2]);
let redis = null, close = () => {};
if (o.socket && o.client === "node-redis") {
  redis = createClient({ socket: { path: o.socket } });
  redis.on("error", () => {});
  await redis.connect();
  close = () => redis.quit();
} else if (o.socket && o.client === "upstash") {
  redis = new Upstash({ url: o.rest.url, token: o.rest.token, enableTelemetry: false });
} else if (o.socket) {
  redis = new Redis({ path: o.socket, maxRetriesPerRequest: 1 });
  redis.on("error", () => {}); // a killed redis-server: the store calls fail, the client paces itself
  close = () => redis.disconnect();
}
const storeErrors = [];
const deapi = new sdk.DeapiClient({
  apiKey: o.apiKey, baseUrl: o.baseUrl, rateLimitWindowMs: o.windowMs, retryBaseDelayMs: 50, maxRetries: 10,
  schedule: true, maxConcurrency: 4,
  ...(redis && { quotaStore: sdk.redisQuotaStore(redis, { prefix: o.prefix, timeoutMs: 300 }) }),
  onError: (e) => { if (e.code === "quota_store") storeErrors.push(e.message); },
});
const results = await Promise.allSettled(Array.from({ length: o.calls }, () => deapi.images.generate(validImage())));
const failed = results.filter((r) => r.status === "rejected");
process.stdout.write(`${JSON.stringify({ ok: results.length - failed.length, failed: failed.length, messages: failed.map((r) => r.reason.message), storeErrors })}\n`);
await close();
