#!/usr/bin/env bash
# Coverage-guided fuzzing of the decoders with libFuzzer (cargo-fuzz, nightly Rust): each target in
# fuzz/fuzz_targets/ runs for FUZZ_TARGET_SECS seconds (default 10; `bash scripts/fuzz.sh 600` for
# ten minutes each), starting from the real-world seeds in tests/props/seeds.rs. The targets check the
# same properties as `cargo test --release --test fuzz` (tests/props/). A crash leaves its input in
# fuzz/artifacts/<target>/; `cargo +nightly fuzz run <target> <file>` (in fuzz/) replays it.
# Not part of scripts/test.sh: the sanitized build takes about 5 minutes on a 2-core machine.
# Without nightly it says so and exits 0; cargo-fuzz is installed on first use (about 3 minutes; not
# by scripts/setup.sh, since the test command does not run these targets).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
secs=${1:-${FUZZ_TARGET_SECS:-10}}
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then echo "fuzz: skipped: no nightly toolchain (rustup toolchain install nightly)"; exit 0; fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz (once, about 3 minutes)"
  cargo install cargo-fuzz --locked || { echo "fuzz: skipped: cargo-fuzz did not install (cargo install cargo-fuzz --locked)"; exit 0; }
fi
cd fuzz
# the seed corpus: the real deAPI bodies and soketi frames (one file per seed)
for t in json_text raw_bytes realtime_frame; do
  mkdir -p "corpus/$t"
  grep -o 'r#".*"#' ../tests/props/seeds.rs | sed 's/^r#"//; s/"#$//' | awk -v d="corpus/$t" '{ f = sprintf("%s/seed-%02d", d, NR); printf "%s", $0 > f; close(f) }'
done
cargo +nightly fuzz build -O
pass=0 fail=0
for t in $(cargo +nightly fuzz list); do
  echo "== fuzz $t (${secs} s)"
  if cargo +nightly fuzz run -O "$t" -- -max_total_time="$secs" -max_len=65536 2>&1 | tail -n 4; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "!! $t failed: its input is in fuzz/artifacts/$t/"; fi
done
echo "libFuzzer: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
