#!/usr/bin/env node
// Where the module's bytes are: the package's browser .wasm (the release build of scripts/build.mjs, through
// the same wasm-bindgen and `wasm-opt -Oz`, but with its function names kept) read by `twiggy top`,
// every function summed by the crate it comes from and, for ours, by module; data segments
// (strings, tables) and wasm-bindgen's imports/exports apart. Raw bytes of the optimised module
// (gzip compresses each kind differently; the total is printed against the shipped size).
//   node scripts/size-breakdown.mjs          (after `node scripts/build.mjs`; needs `cargo install twiggy`)
//   node scripts/size-breakdown.mjs --top 30 also the 30 largest items
//   node scripts/size-breakdown.mjs --server the servers' module (with verifyWebhook) instead
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bindgen, root, wasmOpt } from "./pipeline.mjs";

// The browser module (what the size budget counts); --server: the servers' module (+ webhooks).
const server = process.argv.includes("--server");
const raw = join(root, "target", server ? "server-module" : "browser-module", "deapi_wasm.wasm");
if (!existsSync(raw)) throw new Error("no release build: run `node scripts/build.mjs` first");
try {
  execFileSync("twiggy", ["--version"], { stdio: "ignore" });
} catch {
  throw new Error("twiggy is not installed: `cargo install twiggy --version 0.8.0` (about 2 minutes; not part of setup.sh)");
}
const out = join(root, "target", "size-breakdown");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// The package's own wasm-bindgen and wasm-opt steps, with the function names kept (the code is the same).
bindgen(raw, out, "web", { keepNames: true });
const wasm = join(out, "deapi_wasm_bg.wasm");
wasmOpt(wasm, { keepNames: true });
const items = JSON.parse(execFileSync("twiggy", ["top", "-f", "json", "-n", "100000", wasm], { encoding: "utf8", maxBuffer: 1 << 26 }));

/** The crate (and for ours, `core::x` / `wasm::x`) an item's demangled name belongs to. */
function owner(name) {
  if (/^"[^"]*" subsection$|^custom section|^"name"/.test(name)) return null; // the names themselves: not shipped
  if (name.startsWith("data segment")) return "(data: strings and tables)";
  if (/^(import|export) /.test(name) || /externref shim|^__wbindgen|^__wbg_|^wasm-bindgen/.test(name)) return "wasm-bindgen (imports, exports, shims)";
  if (/^(table|elem|type|memory|global|code section headers|"?wasm magic)/.test(name) || /^code\[|^func\[/.test(name)) return "(wasm structure, unnamed functions)";
  // `<A as B>::f`: A's crate (the implementing type); `<A>::f`: A's crate.
  let n = name.replace(/^<+/, "").replace(/^(&mut |&|\*const |\*mut |dyn |\[|\()+/, "");
  n = n.replace(/\[[0-9a-f]+\]/g, ""); // core[c5930c85a12de822] → core
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:::([A-Za-z_][A-Za-z0-9_]*)(?:::([A-Za-z_][A-Za-z0-9_]*))?)?/.exec(n);
  if (!m) return "(other)";
  const crate = m[1];
  if (crate === "deapi_wasm") return `deapi_wasm::${m[2] ?? ""}${m[3] && m[2] !== "panic" ? `::${m[3]}` : ""}`;
  if (["f64", "f32", "u8", "u16", "u32", "u64", "usize", "i32", "i64", "isize", "str", "char", "bool"].includes(crate)) return "core (primitives: fmt, parse)";
  if (["core", "alloc", "std"].includes(crate)) return crate === "core" && m[2] === "fmt" ? "core::fmt" : crate === "core" && m[2] === "num" ? "core::num (float/int fmt + parse)" : crate;
  return crate.replace(/_core$/, "");
}

const by = new Map();
let shipped = 0;
for (const it of items) {
  const o = owner(it.name);
  if (o === null) continue;
  shipped += it.shallow_size;
  by.set(o, (by.get(o) || 0) + it.shallow_size);
}
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const table = (title, rows) => {
  console.log(`\n| ${title} | raw | share |\n|---|---:|---:|`);
  for (const [k, v] of rows) console.log(`| ${k} | ${kib(v)} | ${((v / shipped) * 100).toFixed(1)} % |`);
};
const sorted = [...by].sort((a, b) => b[1] - a[1]);
console.log(`size breakdown of the optimised ${server ? "server" : "browser"} module (${kib(shipped)} without its name section), by twiggy ${execFileSync("twiggy", ["--version"], { encoding: "utf8" }).trim().split(" ").pop()}`);
const ours = sorted.filter(([k]) => k.startsWith("deapi_wasm"));
const oursTotal = ours.reduce((n, [, v]) => n + v, 0);
// Crates under 1 KiB in one row, and `<T as …>`-style names of generic impls with them.
const crates = sorted.filter(([k]) => !k.startsWith("deapi_wasm"));
const small = crates.filter(([k, v]) => v < 1024 || /^[A-Z]$/.test(k));
const smallRow = [`(the rest, under 1 KiB each: ${small.map(([k]) => k).filter((k) => !/^[A-Z]$/.test(k)).join(", ")})`, small.reduce((n, [, v]) => n + v, 0)];
table("By crate", [...crates.filter((r) => !small.includes(r)), ["deapi_wasm (ours, below by module)", oursTotal]].sort((a, b) => b[1] - a[1]).concat([smallRow]));
table("Ours, by module", ours);
const i = process.argv.indexOf("--top");
if (i > 0) {
  console.log(`\n| Largest items | raw |\n|---|---:|`);
  for (const it of items.filter((t) => owner(t.name) !== null).slice(0, Number(process.argv[i + 1]) || 30)) console.log(`| \`${it.name.replace(/::h[0-9a-f]{16}$/, "").replace(/\|/g, "\\|")}\` | ${it.shallow_size} |`);
}
