#!/usr/bin/env node
// Type check of the published declarations (pkg/dist/index.d.ts, copied from js/index.d.ts by
// scripts/build.mjs), the way a user's project sees them: a temporary project that imports
// "deapi-wasm" through node_modules (package.json `exports` → `types`), compiled by tsc with
// `strict` and `skipLibCheck: false`.
//
//   consumer.ts   every method with valid params: must compile without a diagnostic
//   must-fail.ts  invalid calls, each under `// @ts-expect-error`: an invalid call that compiles
//                 makes its directive "unused", which is a diagnostic, so this file must pass too
//
// Passes: DOM (`lib: ["es2022", "dom"]`), Node-only (`lib: ["es2022"]`, `types: ["node"]`, when
// @types/node is installed), a self-test proving the checker can fail (`images.generate({})`
// without a directive must be reported); then the spec's: drift (js/spec/*.d.ts is what
// openapi-typescript makes of tests/spec/openapi-*.json: scripts/spec.mjs), corrections (every
// field where a public type differs from the generated one is listed in tests/spec/corrections.json
// "types", and only those: spec-types.mjs), hover (the spec's descriptions reach an editor:
// hover.mjs). Last line: `types: N passed, M failed`; exit 1 on any failure.
//
// Usage: node tests/types/check.mjs [--no-build] [--keep]
//   Runs `node scripts/build.mjs` first when pkg/dist/index.d.ts is missing or differs from
//   js/index.d.ts. --no-build: instead stage pkg/package.json + js/index.d.ts as the package in the
//   temporary project (checks the source declarations without a cargo build). --keep: keep the
//   temporary directory and print its path.
// Needs the root devDependencies `typescript` and `@types/node` (`npm ci`).
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { drift } from "../../scripts/spec.mjs";
import { checkCorrections } from "./spec-types.mjs";
import { hoverProblems } from "./hover.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const args = new Set(process.argv.slice(2));
const noBuild = args.has("--no-build");
const keep = args.has("--keep");

const tscJs = join(root, "node_modules", "typescript", "bin", "tsc");
if (!existsSync(tscJs)) {
  console.error("typescript is not installed: run `npm ci` in the repository root");
  process.exit(1);
}
const typesNode = join(root, "node_modules", "@types", "node");
const haveNodeTypes = existsSync(join(typesNode, "package.json"));

const srcDts = join(root, "js", "index.d.ts");
const distDts = join(root, "pkg", "dist", "index.d.ts");
const specDts = ["deapi-v2.d.ts", "deapi-v1.d.ts"];
const same = (a, b) => existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
const stale = !same(srcDts, distDts) || specDts.some((f) => !same(join(root, "js", "spec", f), join(root, "pkg", "dist", "spec", f)));
if (!noBuild && stale) {
  console.log("== pkg/dist/index.d.ts is missing or older than js/index.d.ts: node scripts/build.mjs");
  try {
    execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { cwd: root, stdio: "inherit" });
  } catch {
    console.error("the build failed (pass --no-build to check js/index.d.ts without building)");
    process.exit(1);
  }
}

const tmp = mkdtempSync(join(tmpdir(), "deapi-wasm-types-"));
const version = execFileSync(process.execPath, [tscJs, "--version"], { encoding: "utf8" }).trim();
console.log(`== ${version}; temporary project ${tmp}${noBuild ? " (--no-build: staged from js/index.d.ts)" : ""}`);

/** A directory that resolves as the package "deapi-wasm" from `dir`. */
function linkPackage(dir) {
  const nm = join(dir, "node_modules");
  mkdirSync(join(nm, "@types"), { recursive: true });
  if (noBuild) {
    const pkg = join(nm, "deapi-wasm");
    mkdirSync(join(pkg, "dist"), { recursive: true });
    copyFileSync(join(root, "pkg", "package.json"), join(pkg, "package.json"));
    copyFileSync(srcDts, join(pkg, "dist", "index.d.ts"));
    mkdirSync(join(pkg, "dist", "spec"));
    for (const f of specDts) copyFileSync(join(root, "js", "spec", f), join(pkg, "dist", "spec", f));
  } else {
    symlinkSync(join(root, "pkg"), join(nm, "deapi-wasm"), "junction");
  }
  if (haveNodeTypes) symlinkSync(typesNode, join(nm, "@types", "node"), "junction");
}

// A CommonJS consumer (the `require` side of the exports map), added to every pass.
const cjsConsumer = `import deapi = require("deapi-wasm");
const client = new deapi.DeapiClient({ apiKey: "1234|secret", apiVersion: "v1" });
export const job: Promise<deapi.Job> = client.images.generate({
  prompt: "a fox", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: -1 });
export const isErr: (e: unknown) => boolean = deapi.isDeapiError;
`;

/** Write a project in `dir` and run tsc on it; returns { code, out }. */
function compile(dir, files, lib, types) {
  mkdirSync(dir, { recursive: true });
  linkPackage(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "types-check", private: true, type: "module" }, null, 2));
  const tsconfig = {
    compilerOptions: {
      strict: true, noEmit: true, skipLibCheck: false, target: "es2022", module: "node16", moduleResolution: "node16",
      lib, types, noUnusedLocals: false, forceConsistentCasingInFileNames: true,
    },
    files: Object.keys(files),
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = spawnSync(process.execPath, [tscJs, "-p", join(dir, "tsconfig.json"), "--pretty", "false"], { cwd: dir, encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

const tests = readFileSync(join(here, "consumer.ts"), "utf8");
const mustFail = readFileSync(join(here, "must-fail.ts"), "utf8");
const expectations = (mustFail.match(/^\s*\/\/ @ts-expect-error/gm) || []).length;
const suite = { "consumer.ts": tests, "must-fail.ts": mustFail, "consumer-cjs.cts": cjsConsumer };

const passes = [
  { name: `dom: lib es2022+dom, consumer.ts + must-fail.ts (${expectations} expected errors) + consumer-cjs.cts`,
    run: () => compile(join(tmp, "dom"), suite, ["es2022", "dom"], []), ok: (r) => r.code === 0 && r.out === "" },
];
if (haveNodeTypes) {
  passes.push({ name: "node: lib es2022 + types node, same files",
    run: () => compile(join(tmp, "node"), suite, ["es2022"], ["node"]), ok: (r) => r.code === 0 && r.out === "" });
} else {
  console.log("-- skipped the Node-only pass: @types/node is not installed (npm ci)");
}
passes.push({
  name: "self-test: images.generate({}) without @ts-expect-error is reported",
  run: () => compile(join(tmp, "self-test"), {
    "broken.ts": `import { DeapiClient } from "deapi-wasm";\nawait new DeapiClient({ apiKey: "x" }).images.generate({});\n`,
  }, ["es2022", "dom"], []),
  ok: (r) => r.code !== 0 && /broken\.ts\(2,\d+\): error TS2345/.test(r.out),
});

// The generated types are what openapi-typescript makes of the committed spec (scripts/spec.mjs).
passes.push({
  name: "spec drift: js/spec/deapi-v2.d.ts and deapi-v1.d.ts are what the generator makes of tests/spec/openapi-*.json",
  run: async () => { const stale = await drift(); return { code: stale.length ? 1 : 0, out: stale.map((f) => `${f} differs: node scripts/spec.mjs generate`).join("\n") }; },
  ok: (r) => r.code === 0,
});
// Every field where a public type differs from the spec is a listed correction, and only those.
let corrections;
passes.push({
  name: "spec types: the public params/results against the generated types, field by field (tests/spec/corrections.json \"types\")",
  run: () => {
    try {
      corrections = checkCorrections();
    } catch (e) {
      return { code: 1, out: `the comparison does not compile (an operationId or schema gone from the spec?):\n${e.message}` };
    }
    const bad = corrections.results.filter((r) => !r.ok);
    return { code: bad.length ? 1 : 0, out: `${corrections.compared} fields compared, ${corrections.diffs.length} listed corrections\n${bad.map((r) => `${r.name}\n  ${JSON.stringify(r.detail)}`).join("\n")}`.trim() };
  },
  ok: (r) => r.code === 0,
  say: (r) => r.out.split("\n")[0],
});
// Hovers show the spec's descriptions (TypeScript's LanguageService, as an editor asks it).
passes.push({
  name: "hover: deapi.images.generate and its fields show docs from the spec",
  run: () => { const bad = hoverProblems(); return { code: bad.length ? 1 : 0, out: bad.join("\n") }; },
  ok: (r) => r.code === 0,
});

let passed = 0;
let failed = 0;
for (const p of passes) {
  const r = await p.run();
  if (p.ok(r)) {
    passed++;
    console.log(`ok   ${p.name}${p.say ? ` (${p.say(r)})` : ""}`);
  } else {
    failed++;
    console.log(`FAIL ${p.name} (tsc exit ${r.code})`);
    console.log((r.out || "(no output)").split("\n").map((l) => `     ${l}`).join("\n"));
  }
}
if (keep) console.log(`kept ${tmp}`);
else rmSync(tmp, { recursive: true, force: true });
console.log(`types: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
