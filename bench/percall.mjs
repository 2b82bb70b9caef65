#!/usr/bin/env node
// deapi-wasm per-call overhead (issue 17): prints numbers only, asserts nothing. The method of
// bench/run.mjs's per-call and job measures (bench/common.mjs), alone, so that a change to the engine
// can be measured in a minute: the mock deAPI in a child process, calls interleaved in blocks of 100
// with the order rotated, medians of rounds; wall and CPU time per call.
//   node bench/percall.mjs [percall|jobs|all]     (default: all)
//   PERCALL_N=2000 PERCALL_ROUNDS=9 JOB_ROUNDS=7   (the defaults)
//   PERCALL_BASE=/path/to/other/pkg              that build as one more contender (A/B in one run)
//   node bench/percall.mjs --loop N [sdk|raw|rawTimeout]   N sequential calls of one kind (for --cpu-prof;
//                                                   PERCALL_PKG=<pkg dir> another build, e.g. one with function names)
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { floorBalance, interleave, jobScripts, KEY, median, rawBalance, root, runAll, sdkBalance, startMockProcess } from "./common.mjs";

const require = createRequire(import.meta.url);
const f = (n, d = 2) => n.toFixed(d);
const client = (pkg, mockUrl) => new (require(pkg).DeapiClient)({ apiKey: KEY, baseUrl: mockUrl });

async function perCall(mockUrl) {
  const { raw, rawTimeout } = rawBalance(mockUrl);
  const contenders = [["sdk", sdkBalance(client(join(root, "pkg"), mockUrl))], ["raw", raw], ["rawTimeout", rawTimeout]];
  // PERCALL_BASE=<another build's pkg dir>: that build as a fourth contender (an A/B in one run).
  if (process.env.PERCALL_BASE) contenders.push(["base", sdkBalance(client(process.env.PERCALL_BASE, mockUrl))]);
  // The floor probe (the card's stack doing one call; built by `node bench/floor.mjs`), when built.
  if (existsSync(join(root, "target", "floor", "node", "deapi_floor.js"))) contenders.push(["floor", floorBalance(mockUrl)]);
  const n = Number(process.env.PERCALL_N || 2000), rounds = Number(process.env.PERCALL_ROUNDS || 9);
  const { wall, cpu } = await interleave(contenders, { n, rounds });
  const m = Object.fromEntries(contenders.map(([name]) => [name, median(wall[name])]));
  // This process's CPU time per call (user + system): less sensitive than wall time to other load on the machine.
  const mc = Object.fromEntries(contenders.map(([name]) => [name, median(cpu[name])]));
  console.log(`percall cpu µs/call ${contenders.map(([name]) => `${name} ${f(mc[name])}`).join(" ")}${mc.base ? ` sdk/base ${f(mc.sdk / mc.base, 3)}` : ""}`);
  console.log(`percall n=${n} rounds=${rounds} sdk ${f(m.sdk)} raw ${f(m.raw)} rawTimeout ${f(m.rawTimeout)} µs/call ratio ${f(m.sdk / m.raw, 3)} vsTimeout ${f(m.sdk / m.rawTimeout, 3)}${m.base ? ` base ${f(m.base)} base/raw ${f(m.base / m.raw, 3)} sdk/base ${f(m.sdk / m.base, 3)}` : ""}${m.floor ? ` floor ${f(m.floor)} floor/raw ${f(m.floor / m.raw, 3)} sdk/floor ${f(m.sdk / m.floor, 3)}` : ""} rounds sdk/raw ${wall.sdk.map((x, i) => f(x / wall.raw[i], 3)).join(" ")}`);
}

async function jobs(mockUrl) {
  const { sdkJob, rawJob } = jobScripts(mockUrl);
  const total = 1000, concurrency = 64;
  const order = [["sdk", sdkJob(client(join(root, "pkg"), mockUrl))], ["raw", rawJob]];
  // PERCALL_BASE=<another build's pkg dir>: that build's jobs as a third script (an A/B in one run).
  if (process.env.PERCALL_BASE) order.push(["base", sdkJob(client(process.env.PERCALL_BASE, mockUrl))]);
  for (const [, fn] of order) await runAll(fn, total, concurrency);
  const times = Object.fromEntries(order.map(([name]) => [name, []]));
  let errors = 0;
  const rounds = Number(process.env.JOB_ROUNDS || 7);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < order.length; k++) {
      const [name, fn] = order[(k + r) % order.length];
      const res = await runAll(fn, total, concurrency);
      times[name].push(res.ms);
      errors += res.errors;
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  console.log(`jobs total=${total} c=${concurrency} rounds=${rounds} sdk ${f(m.sdk, 1)} raw ${f(m.raw, 1)} ms ratio ${f(m.sdk / m.raw, 3)}${m.base ? ` base ${f(m.base, 1)} sdk/base ${f(m.sdk / m.base, 3)}` : ""} errors ${errors}`);
}

async function loop(mockUrl, n, kind) {
  const { raw, rawTimeout } = rawBalance(mockUrl);
  const fn = kind === "raw" ? raw : kind === "rawTimeout" ? rawTimeout : sdkBalance(client(process.env.PERCALL_PKG || join(root, "pkg"), mockUrl));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  console.log(`loop ${kind} n=${n} ${f(((performance.now() - t0) * 1000) / n)} µs/call`);
}

const args = process.argv.slice(2);
if (args[0] === "--loop") {
  const mock = await startMockProcess();
  try { await loop(mock.url, Number(args[1] || 5000), args[2] || "sdk"); } finally { mock.stop(); }
} else {
  const what = args[0] || "all";
  if (what === "percall" || what === "all") {
    const mock = await startMockProcess();
    try { await perCall(mock.url); } finally { mock.stop(); }
  }
  if (what === "jobs" || what === "all") {
    const mock = await startMockProcess(["--job-steps", "1,2"]);
    try { await jobs(mock.url); } finally { mock.stop(); }
  }
}
