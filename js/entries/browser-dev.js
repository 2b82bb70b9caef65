// Dev servers (dist/browser-dev.js, dist/browser-realtime-dev.js; the `development` condition): the
// .wasm's bytes inside the module graph (./__DIR__/deapi_wasm_bytes.js), for dev servers whose dependency
// pre-bundling moves the glue away from its .wasm. scripts/build.mjs fills `__DIR__` (web,
// web-realtime), `__EXPORTS__` and `__KINDS__`, and each `/* @include js/… */` line with that file's text.
import wasmBytes from "./__DIR__/deapi_wasm_bytes.js";
import initWasm, * as wasm from "./__DIR__/deapi_wasm.js";
/* @include js/facade.js */
/* @include js/server-stub.js */
/* @include js/quota-stub.js */
const wasmSource = wasmBytes;
const firstLoad = wasmSource;
const loadFrom = "its bytes";
const loadFix = "the bytes in dist/__DIR__/deapi_wasm_bytes.js did not compile; ";
const kindList = __KINDS__;
/* @include js/entries/browser-load.js */
export const { __EXPORTS__ } = api;
export default init;
