// wasm-bindgen's generated glue, as the package ships it: the web glue's `init` with every input
// the browser entry passes it (`{ module_or_path }`), text and bytes through the boundary (non-ASCII,
// large), and memory growth in the middle of a call.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "pkg", "dist");
const wasmBytes = readFileSync(join(dist, "web", "deapi_wasm_bg.wasm"));
let fresh = 0;
/** A new copy of the web glue (its own, not yet loaded instance). */
const webGlue = () => import(`${pathToFileURL(join(dist, "web", "deapi_wasm.js"))}?copy=${++fresh}`);
const loaded = (glue) => assert.match(glue.tables(), /^images\.generate,/);
/** The browser entry's call: `init({ module_or_path })` (the positional form is deprecated). */
const load = (glue, input) => glue.default({ module_or_path: input });

describe("the web glue's init()", () => {
  it("loads from a Response served as application/wasm, and from one served with another type (read as bytes)", async () => {
    for (const type of ["application/wasm", "application/octet-stream"]) {
      const glue = await webGlue();
      await load(glue, new Response(wasmBytes, { headers: { "content-type": type } }));
      loaded(glue);
    }
  });

  it("loads from a Response where the runtime has no WebAssembly.instantiateStreaming", async () => {
    const saved = WebAssembly.instantiateStreaming;
    WebAssembly.instantiateStreaming = undefined;
    try {
      const glue = await webGlue();
      await load(glue, new Response(wasmBytes, { headers: { "content-type": "application/wasm" } }));
      loaded(glue);
    } finally {
      WebAssembly.instantiateStreaming = saved;
    }
  });

  it("refuses an error response with its status, without reading it as a module", async () => {
    const glue = await webGlue();
    await assert.rejects(load(glue, new Response("{}", { status: 404, statusText: "Not Found" })), { message: /^failed to fetch Wasm: 404 Not Found/ });
    assert.throws(() => glue.tables(), TypeError, "still not loaded");
    await load(glue, wasmBytes); // then loads from bytes
    loaded(glue);
  });

  it("loads from bytes, an ArrayBuffer, a WebAssembly.Module, and a promise of one", async () => {
    const buffer = wasmBytes.buffer.slice(wasmBytes.byteOffset, wasmBytes.byteOffset + wasmBytes.byteLength);
    for (const input of [wasmBytes, buffer, new WebAssembly.Module(wasmBytes), Promise.resolve(new WebAssembly.Module(wasmBytes))]) {
      const glue = await webGlue();
      await load(glue, input);
      loaded(glue);
    }
  });
});

describe("the glue without FinalizationRegistry (some worker runtimes)", () => {
  it("loads and makes cores all the same", async () => {
    const saved = globalThis.FinalizationRegistry;
    globalThis.FinalizationRegistry = undefined;
    try {
      const glue = await webGlue(); // evaluated while it is missing
      await load(glue, wasmBytes);
      const core = new glue.Core(JSON.stringify({ apiKey: "1|gluetestkey" }), false);
      assert.equal(core.error, "");
      core.free();
    } finally {
      globalThis.FinalizationRegistry = saved;
    }
  });
});

describe("text and bytes through the boundary", async () => {
  const glue = await webGlue();
  await load(glue, wasmBytes);

  it("a non-ASCII field name comes back as it went (UTF-8 both ways)", () => {
    for (const field of ["image", "bild_ä", "画像", "emoji_😀"]) {
      const [type, filename] = glue.fileType(new Uint8Array(0), "image/png", field).split("\n");
      assert.equal(type, "image/png");
      assert.equal(filename, `${field}.png`);
    }
    assert.equal(glue.fileType(new Uint8Array(0), "image/png", "").split("\n")[1], "file.png", "an empty argument (no scratch bytes)");
  });

  it("bytes cross as bytes (a PNG's magic number is sniffed)", () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    assert.equal(glue.fileType(png, "", "image").split("\n")[0], "image/png");
  });

  it("a body far larger than the memory grows it in the middle of the call, and is read whole", () => {
    const core = new glue.Core(JSON.stringify({ apiKey: "1|gluetestkey", maxRetries: 0 }), false);
    assert.equal(core.error, "");
    const before = glue.__memoryBytes();
    const plan = JSON.parse(core.plan(4, "", "null", "null", 0)); // balance
    // 8 MiB of text in a 422's message: the scratch buffer (3 bytes per unit) and the answer grow the memory
    const message = "é".repeat(4 << 20);
    const body = JSON.stringify({ message, errors: { prompt: ["The prompt field is required."] } });
    const verdict = JSON.parse(core.decide(plan.d, plan.s, plan.k, plan.l, plan.i, 1, 422, "", body, true, 0, 0, 0, 0, 0));
    assert.ok(glue.__memoryBytes() > before, "the memory grew");
    assert.equal(verdict.e.name, "ValidationError");
    assert.deepEqual(verdict.e.pairs, [["prompt", "The prompt field is required."]]);
    assert.ok(verdict.e.message.startsWith("éé"), "the message decoded as UTF-8 after the growth");
    core.free();
  });
});
