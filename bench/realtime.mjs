#!/usr/bin/env node
// Realtime vs polling (issue 22): status calls and time-to-result per job, printed, never asserted.
// Each job has 20 progress steps on the mock's clock (`jobSteps.processing: 20`, one step every
// STEP_MS): a second client of the same account keeps a socket subscribed throughout, so every job
// runs the same timeline whichever way it is waited for. Three ways, interleaved job by job:
//   polling      wait({ realtime: false }) with the default schedule (2 s, ×1.5, capped at 10 s)
//   events       wait() on a client whose socket is already connected (a listener holds it)
//   first wait   wait() on a fresh client: the wait opens the socket itself
//   node bench/realtime.mjs            (JOBS=5 STEP_MS=100 by default)
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMock } from "../tests/mock/server.mjs";
import { median } from "./common.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const { DeapiClient } = require(join(root, "pkg"));
const { WebSocket } = require("ws");

const JOBS = Number(process.env.JOBS || 5);
const STEP_MS = Number(process.env.STEP_MS || 100);
const STEPS = 20;
const mock = await startMock({ quiet: true, jobSteps: { pending: 1, processing: STEPS }, realtime: { stepMs: STEP_MS } });
const key = "7|BenchRealtimeSecret";
const options = (extra = {}) => ({ apiKey: key, baseUrl: mock.url, ...extra, realtime: { clientId: "7", url: mock.realtimeUrl, WebSocket } });
const image = { prompt: "a red fox", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: -1 };

// the account's socket that keeps every job live on the clock
const keeper = new DeapiClient(options());
const offKeeper = keeper.realtime.subscribe(() => {});
const connected = async (c) => { while (c.realtime.state !== "connected") await new Promise((r) => setTimeout(r, 5)); };
await connected(keeper);
const events = new DeapiClient(options());
const offEvents = events.realtime.subscribe(() => {});
await connected(events);

const ways = {
  polling: async () => ({ client: events, opts: { realtime: false } }),
  events: async () => ({ client: events, opts: {} }),
  "first wait": async () => ({ client: new DeapiClient(options()), opts: {} }),
};
const results = Object.fromEntries(Object.keys(ways).map((w) => [w, { calls: [], ms: [], progress: [] }]));
for (let i = 0; i < JOBS; i++) {
  const order = Object.keys(ways);
  for (let r = 0; r < i % order.length; r++) order.push(order.shift());
  for (const way of order) {
    const { client, opts } = await ways[way]();
    const t0 = performance.now();
    const job = await client.images.generate(image);
    let progress = 0;
    await job.wait({ ...opts, onProgress: () => { progress++; } });
    const ms = performance.now() - t0;
    const calls = mock.requests({ key, path: `/api/v2/jobs/${job.requestId}` }).length;
    results[way].calls.push(calls);
    results[way].ms.push(ms);
    results[way].progress.push(progress);
    if (way === "first wait") client.realtime.close();
  }
}
offEvents();
offKeeper();
keeper.realtime.close();
events.realtime.close();
await mock.close();

const jobMs = (STEPS + 1) * STEP_MS;
console.log(`realtime bench: ${JOBS} jobs per way, ${STEPS} progress steps every ${STEP_MS} ms (a ${jobMs} ms job), Node ${process.versions.node}`);
console.log("| Way | status GETs per job (median, max) | onProgress calls (median) | time to result (median, min–max) |");
console.log("|---|---:|---:|---:|");
for (const [way, r] of Object.entries(results)) {
  console.log(`| ${way} | ${median(r.calls)}, ${Math.max(...r.calls)} | ${median(r.progress)} | ${median(r.ms).toFixed(0)} ms, ${Math.min(...r.ms).toFixed(0)}–${Math.max(...r.ms).toFixed(0)} |`);
}
