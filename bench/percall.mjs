#!/usr/bin/env node
// deapi-wasm per-call overhead (issue 17): prints numbers only, asserts nothing. The method of
// bench/run.mjs `perCall` and `jobs`, alone, so that a change to the engine can be measured in a
// minute: the mock deAPI in a child process, calls interleaved in blocks of 100 with the order
// rotated, medians of rounds.
//   node bench/percall.mjs [percall|jobs|all]     (default: all)
//   PERCALL_N=2000 PERCALL_ROUNDS=9 JOB_ROUNDS=7   (the defaults)
//   PERCALL_BASE=/path/to/other/pkg              that build as one more contender (A/B in one run)
//   node bench/percall.mjs --loop N [sdk|raw|rawTimeout]   N sequential calls of one kind (for --cpu-prof)
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const require = createRequire(import.meta.url);
const KEY = "1|benchKey123";
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const f = (n, d = 2) => n.toFixed(d);

async function startMockProcess(args = []) {
  const child = spawn(process.execPath, [join(root, "tests", "mock", "server.mjs"), "--quiet", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => { buf += d; const m = /MOCK_URL=(\S+)/.exec(buf); if (m) resolve(m[1]); });
    child.on("exit", (c) => reject(new Error(`mock exited ${c}`)));
  });
  await fetch(`${url}/__mock/config`, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ rateLimit: { perMinute: 1e9, perDay: 1e9 } }) });
  return { url, stop: () => child.kill("SIGTERM") };
}

async function perCall(mockUrl) {
  const { DeapiClient } = require(join(root, "pkg"));
  const deapi = new DeapiClient({ apiKey: KEY, baseUrl: mockUrl });
  const url = `${mockUrl}/api/v2/account/balance`;
  const headers = { Authorization: `Bearer ${KEY}`, Accept: "application/json" };
  const check = (r, j) => { if (!r.ok || typeof j.data.balance !== "number") throw new Error("bad response"); };
  const raw = async () => { const r = await fetch(url, { headers }); check(r, await r.json()); };
  const rawTimeout = async () => {
    const c = new AbortController();
    const t = setTimeout(() => c.abort(), 30_000);
    try { const r = await fetch(url, { headers, signal: c.signal }); check(r, await r.json()); } finally { clearTimeout(t); }
  };
  const sdk = async () => { const j = await deapi.account.balance(); if (typeof j.balance !== "number") throw new Error("bad response"); };
  const contenders = [["sdk", sdk], ["raw", raw], ["rawTimeout", rawTimeout]];
  // PERCALL_BASE=<another build's pkg dir>: that build as a fourth contender (an A/B in one run).
  if (process.env.PERCALL_BASE) {
    const base = new (require(process.env.PERCALL_BASE).DeapiClient)({ apiKey: KEY, baseUrl: mockUrl });
    contenders.push(["base", async () => { const j = await base.account.balance(); if (typeof j.balance !== "number") throw new Error("bad response"); }]);
  }
  const n = Number(process.env.PERCALL_N || 2000), block = 100, rounds = Number(process.env.PERCALL_ROUNDS || 9);
  for (const [, fn] of contenders) for (let i = 0; i < 300; i++) await fn(); // warm-up
  const out = Object.fromEntries(contenders.map(([name]) => [name, []]));
  const cpu = Object.fromEntries(contenders.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    const total = Object.fromEntries(contenders.map(([name]) => [name, 0]));
    const used = Object.fromEntries(contenders.map(([name]) => [name, 0]));
    for (let b = 0; b < n / block; b++) {
      for (let k = 0; k < contenders.length; k++) {
        const [name, fn] = contenders[(k + b + r) % contenders.length];
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < block; i++) await fn();
        total[name] += performance.now() - t0;
        const c = process.cpuUsage(c0);
        used[name] += c.user + c.system;
      }
    }
    for (const [name] of contenders) { out[name].push((total[name] * 1000) / n); cpu[name].push(used[name] / n); }
  }
  const m = Object.fromEntries(contenders.map(([name]) => [name, median(out[name])]));
  // This process's CPU time per call (user + system): less sensitive than wall time to other load on the machine.
  const mc = Object.fromEntries(contenders.map(([name]) => [name, median(cpu[name])]));
  console.log(`percall cpu µs/call ${contenders.map(([name]) => `${name} ${f(mc[name])}`).join(" ")}${mc.base ? ` sdk/base ${f(mc.sdk / mc.base, 3)}` : ""}`);
  console.log(`percall n=${n} rounds=${rounds} sdk ${f(m.sdk)} raw ${f(m.raw)} rawTimeout ${f(m.rawTimeout)} µs/call ratio ${f(m.sdk / m.raw, 3)} vsTimeout ${f(m.sdk / m.rawTimeout, 3)}${m.base ? ` base ${f(m.base)} base/raw ${f(m.base / m.raw, 3)} sdk/base ${f(m.sdk / m.base, 3)}` : ""} rounds sdk/raw ${out.sdk.map((x, i) => f(x / out.raw[i], 3)).join(" ")}`);
}

async function jobs(mockUrl) {
  const { DeapiClient } = require(join(root, "pkg"));
  const deapi = new DeapiClient({ apiKey: KEY, baseUrl: mockUrl });
  const params = { prompt: "a fox", model: "Flux1schnell", width: 512, height: 512, guidance: 1, steps: 4, seed: -1 };
  const headers = { Authorization: `Bearer ${KEY}`, Accept: "application/json", "Content-Type": "application/json" };
  const total = 1000, concurrency = 64, poll = 5;
  const sdkJob = async () => {
    const job = await deapi.images.generate(params);
    const done = await job.wait({ pollIntervalMs: poll, maxPollIntervalMs: poll });
    if (done.status !== "done") throw new Error(done.status);
  };
  const rawJob = async () => {
    const r = await fetch(`${mockUrl}/api/v2/images/generations`, { method: "POST", headers, body: JSON.stringify(params) });
    const { data } = await r.json();
    for (;;) {
      const s = await (await fetch(`${mockUrl}/api/v2/jobs/${data.request_id}`, { headers })).json();
      if (s.data.status === "done") return;
      if (s.data.status === "error") throw new Error("job failed");
      await new Promise((res) => setTimeout(res, poll));
    }
  };
  const runAll = async (fn) => {
    let next = 0, errors = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < total) { next++; await fn().catch(() => errors++); }
    }));
    return { ms: performance.now() - t0, errors };
  };
  const order = [["sdk", sdkJob], ["raw", rawJob]];
  // PERCALL_BASE=<another build's pkg dir>: that build's jobs as a third script (an A/B in one run).
  if (process.env.PERCALL_BASE) {
    const base = new (require(process.env.PERCALL_BASE).DeapiClient)({ apiKey: KEY, baseUrl: mockUrl });
    order.push(["base", async () => {
      const done = await (await base.images.generate(params)).wait({ pollIntervalMs: poll, maxPollIntervalMs: poll });
      if (done.status !== "done") throw new Error(done.status);
    }]);
  }
  for (const [, fn] of order) await runAll(fn);
  const times = Object.fromEntries(order.map(([name]) => [name, []]));
  let errors = 0;
  const rounds = Number(process.env.JOB_ROUNDS || 7);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < order.length; k++) {
      const [name, fn] = order[(k + r) % order.length];
      const res = await runAll(fn);
      times[name].push(res.ms);
      errors += res.errors;
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  console.log(`jobs total=${total} c=${concurrency} rounds=${rounds} sdk ${f(m.sdk, 1)} raw ${f(m.raw, 1)} ms ratio ${f(m.sdk / m.raw, 3)}${m.base ? ` base ${f(m.base, 1)} sdk/base ${f(m.sdk / m.base, 3)}` : ""} errors ${errors}`);
}

async function loop(mockUrl, n, kind) {
  const { DeapiClient } = require(join(root, "pkg"));
  const deapi = new DeapiClient({ apiKey: KEY, baseUrl: mockUrl });
  const url = `${mockUrl}/api/v2/account/balance`;
  const headers = { Authorization: `Bearer ${KEY}`, Accept: "application/json" };
  const fn = kind === "raw" ? async () => (await fetch(url, { headers })).json()
    : kind === "rawTimeout" ? async () => {
      const c = new AbortController();
      const t = setTimeout(() => c.abort(), 30_000);
      try { return await (await fetch(url, { headers, signal: c.signal })).json(); } finally { clearTimeout(t); }
    } : () => deapi.account.balance();
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
