#!/usr/bin/env bash
# The benchmark: build the package, then measure it against raw fetch and openai-node side by side
# (bench/run.mjs prints every row with median, min, max and the ratios). BENCH_QUICK=1 for a short run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh # with Chromium: the bench has a browser per-call row
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
node scripts/build.mjs
exec node bench/run.mjs
