// The browser entry's first import (dist/wasm-fetch-__DIR__.js, bundled into browser.js by rolldown, then
// deleted): the .wasm's fetch starts when the module graph starts evaluating, ahead of the glue and the
// facade. `new URL` stays written as bundlers recognise it, relative to the entry's folder.
// scripts/build.mjs fills `__DIR__` (web, web-realtime).
export const wasmUrl = new URL("./__DIR__/deapi_wasm_bg.wasm", import.meta.url);
export const wasmResponse = typeof fetch === "function" ? fetch(wasmUrl) : undefined;
