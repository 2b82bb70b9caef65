// The JS side of the module's C ABI (src/abi.rs): what wasm-bindgen's generated glue did, for a
// boundary that passes only text, bytes and numbers. scripts/build.mjs puts this function into both
// glue files (dist/node/deapi_wasm.js, CommonJS, instantiates synchronously; dist/web/deapi_wasm.js,
// an ES module whose `init` loads the .wasm), and tests/panic/probe.mjs uses it as it is.
//
// abi() returns `imports` (for WebAssembly.instantiate) and `api`, the object js/facade.js drives:
// `Core` (a class over the core's pointer), `tables`, `fileType`, `verifyWebhook`, `__memoryBytes`;
// `api.set(instance)` connects it to an instance (until then, calling it fails).
function abi() {
  let x; // the instance's exports
  let u8 = new Uint8Array(0);
  // The memory may have grown (a new ArrayBuffer) since the last call: view it afresh then.
  const mem = () => (u8.buffer === x.memory.buffer ? u8 : (u8 = new Uint8Array(x.memory.buffer)));
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const imports = {
    env: {
      now: Date.now,
      // String(n) of a double is at most 24 ASCII characters; Rust gives 32 bytes at `at`.
      number: (n, at) => enc.encodeInto(String(n), mem().subarray(at, at + 32)).written,
      error: (p, n) => console.error(dec.decode(mem().subarray(p, p + n))),
    },
  };
  // Strings and byte arrays go into the scratch buffer and pass as (pointer, length); numbers and
  // booleans pass as they are. UTF-8 takes at most 3 bytes per UTF-16 unit.
  const call = (f, args) => {
    let need = 0;
    for (const a of args) need += typeof a === "string" ? a.length * 3 : typeof a === "object" ? a.length : 0;
    let at = x.scratch(need);
    const flat = [];
    for (const a of args) {
      if (typeof a === "string") {
        const n = enc.encodeInto(a, mem().subarray(at)).written;
        flat.push(at, n);
        at += n;
      } else if (typeof a === "object") {
        mem().set(a, at);
        flat.push(at, a.length);
        at += a.length;
      } else flat.push(a);
    }
    return f(...flat);
  };
  // An answer: the returned pointer and `answer_len()`, copied out before the next call replaces it.
  const text = (p) => dec.decode(mem().subarray(p, p + x.answer_len()));
  // Some worker runtimes have no FinalizationRegistry: a client's core is then freed only by free().
  const freed = typeof FinalizationRegistry === "function" ? new FinalizationRegistry((p) => x.core_free(p)) : { register() {}, unregister() {} };
  class Core {
    constructor(options, browser) {
      this.p = call(x.core_new, [options, browser]);
      freed.register(this, this.p, this);
    }
    get error() { return this.p ? text(x.core_error(this.p)) : ""; }
    get scheduled() { return this.p ? x.core_scheduled(this.p) !== 0 : false; }
    free() {
      if (this.p) {
        freed.unregister(this);
        x.core_free(this.p);
        this.p = 0;
      }
    }
  }
  // [method, export, answers with text?]
  for (const [m, f, answers] of [["plan", "core_plan", 1], ["setCatalogue", "core_set_catalogue", 0], ["gate", "core_gate", 1],
    ["release", "core_release", 0], ["decide", "core_decide", 1], ["fail", "core_fail", 1], ["waitPlan", "core_wait_plan", 1],
    ["rateLimits", "core_rate_limits", 1]]) {
    Core.prototype[m] = function (...a) {
      if (!this.p) throw new Error("deapi-wasm: this core was freed"); // never hand Rust a dangling pointer
      const r = call(x[f], [this.p, ...a]);
      return answers ? text(r) : undefined;
    };
  }
  const api = {
    Core,
    tables: () => text(x.op_tables()),
    fileType: (...a) => text(call(x.file_type_of, a)),
    verifyWebhook: (...a) => text(call(x.verify_webhook, a)),
    __memoryBytes: () => x.memory_size(),
    set(instance) { x = instance.exports; },
  };
  return { imports, api };
}
