#!/usr/bin/env bash
# Every test, at every level, after installing what they need (scripts/setup.sh):
#   1. native   cargo test (pure modules), time-boxed property tests (proptest, FUZZ_SECS, default 20), clippy
#               (native and wasm32, lints deny unwrap/expect/panic/indexing and the size rules), cargo doc
#               with broken intra-doc links denied (a doc naming code that is gone fails); libFuzzer
#               (scripts/fuzz.sh) is not run
#   2. wasm     wasm-bindgen tests of the binding — the transport against the mock deAPI (fetch, retries,
#               timeout, abort, uploads, polling), values across the boundary, the panic hook — in Node,
#               headless Chromium and a dedicated worker
#   3. node     node --test over the built npm package against the mock deAPI (and the mock's own tests);
#               coverage of the 35 v2 operations of deAPI's spec; core::api's validation rules against the spec
#               (v2 and v1), both ways; tsc --strict over the package's types and over every js/ts code block
#               of README.md and pkg/README.md;
#               the fleet quota against a real redis-server (its Lua script; processes sharing one key)
#   4. browser  the built package, the demo page and a react-hook-form form in headless Chromium (playwright-core);
#               the plain page, the demo's forms and the realtime socket in Firefox ESR (puppeteer-core, WebDriver
#               BiDi) and WebKitGTK (WebKitWebDriver under xvfb-run); an engine not installed is skipped, saying why
#   5. package  npm pack → npm install in fresh temp projects: Node CJS/ESM (20, 22, 24), Bun, Deno, a server
#               bundle, Vite build and dev server + plain page in Chromium, tsc --strict consumers, a Cloudflare
#               Worker under wrangler dev, a Next.js App Router app (Turbopack and webpack); two installed copies
# Each level prints its count; a level that runs no test fails the whole run.
# Usage: bash scripts/test.sh [LEVEL...]   (no LEVEL: all five; e.g. `bash scripts/test.sh native`, or
# `node browser`: the package is built first for node, browser and package)
#   CHROMEDRIVER   the ChromeDriver the wasm level's Chromium run uses (default /usr/bin/chromedriver)
set -euo pipefail
cd "$(dirname "$0")/.."
LEVELS=(native wasm node browser package)
levels=" ${*:-${LEVELS[*]}} "
for l in $levels; do
  [[ " ${LEVELS[*]} " == *" $l "* ]] || { echo "!! unknown level '$l': the levels are ${LEVELS[*]}"; exit 2; }
done
want() { [[ "$levels" == *" $1 "* ]]; }
bash scripts/setup.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
logs=target/test-logs; mkdir -p "$logs"
t0=$SECONDS; step() { echo; echo "== test [$((SECONDS - t0))s] $*"; }
summary=(); total_pass=0; total_fail=0

# Sum a log's counts: kind `passed`, every "N passed" and "M failed" (cargo test, and the scripts that
# print a `name: N passed, M failed` line); kind `tap`, node --test's "# pass N / # fail M / # cancelled K
# / # skipped S".
count() {
  local kind=$1 log=$2 pass fail skipped=0
  # (grep finds nothing in a log that ran no test: `|| true`, so that the level says so below)
  case "$kind" in
    passed)
      pass=$({ grep -Eo '[0-9]+ passed' "$log" || true; } | awk '{s+=$1} END {print s+0}')
      fail=$({ grep -Eo '[0-9]+ failed' "$log" || true; } | awk '{s+=$1} END {print s+0}') ;;
    tap)
      pass=$({ grep -E '^# pass ' "$log" || true; } | awk '{s+=$3} END {print s+0}')
      fail=$({ grep -E '^# (fail|cancelled) ' "$log" || true; } | awk '{s+=$3} END {print s+0}') # a timed-out test is cancelled
      skipped=$(awk '/^# skipped / {s+=$3} END {print s+0}' "$log") ;;
    *) echo "!! scripts/test.sh: unknown count kind '$kind' (passed or tap)" >&2; exit 2 ;;
  esac
  echo "$pass $fail $skipped"
}
level() { # level NAME KIND LOG -- records and checks a level's counts
  local name=$1 kind=$2 log=$3 pass fail skipped
  read -r pass fail skipped < <(count "$kind" "$log")
  if [ -z "$pass" ]; then echo "!! $name: its log could not be counted"; exit 1; fi
  local line; line=$(printf '%-36s %4d passed, %d failed' "$name" "$pass" "$fail")
  if [ "$skipped" -gt 0 ]; then line="$line, $skipped skipped"; fi
  summary+=("$line")
  total_pass=$((total_pass + pass)); total_fail=$((total_fail + fail))
  if [ "$pass" -eq 0 ]; then echo "!! $name ran no test"; exit 1; fi
}
# A level that hangs (a process a test left running keeps `node --test` waiting) fails after
# LEVEL_LIMIT seconds (default 25 min) instead of using up CI's time: timeout signals the command's
# whole process group.
run() { # run LOG CMD... -- show output, keep a log, fail on a non-zero exit or a hang
  local log=$1 rc=0; shift
  timeout --kill-after=30 "${LEVEL_LIMIT:-1500}" "$@" 2>&1 | tee "$log" || rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then echo "!! $* did not end within ${LEVEL_LIMIT:-1500} s"; fi
  return "$rc"
}
check() { # check TITLE NAME KIND LOG CMD... -- one level: its heading, its run, its count
  local title=$1 name=$2 kind=$3 log=$4; shift 4
  step "$title"
  run "$log" "$@"
  level "$name" "$kind" "$log"
}

if want native; then
check "1. native: cargo test" "native (cargo test)" passed "$logs/native.log" cargo test
FUZZ_SECS=${FUZZ_SECS:-20} check "1. native: property tests of the decoders, JSON reader, webhook verifier, validation and request building (proptest, time-boxed)" \
  "fuzz (proptest, ${FUZZ_SECS:-20} s)" passed "$logs/fuzz.log" cargo test --release --test fuzz -- --nocapture
grep -E '^fuzz: skipped: ' "$logs/fuzz.log" | sort -u || true # an oracle that could not run (no node), and why
step "1. native: clippy (native, wasm32, the browser module)"
cargo clippy --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --lib --no-default-features --features realtime-relay -- -D warnings # the browser module
step "1. native: the doc comments' links point at code that exists (cargo doc, native and wasm32; a broken link fails)"
for target in "" "--target wasm32-unknown-unknown"; do
  # shellcheck disable=SC2086 # an empty target is no argument
  RUSTDOCFLAGS="-D warnings -A rustdoc::private_intra_doc_links" cargo doc --quiet --no-deps --lib --document-private-items $target
done
fi # native

if want wasm; then
step "2. wasm: the mock deAPI for the transport tests (its URL is compiled into tests/wasm.rs)"
node tests/mock/server.mjs --port 0 --quiet > "$logs/mock.url" 2> "$logs/mock.log" &
mock_pid=$!
trap 'kill $mock_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^MOCK_URL=' "$logs/mock.url" && break; sleep 0.1; done
DEAPI_MOCK_URL=$(sed -n 's/^MOCK_URL=//p' "$logs/mock.url")
[ -n "$DEAPI_MOCK_URL" ] || { echo "!! the mock deAPI did not start"; cat "$logs/mock.log"; exit 1; }
export DEAPI_MOCK_URL
echo "mock deAPI at $DEAPI_MOCK_URL"

check "2. wasm: wasm-bindgen tests in Node" "wasm in Node" passed "$logs/wasm-node.log" cargo test --target wasm32-unknown-unknown --test wasm --test panic_hook
WASM_BINDGEN_USE_BROWSER=1 check "2. wasm: wasm-bindgen tests in headless Chromium" "wasm in Chromium" passed "$logs/wasm-chrome.log" cargo test --target wasm32-unknown-unknown --test wasm --test panic_hook
WASM_BINDGEN_USE_DEDICATED_WORKER=1 check "2. wasm: wasm-bindgen tests in a dedicated worker" "wasm in a worker" passed "$logs/wasm-worker.log" cargo test --target wasm32-unknown-unknown --test wasm --test panic_hook
kill $mock_pid 2>/dev/null || true
fi # wasm

built=0
if want node || want browser || want package; then
step "build the npm package"
node scripts/build.mjs
built=1
fi

if want node; then
check "3. node: the package against the mock deAPI" "node (package + mock)" tap "$logs/node.log" node --test --test-reporter=tap tests/js/ tests/mock/

check "3. fleet: the shared quota against a real redis-server (unix socket, no persistence): its Lua script, the three clients, processes on one key" "fleet (redis-server)" tap "$logs/fleet.log" node --test --test-reporter=tap --test-concurrency=1 tests/fleet/

check "3. node: every v2 operation of deAPI's spec has a method and a passing test" "spec coverage (35 v2 ops)" passed "$logs/coverage.log" node tests/spec/coverage.mjs "$logs/node.log"

check "3. spec: core::api's validation rules against deAPI's spec (v2, v1) both ways, each difference named by operation and field" "spec rules (v2 + v1, both ways)" passed "$logs/spec-rules.log" cargo test --test spec_rules -- --nocapture

check "3. types: tsc --strict over a consumer of every method, and a file that must not compile" "types (tsc --strict)" passed "$logs/types.log" node tests/types/check.mjs
check "3. types: every js/ts code block of README.md and pkg/README.md under tsc --strict (tests/docs/readme.mjs)" "README code blocks (tsc --strict)" passed "$logs/readme.log" node tests/docs/readme.mjs

check "3. reliability: hostile-response corpus, network faults, cancellation, key safety (Node and Chromium)" "reliability" tap "$logs/reliability.log" node --test --test-reporter=tap tests/reliability/

check "3. leak: 100 000 calls leave the wasm memory within 1 MiB of its size after the first 1 000" "leak check" passed "$logs/leak.log" node tests/leak/leak.mjs 100000

check "3. size: the gzip total a browser downloads against the README's size budget" "size budget" passed "$logs/size.log" node tests/size/check.mjs
fi # node

if want browser; then
check "4. browser: the package and the demo in headless Chromium; the plain page, the demo and the realtime socket in Firefox ESR and WebKitGTK" "browser (Chromium, Firefox, WebKit)" tap "$logs/browser.log" node --test --test-reporter=tap tests/browser/
grep -E '!! .*: skipped: ' "$logs/browser.log" || true # an engine that could not run, and why
fi # browser

if want package; then
check "5. package: npm pack, then install in fresh projects (Node 20/22/24, Bun, Deno, a server bundle, Vite build and dev server + plain page in Chromium, tsc --strict, Next.js with Turbopack and webpack, a Cloudflare Worker)" "package matrix" tap "$logs/package.log" node --test --test-reporter=tap tests/package/
fi # package

step "summary"
[ "$built" = 0 ] || node -e 'const s=JSON.parse(require("fs").readFileSync(0));console.log(`package size: wasm ${(s.wasm.gzip/1024).toFixed(1)} KiB + JS glue ${(s.glueWeb.gzip/1024).toFixed(1)} KiB = ${(s.totalWeb.gzip/1024).toFixed(1)} KiB gzip -9`)' < pkg/dist/size.json
printf '%s\n' "${summary[@]}"
echo "total: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
