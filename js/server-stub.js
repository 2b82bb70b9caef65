// Browser and Worker entries (scripts/build.mjs): toNodeListener adapts Node's `http`, so here it only
// says where it runs; both entries export the same names.
function nodeListener() {
  throw new TypeError("toNodeListener is Node's http adapter: use it in Node (a Worker or Deno passes createProxy's handler its Request as is)");
}
