#!/usr/bin/env bash
# The benchmark: build the package, then measure it against raw fetch and openai-node side by side
# (bench/run.mjs prints every row with median, min, max and the ratios), then the body-decoding measure
# (bench/decode.rs). BENCH_QUICK=1 for a short run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh # with Chromium: the bench has a browser per-call row
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
node scripts/build.mjs
node bench/run.mjs
node bench/firstcall.mjs # time to the first call in Chromium: cold and repeat on the mobile profile, unthrottled; plain page and Vite build
node bench/realtime.mjs # status GETs and time to result per job, realtime vs polling
node bench/fleet.mjs # processes on one key: share of the limit used, 429s, the Redis store's cost per call
# How the module reads a response body: text + serde_json vs JSON.parse + serde-wasm-bindgen (in Node)
cargo test --release --target wasm32-unknown-unknown --test decode_bench -- --nocapture 2>&1 | grep "^decode "
