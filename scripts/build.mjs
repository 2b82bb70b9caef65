#!/usr/bin/env node
// Build the npm package in pkg/dist: cargo (wasm32, release, no std) → wasm-opt (npm binaryen:
// --flatten --rereloop -Oz -Oz) → the glue (js/abi.js, the module's C ABI) and the entry files wrapping
// js/facade.js → JS minified (oxc; the browser files also mangled) → size report (size.json).
// Usage: node scripts/build.mjs [--dev]   (--dev skips wasm-opt and minification; for quick iterations)
//
// The package (pkg/: package.json, README.md, LICENSE are committed; dist/ is built here):
//   dist/index.cjs          Node `require`: the Node glue instantiates the .wasm synchronously at load;
//                           requests go through js/node-http.js (node:http/https), not fetch
//   dist/index.mjs          Node `import`: re-exports index.cjs (one instance, one set of classes)
//   dist/browser.js         browsers, bundlers, workers: ES module over the web glue; it loads the
//                           .wasm itself with top-level await (`new URL(…, import.meta.url)`, which
//                           bundlers turn into an emitted asset), so no `init()` call is needed
//   dist/index.d.ts         types (a byte copy of js/index.d.ts)
//   dist/node/deapi_wasm.js Node glue (CommonJS), reads ../web/deapi_wasm_bg.wasm (one .wasm shipped)
//   dist/web/deapi_wasm.js, dist/web/deapi_wasm_bg.wasm   web glue (ES module, `init`) and the module
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { homedir } from "node:os";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "pkg", "dist");
const dev = process.argv.includes("--dev");
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
const t0 = Date.now();
const step = (s) => console.log(`== [${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

step("cargo build --release --no-default-features --target wasm32-unknown-unknown (no_std: no standard library in the module)");
// Panic locations of dependencies would carry this machine's paths (/root/.cargo/registry/src/…) into
// the shipped module: remapped to the crate's own name and version (also a few hundred bytes less).
const registry = join(process.env.CARGO_HOME || join(homedir(), ".cargo"), "registry", "src");
const remaps = existsSync(registry) ? readdirSync(registry).map((d) => `--remap-path-prefix=${join(registry, d)}/=`) : [];
const rustflags = [process.env.RUSTFLAGS, ...remaps].filter(Boolean).join(" ");
run("cargo", ["build", "--release", "--lib", "--no-default-features", "--target", "wasm32-unknown-unknown"], { env: { ...process.env, RUSTFLAGS: rustflags } });
const raw = join(root, "target", "wasm32-unknown-unknown", "release", "deapi_wasm.wasm");

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "node"), { recursive: true });
mkdirSync(join(dist, "web"), { recursive: true });
// No wasm-bindgen here: the shipped module's boundary is a plain C ABI (src/abi.rs) and its glue is
// js/abi.js, written into both glue files below. (wasm-bindgen is only in the test builds.)
const wasmWeb = join(dist, "web", "deapi_wasm_bg.wasm");
if (!dev) {
  const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
  if (!existsSync(wasmOpt)) throw new Error("wasm-opt not found: run `npm ci` (or scripts/setup.sh) first");
  // --flatten --rereloop before two -Oz rounds: 0.6 KiB gzip less than one -Oz (measured; -Os, --converge,
  // --gufa and a third round gain nothing more). --reorder-functions gives the most-called functions
  // the smallest indices (shorter call operands) and the target_features section (read only by tools
  // such as wasm-opt itself, not by runtimes) goes last: 0.2 KiB gzip together. Names and producers
  // are stripped here.
  step("wasm-opt --flatten --rereloop -Oz -Oz --reorder-functions (binaryen 132)");
  run(wasmOpt, ["--flatten", "--rereloop", "-Oz", "-Oz", "--reorder-functions", "--strip-debug", "--strip-producers", "--strip-target-features", raw, "-o", wasmWeb]);
} else {
  copyFileSync(raw, wasmWeb);
}
const abiGlue = readFileSync(join(root, "js", "abi.js"), "utf8");
const exported = "Core, tables, fileType, verifyWebhook, __memoryBytes";
// Node: CommonJS, the module compiled and instantiated synchronously at require time.
writeFileSync(join(dist, "node", "deapi_wasm.js"),
  `"use strict";\n${abiGlue}\nconst { imports, api } = abi();\n` +
  `const bytes = require("fs").readFileSync(require("path").join(__dirname, "..", "web", "deapi_wasm_bg.wasm"));\n` +
  `api.set(new WebAssembly.Instance(new WebAssembly.Module(bytes), imports));\n` +
  `module.exports = api;\n`);
// Web: an ES module; `init(input)` loads the module from a URL, a Request, a Response (streaming when
// served as application/wasm, else from its bytes, as wasm-bindgen's glue did), bytes or a
// WebAssembly.Module (or a promise of one).
writeFileSync(join(dist, "web", "deapi_wasm.js"),
  `${abiGlue}\nconst { imports, api } = abi();\nexport const { ${exported} } = api;\n` +
  `export default async function init(input) {\n` +
  `  if (typeof input === "string" || input instanceof URL || (typeof Request === "function" && input instanceof Request)) input = fetch(input);\n` +
  `  input = await input;\n  let made;\n` +
  `  if (typeof Response === "function" && input instanceof Response) {\n` +
  `    if (!input.ok) throw new Error(\`failed to fetch Wasm: \${input.status} \${input.statusText}\`.trim());\n` +
  `    try {\n      if (typeof WebAssembly.instantiateStreaming !== "function") throw 0; // not in every runtime: bytes then\n` +
  `      made = await WebAssembly.instantiateStreaming(input, imports);\n    } catch (e) {\n` +
  `      // a server that sends the .wasm with another type: read it as bytes (not for an error status)\n` +
  `      if (e !== 0 && (input.bodyUsed || input.headers.get("content-type") === "application/wasm")) throw e;\n` +
  `      made = await WebAssembly.instantiate(await input.arrayBuffer(), imports);\n    }\n` +
  `  } else made = await WebAssembly.instantiate(input, imports);\n` +
  `  api.set(made.instance || made);\n}\n`);

step("entry files");
const facade = readFileSync(join(root, "js", "facade.js"), "utf8");
const nodeHttp = readFileSync(join(root, "js", "node-http.js"), "utf8"); // Node entry only
const banner = "// deapi-wasm — generated by scripts/build.mjs from js/facade.js; do not edit.\n";
writeFileSync(join(dist, "index.cjs"),
  `${banner}"use strict";\nconst wasm = require("./node/deapi_wasm.js");\n${facade}\n${nodeHttp}\nconst api = createApi(wasm, null, nodeTransport());\n` +
  `/** Nothing to load in Node (the .wasm is read at require time); kept so that code shared with browsers can call it. */\n` +
  `api.init = async function init(input) {};\nmodule.exports = api;\n`);
// Every name the package exports, read from the CommonJS build itself.
const names = Object.keys(createRequire(import.meta.url)(join(dist, "index.cjs")));
const exportList = names.join(", ");
// Node ESM re-exports the CommonJS entry: one facade, one wasm instance, one set of classes.
writeFileSync(join(dist, "index.mjs"),
  `${banner}import api from "./index.cjs";\nexport const { ${exportList} } = api;\nexport default api;\n`);
// The browser / bundler / worker entry initialises itself with top-level await, so importing it is
// enough. If that automatic load fails (the .wasm is not served, a CSP forbids it, a worker runtime
// without fetchable module URLs), the module still loads: the first `new DeapiClient(...)` throws an
// error naming the URL and the cause, and `await init(urlOrBytesOrModule)` can load it from elsewhere.
writeFileSync(join(dist, "browser.js"),
  `${banner}import initWasm, * as wasm from "./web/deapi_wasm.js";\n${facade}\n` +
  `// Start-up: the .wasm next to this file. Vite, webpack 5 and Parcel see this pattern and emit the file\n` +
  `// as an asset with a rewritten URL.\n` +
  `const wasmUrl = new URL("./web/deapi_wasm_bg.wasm", import.meta.url);\n` +
  `let ready = false;\nlet loadError;\n` +
  `try {\n  await initWasm(wasmUrl);\n  ready = true;\n} catch (e) {\n  loadError = e;\n}\n` +
  `/**\n * Resolves once the WebAssembly module is loaded. Importing this module already loads it (top-level\n` +
  ` * await), so calling this is optional. \`input\` (a URL, a Response, bytes or a WebAssembly.Module) is used\n` +
  ` * only when that automatic load failed; once loaded, it is ignored.\n */\n` +
  `export async function init(input) {\n  if (ready) return;\n` +
  `  await initWasm(input === undefined ? wasmUrl : input);\n  ready = true;\n  loadError = undefined;\n}\n` +
  `const api = createApi(wasm, () => {\n  if (!ready) {\n` +
  `    throw new Error(\`deapi-wasm could not load its WebAssembly module from \${wasmUrl} (\${loadError && loadError.message}): \` +\n` +
  `      "serve dist/web/deapi_wasm_bg.wasm next to dist/browser.js (as application/wasm), or \`await init(urlOrBytes)\` " +\n` +
  `      "before \`new DeapiClient(...)\`", { cause: loadError });\n  }\n});\n` +
  `export const { ${names.filter((n) => n !== "init").join(", ")} } = api;\nexport default init;\n`);
copyFileSync(join(root, "js", "index.d.ts"), join(dist, "index.d.ts"));

// The shipped JS is compressed (comments and whitespace out, dead code folded) by oxc's minifier,
// through rolldown (already a dev dependency via Vite). What browsers download is also mangled (1.2 KiB
// gzip less; class names kept, and the error classes' `name`s are literal anyway); the Node entry is
// not, so that stack traces in server logs stay readable.
if (!dev) {
  step("minify the JS (oxc: compress; mangle the browser files)");
  const { minifySync } = await import("rolldown/experimental");
  for (const [file, module, mangle] of [["browser.js", true, true], ["web/deapi_wasm.js", true, true], ["index.cjs", false, false], ["node/deapi_wasm.js", false, false]]) {
    const path = join(dist, file);
    const out = minifySync(file, readFileSync(path, "utf8"), { module, compress: true, mangle: mangle && { keepNames: { class: true, function: false } } });
    if (out.errors && out.errors.length) throw new Error(`minify ${file}: ${out.errors.map((e) => e.message).join("; ")}`);
    writeFileSync(path, banner + out.code);
  }
}

step("size");
const size = (files) => {
  const buf = Buffer.concat(files.map((f) => readFileSync(join(dist, f))));
  return { raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
};
// What a browser downloads (wasm + web glue + entry) is the budgeted total (tests/size/check.mjs).
const report = {
  wasm: size(["web/deapi_wasm_bg.wasm"]),
  glueWeb: size(["web/deapi_wasm.js", "browser.js"]),
  glueNode: size(["node/deapi_wasm.js", "index.cjs", "index.mjs"]),
};
report.totalWeb = { raw: report.wasm.raw + report.glueWeb.raw, gzip: report.wasm.gzip + report.glueWeb.gzip };
writeFileSync(join(dist, "size.json"), JSON.stringify(report, null, 2) + "\n");
const kib = (n) => (n / 1024).toFixed(1) + " KiB";
const label = { wasm: "wasm (web/deapi_wasm_bg.wasm)", glueWeb: "JS glue, web (web glue + browser.js)",
  glueNode: "JS glue, Node (node glue + index.cjs/.mjs)", totalWeb: "total for a browser (wasm + web glue)" };
console.log(`  ${"".padEnd(42)} ${"raw".padStart(10)} ${"gzip -9".padStart(10)}`);
for (const [k, v] of Object.entries(report)) console.log(`  ${label[k].padEnd(42)} ${kib(v.raw).padStart(10)} ${kib(v.gzip).padStart(10)}`);
const budget = /^Size budget: ([\d.]+) KiB gzip\s*$/m.exec(existsSync(join(root, "README.md")) ? readFileSync(join(root, "README.md"), "utf8") : "");
if (budget) {
  const over = report.totalWeb.gzip > Number(budget[1]) * 1024;
  console.log(`  budget (README.md): ${budget[1]} KiB gzip → ${over ? "OVER" : "within"} (goal ≤ 35 KiB)`);
}
step(`done: pkg/dist${dev ? " (dev: no wasm-opt)" : ""}`);
