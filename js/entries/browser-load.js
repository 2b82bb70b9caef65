// The load and the API of a browser entry, included by browser.js and browser-dev.js after they
// define `wasmSource` (what `init()` loads when called without input), `firstLoad` (what the import
// itself loads), `loadFrom` and `loadFix` (the words of the error when that load failed), and
// `kindList` (the module's `kinds()`, read by the build: the error classes exist before the .wasm loads).
let ready = false;
let loadError;
try {
  await initWasm({ module_or_path: firstLoad });
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
    throw new Error(`deapi-wasm could not load its WebAssembly module from ${loadFrom} (${loadError && loadError.message}): ` +
      loadFix + "or `await init(urlOrBytes)` before `new DeapiClient(...)`", { cause: loadError });
  }
}, kindList);
