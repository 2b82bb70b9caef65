#!/usr/bin/env bash
# The demo: build the package, then serve the demo page (www/) and the package on 127.0.0.1 with a
# keyless proxy at /api/* (scripts/demo-server.mjs). The browser never holds a key.
#   PORT=8787 (default)
#   upstream: an embedded mock deAPI by default; with DEAPI_API_KEY set, the real deAPI
#   (https://api.deapi.ai, or DEAPI_BASE_URL), the key added on the server side.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_BROWSER=0 bash scripts/setup.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
node scripts/build.mjs
exec node scripts/demo-server.mjs
