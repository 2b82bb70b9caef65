// Uploads: every input type the SDK accepts for a file field, as the mock deAPI receives it
// (part name, filename, content type, size), and the exact bytes the SDK hands to fetch.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { client, rejection, sdk, withMock } from "./helpers.mjs";
import { solidPng } from "../mock/png.mjs";

const { Job, InvalidOptionsError } = sdk;

let mock;
before(async () => { mock = await withMock(); });
after(() => mock.close());

const PNG = solidPng(40, 30, [10, 120, 250]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...Buffer.from("JFIF\0"), 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]);
const UNKNOWN = Uint8Array.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11]);

/** A client whose fetch keeps every FormData it sends, so the uploaded bytes can be read back. */
function capturingClient(extra) {
  const bodies = [];
  const fetchImpl = (url, init) => {
    bodies.push(init.body);
    return fetch(url, init);
  };
  return { ...client(mock, { fetch: fetchImpl, ...extra }), bodies };
}

const bytesOf = async (blob) => Buffer.from(await blob.arrayBuffer());

/** `images.upscale` with `image` = input: the one request's parts, and the bytes sent. */
async function upscaleWith(image) {
  const { c, key, bodies } = capturingClient();
  const job = await c.images.upscale({ image, model: "RealESRGAN_x4" });
  assert.ok(job instanceof Job);
  const reqs = mock.requests({ key });
  assert.equal(reqs.length, 1);
  const [r] = reqs;
  assert.equal(r.path, "/api/v2/images/upscales");
  assert.match(r.headers["content-type"], /^multipart\/form-data; boundary=/);
  assert.equal(r.parts.length, 2);
  assert.deepEqual(r.parts[1], { name: "model", filename: null, contentType: null, value: "RealESRGAN_x4" });
  const fd = bodies[0];
  assert.ok(fd instanceof FormData, "a multipart body is a FormData");
  return { part: r.parts[0], sent: await bytesOf(fd.get("image")) };
}

/** Asserts the image part as the mock logged it and that exactly the PNG's bytes were sent. */
async function assertPngUpload(input, filename, contentType = "image/png") {
  const { part, sent } = await upscaleWith(input);
  assert.deepEqual(part, { name: "image", filename, contentType, size: PNG.length });
  assert.ok(sent.equals(PNG), "the bytes sent are the PNG's bytes");
}

describe("images.upscale: each input type for one file field", () => {
  it("images.upscale with a File: the File's name and type", async () => {
    await assertPngUpload(new File([PNG], "my-fox.png", { type: "image/png" }), "my-fox.png");
  });

  it("images.upscale with a Blob that has a type: image.png from the field and the type", async () => {
    await assertPngUpload(new Blob([PNG], { type: "image/png" }), "image.png");
  });

  it("images.upscale with a Blob that has a type the bytes contradict: the Blob's type wins", async () => {
    await assertPngUpload(new Blob([PNG], { type: "image/webp" }), "image.webp", "image/webp");
  });

  it("images.upscale with a Blob without a type: sniffed like raw bytes, image.png, image/png", async () => {
    await assertPngUpload(new Blob([PNG]), "image.png");
  });

  it("images.upscale with a File without a type: the File's name, the sniffed type", async () => {
    await assertPngUpload(new File([PNG], "untyped.png"), "untyped.png");
  });

  it("images.upscale with a Uint8Array: sniffed image/png, image.png", async () => {
    await assertPngUpload(new Uint8Array(PNG), "image.png");
  });

  it("images.upscale with an ArrayBuffer: sniffed image/png, image.png", async () => {
    const ab = PNG.buffer.slice(PNG.byteOffset, PNG.byteOffset + PNG.length);
    assert.ok(ab instanceof ArrayBuffer && ab.byteLength === PNG.length);
    await assertPngUpload(ab, "image.png");
  });

  it("images.upscale with a Node Buffer: sniffed image/png, image.png", async () => {
    assert.ok(Buffer.isBuffer(PNG));
    await assertPngUpload(PNG, "image.png");
  });

  it("images.upscale with a Buffer that is a slice of a larger pooled ArrayBuffer: only the slice's bytes are sent", async () => {
    const pooled = Buffer.from(PNG); // small Buffers are carved out of Node's shared pool
    assert.ok(pooled.buffer.byteLength > pooled.length, "the Buffer sits inside a larger ArrayBuffer");
    await assertPngUpload(pooled, "image.png");
    // and one at a known offset, with junk around it that must not be sent or sniffed
    const big = new ArrayBuffer(PNG.length + 300);
    new Uint8Array(big).fill(0xee);
    const slice = Buffer.from(big, 137, PNG.length);
    PNG.copy(slice);
    assert.equal(slice.byteOffset, 137);
    await assertPngUpload(slice, "image.png");
  });

  it("images.upscale with a Uint8Array view at an offset: only the view's bytes are sent", async () => {
    const big = new Uint8Array(PNG.length + 64).fill(0x42);
    big.set(PNG, 31);
    await assertPngUpload(big.subarray(31, 31 + PNG.length), "image.png");
  });

  it("images.upscale with { data, filename, type }: the given filename and type", async () => {
    await assertPngUpload({ data: PNG, filename: "given.png", type: "image/png" }, "given.png");
  });

  it("images.upscale with { data, filename }: the given filename, the sniffed type", async () => {
    await assertPngUpload({ data: new Uint8Array(PNG), filename: "scan-01.png" }, "scan-01.png");
  });

  it("images.upscale with { data, type }: a name made from the field and the given type", async () => {
    await assertPngUpload({ data: PNG, type: "image/png" }, "image.png");
  });

  it("images.upscale with { data: File, filename }: the wrapper's filename beats the File's name", async () => {
    await assertPngUpload({ data: new File([PNG], "inner.png", { type: "image/png" }), filename: "outer.png" }, "outer.png");
  });

  it("images.upscale with JPEG-magic bytes: image.jpg, image/jpeg", async () => {
    const { part, sent } = await upscaleWith(JPEG);
    assert.deepEqual(part, { name: "image", filename: "image.jpg", contentType: "image/jpeg", size: JPEG.length });
    assert.ok(sent.equals(Buffer.from(JPEG)));
  });

  it("images.upscale with unknown bytes: application/octet-stream, image.bin", async () => {
    const { part, sent } = await upscaleWith(UNKNOWN);
    assert.deepEqual(part, { name: "image", filename: "image.bin", contentType: "application/octet-stream", size: UNKNOWN.length });
    assert.ok(sent.equals(Buffer.from(UNKNOWN)));
  });
});

describe("several files and price calls", () => {
  it("images.edit with several files in images[] keeps their order", async () => {
    const { c, key, bodies } = capturingClient();
    const big = solidPng(80, 80, [1, 2, 3]);
    const job = await c.images.edit({
      images: [new File([PNG], "first.png", { type: "image/png" }), JPEG, { data: big, filename: "third.png" }],
      prompt: "blend the three", model: "QwenImageEdit_Plus_NF4", steps: 10, seed: 1,
    });
    assert.ok(job instanceof Job);
    const [r] = mock.requests({ key });
    assert.equal(r.path, "/api/v2/images/edits");
    assert.deepEqual(r.parts.filter((p) => p.name === "images[]"), [
      { name: "images[]", filename: "first.png", contentType: "image/png", size: PNG.length },
      { name: "images[]", filename: "images.jpg", contentType: "image/jpeg", size: JPEG.length },
      { name: "images[]", filename: "third.png", contentType: "image/png", size: big.length },
    ]);
    assert.deepEqual(r.parts.map((p) => p.name), ["images[]", "images[]", "images[]", "prompt", "model", "steps", "seed"]);
    const sent = await Promise.all(bodies[0].getAll("images[]").map(bytesOf));
    assert.ok(sent[0].equals(PNG) && sent[1].equals(Buffer.from(JPEG)) && sent[2].equals(big));
    // the mock read them as an array of three files (max_input_images is 3 for this model)
    const input = mock.job(job.requestId).input;
    assert.deepEqual(input.images.map((f) => f.filename), ["first.png", "images.jpg", "third.png"]);
  });

  it("images.edit with more files than the model allows: 422 on images", async () => {
    const { c } = client(mock);
    const e = await rejection(c.images.edit({ images: [PNG, PNG, PNG, PNG], prompt: "too many", model: "QwenImageEdit_Plus_NF4", steps: 10, seed: 1 }));
    assert.deepEqual(e.fieldErrors, { images: ["The images field must not have more than 3 items."] });
  });

  it("images.upscalePrice with an image file is multipart", async () => {
    const { c, key } = client(mock);
    const out = await c.images.upscalePrice({ image: PNG, model: "RealESRGAN_x4" });
    assert.deepEqual(out, { price: 0.00209715 }); // no width/height: the mock prices 1024 × 1024 × 2e-9
    const [r] = mock.requests({ key });
    assert.equal(r.path, "/api/v2/images/upscales/price");
    assert.match(r.headers["content-type"], /^multipart\/form-data; boundary=/);
    assert.deepEqual(r.parts, [
      { name: "image", filename: "image.png", contentType: "image/png", size: PNG.length },
      { name: "model", filename: null, contentType: null, value: "RealESRGAN_x4" },
    ]);
  });

  it("images.upscalePrice without a file is JSON", async () => {
    const { c, key } = client(mock);
    await c.images.upscalePrice({ model: "RealESRGAN_x4", width: 256, height: 256 });
    const [r] = mock.requests({ key });
    assert.match(r.headers["content-type"], /^application\/json/);
    assert.deepEqual(JSON.parse(r.body), { model: "RealESRGAN_x4", width: 256, height: 256 });
  });
});

describe("uploads and retries", () => {
  it("images.upscale retried after a 500 sends the whole file again", async () => {
    const { c, key } = client(mock);
    mock.addFaults({ key, responses: [{ status: 500 }, { status: 503 }] });
    const job = await c.images.upscale({ image: new Blob([PNG]), model: "RealESRGAN_x4" });
    assert.ok(job instanceof Job);
    const reqs = mock.requests({ key });
    assert.deepEqual(reqs.map((r) => r.status), [500, 503, 200]);
    for (const r of reqs) {
      assert.deepEqual(r.parts, [
        { name: "image", filename: "image.png", contentType: "image/png", size: PNG.length },
        { name: "model", filename: null, contentType: null, value: "RealESRGAN_x4" },
      ]);
    }
  });

  // A `Content-Type` in the client's `headers` option would replace the multipart one (the
  // boundary would be lost and the server would read no fields), so the option is refused.
  it("images.upscale: a Content-Type in the client's headers is refused, since the SDK sets it per request (JSON or multipart with its boundary)", () => {
    assert.throws(() => client(mock, { headers: { "Content-Type": "application/json" } }), (e) => {
      assert.ok(e instanceof InvalidOptionsError);
      assert.match(e.message, /`headers`.*Content-Type/);
      return true;
    });
  });
});

describe("params that cannot be sent", () => {
  it("images.upscale with a function in params rejects with InvalidOptionsError and sends nothing", async () => {
    const { c, key } = client(mock);
    const e = await rejection(c.images.upscale({ image: PNG, model: "RealESRGAN_x4", onDone: () => {} }));
    assert.ok(e instanceof InvalidOptionsError, String(e));
    assert.equal(e.code, "invalid_options");
    assert.match(e.message, /`params`/);
    assert.equal(mock.requests({ key }).length, 0);
  });

  it("images.upscalePrice with a function nested in params rejects too", async () => {
    const { c, key } = client(mock);
    const e = await rejection(c.images.upscalePrice({ image: PNG, model: "RealESRGAN_x4", extra: { f: () => 1 } }));
    assert.ok(e instanceof InvalidOptionsError, String(e));
    assert.equal(mock.requests({ key }).length, 0);
  });

  it("images.upscale with a symbol or a bigint in params rejects with InvalidOptionsError", async () => {
    const { c, key } = client(mock);
    for (const bad of [Symbol("x"), 10n]) {
      const e = await rejection(c.images.upscale({ image: PNG, model: "RealESRGAN_x4", scale: bad }));
      assert.ok(e instanceof InvalidOptionsError, String(e));
    }
    assert.equal(mock.requests({ key }).length, 0);
  });
});
