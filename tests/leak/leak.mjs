#!/usr/bin/env node
// Leak check: many calls through the built package (successes, 422s, 500s without retries, job
// polls, price calls, client-side validation failures) must leave the wasm linear memory within
// 1 MiB of its size after the first 1 000 calls. No network: an injected fetch answers from memory.
// Usage: node tests/leak/leak.mjs [calls=100000]
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(import.meta.url);
const sdk = require(join(root, "pkg"));
const glue = require(join(root, "pkg", "dist", "node", "deapi_wasm.js"));
const total = Number(process.argv[2] ?? 100_000);
const LIMIT = 1024 * 1024;

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "x-ratelimit-limit": "3", "x-ratelimit-remaining": "2" } });
const E422 = { message: "The width field must be at least 256. (and 2 more errors)", errors: { width: ["The width field must be at least 256.", "The width field must be a multiple of 16."], height: ["The height field must be at least 256."], steps: ["The steps field is required."] } };
const fetch = async (url, init) => {
  const path = new URL(url).pathname;
  if (path.endsWith("/account/balance")) return json(200, { data: { balance: 19.72 } });
  if (path.includes("/jobs/")) return json(200, { data: { status: "processing", progress: "45.50", preview: null } });
  if (path.endsWith("/price")) return json(200, { data: { price: 0.0123 } });
  if (path.endsWith("/images/generations")) return JSON.parse(init.body).seed === 500 ? json(500, { message: "Server Error" }) : json(422, E422);
  return json(404, { message: "No query results for the requested resource." });
};
const deapi = new sdk.DeapiClient({ apiKey: "1|leakcheck", baseUrl: "https://deapi.test", fetch, maxRetries: 0 });
const params = { prompt: "a fox", model: "Flux1schnell", width: 100, height: 100, guidance: 1, seed: 1 };
const calls = [
  () => deapi.account.balance(),
  () => deapi.images.generate(params),
  () => deapi.images.generate({ ...params, seed: 500 }),
  () => deapi.jobs.get("c08a339c-73e5-4d67-a4d5-231302fbff9a"),
  () => deapi.images.generatePrice({ ...params, steps: 4 }),
  () => deapi.validate("images.generate", { prompt: 7 }, { model: { slug: "Flux1schnell", inference_types: ["txt2img"], info: { limits: { min_width: 256 } } } }),
];
const outcomes = { resolved: 0, rejected: 0 };
const settle = (p) => p.then(() => outcomes.resolved++, (e) => {
  if (!sdk.isDeapiError(e)) throw e;
  outcomes.rejected++;
});

let afterWarmup = 0;
const started = Date.now();
for (let i = 0; i < total; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, total - i) }, (_, j) => settle(calls[(i + j) % calls.length]())));
  if (i + 50 >= 1000 && !afterWarmup) afterWarmup = glue.__memoryBytes();
}
const end = glue.__memoryBytes();
const growth = end - afterWarmup;
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`leak: ${total} calls in ${((Date.now() - started) / 1000).toFixed(1)} s (${outcomes.resolved} resolved, ${outcomes.rejected} rejected with DeapiErrors)`);
console.log(`leak: wasm memory ${kib(afterWarmup)} after 1000 calls, ${kib(end)} after ${total}: growth ${kib(growth)} (limit ${kib(LIMIT)})`);
const ok = growth <= LIMIT && outcomes.resolved + outcomes.rejected === total;
console.log(`leak: ${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
process.exit(ok ? 0 : 1);
