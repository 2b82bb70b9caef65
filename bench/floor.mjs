#!/usr/bin/env node
// Build the floor probe (bench/floor: the card's crates + serde_json, one client, one call; nothing
// more) with the package's own pipeline (scripts/pipeline.mjs: same release profile, wasm-bindgen
// target and flags, wasm-opt passes, glue minified and mangled as the browser files are), and report
// its size: what the card's stack costs before any feature. bench/run.mjs prints it beside the package.
//   node bench/floor.mjs      builds it and prints { wasm, glue, total } (bytes and gzip -9 bytes)
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bindgen, cargoWasm, minify, root, size, wasmOpt } from "../scripts/pipeline.mjs";

/** Build it: target/floor/web (what the size is measured on) and target/floor/node (the same module
 * with the nodejs glue, for the per-call measure: bench/common.mjs `floorBalance`). */
export async function buildFloor() {
  const out = join(root, "target", "floor", "web");
  const raw = cargoWasm({ dir: join(root, "bench", "floor"), name: "deapi_floor", targetDir: join(root, "target", "floor") });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  bindgen(raw, out, "web");
  const node = join(root, "target", "floor", "node");
  rmSync(node, { recursive: true, force: true });
  bindgen(raw, node, "nodejs");
  const wasm = join(out, "deapi_floor_bg.wasm"), glue = join(out, "deapi_floor.js");
  wasmOpt(wasm);
  // both targets emit the same .wasm (scripts/build.mjs checks it for the package): optimised once
  copyFileSync(wasm, join(node, "deapi_floor_bg.wasm"));
  await minify(glue, { module: true, mangle: true });
  const w = size([wasm]), g = size([glue]);
  return { wasm: w, glue: g, total: { raw: w.raw + g.raw, gzip: w.gzip + g.gzip } };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = await buildFloor();
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`floor probe: wasm ${kib(s.wasm.raw)} (${kib(s.wasm.gzip)} gzip -9) + glue ${kib(s.glue.raw)} (${kib(s.glue.gzip)} gzip -9) = ${kib(s.total.gzip)} gzip -9`);
}
