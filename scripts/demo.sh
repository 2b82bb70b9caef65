#!/usr/bin/env bash
# The demo: build the package, start the mock deAPI on 127.0.0.1 serving www/ and the package, and
# print the URL. The page calls the mock in keyless proxy mode (the browser never holds a key).
#   PORT=8787 (default)
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_BROWSER=0 bash scripts/setup.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
node scripts/build.mjs
echo "deapi-wasm demo: open http://127.0.0.1:${PORT:-8787}/  (mock deAPI on the same origin; Ctrl-C stops it)"
exec node tests/mock/server.mjs --port "${PORT:-8787}" --allow-keyless --static /=www --static /pkg/=pkg/dist
