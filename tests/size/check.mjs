#!/usr/bin/env node
// Size budget check: the gzip -9 total a browser downloads (the .wasm + the web glue + dist/browser.js,
// `totalWeb` in pkg/dist/size.json, written by scripts/build.mjs) must not exceed the budget written
// in README.md's Size section as a line of its own:
//
//   Size budget: <N> KiB gzip
//
// The budget is the measured total + 2 %, lowered with each cut and raised only by what a feature
// measured (this check says when the total is well under it); the README's Size section states the
// goal and how far from it the total is. Last line: `size: N passed, M failed`.
// Usage: node tests/size/check.mjs [--size pkg/dist/size.json] [--readme README.md]
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : dflt;
};
const sizeFile = arg("--size", join(root, "pkg", "dist", "size.json"));
const readmeFile = arg("--readme", join(root, "README.md"));
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

function finish(ok, lines) {
  for (const l of lines) console.log(l);
  console.log(`size: ${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
  process.exit(ok ? 0 : 1);
}

if (!existsSync(sizeFile)) finish(false, [`FAIL ${sizeFile} is missing: run \`node scripts/build.mjs\` first`]);
const size = JSON.parse(readFileSync(sizeFile, "utf8"));
const total = size.totalWeb && size.totalWeb.gzip;
if (!Number.isInteger(total) || !size.wasm || !size.glueWeb) finish(false, [`FAIL ${sizeFile} has no totalWeb.gzip / wasm / glueWeb`]);

const readme = existsSync(readmeFile) ? readFileSync(readmeFile, "utf8") : "";
const m = /^Size budget: (\d+(?:\.\d+)?) KiB gzip\s*$/m.exec(readme);
if (!m) finish(false, [`FAIL ${readmeFile} has no budget line \`Size budget: <N> KiB gzip\` (measured total: ${kib(total)} gzip -9)`]);
const budgetKib = Number(m[1]);
const budget = Math.round(budgetKib * 1024);

const lines = [
  `size (gzip -9): wasm ${kib(size.wasm.gzip)} + JS glue ${kib(size.glueWeb.gzip)} = ${kib(total)} (${total} bytes); ` +
    `raw ${kib(size.totalWeb.raw)}`,
  `budget (README.md): ${budgetKib.toFixed(1)} KiB (${budget} bytes)`,
];
if (total > budget) {
  finish(false, [...lines, `FAIL the total ${kib(total)} gzip (${total} bytes) exceeds the budget ${budgetKib.toFixed(1)} KiB (${budget} bytes)`]);
}
const suggested = Math.ceil((total * 1.02) / 1024 * 10) / 10;
if (suggested < budgetKib) lines.push(`note: the total is ${((1 - total / budget) * 100).toFixed(1)} % under the budget; lower it to ${suggested.toFixed(1)} KiB (total + 2 %)`);
finish(true, [...lines, "ok   the total is within the budget"]);
