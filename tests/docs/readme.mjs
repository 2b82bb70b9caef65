#!/usr/bin/env node
// Every code block of README.md and pkg/README.md is checked: the fenced js/jsx/ts/tsx blocks are
// type-checked by `tsc --strict` (JS blocks with `checkJs`: a wrong property, a value that may be null,
// a catch variable that is `unknown` are errors there too) against the built package's types
// (pkg/dist/index.d.ts, imported as "deapi-wasm" through a node_modules link, as a user's project
// sees it), with React, react-hook-form and Node's types from the repository's node_modules.
//
//   - Each block is its own module (an `export {}` is appended), so blocks never see each other.
//   - What a snippet leaves to the reader's app (`deapi`, `values`, `setError`, `isSignedIn`, …) is
//     declared once in tests/docs/readme-env.d.ts; names the package exports are global there too, for
//     the snippets that use them without an import line (a block's own import shadows them).
//   - Blocks in another language (sh, bash, html, none) are skipped by language, and counted.
//   - A block preceded by `<!-- not checked: <why> -->` is skipped and listed with its reason: a
//     deliberate fragment stays visible. A marker without a reason is a failure.
//   - A self-test proves the checker can fail: a block with a wrong option type must be reported.
//   - Some blocks are also run: tests/package/matrix.test.mjs runs pkg/README's Vite dev-server
//     config (the block after `<!-- run by tests/package/matrix.test.mjs -->`) in a real Vite.
//
// Usage: node tests/docs/readme.mjs [--keep]   (needs pkg/dist: node scripts/build.mjs; and `npm ci`)
// Last line: `readme: N passed, M failed` (plus what was skipped); exit 1 on any failure.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const keep = process.argv.includes("--keep");
const DOCS = ["README.md", "pkg/README.md"];
const CHECKED = { js: "js", javascript: "js", mjs: "js", jsx: "jsx", ts: "ts", typescript: "ts", tsx: "tsx" };

const tscJs = join(root, "node_modules", "typescript", "bin", "tsc");
if (!existsSync(tscJs)) {
  console.error("typescript is not installed: run `npm ci` in the repository root");
  process.exit(1);
}
if (!existsSync(join(root, "pkg", "dist", "index.d.ts"))) {
  console.error("pkg/dist/index.d.ts is missing: run `node scripts/build.mjs` first");
  process.exit(1);
}

/** The fenced blocks of a Markdown text: { line (of the fence), lang, code, marker?: { reason } }. */
function blocksOf(text) {
  const lines = text.split("\n");
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```([\w-]*)\s*$/.exec(lines[i]);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) j++;
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === "") k--;
    const m = k >= 0 ? /^<!--\s*not checked:?\s*(.*?)\s*-->$/.exec(lines[k].trim()) : null;
    blocks.push({ line: i + 1, lang: open[1] || "none", code: lines.slice(i + 1, j).join("\n"), marker: m ? { reason: m[1] } : undefined });
    i = j;
  }
  return blocks;
}

const tmp = join(root, "target", "readme-check"); // inside the repository: node_modules resolve upwards
rmSync(tmp, { recursive: true, force: true });
mkdirSync(join(tmp, "node_modules"), { recursive: true });
symlinkSync(join(root, "pkg"), join(tmp, "node_modules", "deapi-wasm"), "junction");
writeFileSync(join(tmp, "package.json"), JSON.stringify({ name: "readme-check", private: true, type: "module" }));

/** Type-checks `files` ({ name: text }) in the temporary project under `strict`; → { code, out }.
 * `js`: the JS blocks, with `noImplicitAny` off — a JS reader's callbacks (`(request) => …`) and
 * imports of untyped packages (`ws`) have no annotation to write; every other strict check stays. */
function tsc(dir, files, { js = false } = {}) {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "readme-env.d.ts"), readFileSync(join(here, "readme-env.d.ts")));
  const tsconfig = {
    compilerOptions: {
      strict: true, noEmit: true, allowJs: true, checkJs: true, skipLibCheck: true, target: "es2022",
      module: "esnext", moduleResolution: "bundler", jsx: "react-jsx", lib: ["es2022", "dom", "dom.iterable"],
      types: ["node"], typeRoots: [join(root, "node_modules", "@types")], forceConsistentCasingInFileNames: true,
      ...(js && { noImplicitAny: false }),
    },
    files: ["readme-env.d.ts", ...Object.keys(files)],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  const r = spawnSync(process.execPath, [tscJs, "-p", join(dir, "tsconfig.json"), "--pretty", "false"], { cwd: dir, encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

let passed = 0;
let failed = 0;
const skippedLang = {};
const marked = [];
const files = {}; // temp file name → { doc, line, lang }
const sources = {};
for (const doc of DOCS) {
  for (const b of blocksOf(readFileSync(join(root, doc), "utf8"))) {
    const where = `${doc}:${b.line}`;
    if (b.marker) {
      if (!b.marker.reason) {
        failed++;
        console.log(`FAIL ${where}: \`<!-- not checked -->\` without a reason (write why the block is not checked)`);
      } else {
        marked.push(`${where} (${b.lang}): ${b.marker.reason}`);
      }
      continue;
    }
    const ext = CHECKED[b.lang];
    if (!ext) {
      skippedLang[b.lang] = (skippedLang[b.lang] ?? 0) + 1;
      continue;
    }
    const name = `${doc.replace(/[^\w]/g, "_")}_L${b.line}.${ext}`;
    files[name] = { doc, line: b.line, lang: b.lang };
    sources[name] = `${b.code}\nexport {};\n`;
  }
}

// tsc reports no semantic diagnostic while any file has a syntax error: the blocks with syntax errors
// are reported, then the others are checked again without them.
const diagnostics = {}; // file → [lines]
for (const js of [true, false]) {
  const dir = join(tmp, js ? "js" : "ts");
  let pending = Object.fromEntries(Object.entries(sources).filter(([f]) => /\.jsx?$/.test(f) === js));
  while (Object.keys(pending).length) {
    const r = tsc(dir, pending, { js });
    let syntax = false;
    let last;
    for (const l of r.out.split("\n").filter(Boolean)) {
      const m = /^(.*?)\((\d+),(\d+)\): (error TS(\d+).*)$/.exec(l);
      const file = m && Object.keys(files).find((f) => m[1].endsWith(`/${f}`) || m[1] === f);
      if (!m && last) { // a diagnostic's continuation lines
        last.push(`  ${l.trim()}`);
        continue;
      }
      last = diagnostics[file ?? ""] ??= [];
      if (!file) {
        last.push(l);
        continue;
      }
      if (/^1\d{3}$/.test(m[5])) {
        syntax = true;
        delete pending[file];
      }
      const { doc, line } = files[file];
      last.push(`${doc}:${line + Number(m[2])}:${m[3]} ${m[4]}`);
    }
    if (r.code !== 0 && !r.out) (diagnostics[""] ??= []).push(`tsc exited ${r.code} without a diagnostic`);
    if (!syntax) break;
    for (const f of Object.keys(pending)) delete diagnostics[f]; // checked again without the broken ones
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const [file, { doc, line, lang }] of Object.entries(files)) {
  if (diagnostics[file]) {
    failed++;
    console.log(`FAIL ${doc}:${line} (${lang})`);
    for (const d of diagnostics[file]) console.log(`     ${d}`);
  } else {
    passed++;
    console.log(`ok   ${doc}:${line} (${lang})`);
  }
}
if (diagnostics[""]) {
  failed++;
  console.log("FAIL tsc reported outside the blocks:");
  for (const d of diagnostics[""]) console.log(`     ${d}`);
}

// Self-test: the same project must report a wrong option's type in a block, at its README line.
const selfTest = tsc(join(tmp, "self-test"), { "README_md_L1.js": `const c = new DeapiClient({ apiKey: 42 });\nexport {};\n` }, { js: true });
if (selfTest.code !== 0 && /README_md_L1\.js\(1,\d+\): error TS2322/.test(selfTest.out)) {
  passed++;
  console.log("ok   self-test: `new DeapiClient({ apiKey: 42 })` in a block is reported");
} else {
  failed++;
  console.log(`FAIL self-test: a wrong option type was not reported (tsc exit ${selfTest.code}):\n${selfTest.out}`);
}

for (const m of marked) console.log(`--   not checked: ${m}`);
const langs = Object.entries(skippedLang).map(([l, n]) => `${n} ${l}`).join(", ");
console.log(`-- ${Object.keys(files).length} blocks type-checked; skipped by language: ${langs || "none"}; marked not checked: ${marked.length}`);
if (keep) console.log(`kept ${relative(root, tmp)}`);
else rmSync(tmp, { recursive: true, force: true });
console.log(`readme: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
