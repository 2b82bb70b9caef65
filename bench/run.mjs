#!/usr/bin/env node
// deapi-wasm benchmark: prints numbers, asserts nothing. Every measure runs the SDK and its
// baseline side by side in the same run, on loopback, against the mock deAPI in a child process.
//   node bench/run.mjs            (the README's bench command: bash scripts/bench.sh)
//   BENCH_QUICK=1 node bench/run.mjs   fewer repetitions
import { execFileSync } from "node:child_process";
import http from "node:http";
import { createRequire } from "node:module";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { floorBalance, interleave, jobScripts, KEY, median, rawBalance, runAll, sdkBalance, startMockProcess } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const require = createRequire(import.meta.url);
const sdkPath = join(root, "pkg");
const quick = process.env.BENCH_QUICK === "1";

const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const f = (n, d = 1) => n.toFixed(d);
const rows = [];
const row = (measure, ours, theirs, unit, goal, note = "", who = "deapi-wasm") => {
  const ratio = theirs ? ours.median / theirs.median : null;
  rows.push({ measure, ours, theirs, unit, ratio, goal, note, who });
  const t = theirs ? `  baseline median ${f(theirs.median, 2)} (min ${f(theirs.min, 2)}, max ${f(theirs.max, 2)})` : "";
  console.log(`${measure}: ${who} median ${f(ours.median, 2)} ${unit} (min ${f(ours.min, 2)}, max ${f(ours.max, 2)})${t}${ratio ? `  ratio ${f(ratio, 3)}` : ""}  goal ${goal}${note ? `  ${note}` : ""}`);
};

/** openai-node from npm, installed into bench/node_modules on first use (never a dependency of the package). */
function openai() {
  const benchModules = join(here, "node_modules");
  if (!existsSync(join(benchModules, "openai"))) {
    console.log("installing openai from npm into bench/node_modules (once)");
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--prefix", here, "openai@5"], { stdio: "inherit" });
  }
  const mod = createRequire(join(here, "run.mjs"))("openai");
  const version = JSON.parse(readFileSync(join(benchModules, "openai", "package.json"), "utf8")).version;
  return { OpenAI: mod.OpenAI || mod.default, version };
}

// 1. per-call overhead: sequential balance calls, SDK vs raw fetch. Two more contenders for context:
// raw fetch with the SDK's per-attempt timeout (an AbortController and a timer: how much of the
// difference is that timeout's cost inside the runtime's fetch), and openai-node's generic
// `client.get()` on the same endpoint. Calls are interleaved in blocks of 100 with the order rotated,
// so that the machine's slow and fast moments fall on every contender alike.
/** Raw node:http with a keep-alive agent, the baseline of the SDK's own work: one JSON request →
 * `{ status, json }`; with `timeoutMs`, a per-attempt timer as the SDK has. */
const httpAgent = new http.Agent({ keepAlive: true });
function httpJson(url, { method = "GET", headers, body, timeoutMs } = {}) {
  return new Promise((resolve, reject) => {
    const h = body ? { ...headers, "Content-Length": Buffer.byteLength(body) } : headers;
    const req = http.request(url, { method, headers: h, agent: httpAgent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        clearTimeout(timer);
        try { resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) }); } catch (e) { reject(e); }
      });
    });
    const timer = timeoutMs ? setTimeout(() => req.destroy(new Error("timeout")), timeoutMs) : undefined;
    req.on("error", (e) => { clearTimeout(timer); reject(e); });
    req.end(body);
  });
}

async function perCall(mockUrl) {
  const { DeapiClient } = require(sdkPath);
  const { url, headers, check, raw, rawTimeout } = rawBalance(mockUrl);
  // A lower bound for context: node:http with a keep-alive agent and the same per-attempt timer (the
  // SDK sends with the global fetch, as a raw script would; this shows what fetch itself costs).
  const rawHttp = async () => {
    const r = await httpJson(url, { headers, timeoutMs: 30_000 });
    check({ ok: r.status === 200 }, r.json);
  };
  const sdk = sdkBalance(new DeapiClient({ apiKey: KEY, baseUrl: mockUrl }));
  const { OpenAI, version } = openai();
  const oai = new OpenAI({ apiKey: KEY, baseURL: `${mockUrl}/api/v2` });
  const viaOpenai = async () => { const j = await oai.get("/account/balance"); if (typeof j.data.balance !== "number") throw new Error("bad response"); };
  // The floor probe (built by size(), which runs first): the card's stack doing one GET and nothing more.
  const floor = floorBalance(mockUrl);
  const contenders = [["sdk", sdk], ["raw", raw], ["rawTimeout", rawTimeout], ["rawHttp", rawHttp], ["openai", viaOpenai], ["floor", floor]];
  const n = quick ? 400 : 2000, rounds = quick ? 5 : 9;
  const { wall: out } = await interleave(contenders, { n, rounds });
  row(`per-call, ${n} sequential calls × ${rounds} rounds`, stats(out.sdk), stats(out.raw), "µs/call", "ratio ≤ 1.10");
  row("per-call vs raw fetch with the same per-attempt timeout (AbortController + timer)", stats(out.sdk), stats(out.rawTimeout), "µs/call", "(information)");
  row("per-call vs raw node:http with a keep-alive agent and the same timer (fetch's own cost included in ours)", stats(out.sdk), stats(out.rawHttp), "µs/call", "(information)");
  row("per-call of the floor probe (bench/floor: the card's stack doing one GET — headers, AbortController + timer, fetch, text, serde_json, serde-wasm-bindgen) vs raw fetch", stats(out.floor), stats(out.raw), "µs/call", "(information)", "", "floor probe");
  row("per-call vs the floor probe", stats(out.sdk), stats(out.floor), "µs/call", "(information)");
  row(`per-call of openai-node ${version} (\`client.get()\`, same endpoint) vs raw fetch`, stats(out.openai), stats(out.raw), "µs/call", "(information)", "", "openai-node");
}

// 1b. per-call in a browser: where front ends run the SDK (on fetch with a per-attempt AbortController).
// Headless Chromium loads the package from the mock deAPI's own origin (keyless proxy mode: no key, no
// CORS) and runs the same interleaved blocks against raw fetch. Skipped, and said so, without Chromium.
async function browserPerCall() {
  let launchChromium;
  try {
    const chromium = await import("../tests/chromium.mjs"); // needs playwright-core
    if (!existsSync(chromium.CHROMIUM_PATH)) throw new Error(`no Chromium at ${chromium.CHROMIUM_PATH}`);
    launchChromium = chromium.launchChromium;
  } catch (e) {
    console.log(`per-call in Chromium: skipped (${e.message}; \`bash scripts/setup.sh\` installs Chromium and playwright-core)`);
    return;
  }
  const { startMock } = await import("../tests/mock/server.mjs");
  const mock = await startMock({ quiet: true, allowKeyless: true, staticDirs: { "/pkg/": join(root, "pkg", "dist"), "/bench/": here } });
  const browser = await launchChromium();
  try {
    await fetch(`${mock.url}/__mock/config`, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ rateLimit: { perMinute: 1e9, perDay: 1e9 } }) });
    const page = await browser.newPage();
    await page.goto(`${mock.url}/bench/page.html`);
    await page.waitForFunction(() => window.benchReady === true);
    const n = quick ? 400 : 2000, rounds = quick ? 3 : 7;
    const out = await page.evaluate((o) => window.runBench(o), { n, block: 100, rounds, warmup: 300 });
    const version = browser.version();
    row(`per-call in Chromium ${version}, ${n} sequential calls × ${rounds} rounds, vs raw fetch`, stats(out.sdk), stats(out.raw), "µs/call", "ratio ≤ 1.10");
    row("per-call in Chromium vs raw fetch with the same per-attempt timeout", stats(out.sdk), stats(out.rawTimeout), "µs/call", "(information)");
  } finally {
    await browser.close();
    await mock.close();
  }
}

// 2. cold start: a fresh Node process imports the package and makes a client, vs import("openai").
function coldStart() {
  const { version } = openai();
  const runs = quick ? 5 : 15;
  const time = (code) => {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: here, encoding: "utf8" });
    return Number(out.trim());
  };
  const ours = [], theirs = [];
  const oursCode = `const t0 = performance.now(); const m = await import(${JSON.stringify(join(sdkPath, "dist", "index.mjs"))}); new m.DeapiClient({ apiKey: "1|x" }); console.log(performance.now() - t0);`;
  const theirCode = `const t0 = performance.now(); const m = await import("openai"); new m.default({ apiKey: "x" }); console.log(performance.now() - t0);`;
  time(oursCode); time(theirCode); // warm the file cache
  for (let i = 0; i < runs; i++) { ours.push(time(oursCode)); theirs.push(time(theirCode)); }
  row(`cold start (import + new client), ${runs} fresh processes`, stats(ours), stats(theirs), "ms", "ratio ≤ 0.5", `(openai ${version})`);
}

// 3. 1000 jobs submitted and waited at concurrency 64, vs a raw-fetch script doing the same.
async function jobs(mockUrl) {
  const { DeapiClient } = require(sdkPath);
  const { params, headers, poll, sdkJob: sdkJobOf, rawJob } = jobScripts(mockUrl);
  const sdkJob = sdkJobOf(new DeapiClient({ apiKey: KEY, baseUrl: mockUrl }));
  const total = quick ? 300 : 1000, concurrency = 64;
  const httpJob = async () => {
    const { data } = (await httpJson(`${mockUrl}/api/v2/images/generations`, { method: "POST", headers, body: JSON.stringify(params) })).json;
    for (;;) {
      const s = (await httpJson(`${mockUrl}/api/v2/jobs/${data.request_id}`, { headers })).json;
      if (s.data.status === "done") return;
      if (s.data.status === "error") throw new Error("job failed");
      await new Promise((res) => setTimeout(res, poll));
    }
  };
  for (const fn of [sdkJob, rawJob, httpJob]) await runAll(fn, total, concurrency); // warm-up
  const ours = [], theirs = [], viaHttp = [];
  let errors = 0, httpErrors = 0;
  const rounds = quick ? 2 : 7;
  for (let r = 0; r < rounds; r++) {
    // the three scripts in a rotating order
    const order = [["sdk", sdkJob], ["raw", rawJob], ["http", httpJob]];
    for (let k = 0; k < 3; k++) {
      const [name, fn] = order[(k + r) % 3];
      const res = await runAll(fn, total, concurrency);
      if (name === "sdk") { ours.push(res.ms); errors += res.errors; }
      else if (name === "raw") { theirs.push(res.ms); errors += res.errors; }
      else { viaHttp.push(res.ms); httpErrors += res.errors; }
    }
  }
  row(`${total} jobs submitted + waited, concurrency ${concurrency}, ${rounds} rounds`, stats(ours), stats(theirs), "ms", "ratio ≤ 1.10, 0 errors", `errors: ${errors}`);
  row("the same vs a raw node:http script (keep-alive agent)", stats(ours), stats(viaHttp), "ms", "(information)", `errors: ${httpErrors}`);
}

// 4. decoding a 422 with 100 field errors into a ValidationError.
async function decode422() {
  const { DeapiClient } = require(sdkPath);
  const errors = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`field_${i}`, [`The field ${i} field is invalid.`]]));
  const body = JSON.stringify({ message: "The field 0 field is invalid. (and 99 more errors)", errors });
  const fetch = async () => new Response(body, { status: 422, headers: { "content-type": "application/json" } });
  const deapi = new DeapiClient({ apiKey: KEY, baseUrl: "https://deapi.test", fetch, maxRetries: 0 });
  const n = quick ? 500 : 3000;
  const baselineFetch = async () => { const r = await fetch(); const j = await r.json(); return j; };
  for (let i = 0; i < 200; i++) { await deapi.account.balance().catch(() => {}); await baselineFetch(); }
  const ours = [], theirs = [];
  for (let r = 0; r < 5; r++) {
    let t0 = performance.now();
    for (let i = 0; i < n; i++) await deapi.account.balance().catch((e) => { if (e.errors.length !== 100) throw e; });
    ours.push(((performance.now() - t0) * 1000) / n);
    t0 = performance.now();
    for (let i = 0; i < n; i++) await baselineFetch();
    theirs.push(((performance.now() - t0) * 1000) / n);
  }
  row("422 with 100 field errors → ValidationError (injected fetch, no network)", stats(ours), stats(theirs), "µs/error", "report", "(baseline: Response + res.json() only)");
}

// 0. size: ours from the build's size.json; openai-node's whole client bundled the way a web app ships
// it (rolldown, which Vite uses: browser platform, minified, everything `import OpenAI from "openai"`
// pulls in), gzip -9 — measured here, not quoted.
async function size() {
  const s = JSON.parse(readFileSync(join(root, "pkg", "dist", "size.json"), "utf8"));
  const kib = (n) => n / 1024;
  const v = kib(s.totalWeb.gzip);
  const { version } = openai();
  const { rolldown } = await import(require.resolve("rolldown", { paths: [root] }));
  const entry = join(here, "node_modules", ".openai-entry.mjs");
  writeFileSync(entry, `import OpenAI from "openai";\nglobalThis.OpenAI = OpenAI;\n`);
  const bundle = await rolldown({ input: entry, platform: "browser", logLevel: "silent" });
  const { output } = await bundle.generate({ format: "esm", minify: true });
  const theirs = kib(output.filter((o) => o.type === "chunk").reduce((n, o) => n + gzipSync(o.code, { level: 9 }).length, 0));
  row("package size, wasm + JS glue, gzip -9", { median: v, min: v, max: v }, { median: theirs, min: theirs, max: theirs }, "KiB", "≤ 68 KiB",
    `(wasm ${f(kib(s.wasm.gzip))} + glue ${f(kib(s.glueWeb.gzip))}; baseline: openai ${version} bundled by rolldown, minified)`);
  // The floor probe (bench/floor): the card's crates + serde_json and one call, built now by the same pipeline.
  const { buildFloor } = await import("./floor.mjs");
  const floor = await buildFloor();
  const fl = kib(floor.total.gzip);
  row("package size ÷ the floor probe built in this run (card's crates + serde_json, one client, one call)", { median: v, min: v, max: v }, { median: fl, min: fl, max: fl }, "KiB", "ratio ≤ 1.30",
    `(floor: wasm ${f(kib(floor.wasm.gzip))} + glue ${f(kib(floor.glue.gzip))})`, "deapi-wasm");
}

// 5. wasm memory growth over 100 000 mixed calls after a warm-up (tests/leak/leak.mjs, in a child process).
function memory() {
  const out = execFileSync(process.execPath, [join(root, "tests", "leak", "leak.mjs"), quick ? "20000" : "100000"], { encoding: "utf8" });
  const m = /wasm memory (\d+) KiB after (\d+) calls, (\d+) KiB after (\d+)/.exec(out);
  if (!m) throw new Error(`leak.mjs printed no memory line:\n${out}`);
  const growth = (Number(m[3]) - Number(m[1])) / 1024;
  row(`wasm memory growth over ${m[4]} mixed calls after ${m[2]}`, { median: growth, min: growth, max: growth }, null, "MiB", "≤ 1 MiB",
    `(${m[1]} KiB → ${m[3]} KiB)`);
}

console.log(`deapi-wasm bench — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}${quick ? ", quick" : ""}`);
await size();
const mock = await startMockProcess();
const jobsMock = await startMockProcess(["--job-steps", "1,2"]);
try {
  await perCall(mock.url);
  await browserPerCall();
  coldStart();
  await jobs(jobsMock.url);
  await decode422();
  memory();
} finally {
  mock.stop();
  jobsMock.stop();
}
console.log("\n| Measure | deapi-wasm (median) | baseline (median) | ratio | goal |\n|---|---:|---:|---:|---|");
for (const r of rows) {
  console.log(`| ${r.measure} | ${r.who === "deapi-wasm" ? "" : `${r.who}: `}${f(r.ours.median, 2)} ${r.unit} | ${r.theirs ? `${f(r.theirs.median, 2)} ${r.unit}` : "—"} | ${r.ratio ? f(r.ratio, 3) : "—"} | ${r.goal} ${r.note} |`);
}
