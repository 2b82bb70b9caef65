// One worker process of the fleet test (tests/fleet/fleet.test.mjs): `node worker.mjs '<json>'` with
// { baseUrl, apiKey, calls, windowMs, socket? } — a DeapiClient on the shared key (with a quota store in
// the redis-server at `socket`, else the per-process scheduler) makes `calls` submissions at once and
// prints one JSON line { ok, failed, messages, storeErrors }. It closes its Redis client at the end.
import { Redis } from "ioredis";
import { sdk, validImage } from "../js/helpers.mjs";

const o = JSON.parse(process.argv[2]);
const redis = o.socket ? new Redis({ path: o.socket, maxRetriesPerRequest: 1 }) : null;
redis?.on("error", () => {}); // a killed redis-server: the store calls fail, the client paces itself
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
redis?.disconnect();
