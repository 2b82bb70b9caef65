// Client-side validation: `deapi.validate(op, params)` and the `validate: true` option give the
// same ValidationError as the server's 422 — same fields, same messages, same order — before any
// request is made. The server here is the mock deAPI, whose rules are read from deAPI's published
// spec plus tests/spec/corrections.json (tests/mock/spec-rules.mjs), not from the SDK's core::api:
// each case compares the client with the spec.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { client, rejection, sdk, validImage, withMock } from "./helpers.mjs";
import { solidPng } from "../mock/png.mjs";

const { ValidationError, InvalidOptionsError } = sdk;

let mock;
before(async () => { mock = await withMock(); });
after(() => mock.close());

const PNG = solidPng(64, 64, [9, 9, 9]);

// Invalid params; the mock answers from the spec, the client must say the same.
const CASES = [
  ["images.generate", { prompt: "a fox", model: "Flux1schnell", width: 100, height: 5000, guidance: 3.5, seed: 1 }],
  ["images.generate", { model: "Flux1schnell", width: 512.5, height: "tall", guidance: "x", steps: 4, seed: 1, enhance_prompt: "yes" }],
  ["images.generate", { prompt: "a fox", model: "NoSuchModel", width: 512, height: 512, guidance: 1, steps: 4, seed: 1 }],
  ["images.generate", { prompt: "a fox", model: "RealESRGAN_x4", width: 512, height: 512, guidance: 1, steps: 4, seed: 1 }],
  ["images.generate", { prompt: "a", model: "Flux1schnell", width: 512, height: 512, guidance: 1, steps: 40, seed: 1, loras: [{ weight: -1 }] }],
  ["images.generate", { prompt: "a", model: "Flux1schnell", width: 512, height: 512, guidance: 1, steps: 4, seed: 1, webhook_url: "http://x.test/h", webhook_secret: "short" }],
  ["images.generatePrice", { prompt: "a fox", model: "Flux1schnell", width: 4096, height: 512, guidance: 20, steps: 0, seed: 1 }],
  ["images.upscale", { image: "not a file", model: "Flux1schnell" }],
  ["images.upscale", {}],
  ["images.edit", { prompt: "x", model: "QwenImageEdit_Plus_NF4", steps: 4, seed: 1 }],
  ["audio.speech", { text: "hi", model: "Kokoro", lang: "en-us", speed: 1, format: "ogg", sample_rate: 24000 }],
  ["audio.music", { caption: "calm", model: "AceStep_1_5_Turbo", lyrics: "[Instrumental]", duration: 30, inference_steps: 8, guidance_scale: 1, seed: -1, format: "mp3", timesignature: "4/4" }],
  ["audio.transcribe", { source_url: "https://youtube.com/watch?v=x", include_ts: true, model: "WhisperLargeV3", ts_level: "word" }],
  ["embeddings.create", { input: 42, model: "Bge_M3_FP16" }],
  ["videos.generate", { prompt: "a fox", model: "Ltxv_13B_0_9_8_Distilled_FP8", width: 512, height: 512, guidance: 1, steps: 1, seed: 1 }],
  ["prompts.enhance", { prompt: "ab", type: "images.edits", model_slug: "Flux1schnell" }],
  ["images.edit", { image: PNG, images: [PNG], prompt: "x", model: "QwenImageEdit_Plus_NF4", steps: 4, seed: 1 }],
  ["audio.speech", { text: "hi", model: "Kokoro", lang: "en-us", speed: 1, format: "mp3", sample_rate: 24000, mode: "voice_design" }],
  ["audio.music", { caption: "calm", model: "AceStep_1_5_Turbo", lyrics: "[Instrumental]", duration: 30, inference_steps: 8, guidance_scale: 1, seed: -1, format: "mp3", timesignature: 5 }],
  ["audio.transcribe", { source_url: "https://youtube.com/watch?v=x", source_file: PNG, include_ts: true, model: "WhisperLargeV3", lang: "a-very-long-language-tag" }],
  ["videos.replacePrice", { model: "Wan2_2_Animate_14B_INT8", duration: 3, width: 512 }],
  ["embeddings.create", { input: ["a", 5, ""], model: "Bge_M3_FP16" }],
  // bounds, lists and branches as the spec states them
  ["videos.upscale", { video: PNG, model: "NoSuchModel", scale: 17 }],
  ["videos.generatePrice", { model: "NoSuchModel", width: 512, height: 512, frames: 0, steps: 0, fps: 0 }],
  ["images.ocr", { image: PNG, model: "NoSuchModel", format: "markdown" }],
  ["images.ocrPrice", {}],
  ["audio.transcribePrice", { include_ts: true, model: "WhisperLargeV3" }],
  ["prompts.enhance", { prompt: "a fox", negative_prompt: "ab", type: "poems", model_slug: "Flux1schnell" }],
  ["images.generate", { prompt: "a", model: "Flux1schnell", width: 512, height: 512, guidance: 1, steps: 4, seed: 1, webhook_url: `https://x.test/${"h".repeat(2048)}`, webhook_secret: "s".repeat(256) }],
];

const method = (c, name) => {
  const [ns, m] = name.split(".");
  return (params) => c[ns][m](params);
};

describe("deapi.validate gives the server's 422, without a request", () => {
  for (const [op, params] of CASES) {
    it(`${op}: ${Object.keys(params).join(",") || "{}"}`, async () => {
      const { c, key } = client(mock);
      const server = await rejection(method(c, op)(params));
      assert.ok(server instanceof ValidationError, String(server));
      const before = mock.requests({ key }).length;
      const local = await rejection(c.validate(op, params));
      assert.ok(local instanceof ValidationError);
      assert.equal(local.status, undefined);
      assert.equal(local.attempts, 0);
      assert.deepEqual(local.errors, server.errors);
      assert.deepEqual(local.fieldErrors, server.fieldErrors);
      assert.equal(local.message, server.message);
      const sent = mock.requests({ key }).slice(before).map((r) => r.path);
      assert.ok(sent.every((p) => p.endsWith("/models")), `only the model catalogue may be fetched, got ${sent}`);
    });
  }

  it("valid params resolve", async () => {
    const { c } = client(mock);
    assert.equal(await c.validate("images.generate", validImage()), undefined);
    assert.equal(await c.validate("images.upscale", { image: PNG, model: "RealESRGAN_x4" }), undefined);
    assert.equal(await c.validate("images.upscalePrice", { width: 512, height: 512, model: "RealESRGAN_x4" }), undefined);
  });

  it("the model catalogue is fetched once per client, all pages", async () => {
    const { c, key } = client(mock);
    await c.validate("images.generate", validImage());
    await c.validate("images.generate", validImage({ width: 100 })).catch(() => {});
    await c.validate("images.generatePrice", validImage());
    assert.equal(mock.requests({ key, path: "/models" }).length, 2, "two pages, once");
  });

  it("a model object given in options is used instead of the catalogue", async () => {
    const { c, key } = client(mock);
    const [flux] = (await c.models.all({ inference_types: ["txt2img"] })).filter((m) => m.slug === "Flux1schnell");
    const before = mock.requests({ key }).length;
    const e = await rejection(c.validate("images.generate", validImage({ steps: 99 }), { model: flux }));
    assert.deepEqual(e.fieldErrors, { steps: [`The steps field must not be greater than ${flux.info.limits.max_steps}.`] });
    assert.equal(mock.requests({ key }).length, before, "no request");
  });

  it("bad arguments are InvalidOptionsError", async () => {
    const { c } = client(mock);
    assert.ok((await rejection(c.validate("images.nope", {}))) instanceof InvalidOptionsError);
    assert.ok((await rejection(c.validate("images.generate", {}, { model: "Flux1schnell" }))) instanceof InvalidOptionsError);
  });
});

describe("validate: true checks every submit and price call before sending", () => {
  it("an invalid submit rejects without reaching the API; a valid one goes through", async () => {
    const { c, key } = client(mock, { validate: true });
    const e = await rejection(c.images.generate(validImage({ width: 100 })));
    assert.ok(e instanceof ValidationError);
    assert.equal(e.status, undefined);
    assert.deepEqual(e.fieldErrors, { width: ["The width field must be at least 256.", "The width field must be a multiple of 16."] });
    assert.equal(mock.requests({ key, path: "/images/generations" }).length, 0);
    const p = await rejection(c.images.generatePrice(validImage({ steps: 0 })));
    assert.ok(p instanceof ValidationError);
    const job = await c.images.generate(validImage());
    assert.match(job.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(mock.requests({ key, path: "/images/generations" }).length, 1);
  });

  it("when the catalogue cannot be fetched, model checks are skipped and the server decides", async () => {
    const { c, key } = client(mock, { validate: true, maxRetries: 0 });
    mock.addFaults({ key, path: "/models", responses: [{ status: 500 }] });
    const e = await rejection(c.images.generate(validImage({ model: "NoSuchModel" })));
    assert.ok(e instanceof ValidationError);
    assert.equal(e.status, 422, "the server's answer");
    // required fields are still checked locally
    const local = await rejection(c.images.generate({ prompt: "x" }));
    assert.equal(local.status, undefined);
  });
});
