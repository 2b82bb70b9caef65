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
# The compiler the package is built and size-measured with (rust-toolchain.toml).
RUST_TOOLCHAIN=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
t0=$SECONDS; step() { echo "== setup [$((SECONDS - t0))s] $*"; }

# What this script does not install: rustup and Node.js (vite and rolldown, which build and test the
# package, need Node ^20.19 or >= 22.12). All that is missing is said at once.
missing=()
command -v rustup >/dev/null 2>&1 || missing+=("rustup (https://rustup.rs), which installs the pinned Rust toolchain")
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=("Node.js ^20.19 or >= 22.12, with npm")
elif ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)'; then
  missing+=("Node.js ^20.19 or >= 22.12 (this is $(node --version))")
fi
if [ ${#missing[@]} -gt 0 ]; then
  printf '!! setup: missing: %s\n' "${missing[@]}"
  exit 1
fi

step "rust $RUST_TOOLCHAIN (rust-toolchain.toml) with the wasm32-unknown-unknown target and clippy"
if ! { rustup component list --toolchain "$RUST_TOOLCHAIN" --installed 2>/dev/null | grep -q '^clippy-' \
  && rustup target list --toolchain "$RUST_TOOLCHAIN" --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; }; then
  rustup toolchain install --no-self-update # no name: the one rust-toolchain.toml names, with its targets and components
fi

# wasm-bindgen-cli, built from its own Cargo.lock (--locked). Where that lock names a version the
# registry does not have (0.2.130's names webpki-roots 1.0.11, through ureq; the registry this machine
# reached on 2026-12-07 stops at 1.0.10), its published sources are built with that one entry moved to
# the newest version the registry has, said loudly; every other dependency stays as locked.
install_wasm_bindgen_cli() {
  local v=$1 log src tmp crate pin n
  log=$(mktemp)
  if cargo install wasm-bindgen-cli --version "$v" --locked 2>&1 | tee "$log"; then rm -f "$log"; return; fi
  # the failed install has downloaded the package (its .crate, in cargo's registry cache)
  crate=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "wasm-bindgen-cli-$v.crate" 2>/dev/null | head -n 1)
  pin=$(sed -n 's/.*failed to select a version for the requirement `\([^ ]*\) = .*(locked to \([^)]*\)).*/\1@\2/p' "$log" | head -n 1)
  if [ -z "$crate" ] || [ -z "$pin" ]; then
    echo "!! setup: cargo install wasm-bindgen-cli --version $v --locked failed (above), not for a version missing from the registry"
    exit 1
  fi
  tmp=$(mktemp -d); tar -xzf "$crate" -C "$tmp"; src="$tmp/wasm-bindgen-cli-$v"
  for n in 1 2 3 4 5; do
    echo "!! setup: wasm-bindgen-cli $v's Cargo.lock locks $pin, which this registry does not have: it is moved to the newest version the registry has (every other dependency stays locked)"
    cargo update --manifest-path "$src/Cargo.toml" -p "$pin"
    if cargo fetch --manifest-path "$src/Cargo.toml" --locked 2>&1 | tee "$log"; then break; fi
    pin=$(sed -n 's/.*failed to select a version for the requirement `\([^ ]*\) = .*(locked to \([^)]*\)).*/\1@\2/p' "$log" | head -n 1)
    if [ -z "$pin" ] || [ "$n" = 5 ]; then echo "!! setup: wasm-bindgen-cli $v's dependencies cannot be fetched (above)"; exit 1; fi
  done
  cargo install --path "$src" --locked
  rm -rf "$tmp" "$log"
}
# wasm-bindgen-cli writes the package's glue (scripts/build.mjs) and runs the wasm test levels.
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
  install_wasm_bindgen_cli "$WASM_BINDGEN_VERSION"
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
