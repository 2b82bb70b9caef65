// The wasm pipeline shared by the package (scripts/build.mjs) and the floor probe (bench/floor.mjs),
// so that both are built the same way: cargo (wasm32, release profile) → wasm-bindgen (pinned CLI,
// same flags) → wasm-opt (npm binaryen 132, same passes) → the glue minified by oxc.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });

/** `cargo build --release --lib --target wasm32-unknown-unknown` in `dir`; returns the .wasm's path.
 * Panic locations of dependencies would carry this machine's paths (/root/.cargo/registry/src/…) into
 * the module: remapped to the crate's own name and version (also a few hundred bytes less). */
export function cargoWasm({ dir = root, name, targetDir = join(root, "target"), defaultFeatures = true, features = [] }) {
  const registry = join(process.env.CARGO_HOME || join(homedir(), ".cargo"), "registry", "src");
  const remaps = existsSync(registry) ? readdirSync(registry).map((d) => `--remap-path-prefix=${join(registry, d)}/=`) : [];
  const rustflags = [process.env.RUSTFLAGS, ...remaps].filter(Boolean).join(" ");
  run("cargo", ["build", "--release", "--lib", "--target", "wasm32-unknown-unknown", "--target-dir", targetDir, ...(defaultFeatures ? [] : ["--no-default-features"]), ...(features.length ? ["--features", features.join(",")] : [])],
    { cwd: dir, env: { ...process.env, RUSTFLAGS: rustflags } });
  return join(targetDir, "wasm32-unknown-unknown", "release", `${name}.wasm`);
}

/** wasm-bindgen's glue for `target` ("web" or "nodejs") in `outDir`; `keepNames`: the function names
 * stay in the module (for scripts/size-breakdown.mjs and profiles; not shipped). */
export function bindgen(raw, outDir, target, { keepNames = false } = {}) {
  const strip = keepNames ? [] : ["--remove-name-section", "--remove-producers-section"];
  run("wasm-bindgen", ["--target", target, "--out-dir", outDir, "--no-typescript", ...strip, raw]);
}

/** wasm-opt in place: -Oz, then --gufa (whole-program flow analysis: constants and unreachable code
 * it proves, 0.7 KiB gzip here) and -Oz again. `--low-memory-unused`: constant offsets fold into
 * loads and stores (0.4 KiB gzip) — true of rustc's wasm32 layout, which puts the 1 MiB stack first,
 * growing down towards 0, so the lowest 1 KiB is reached only by an overflowed stack. Rust ≥ 1.87
 * emits bulk-memory and non-trapping float-to-int ops; binaryen must be told. */
export function wasmOpt(path, { keepNames = false } = {}) {
  const wasmOptBin = join(root, "node_modules", ".bin", "wasm-opt");
  if (!existsSync(wasmOptBin)) throw new Error("wasm-opt not found: run `npm ci` (or scripts/setup.sh) first");
  const strip = keepNames ? ["-g"] : ["--strip-debug", "--strip-producers"];
  run(wasmOptBin, ["--low-memory-unused", "-Oz", "--gufa", "-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", ...strip, path, "-o", path]);
}

/** Minify a JS file in place with oxc (through rolldown): compress, and mangle when `mangle`. */
export async function minify(path, { module = true, mangle = false, banner = "" } = {}) {
  const { minifySync } = await import("rolldown/experimental");
  const out = minifySync(path, readFileSync(path, "utf8"), { module, compress: true, mangle: mangle && { keepNames: { class: true, function: false } } });
  if (out.errors && out.errors.length) throw new Error(`minify ${path}: ${out.errors.map((e) => e.message).join("; ")}`);
  writeFileSync(path, banner + out.code);
}

/** Bytes and gzip -9 bytes of files read together. */
export function size(files) {
  const buf = Buffer.concat(files.map((f) => readFileSync(f)));
  return { raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
}
