// Dev servers (dist/browser-dev.js, dist/browser-realtime-dev.js; the `development` condition): the
// .wasm's bytes inside the module graph (./__DIR__/deapi_wasm_bytes.js), for dev servers whose dependency
// pre-bundling moves the glue away from its .wasm. scripts/build.mjs fills `__DIR__` (web,
// web-realtime) `__EXPORTS__`, `__KINDS__` (the module's `kinds()`: the error classes exist before the .wasm loads), and each `/* @include js/… */` line with that file's text.
import wasmBytes from "./__DIR__/deapi_wasm_bytes.js";
import initWasm, * as wasm from "./__DIR__/deapi_wasm.js";
/* @include js/facade.js */
/* @include js/server-stub.js */
/* @include js/quota-stub.js */
const wasmSource = wasmBytes;
let ready = false;
let loadError;
try {
  await initWasm({ module_or_path: wasmSource });
  ready = true;
} catch (e) {
  loadError = e;
}
/**
 * Resolves once the WebAssembly module is loaded. Importing this module already loads it (top-level
 * await), so calling this is optional. `input` (a URL, a Response, bytes or a WebAssembly.Module) is used
 * only when that automatic load failed; once loaded, it is ignored.
 */
export async function init(input) {
  if (ready) return;
  await initWasm({ module_or_path: input === undefined ? wasmSource : input });
  ready = true;
  loadError = undefined;
}
const api = createApi(wasm, () => {
  if (!ready) {
    throw new Error(`deapi-wasm could not load its WebAssembly module from its bytes (${loadError && loadError.message}): ` +
      "the bytes in dist/__DIR__/deapi_wasm_bytes.js did not compile; " + "or `await init(urlOrBytes)` before `new DeapiClient(...)`", { cause: loadError });
  }
}, __KINDS__);
export const { __EXPORTS__ } = api;
export default init;
