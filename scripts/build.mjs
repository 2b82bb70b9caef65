#!/usr/bin/env node
// Build the npm package in pkg/dist: cargo (wasm32, release) → wasm-bindgen (the glue, web and nodejs
// targets) → wasm-opt (npm binaryen) → the entry files (js/entries/) wrapping js/facade.js → JS minified (oxc; the
// browser files also mangled) → size report (size.json).
// Usage: node scripts/build.mjs [--dev]   (--dev skips wasm-opt and minification; for quick iterations)
//
// The package (pkg/: package.json, README.md, LICENSE are committed; dist/ is built here):
//   dist/index.cjs          Node `require`: the Node glue instantiates the .wasm synchronously at load;
//   dist/index.mjs          Node `import`: re-exports index.cjs (one instance, one set of classes)
//   dist/browser.js         browsers, bundlers, workers: ES module with the web glue bundled in (one
//                           module to fetch before the .wasm); it starts the .wasm's fetch when it
//                           starts evaluating and loads it with top-level await (`new URL(…,
//                           import.meta.url)`, which bundlers turn into an emitted asset), so no
//                           `init()` call is needed
//   dist/workerd.js         Cloudflare Workers: the server module's web glue, the module imported as a module
//   dist/index.d.ts         types (a byte copy of js/index.d.ts; dist/spec/*.d.ts of js/spec/, which it imports)
//   dist/node/deapi_wasm.js wasm-bindgen's Node glue (CommonJS); the server module's bytes in deapi_wasm_bytes.js
//   dist/web/deapi_wasm.js, dist/web/deapi_wasm_bg.wasm   wasm-bindgen's web glue (ES module, `init`;
//                           imported by browser-dev.js, bundled into browser.js) and the browser module (built without the `webhooks` feature)
//   dist/server/deapi_wasm.js, dist/server/deapi_wasm_bg.wasm   the server module (with verifyWebhook and
//                           createProxy) and its web glue, for the Worker entry
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { bindgen, cargoWasm, minify, root, size as sizeOf, wasmOpt } from "./pipeline.mjs";

const dist = join(root, "pkg", "dist");
const dev = process.argv.includes("--dev");
const t0 = Date.now();
const step = (s) => console.log(`== [${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

// Two modules from one crate: the browser's without the `webhooks` feature (verifyWebhook rejects
// there: a webhook secret belongs on a server, and browsers do not download the verifier) nor the
// `proxy` one (createProxy holds the key: it throws there), and the servers' (Node, Cloudflare Workers)
// with both. The proxy imports JS functions the browser module does not: each has its own glue. The
// browser module has the `realtime` option and reads relay streams (`realtime-relay`), not the socket.
step("cargo build --release --lib --target wasm32-unknown-unknown --no-default-features --features realtime-relay (browser module)");
// (copied into folders of their own: wasm-bindgen names its output after the input file)
const rawBrowser = join(root, "target", "browser-module", "deapi_wasm.wasm");
mkdirSync(dirname(rawBrowser), { recursive: true });
copyFileSync(cargoWasm({ name: "deapi_wasm", defaultFeatures: false, features: ["realtime-relay"] }), rawBrowser);
// A third module for browsers that opt into deAPI's socket (single-user apps: `deapi-wasm/realtime`):
// the browser module + the `realtime` feature (+10.5 KiB gzip; the default browser module stays without).
step("cargo build --release --lib --target wasm32-unknown-unknown --no-default-features --features realtime (the browser module with the socket: deapi-wasm/realtime)");
const rawBrowserRealtime = join(root, "target", "browser-realtime-module", "deapi_wasm.wasm");
mkdirSync(dirname(rawBrowserRealtime), { recursive: true });
copyFileSync(cargoWasm({ name: "deapi_wasm", defaultFeatures: false, features: ["realtime"] }), rawBrowserRealtime);
step("cargo build --release --lib --target wasm32-unknown-unknown (server module: + webhooks, proxy)");
const raw = join(root, "target", "server-module", "deapi_wasm.wasm");
mkdirSync(dirname(raw), { recursive: true });
copyFileSync(cargoWasm({ name: "deapi_wasm" }), raw);

rmSync(dist, { recursive: true, force: true });
// wasm-bindgen writes the glue: `--target web` (an ES module whose `init` loads the .wasm) for browsers,
// bundlers and workers; `--target nodejs` (CommonJS, instantiated synchronously at require time) for
// Node. Both targets emit the same .wasm for one build: the browser module is shipped in dist/web, the
// server module in dist/server (for the Worker entry) and as bytes for the Node glue.
step("wasm-bindgen --target web / --target nodejs (wasm-bindgen-cli, pinned to the crate's version)");
bindgen(rawBrowser, join(dist, "web"), "web");
bindgen(rawBrowserRealtime, join(dist, "web-realtime"), "web");
bindgen(raw, join(dist, "server"), "web");
bindgen(raw, join(dist, "node"), "nodejs");
const wasmWeb = join(dist, "web", "deapi_wasm_bg.wasm");
const wasmWebRealtime = join(dist, "web-realtime", "deapi_wasm_bg.wasm");
const wasmServer = join(dist, "server", "deapi_wasm_bg.wasm");
const wasmNode = join(dist, "node", "deapi_wasm_bg.wasm");
if (!readFileSync(wasmServer).equals(readFileSync(wasmNode))) throw new Error("wasm-bindgen's web and nodejs targets emitted different .wasm files");
rmSync(wasmNode);
if (!dev) {
  step("wasm-opt --low-memory-unused -Oz --gufa -Oz (binaryen 132), the three modules");
  wasmOpt(wasmWeb);
  wasmOpt(wasmWebRealtime);
  wasmOpt(wasmServer);
}

// The .wasm's bytes as a module too, for places where no file next to the code can be fetched or
// read: Node after a server bundler (Next.js) moved the code, and dev servers whose dependency
// pre-bundling moves the glue away from its .wasm (Vite). base64 in a JS string; decoded once at load.
// Node: the server module; the browser's development entry: the browser module.
const b64 = (f) => readFileSync(f).toString("base64");
const decode = `(s) => (typeof Buffer === "function" ? new Uint8Array(Buffer.from(s, "base64")) : Uint8Array.from(atob(s), (c) => c.charCodeAt(0)))`;
writeFileSync(join(dist, "node", "deapi_wasm_bytes.js"), `"use strict";\nmodule.exports = (${decode})("${b64(wasmServer)}");\n`);
writeFileSync(join(dist, "web", "deapi_wasm_bytes.js"), `export default (${decode})("${b64(wasmWeb)}");\n`);
writeFileSync(join(dist, "web-realtime", "deapi_wasm_bytes.js"), `export default (${decode})("${b64(wasmWebRealtime)}");\n`);
// wasm-bindgen's Node glue reads `${__dirname}/deapi_wasm_bg.wasm` at require time: it takes the bytes
// module instead, so a bundled server (the path gone) still loads it.
const nodeGlue = join(dist, "node", "deapi_wasm.js");
const nodeText = readFileSync(nodeGlue, "utf8");
const readWasm = /const wasmPath = `\$\{__dirname\}\/deapi_wasm_bg\.wasm`;\s*const wasmBytes = require\('fs'\)\.readFileSync\(wasmPath\);/;
if (!readWasm.test(nodeText)) throw new Error("the nodejs glue no longer reads its .wasm as expected (scripts/build.mjs)");
writeFileSync(nodeGlue, nodeText.replace(readWasm, 'const wasmBytes = require("./deapi_wasm_bytes.js");'));

step("entry files");
// The entries are real files, js/entries/*: each wraps js/facade.js (included by a `/* @include js/… */`
// line: plus Node's http adapter, js/node-listener.js, in the Node entry and its stub, js/server-stub.js,
// elsewhere; the Redis quota store's adapter, js/quota-store.js, in the server entries and its stub,
// js/quota-stub.js, in the browser's). `entry` fills one: its leading `//` lines (what the file is) give
// way to the banner, each `__NAME__` becomes `values.NAME` and each include line that file's text. A name with
// no value, or a value no `__NAME__` asks for, is an error.
const banner = "// deapi-wasm — generated by scripts/build.mjs from js/facade.js; do not edit.\n";
const entry = (file, out, values = {}) => {
  const template = readFileSync(join(root, "js", "entries", file), "utf8").replace(/^(\/\/.*\n)+/, "");
  const unused = new Set(Object.keys(values));
  const text = template
    .replace(/__([A-Z]+)__/g, (_, name) => {
      if (!(name in values)) throw new Error(`js/entries/${file}: no value for __${name}__ (scripts/build.mjs)`);
      unused.delete(name);
      return values[name];
    })
    .replace(/^\/\* @include (\S+) \*\/$/gm, (_, path) => readFileSync(join(root, path), "utf8"));
  if (unused.size) throw new Error(`js/entries/${file} has no ${[...unused].map((n) => `__${n}__`).join(", ")} (scripts/build.mjs)`);
  writeFileSync(join(dist, out), banner + text);
};
entry("index.cjs", "index.cjs");
// Every name the package exports, read from the CommonJS build itself.
const names = Object.keys(createRequire(import.meta.url)(join(dist, "index.cjs")));
// The error kinds as the module lists them (`kinds()`; one crate, the same list in every module): the
// browser entries define their classes from it, before their .wasm is loaded (js/facade.js, `kindList`).
const KINDS = JSON.stringify(createRequire(import.meta.url)(join(dist, "node", "deapi_wasm.js")).kinds());
// Node ESM re-exports the CommonJS entry: one facade, one wasm instance, one set of classes.
entry("index.mjs", "index.mjs", { EXPORTS: names.join(", ") });
// The browser / bundler / worker entries initialise themselves with top-level await, so importing
// one is enough. If that automatic load fails (the .wasm is not served, a CSP forbids it), the module
// still loads: the first `new DeapiClient(...)` throws an error naming the source and the cause, and
// `await init(urlOrBytesOrModule)` can load it from elsewhere.
//   browser.js      the .wasm next to it, by URL (its fetch begun by wasm-fetch.js, its first import,
//                   bundled into it below; the glue compiles the Response while it streams)
//   browser-dev.js  the bytes inside the module graph (web/deapi_wasm_bytes.js), for dev servers whose
//                   dependency pre-bundling moves the glue away from its .wasm (the `development` condition)
const EXPORTS = names.filter((n) => n !== "init").join(", ");
// The browser module's entries, and deapi-wasm/realtime's: the same entries on the module with the socket.
const BROWSER_MODULES = [["web", "browser"], ["web-realtime", "browser-realtime"]];
for (const [dir, name] of BROWSER_MODULES) {
  entry("wasm-fetch.js", `wasm-fetch-${dir}.js`, { DIR: dir });
  entry("browser.js", `${name}.js`, { DIR: dir, ENTRY: name, EXPORTS, KINDS });
  entry("browser-dev.js", `${name}-dev.js`, { DIR: dir, EXPORTS, KINDS });
}
entry("workerd.js", "workerd.js", { EXPORTS });
copyFileSync(join(root, "js", "index.d.ts"), join(dist, "index.d.ts"));
// …and the types it imports, generated from deAPI's spec (scripts/spec.mjs).
mkdirSync(join(dist, "spec"), { recursive: true });
for (const f of ["deapi-v2.d.ts", "deapi-v1.d.ts"]) copyFileSync(join(root, "js", "spec", f), join(dist, "spec", f));

// One JS module hop for browsers (issue 24): browser.js and browser-realtime.js carry their
// wasm-bindgen glue (bundled by rolldown), so that a page fetches one module before the .wasm, not
// the entry and then the glue it imports (a round trip each: 150 ms on a phone's network). The
// `new URL("./web/…", import.meta.url)` stays relative to the entry, where it is. The development
// entries keep importing the glue (dev servers are local).
step("bundle the web glue into browser.js and browser-realtime.js (rolldown)");
{
  const { rolldown } = await import("rolldown");
  for (const file of BROWSER_MODULES.map(([, name]) => `${name}.js`)) {
    // The glue's own default, `new URL('deapi_wasm_bg.wasm', import.meta.url)` (used when `init` gets no
    // input; the entries always pass one), would point beside browser.js once bundled there, where no
    // such file is: webpack and Turbopack fail to resolve it. Out.
    const noDefault = { name: "glue-no-default-url", transform(code, id) {
      if (!/deapi_wasm\.js$/.test(id)) return null;
      const url = /new URL\('deapi_wasm_bg\.wasm', import\.meta\.url\)/g;
      if ((code.match(url) || []).length !== 1) throw new Error(`${id}: the glue's default .wasm URL is no longer written as expected (scripts/build.mjs)`);
      return code.replace(url, '(() => { throw new Error("deapi-wasm: no WebAssembly module given"); })()');
    } };
    const bundle = await rolldown({ input: join(dist, file), platform: "browser", logLevel: "silent", treeshake: false, plugins: [noDefault] });
    const { output } = await bundle.generate({ format: "esm", minify: false });
    const chunks = output.filter((o) => o.type === "chunk");
    if (chunks.length !== 1 || output.some((o) => o.type === "asset")) throw new Error(`bundling ${file}: expected one chunk, got ${output.map((o) => o.fileName).join(", ")}`);
    writeFileSync(join(dist, file), chunks[0].code);
  }
  for (const [dir] of BROWSER_MODULES) rmSync(join(dist, `wasm-fetch-${dir}.js`));
}

// The shipped JS is compressed (comments and whitespace out, dead code folded) by oxc's minifier,
// through rolldown (a dev dependency of its own, pinned in package.json). What browsers download is also mangled (1.2 KiB
// gzip less; class names kept, and the error classes' `name`s are literal anyway); the Node entry is
// not, so that stack traces in server logs stay readable.
if (!dev) {
  step("minify the JS (oxc: compress; mangle the browser files)");
  for (const [file, module, mangle] of [["browser.js", true, true], ["browser-dev.js", true, true], ["browser-realtime.js", true, true], ["browser-realtime-dev.js", true, true], ["workerd.js", true, true], ["web/deapi_wasm.js", true, true], ["web-realtime/deapi_wasm.js", true, true], ["server/deapi_wasm.js", true, true], ["index.cjs", false, false], ["node/deapi_wasm.js", false, false]]) {
    await minify(join(dist, file), { module, mangle, banner });
  }
}

step("size");
const size = (files) => sizeOf(files.map((f) => join(dist, f)));
// What a browser downloads (wasm + web glue + entry) is the budgeted total (tests/size/check.mjs).
const report = {
  wasm: size(["web/deapi_wasm_bg.wasm"]),
  glueWeb: size(["browser.js"]), // the web glue bundled in
  glueNode: size(["node/deapi_wasm.js", "index.cjs", "index.mjs"]),
  wasmServer: size(["server/deapi_wasm_bg.wasm"]),
};
report.totalWeb = { raw: report.wasm.raw + report.glueWeb.raw, gzip: report.wasm.gzip + report.glueWeb.gzip };
// (not budgeted: what a single-user app that imports deapi-wasm/realtime downloads instead)
report.totalWebRealtime = size(["web-realtime/deapi_wasm_bg.wasm", "browser-realtime.js"]);
writeFileSync(join(dist, "size.json"), JSON.stringify(report, null, 2) + "\n");
const kib = (n) => (n / 1024).toFixed(1) + " KiB";
const label = { wasm: "wasm (web/deapi_wasm_bg.wasm)", glueWeb: "JS glue, web (browser.js, the glue in it)",
  glueNode: "JS glue, Node (node glue + index.cjs/.mjs)", wasmServer: "wasm, servers (+ webhooks; Node, Workers)",
  totalWeb: "total for a browser (wasm + web glue)", totalWebRealtime: "the same with the socket (deapi-wasm/realtime)" };
console.log(`  ${"".padEnd(42)} ${"raw".padStart(10)} ${"gzip -9".padStart(10)}`);
for (const [k, v] of Object.entries(report)) console.log(`  ${label[k].padEnd(42)} ${kib(v.raw).padStart(10)} ${kib(v.gzip).padStart(10)}`);
const budget = /^Size budget: ([\d.]+) KiB gzip\s*$/m.exec(existsSync(join(root, "README.md")) ? readFileSync(join(root, "README.md"), "utf8") : "");
if (budget) {
  const over = report.totalWeb.gzip > Number(budget[1]) * 1024;
  console.log(`  budget (README.md): ${budget[1]} KiB gzip → ${over ? "OVER" : "within"}`);
}
step(`done: pkg/dist${dev ? " (dev: no wasm-opt)" : ""}`);
