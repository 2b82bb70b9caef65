// Node `require` (dist/index.cjs): wasm-bindgen's Node glue instantiates the server module synchronously
// at require time. scripts/build.mjs fills this file (see its "entry files" step): each
// `/* @include js/… */` line becomes that file's text; these first comment lines give way to its banner.
"use strict";
const wasm = require("./node/deapi_wasm.js");
/* @include js/facade.js */
/* @include js/node-listener.js */
/* @include js/quota-store.js */
const api = createApi(wasm, null);
/** Nothing to load in Node (the .wasm is read at require time); kept so that code shared with browsers can call it. */
api.init = async function init(input) {};
module.exports = api;
