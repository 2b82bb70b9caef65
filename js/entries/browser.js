// Browsers, bundlers, workers (dist/browser.js; dist/browser-realtime.js from the same file): the .wasm
// next to the entry, by URL — Vite, webpack 5, Parcel and Turbopack see `new URL("…", import.meta.url)`
// (in ./wasm-fetch-__DIR__.js) and emit the file as an asset. scripts/build.mjs fills `__DIR__` (the
// glue's folder: web, web-realtime), `__ENTRY__` (browser, browser-realtime) `__EXPORTS__`, `__KINDS__` (the module's `kinds()`: the error classes exist before the .wasm loads), and
// each `/* @include js/… */` line with that file's text.
import { wasmUrl, wasmResponse } from "./wasm-fetch-__DIR__.js";
import initWasm, * as wasm from "./__DIR__/deapi_wasm.js";
/* @include js/facade.js */
/* @include js/server-stub.js */
/* @include js/quota-stub.js */
const wasmSource = wasmUrl;
let ready = false;
let loadError;
try {
  await initWasm({ module_or_path: wasmResponse || wasmSource });
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
    throw new Error(`deapi-wasm could not load its WebAssembly module from ${wasmSource} (${loadError && loadError.message}): ` +
      "serve dist/__DIR__/deapi_wasm_bg.wasm next to dist/__ENTRY__.js (as application/wasm), " + "or `await init(urlOrBytes)` before `new DeapiClient(...)`", { cause: loadError });
  }
}, __KINDS__);
export const { __EXPORTS__ } = api;
export default init;
