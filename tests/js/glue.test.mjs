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
const loaded = (glue) => assert.match(glue.operations(), /^images\.generate,/);
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
    // still not loaded: an export the glue has fails for want of its instance (a loaded one answers)
    assert.throws(() => glue.operations(), { name: "TypeError", message: /undefined/ }, "still not loaded");
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
      const client = new glue.Client({ apiKey: "1|gluetestkey" }, false);
      assert.equal(typeof client.balance, "function");
      client.free();
    } finally {
      globalThis.FinalizationRegistry = saved;
    }
  });
});

describe("text and bytes through the boundary", async () => {
  const glue = await webGlue();
  await load(glue, wasmBytes);
  /** A client whose fetch records what it was given and answers `answer()`. */
  function recording(answer) {
    const sent = [];
    const fetch = async (url, init) => {
      sent.push({ url, init });
      return answer();
    };
    return { sent, client: new glue.Client({ apiKey: "1|gluetestkey", baseUrl: "https://deapi.test", maxRetries: 0, fetch }, false) };
  }
  const ok = () => new Response(JSON.stringify({ data: { request_id: "r-1" } }), { status: 200 });

  it("non-ASCII text goes out and comes back as it went (UTF-8 both ways)", async () => {
    const prompt = "fox ä 画像 😀";
    const { sent, client } = recording(() => new Response(JSON.stringify({ message: prompt, errors: { prompt: [prompt] } }), { status: 422 }));
    const e = await client.submit("images.generate", { prompt }, undefined).then(() => assert.fail("resolved"), (x) => x);
    assert.equal(JSON.parse(sent[0].init.body).prompt, prompt);
    assert.equal(e.message, prompt);
    assert.deepEqual(e.errors, [{ field: "prompt", message: prompt }]);
  });

  it("bytes go as a Blob in FormData, typed from their first bytes, the JS value never copied into wasm memory first", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const { sent, client } = recording(ok);
    assert.equal(await client.submit("images.upscale", { image: png, model: "RealESRGAN_x4" }, undefined), "r-1");
    const body = sent[0].init.body;
    assert.ok(body instanceof FormData);
    const file = body.get("image");
    assert.equal(file.type, "image/png");
    assert.equal(file.name, "image.png");
    assert.deepEqual(new Uint8Array(await file.arrayBuffer()), png);
  });

  it("a body far larger than the memory grows it, and is read whole", async () => {
    const before = glue.__memoryBytes();
    // 8 MiB of text in a 422's message
    const message = "é".repeat(4 << 20);
    const { client } = recording(() => new Response(JSON.stringify({ message, errors: { prompt: ["The prompt field is required."] } }), { status: 422 }));
    const e = await client.balance(undefined).then(() => assert.fail("resolved"), (x) => x);
    assert.ok(glue.__memoryBytes() > before, "the memory grew");
    assert.deepEqual(e.errors, [{ field: "prompt", message: "The prompt field is required." }]);
    assert.ok(e.message.startsWith("éé"), "the message decoded as UTF-8");
  });
});
