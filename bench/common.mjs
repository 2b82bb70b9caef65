// What bench/run.mjs (every measure) and bench/percall.mjs (the engine's per-call and job measures
// alone, with A/B builds) share: the mock in a child process, the balance contenders, the interleaved
// blocks, and the job scripts. Prints nothing itself.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const KEY = "1|benchKey123";
export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/** The mock deAPI in a child process (so that it does not share the measured event loop), its rate limits lifted. */
export async function startMockProcess(args = []) {
  const child = spawn(process.execPath, [join(root, "tests", "mock", "server.mjs"), "--quiet", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => { buf += d; const m = /MOCK_URL=(\S+)/.exec(buf); if (m) resolve(m[1]); });
    child.on("exit", (c) => reject(new Error(`mock exited ${c}`)));
  });
  // deAPI's real per-minute limits would throttle a benchmark; lift them on the mock.
  await fetch(`${url}/__mock/config`, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ rateLimit: { perMinute: 1e9, perDay: 1e9 } }) });
  return { url, stop: () => child.kill("SIGTERM") };
}

/** One `account.balance()` through `client` (a DeapiClient), checked. */
export const sdkBalance = (client) => async () => { const j = await client.account.balance(); if (typeof j.balance !== "number") throw new Error("bad response"); };

/** One balance call through the floor probe's client (bench/floor, built by bench/floor.mjs): the
 * card's stack doing one GET — headers, an AbortController and a timer, the global fetch, text(),
 * serde_json, serde-wasm-bindgen — and nothing more. */
export function floorBalance(mockUrl) {
  const { Client } = createRequire(import.meta.url)(join(root, "target", "floor", "node", "deapi_floor.js"));
  const c = new Client(mockUrl, KEY);
  return async () => { const j = await c.get("/api/v2/account/balance"); if (typeof j.data.balance !== "number") throw new Error("bad response"); };
}

/** The raw scripts of the per-call measure: `fetch` + `res.json()`, and the same with the SDK's
 * per-attempt timeout (an AbortController and a timer). */
export function rawBalance(mockUrl) {
  const url = `${mockUrl}/api/v2/account/balance`;
  const headers = { Authorization: `Bearer ${KEY}`, Accept: "application/json" };
  const check = (r, j) => { if (!r.ok || typeof j.data.balance !== "number") throw new Error("bad response"); };
  return {
    url, headers, check,
    raw: async () => { const r = await fetch(url, { headers }); check(r, await r.json()); },
    rawTimeout: async () => {
      const c = new AbortController();
      const t = setTimeout(() => c.abort(), 30_000);
      try { const r = await fetch(url, { headers, signal: c.signal }); check(r, await r.json()); } finally { clearTimeout(t); }
    },
  };
}

/** `contenders` ([name, fn]) called `n` times each per round, in blocks of `block` with the order
 * rotated, after `warmup` calls each: per round, wall µs/call and this process's CPU µs/call. */
export async function interleave(contenders, { n, block = 100, rounds, warmup = 300 }) {
  for (const [, fn] of contenders) for (let i = 0; i < warmup; i++) await fn();
  const wall = Object.fromEntries(contenders.map(([name]) => [name, []]));
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
    for (const [name] of contenders) { wall[name].push((total[name] * 1000) / n); cpu[name].push(used[name] / n); }
  }
  return { wall, cpu };
}

/** The job load: one image job submitted and waited (5 ms polls) through a DeapiClient, or by a raw-fetch script. */
export function jobScripts(mockUrl) {
  const params = { prompt: "a fox", model: "Flux1schnell", width: 512, height: 512, guidance: 1, steps: 4, seed: -1 };
  const headers = { Authorization: `Bearer ${KEY}`, Accept: "application/json", "Content-Type": "application/json" };
  const poll = 5;
  return {
    params, headers, poll,
    sdkJob: (client) => async () => {
      const job = await client.images.generate(params);
      const done = await job.wait({ pollIntervalMs: poll, maxPollIntervalMs: poll });
      if (done.status !== "done") throw new Error(done.status);
    },
    rawJob: async () => {
      const r = await fetch(`${mockUrl}/api/v2/images/generations`, { method: "POST", headers, body: JSON.stringify(params) });
      const { data } = await r.json();
      for (;;) {
        const s = await (await fetch(`${mockUrl}/api/v2/jobs/${data.request_id}`, { headers })).json();
        if (s.data.status === "done") return;
        if (s.data.status === "error") throw new Error("job failed");
        await new Promise((res) => setTimeout(res, poll));
      }
    },
  };
}

/** `total` runs of `fn` by `concurrency` workers: the wall time and the errors. */
export async function runAll(fn, total, concurrency = 64) {
  let next = 0, errors = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) { next++; await fn().catch(() => errors++); }
  }));
  return { ms: performance.now() - t0, errors };
}
