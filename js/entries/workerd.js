// Cloudflare Workers (dist/workerd.js; wrangler's `workerd` condition): a Worker may not compile wasm
// from bytes at run time, and a Worker bundle has no `import.meta.url` to fetch from. wrangler bundles a
// `.wasm` import as a WebAssembly.Module, which is instantiated synchronously at start-up.
// scripts/build.mjs fills `__EXPORTS__`, and each `/* @include js/… */` line with that file's text.
import { initSync } from "./server/deapi_wasm.js";
import * as wasm from "./server/deapi_wasm.js";
import wasmModule from "./server/deapi_wasm_bg.wasm";
/* @include js/facade.js */
/* @include js/server-stub.js */
/* @include js/quota-store.js */
initSync({ module: wasmModule });
const api = createApi(wasm, null);
/** Nothing to load (the module is instantiated at start-up); kept for code shared with browsers. */
export async function init(input) {}
export const { __EXPORTS__ } = api;
export default init;
