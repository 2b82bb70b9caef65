#!/usr/bin/env node
// Time to the first API call in a browser (issue 24): from navigation start to the first call
// resolved, in headless Chromium, files served gzip-compressed by a server in this process (the page,
// the package, an `account.balance` answer on the same origin). Prints numbers, asserts nothing.
//   node bench/firstcall.mjs                 (bash scripts/bench.sh runs it after bench/run.mjs)
//   FIRSTCALL_REPS=9                         samples per row (default 5; BENCH_QUICK=1: 3)
//   FIRSTCALL_PKG=<a pkg dir>                the package measured (default: pkg/)
//   FIRSTCALL_BASE=<a pkg dir>               one more contender: another build of the package (its
//                                            package.json + dist/), for a lever's before/after in one run
// Contenders, each in a plain page and in a Vite production build of the same page:
//   raw fetch       `fetch` + `res.json()` in the page's module script
//   openai-node     `client.get("/account/balance")`, openai-node bundled with the page's code by rolldown
//                   (one file, minified, as an app ships it)
//   deapi-wasm      `new DeapiClient({ baseUrl }).account.balance()` (keyless: same origin), the package's
//                   browser entry as it is published (plain page: imported by URL from dist/)
//   + preload       the same page with `<link rel="preload" as="fetch" crossorigin href=".wasm">` (README),
//                   and with `<link rel="modulepreload">` of dist/browser.js too (an inline module's
//                   import is not seen by the preload scanner)
// Profiles: "mobile" is Lighthouse's (150 ms RTT, 1.6 Mbps down, 750 Kbps up, CPU slowdown × 4: CDP
// Network.emulateNetworkConditions and Emulation.setCPUThrottlingRate); "cold" is a new browser context
// (empty HTTP and code caches), "repeat" the same page loaded again in that context (assets cached:
// `Cache-Control: max-age=3600`), "unthrottled" a cold load on loopback without either throttle.
// Samples are interleaved: per repetition, every profile, every contender in a rotating order.
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { median } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const require = createRequire(import.meta.url);
const quick = process.env.BENCH_QUICK === "1";
const reps = Number(process.env.FIRSTCALL_REPS || (quick ? 3 : 5));
const basePkg = process.env.FIRSTCALL_BASE ? resolve(process.env.FIRSTCALL_BASE) : null;
const pkgDir = process.env.FIRSTCALL_PKG ? resolve(process.env.FIRSTCALL_PKG) : join(root, "pkg"); // (the package measured)

let chromiumMod;
try {
  chromiumMod = await import("../tests/chromium.mjs");
  if (!existsSync(chromiumMod.CHROMIUM_PATH)) throw new Error(`no Chromium at ${chromiumMod.CHROMIUM_PATH}`);
} catch (e) {
  console.log(`first call in Chromium: skipped (${e.message}; \`bash scripts/setup.sh\` installs Chromium and playwright-core)`);
  process.exit(0);
}

// ── openai-node, bundled with the page's code (installed into bench/node_modules as bench/run.mjs does) ──
const benchModules = join(here, "node_modules");
if (!existsSync(join(benchModules, "openai"))) {
  console.log("installing openai from npm into bench/node_modules (once)");
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--prefix", here, "openai@5"], { stdio: "inherit" });
}
const openaiVersion = JSON.parse(readFileSync(join(benchModules, "openai", "package.json"), "utf8")).version;

const work = mkdtempSync(join(tmpdir(), "firstcall-"));
const done = "window.__firstCall = performance.now();";
const fail = "(e) => { window.__firstCallError = String(e && e.message || e); }";
const callCode = {
  raw: `const r = await fetch("/api/v2/account/balance", { headers: { Accept: "application/json" } });\n` +
    `const j = await r.json(); if (typeof j.data.balance !== "number") throw new Error("bad response");\n${done}\n`,
  openai: `import OpenAI from "openai";\n` +
    `const client = new OpenAI({ apiKey: "x", baseURL: location.origin + "/api/v2", dangerouslyAllowBrowser: true });\n` +
    `const j = await client.get("/account/balance"); if (typeof j.data.balance !== "number") throw new Error("bad response");\n${done}\n`,
  deapi: (spec) => `import { DeapiClient } from ${JSON.stringify(spec)};\n` +
    `const deapi = new DeapiClient({ baseUrl: location.origin });\n` +
    `const j = await deapi.account.balance(); if (typeof j.balance !== "number") throw new Error("bad response");\n${done}\n`,
};
/** The call in a try (its failure reported to the harness), its `import` lines hoisted out. */
const wrap = (code) => {
  const lines = code.split("\n");
  const imports = lines.filter((l) => l.startsWith("import "));
  return `${imports.map((l) => l + "\n").join("")}try {\n${lines.filter((l) => !l.startsWith("import ")).join("\n")}} catch (e) { (${fail})(e); }\n`;
};
const html = (head, body) => `<!doctype html>\n<meta charset="utf-8">\n<title>first call</title>\n${head}${body}\n`;
const inline = (code) => `<script type="module">\n${wrap(code)}</script>`;

// openai-node's page: its module script is one file bundled by rolldown (what Vite would emit).
async function bundleOpenai() {
  const { rolldown } = await import(require.resolve("rolldown", { paths: [root] }));
  const entry = join(benchModules, ".firstcall-openai.mjs");
  writeFileSync(entry, wrap(callCode.openai));
  const bundle = await rolldown({ input: entry, platform: "browser", logLevel: "silent" });
  const { output } = await bundle.generate({ format: "esm", minify: true });
  return output.find((o) => o.type === "chunk" && o.isEntry).code;
}

// ── the plain pages ──
const plain = join(work, "plain");
mkdirSync(plain);
writeFileSync(join(plain, "openai.js"), await bundleOpenai());
writeFileSync(join(plain, "raw.html"), html("", inline(callCode.raw)));
writeFileSync(join(plain, "openai.html"), html("", `<script type="module" src="/plain/openai.js"></script>`));
const preload = (href) => `<link rel="preload" as="fetch" crossorigin href="${href}">\n`;
writeFileSync(join(plain, "deapi.html"), html("", inline(callCode.deapi("/pkg/dist/browser.js"))));
writeFileSync(join(plain, "deapi-preload.html"), html(preload("/pkg/dist/web/deapi_wasm_bg.wasm"), inline(callCode.deapi("/pkg/dist/browser.js"))));
writeFileSync(join(plain, "deapi-preload2.html"), html(`<link rel="modulepreload" href="/pkg/dist/browser.js">\n${preload("/pkg/dist/web/deapi_wasm_bg.wasm")}`, inline(callCode.deapi("/pkg/dist/browser.js"))));
if (basePkg) writeFileSync(join(plain, "deapi-base.html"), html("", inline(callCode.deapi("/base/dist/browser.js"))));

// ── the same pages built by Vite (production build, defaults; the package linked into node_modules) ──
const viteDir = join(work, "vite");
mkdirSync(join(viteDir, "node_modules"), { recursive: true });
symlinkSync(pkgDir, join(viteDir, "node_modules", "deapi-wasm"));
symlinkSync(join(benchModules, "openai"), join(viteDir, "node_modules", "openai"));
if (basePkg) symlinkSync(basePkg, join(viteDir, "node_modules", "deapi-wasm-base"));
const vitePages = { raw: callCode.raw, openai: null, deapi: callCode.deapi("deapi-wasm"), ...(basePkg ? { "deapi-base": callCode.deapi("deapi-wasm-base") } : {}) };
for (const [name, code] of Object.entries(vitePages)) {
  writeFileSync(join(viteDir, `${name}.js`), wrap(code ?? callCode.openai));
  writeFileSync(join(viteDir, `${name}.html`), html("", `<script type="module" src="./${name}.js"></script>`));
}
{
  const vite = await import(require.resolve("vite", { paths: [root] }));
  await vite.build({ root: viteDir, base: "/vite/", configFile: false, logLevel: "silent",
    build: { outDir: join(viteDir, "dist"), rollupOptions: { input: Object.fromEntries(Object.keys(vitePages).map((n) => [n, join(viteDir, `${n}.html`)])) } } });
}

// ── the server: gzip for text and wasm, an `account.balance` answer ──
const MIME = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
const dirs = { "/plain/": plain, "/pkg/": pkgDir, "/vite/": join(viteDir, "dist"), ...(basePkg ? { "/base/": basePkg } : {}) };
const gz = new Map();
const server = createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/api/v2/account/balance") {
    const body = JSON.stringify({ data: { balance: 19.72 } });
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store", "Content-Length": Buffer.byteLength(body) });
    return res.end(body);
  }
  for (const [prefix, dir] of Object.entries(dirs)) {
    if (!url.pathname.startsWith(prefix)) continue;
    const file = resolve(dir, `.${url.pathname.slice(prefix.length - 1)}`);
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) break;
    const key = `${file}:${statSync(file).mtimeMs}`;
    if (!gz.has(key)) gz.set(key, gzipSync(readFileSync(file), { level: 9 }));
    const data = gz.get(key);
    res.writeHead(200, { "Content-Type": MIME[extname(file)] ?? "application/octet-stream", "Content-Encoding": "gzip",
      "Content-Length": data.length, "Cache-Control": "max-age=3600" });
    return res.end(data);
  }
  res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;

// ── samples ──
const contenders = [
  ["plain", "raw fetch", "/plain/raw.html"],
  ["plain", `openai-node ${openaiVersion} (bundled)`, "/plain/openai.html"],
  ["plain", "deapi-wasm", "/plain/deapi.html"],
  ["plain", "deapi-wasm + preload hint", "/plain/deapi-preload.html"],
  ["plain", "deapi-wasm + preload hint + modulepreload of browser.js", "/plain/deapi-preload2.html"],
  ...(basePkg ? [["plain", "deapi-wasm (FIRSTCALL_BASE)", "/plain/deapi-base.html"]] : []),
  ["vite", "raw fetch", "/vite/raw.html"],
  ["vite", `openai-node ${openaiVersion} (bundled)`, "/vite/openai.html"],
  ["vite", "deapi-wasm", "/vite/deapi.html"],
  ...(basePkg ? [["vite", "deapi-wasm (FIRSTCALL_BASE)", "/vite/deapi-base.html"]] : []),
];
const profiles = ["cold, mobile", "repeat, mobile", "cold, unthrottled"];
const MOBILE = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };

/** One load of `path`: ms from navigation start to the first call resolved, and the resource waterfall. */
async function load(context, path, throttle) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  if (throttle) {
    await cdp.send("Network.emulateNetworkConditions", MOBILE);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  }
  try {
    await page.goto(origin + path, { waitUntil: "commit" });
    await page.waitForFunction(() => window.__firstCall !== undefined || window.__firstCallError !== undefined, null, { timeout: 60_000 })
      .catch((e) => { throw new Error(`${path}: ${e.message}; page errors: ${errors.join("; ") || "none"}`); });
    return await page.evaluate(() => {
      if (window.__firstCallError) throw new Error(window.__firstCallError);
      const nav = performance.getEntriesByType("navigation")[0];
      const entries = [{ name: "page", start: nav.startTime, end: nav.responseEnd, bytes: nav.transferSize }];
      for (const e of performance.getEntriesByType("resource")) {
        entries.push({ name: new URL(e.name).pathname, start: e.startTime, end: e.responseEnd, bytes: e.transferSize });
      }
      return { ms: window.__firstCall, entries };
    });
  } finally {
    await page.close();
  }
}

const browser = await chromiumMod.launchChromium();
const samples = new Map(); // `${profile}|${where}|${who}` → [{ ms, entries }]
try {
  console.log(`first call in Chromium ${browser.version()}, ${reps} samples per row, files gzip -9${basePkg ? `, FIRSTCALL_BASE=${basePkg}` : ""}`);
  for (let r = 0; r < reps; r++) {
    for (const profile of profiles) {
      for (let k = 0; k < contenders.length; k++) {
        const [where, who, path] = contenders[(k + r) % contenders.length];
        const context = await browser.newContext();
        try {
          let s = await load(context, path, profile !== "cold, unthrottled");
          if (profile === "repeat, mobile") s = await load(context, path, true);
          const key = `${profile}|${where}|${who}`;
          if (!samples.has(key)) samples.set(key, []);
          samples.get(key).push(s);
        } finally {
          await context.close();
        }
      }
    }
    process.stdout.write(`  repetition ${r + 1}/${reps} done\n`);
  }
} finally {
  await browser.close();
  server.close();
  rmSync(work, { recursive: true, force: true });
}

// ── report ──
const f = (n) => Math.round(n).toString();
const rowsOut = [];
for (const profile of profiles) {
  for (const where of ["plain", "vite"]) {
    const of = (who) => samples.get(`${profile}|${where}|${who}`).map((s) => s.ms);
    const oai = median(of(`openai-node ${openaiVersion} (bundled)`));
    for (const [w, who] of contenders.filter(([w]) => w === where)) {
      const xs = of(who);
      const m = median(xs);
      const line = `first call, ${profile}, ${where === "plain" ? "plain page" : "Vite build"}: ${who} median ${f(m)} ms (min ${f(Math.min(...xs))}, max ${f(Math.max(...xs))})  × openai-node ${(m / oai).toFixed(2)}`;
      console.log(line);
      rowsOut.push({ profile, where: w, who, median: m, ratio: m / oai });
    }
  }
}
// The waterfalls, per profile: per request, the median start and end over the samples (a request
// missing from some samples is listed with the number it appeared in), then the first call resolved.
// (repeat visits: bytes 0 is a response from the HTTP cache)
for (const profile of profiles) {
console.log(`\nwaterfalls (${profile}; per request the median start → end over the samples; ms from navigation start, bytes on the wire):`);
for (const [where, who] of contenders) {
  const xs = samples.get(`${profile}|${where}|${who}`);
  console.log(`  ${where === "plain" ? "plain page" : "Vite build"}, ${who}: first call resolved at ${f(median(xs.map((s) => s.ms)))} ms (median)`);
  const names = [...new Set(xs.flatMap((s) => s.entries.map((e) => e.name)))].filter((n) => n !== "/favicon.ico");
  const rowsW = names.map((name) => {
    const es = xs.map((s) => s.entries.find((e) => e.name === name)).filter(Boolean);
    return { name, n: es.length, start: median(es.map((e) => e.start)), end: median(es.map((e) => e.end)), bytes: median(es.map((e) => e.bytes)) };
  }).sort((a, b) => a.start - b.start);
  for (const e of rowsW) {
    console.log(`    ${f(e.start).padStart(5)} → ${f(e.end).padStart(5)} ms  ${e.name}${e.bytes ? `  (${(e.bytes / 1024).toFixed(1)} KiB)` : ""}${e.n < xs.length ? `  (in ${e.n} of ${xs.length} samples)` : ""}`);
  }
}
}
console.log("\n| First call (ms from navigation start) | plain page | × openai-node | Vite build | × openai-node |\n|---|---:|---:|---:|---:|");
for (const profile of profiles) {
  for (const [, who] of contenders.filter(([w]) => w === "plain")) {
    const p = rowsOut.find((x) => x.profile === profile && x.where === "plain" && x.who === who);
    const v = rowsOut.find((x) => x.profile === profile && x.where === "vite" && x.who === who);
    console.log(`| ${profile}: ${who} | ${f(p.median)} | ${p.ratio.toFixed(2)} | ${v ? f(v.median) : "—"} | ${v ? v.ratio.toFixed(2) : "—"} |`);
  }
}
