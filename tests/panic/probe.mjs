#!/usr/bin/env node
// The shipped module's panic handler. The package is built without the standard library
// (`--no-default-features`, src/panic.rs `on_panic`), a configuration the wasm-bindgen test levels
// cannot load (their harness links std): tests/panic_hook.rs covers the std hook. This builds the
// same configuration plus the test-only feature `panic-probe` (an export that panics on purpose),
// instantiates it in Node through the package's own glue (js/abi.js: its `error` import is
// console.error) and checks that a panic writes ONE readable console.error line, then traps.
// Last line: `panic: N passed, M failed`.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const targetDir = join(root, "target", "probe"); // apart from the package's build: no rebuild ping-pong
execFileSync("cargo", ["build", "--release", "--lib", "--no-default-features", "--features", "panic-probe",
  "--target", "wasm32-unknown-unknown", "--target-dir", targetDir], { cwd: root, stdio: "inherit" });
const module = new WebAssembly.Module(readFileSync(join(targetDir, "wasm32-unknown-unknown", "release", "deapi_wasm.wasm")));
const abi = new Function(`${readFileSync(join(root, "js", "abi.js"), "utf8")}\nreturn abi;`)();

let passed = 0, failed = 0;
const check = (name, ok, detail) => {
  if (ok) passed++; else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok ? "" : `: ${detail}`}`);
};
const PREFIX = "deapi-wasm: internal error (a bug — please report it): ";
const cases = [
  [0, "a plain panic message", "static message"],
  [1, "an unwrap on None (what a bug looks like)", "called `Option::unwrap()` on a `None` value"],
  [2, "a formatted message (not formatted: no core::fmt in the module)", "panic"],
];
for (const [kind, name, message] of cases) {
  // a fresh instance each time: a module that trapped mid-call is not used again
  const { imports, api } = abi();
  const instance = new WebAssembly.Instance(module, imports);
  api.set(instance);
  const lines = [];
  const original = console.error;
  console.error = (...args) => lines.push(args.map(String).join(" "));
  let thrown = null;
  try { instance.exports.panic_probe(kind); } catch (e) { thrown = e; } finally { console.error = original; }
  check(`${name}: traps`, thrown instanceof WebAssembly.RuntimeError && /unreachable/.test(thrown.message), String(thrown));
  const want = new RegExp(`^${PREFIX.replace(/[()]/g, "\\$&")}${message.replace(/[()`]/g, "\\$&")} at src/panic\\.rs:\\d+$`);
  check(`${name}: one readable console.error line`, lines.length === 1 && want.test(lines[0]), JSON.stringify(lines));
}
console.log(`panic: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
