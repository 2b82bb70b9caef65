#!/usr/bin/env bash
# Install everything the build, the demo and the tests need, on a fresh Debian 12 machine of this
# kind (only crates.io, npm, PyPI and Debian apt are reachable). Safe to run again: each step is
# skipped when the pinned version is already there (about 3 s then).
#   WITH_BROWSER=0       skip Chromium + ChromeDriver, Firefox ESR and WebKitGTK (the demo does not need them)
#   WITH_ENGINES=0       skip Firefox ESR and WebKitGTK only (tests/browser/engines.test.mjs then skips them, saying why)
#   WITH_REDIS=0         skip redis-server (only the fleet tests, tests/fleet/, need it)
set -euo pipefail
cd "$(dirname "$0")/.."

# MUST equal the `wasm-bindgen = "=…"` pin in Cargo.toml (a mismatch fails the build).
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = .*"=\([0-9.]*\)".*/\1/p' Cargo.toml)
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
t0=$SECONDS; step() { echo "== setup [$((SECONDS - t0))s] $*"; }

step "rust target wasm32-unknown-unknown"
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# wasm-bindgen-cli writes the package's glue (scripts/build.mjs) and runs the wasm test levels.
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
  # --locked fails on this registry mirror today (a locked dependency version is missing);
  # fall back to a fresh resolution of the same pinned version.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked \
    || cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# cargo-fuzz runs the coverage-guided targets in fuzz/ (bash scripts/fuzz.sh; not in the test command),
# on nightly Rust only: installed where a nightly toolchain is present (about 3 minutes, once).
if rustup toolchain list 2>/dev/null | grep -q '^nightly' && ! cargo fuzz --version >/dev/null 2>&1; then
  step "cargo-fuzz (nightly is present; about 3 minutes)"
  cargo install cargo-fuzz --locked || echo "setup: cargo-fuzz did not install; scripts/fuzz.sh will say so"
fi

step "npm tools: binaryen (wasm-opt 132), playwright-core, puppeteer-core"
if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

if [ "${WITH_BROWSER:-1}" = 1 ] && ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }; then
  step "apt: chromium + chromium-driver (about 1 minute)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
# The other engines (tests/engines.mjs): Firefox ESR (puppeteer-core drives it over WebDriver BiDi) and
# WebKitGTK (webkit2gtk-driver's WebKitWebDriver, its MiniBrowser on an Xvfb display). A failed install
# does not stop the run: their tests are skipped with the reason printed.
if [ "${WITH_BROWSER:-1}" = 1 ] && [ "${WITH_ENGINES:-1}" = 1 ] \
  && ! { [ -x /usr/bin/firefox-esr ] && [ -x /usr/bin/WebKitWebDriver ] && [ -x /usr/bin/xvfb-run ]; }; then
  step "apt: firefox-esr, webkit2gtk-driver, xvfb (about 1.5 minutes)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr webkit2gtk-driver xvfb >/dev/null; }; then
    echo "!! setup: firefox-esr / webkit2gtk-driver / xvfb could not be installed: the Firefox and WebKit tests will be skipped"
  fi
fi
# The fleet tests (tests/fleet/) start their own redis-server on a unix socket (tests/support/redis.mjs);
# installing Debian's package starts no service on these machines.
if [ "${WITH_REDIS:-1}" = 1 ] && ! command -v redis-server >/dev/null 2>&1; then
  step "apt: redis-server (a few seconds)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
step "ready: $(rustc --version), wasm-bindgen-cli $(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true), node $(node --version)"
