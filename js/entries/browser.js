// Browsers, bundlers, workers (dist/browser.js; dist/browser-realtime.js from the same file): the .wasm
// next to the entry, by URL — Vite, webpack 5, Parcel and Turbopack see `new URL("…", import.meta.url)`
// (in ./wasm-fetch-__DIR__.js) and emit the file as an asset. scripts/build.mjs fills `__DIR__` (the
// glue's folder: web, web-realtime), `__ENTRY__` (browser, browser-realtime), `__EXPORTS__` and
// `__KINDS__`, and each `/* @include js/… */` line with that file's text.
import { wasmUrl, wasmResponse } from "./wasm-fetch-__DIR__.js";
import initWasm, * as wasm from "./__DIR__/deapi_wasm.js";
/* @include js/facade.js */
/* @include js/server-stub.js */
/* @include js/quota-stub.js */
const wasmSource = wasmUrl;
// the fetch wasm-fetch began when this module started evaluating (the glue streams its Response)
const firstLoad = wasmResponse || wasmSource;
const loadFrom = wasmSource;
const loadFix = "serve dist/__DIR__/deapi_wasm_bg.wasm next to dist/__ENTRY__.js (as application/wasm), ";
const kindList = __KINDS__;
/* @include js/entries/browser-load.js */
export const { __EXPORTS__ } = api;
export default init;
