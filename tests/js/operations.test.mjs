// Every deAPI operation (src/api.rs: 16 rows, each with its `…Price` companion) against the mock
// deAPI, on API v2 and v1: the request the mock saw (method, path, headers, JSON or multipart body),
// the Job and its result, the price, and the 422 of a missing required field. Plus v1's
// transcription routing by field and the utility methods. Every test name contains the SDK method
// it exercises (`images.edit`, `images.editPrice`, …): tests/spec/coverage.mjs greps for them.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { client, rejection, sdk, validImage, withMock } from "./helpers.mjs";
import { parsePng, solidPng } from "../mock/png.mjs";

const { Job, DeapiError, ValidationError, InvalidOptionsError } = sdk;

let mock;
before(async () => { mock = await withMock(); });
after(() => mock.close());

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ascii = (s) => [...s].map((ch) => ch.charCodeAt(0));

// ── small real files ──
const PNG = solidPng(64, 48, [200, 60, 20]); // a Buffer
const PNG_FILE = new File([PNG], "fox.png", { type: "image/png" });
// MP3: an ID3v2 header, then one MPEG-1 Layer III frame header (0xFFFB).
const MP3 = Uint8Array.from([...ascii("ID3"), 4, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90, 0x64, ...new Array(64).fill(0)]);
// MP4: an ISO-BMFF `ftyp` box (brand mp42), then an empty `mdat` box.
const MP4 = Uint8Array.from([0, 0, 0, 0x18, ...ascii("ftypmp42"), 0, 0, 0, 0, ...ascii("mp42isom"), 0, 0, 0, 8, ...ascii("mdat")]);
const MP4_FILE = new File([MP4], "talk.mp4", { type: "video/mp4" });

// ── expected multipart parts, as the mock logs them ──
const T = (name, value) => ({ name, filename: null, contentType: null, value });
const F = (name, filename, contentType, size) => ({ name, filename, contentType, size });

/**
 * One row per operation. `body` / `priceBody`: "json", or the multipart parts in order.
 * `required`: the submit rule's required fields in server order, the spec's property order (what `{}` gets back).
 * `missing`: what removing the first required field gives (default: that field, "is required").
 */
const ROWS = [
  {
    op: "images.generate", v2: "images/generations", v1: "txt2img", result: "image",
    submit: { prompt: "a red fox in the snow", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: -1,
      loras: [{ name: "flux_realism", weight: 0.75 }], enhance_prompt: false },
    body: "json",
    price: { prompt: "a red fox in the snow", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: -1 },
    priceBody: "json", priceValue: 0.00104858, // 512 × 512 × 4 × 1e-9
    required: ["prompt", "model", "width", "height", "guidance", "steps", "seed"],
  },
  {
    op: "images.edit", v2: "images/edits", v1: "img2img", result: "image",
    submit: { images: [PNG_FILE, PNG], prompt: "the same fox, at night", model: "QwenImageEdit_Plus_NF4", steps: 20, seed: 42,
      guidance: 4.5, loras: [{ name: "detail_boost", weight: 0.5 }], enhance_prompt: false },
    body: [
      F("images[]", "fox.png", "image/png", PNG.length), F("images[]", "images.png", "image/png", PNG.length),
      T("prompt", "the same fox, at night"), T("model", "QwenImageEdit_Plus_NF4"), T("steps", "20"), T("seed", "42"),
      T("guidance", "4.5"), T("loras[0][name]", "detail_boost"), T("loras[0][weight]", "0.5"), T("enhance_prompt", "0"),
    ],
    price: { prompt: "the same fox, at night", model: "QwenImageEdit_Plus_NF4", steps: 20, seed: 42, guidance: 4.5 },
    priceBody: "json", priceValue: 0.02097152, // 1024 × 1024 × 20 × 1e-9
    required: ["image", "prompt", "model", "steps", "seed"],
    missing: { remove: "images", field: "image", message: "The image field is required when images is not present." },
  },
  {
    op: "images.upscale", v2: "images/upscales", v1: "img-upscale", result: "image",
    submit: { image: PNG_FILE, model: "RealESRGAN_x4" },
    body: [F("image", "fox.png", "image/png", PNG.length), T("model", "RealESRGAN_x4")],
    price: { model: "RealESRGAN_x4", width: 512, height: 512 },
    priceBody: "json", priceValue: 0.00052429, // 512 × 512 × 2e-9
    required: ["image", "model"],
  },
  {
    op: "images.removeBackground", v2: "images/background-removals", v1: "img-rmbg", result: "image",
    submit: { image: PNG, model: "Ben2" },
    body: [F("image", "image.png", "image/png", PNG.length), T("model", "Ben2")],
    price: { image: new Uint8Array(PNG), model: "Ben2" },
    priceBody: [F("image", "image.png", "image/png", PNG.length), T("model", "Ben2")], priceValue: 0.00104858,
    required: ["image", "model"],
  },
  {
    op: "images.ocr", v2: "images/ocr", v1: "img2txt", result: "text",
    submit: { image: PNG_FILE, model: "Nanonets_Ocr_S_F16", language: "en", format: "text", return_result_in_response: true },
    body: [F("image", "fox.png", "image/png", PNG.length), T("model", "Nanonets_Ocr_S_F16"), T("language", "en"), T("format", "text"),
      T("return_result_in_response", "1")],
    price: { model: "Nanonets_Ocr_S_F16", width: 640, height: 480, format: "json" },
    priceBody: "json", priceValue: 0.002,
    required: ["image", "model"],
  },
  {
    op: "videos.generate", v2: "videos/generations", v1: "txt2video", result: "video",
    submit: { prompt: "a fox running through snow", model: "Ltxv_13B_0_9_8_Distilled_FP8", width: 768, height: 512, guidance: 3,
      steps: 1, frames: 97, fps: 30, seed: -1, negative_prompt: "blurry", enhance_prompt: false },
    body: "json",
    price: { model: "Ltxv_13B_0_9_8_Distilled_FP8", width: 768, height: 512, frames: 97, steps: 1, fps: 30 },
    priceBody: "json", priceValue: 0.0038142, // 768 × 512 × 97 × 1 × 1e-10
    required: ["prompt", "width", "height", "guidance", "steps", "frames", "fps", "seed", "model"],
  },
  {
    op: "videos.animate", v2: "videos/animations", v1: "img2video", result: "video",
    submit: { prompt: "the fox turns its head", model: "Ltx2_3_22B_Dist_INT8", first_frame_image: PNG, last_frame_image: PNG_FILE,
      width: 1024, height: 576, guidance: 1, steps: 8, frames: 121, fps: 24, seed: 7 },
    body: [
      T("prompt", "the fox turns its head"), T("model", "Ltx2_3_22B_Dist_INT8"),
      F("first_frame_image", "first_frame_image.png", "image/png", PNG.length), F("last_frame_image", "fox.png", "image/png", PNG.length),
      T("width", "1024"), T("height", "576"), T("guidance", "1"), T("steps", "8"), T("frames", "121"), T("fps", "24"), T("seed", "7"),
    ],
    price: { model: "Ltx2_3_22B_Dist_INT8", width: 1024, height: 576, frames: 121, steps: 8, fps: 24 },
    priceBody: "json", priceValue: 0.05709496, // 1024 × 576 × 121 × 8 × 1e-10
    required: ["prompt", "first_frame_image", "width", "height", "guidance", "steps", "frames", "fps", "seed", "model"],
  },
  {
    op: "videos.audioSync", v2: "videos/audio-syncs", v1: "aud2video", result: "video",
    submit: { prompt: "a singer on a small stage", audio: MP3, model: "Ltx2_3_22B_Dist_INT8", width: 1024, height: 576, seed: -1,
      frames: 121, fps: 24 },
    body: [
      T("prompt", "a singer on a small stage"), F("audio", "audio.mp3", "audio/mpeg", MP3.length), T("model", "Ltx2_3_22B_Dist_INT8"),
      T("width", "1024"), T("height", "576"), T("seed", "-1"), T("frames", "121"), T("fps", "24"),
    ],
    price: { model: "Ltx2_3_22B_Dist_INT8", width: 1024, height: 576, frames: 121, fps: 24 },
    priceBody: "json", priceValue: 0.00713687, // 1024 × 576 × 121 × 1e-10
    required: ["prompt", "audio", "width", "height", "frames", "fps", "seed", "model"],
  },
  {
    op: "videos.upscale", v2: "videos/upscales", v1: "vid-upscale", result: "video",
    submit: { video: { data: MP4, filename: "clip.mp4", type: "video/mp4" }, model: "FlashVSR_Tiny", scale: 2 },
    body: [F("video", "clip.mp4", "video/mp4", MP4.length), T("model", "FlashVSR_Tiny"), T("scale", "2")],
    price: { model: "RealESRGAN_Vid_x2", width: 1280, height: 720, duration: 8 },
    priceBody: "json", priceValue: 0.073728, // 1280 × 720 × 8 × 1e-8
    required: ["video", "model"],
  },
  {
    // deAPI has no live model for this operation (deapi-api.md §2.1, §2.3) and neither has the mock's
    // catalogue: the request is checked, and the answer is the 422 on `model` the live API gives.
    op: "videos.removeBackground", v2: "videos/background-removals", v1: "vid-rmbg", result: "video",
    submit: { video: MP4.buffer, model: "RMBG-1.4" },
    body: [F("video", "video.mp4", "video/mp4", MP4.length), T("model", "RMBG-1.4")],
    price: { video: MP4_FILE, model: "RMBG-1.4" },
    priceBody: [F("video", "talk.mp4", "video/mp4", MP4.length), T("model", "RMBG-1.4")],
    noModel: { model: ["The selected model does not exist."] },
    required: ["video", "model"],
  },
  {
    op: "videos.replace", v2: "videos/replacements", v1: "videos/replace", v1Price: "videos/replace/price", result: "video",
    submit: { video: MP4, ref_image: PNG_FILE, model: "Wan2_2_Animate_14B_INT8", prompt: "a robot dancing", width: 832, height: 480,
      steps: 4, seed: -1 },
    body: [
      F("video", "video.mp4", "video/mp4", MP4.length), F("ref_image", "fox.png", "image/png", PNG.length),
      T("model", "Wan2_2_Animate_14B_INT8"), T("prompt", "a robot dancing"), T("width", "832"), T("height", "480"), T("steps", "4"),
      T("seed", "-1"),
    ],
    price: { model: "Wan2_2_Animate_14B_INT8", duration: 6, width: 832, height: 480 },
    priceBody: "json", priceValue: 0.024, // 6 s × 0.004
    required: ["video", "ref_image", "model"],
  },
  {
    op: "audio.speech", v2: "audio/speech", v1: "txt2audio", result: "audio",
    submit: { text: "Hello from the fox.", model: "Kokoro", lang: "en-us", speed: 1.25, format: "mp3", sample_rate: 24000,
      mode: "custom_voice", voice: "af_sky" },
    body: "json",
    price: { model: "Kokoro", lang: "en-us", speed: 1.25, format: "mp3", sample_rate: 24000, count_text: 120 },
    priceBody: "json", priceValue: 0.00007392, // 120 chars × 7.7e-7 / 1.25
    required: ["text", "model", "lang", "speed", "format", "sample_rate"],
  },
  {
    op: "audio.music", v2: "audio/music", v1: "txt2music", result: "audio",
    submit: { caption: "upbeat synthwave with a driving bassline", model: "AceStep_1_5_Turbo", lyrics: "[Instrumental]", duration: 30,
      inference_steps: 8, guidance_scale: 1, seed: -1, format: "mp3", bpm: 120, timesignature: 4,
      reference_audio: { data: MP3, filename: "ref.mp3" } },
    body: [
      T("caption", "upbeat synthwave with a driving bassline"), T("model", "AceStep_1_5_Turbo"), T("lyrics", "[Instrumental]"),
      T("duration", "30"), T("inference_steps", "8"), T("guidance_scale", "1"), T("seed", "-1"), T("format", "mp3"), T("bpm", "120"),
      T("timesignature", "4"), F("reference_audio", "ref.mp3", "audio/mpeg", MP3.length),
    ],
    price: { model: "AceStep_1_5_Turbo", duration: 30, inference_steps: 8 },
    priceBody: "json", priceValue: 0.015, // 30 s × 5e-4
    required: ["caption", "model", "lyrics", "duration", "inference_steps", "guidance_scale", "seed", "format"],
  },
  {
    op: "audio.transcribe", v2: "audio/transcriptions", v1: "transcribe", result: "text",
    submit: { source_file: MP4_FILE, include_ts: true, model: "WhisperLargeV3", return_result_in_response: true, ts_level: "segment" },
    body: [F("source_file", "talk.mp4", "video/mp4", MP4.length), T("include_ts", "1"), T("model", "WhisperLargeV3"),
      T("return_result_in_response", "1"), T("ts_level", "segment")],
    price: { duration_seconds: 90, include_ts: false, model: "WhisperLargeV3" },
    priceBody: "json", priceValue: 0.009, // 90 s × 1e-4
    required: ["source_url", "include_ts", "model"],
    missing: { remove: "source_file", field: "source_url", message: "The source url field is required when source file is not present." },
  },
  {
    op: "embeddings.create", v2: "embeddings", v1: "txt2embedding", result: "embedding",
    submit: { input: "the quick brown fox", model: "Bge_M3_FP16", return_result_in_response: true },
    body: "json",
    price: { input: "the quick brown fox", model: "Bge_M3_FP16" },
    priceBody: "json", priceValue: 0.0000021, // JSON length 21 × 1e-7
    required: ["input", "model"],
  },
  {
    // v2 only (no v1 path: both versions use the v2 one), synchronous, always multipart.
    op: "prompts.enhance", v2: "prompts/enhancements", v1: null, sync: true,
    submit: { prompt: "a fox in the snow", type: "images.generations", model_slug: "Flux1schnell", negative_prompt: "blurry" },
    body: [T("prompt", "a fox in the snow"), T("type", "images.generations"), T("model_slug", "Flux1schnell"), T("negative_prompt", "blurry")],
    enhanced: { prompt: "a fox in the snow, highly detailed, soft cinematic lighting", negative_prompt: "blurry, blurry, low quality" },
    price: { prompt: "a fox in the snow", type: "images.generations", model_slug: "Flux1schnell" },
    priceBody: [T("prompt", "a fox in the snow"), T("type", "images.generations"), T("model_slug", "Flux1schnell")],
    priceValue: 0.000017, // 17 chars × 1e-6
    required: ["prompt", "type", "model_slug"],
  },
];

// ── helpers ──
const method = (c, name) => {
  const [ns, m] = name.split(".");
  const f = c[ns]?.[m];
  assert.equal(typeof f, "function", `the client has no ${name}`);
  return f;
};
const paths = (row, version) => {
  const v2 = [`/api/v2/${row.v2}`, `/api/v2/${row.v2}/price`];
  if (version === "v2" || !row.v1) return v2;
  return [`/api/v1/client/${row.v1}`, `/api/v1/client/${row.v1Price ?? `${row.v1}/price-calculation`}`];
};
const withoutNulls = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
const attr = (f) => f.replace(/_/g, " ");
/** Paths of every null anywhere in a parsed JSON value. */
function nulls(v, at = "$") {
  if (v === null) return [at];
  if (typeof v !== "object") return [];
  return Object.entries(v).flatMap(([k, x]) => nulls(x, `${at}.${k}`));
}
const flat = (errors) => Object.entries(errors).flatMap(([field, msgs]) => msgs.map((message) => ({ field, message })));

/** The one request the mock saw for `key`: POST `path` with the SDK's headers and the expected body. */
function assertOneRequest(key, path, expectedBody, params) {
  const reqs = mock.requests({ key });
  assert.equal(reqs.length, 1, `exactly one request, saw ${reqs.map((r) => r.path).join(", ")}`);
  const [r] = reqs;
  assert.equal(r.method, "POST");
  assert.equal(r.path, path);
  assert.equal(r.headers.accept, "application/json");
  assert.equal(r.headers.authorization, `Bearer ${key}`);
  if (expectedBody === "json") {
    assert.match(r.headers["content-type"], /^application\/json\b/);
    assert.equal(r.parts, undefined);
    const body = JSON.parse(r.body);
    // deepEqual is strict: numbers stay numbers, booleans booleans; null fields are left out
    assert.deepEqual(body, withoutNulls(params));
    assert.deepEqual(nulls(body), [], "no null anywhere in the JSON body");
  } else {
    assert.match(r.headers["content-type"], /^multipart\/form-data; boundary=\S+$/);
    assert.deepEqual(r.parts, expectedBody);
    for (const p of r.parts) {
      assert.ok(!["true", "false", "null", "undefined", "[object Object]"].includes(p.value), `${p.name} = ${p.value}`);
    }
  }
  return r;
}

async function fetchBytes(url) {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return { type: res.headers.get("content-type"), bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The `done` status carries the operation's kind of result. */
async function assertResult(kind, done, requestId, version) {
  assert.equal(done.status, "done");
  assert.equal(done.request_id, requestId);
  assert.equal(done.progress, 100);
  switch (kind) {
    case "image": {
      assert.match(done.result_url, new RegExp(`/results/${requestId}\\.png$`));
      const { type, bytes } = await fetchBytes(done.result_url);
      assert.equal(type, "image/png");
      const png = parsePng(bytes); // throws on a broken PNG
      assert.ok(png.width > 0 && png.height > 0);
      if (version === "v2") assert.match(done.results_alt_formats.webp, /\.webp$/);
      break;
    }
    case "audio": {
      assert.match(done.result_url, new RegExp(`/results/${requestId}\\.mp3$`));
      const { type, bytes } = await fetchBytes(done.result_url);
      assert.equal(type, "audio/mpeg");
      assert.equal(bytes.subarray(0, 3).toString("latin1"), "ID3");
      break;
    }
    case "video": {
      assert.match(done.result_url, new RegExp(`/results/${requestId}\\.mp4$`));
      const { type, bytes } = await fetchBytes(done.result_url);
      assert.equal(type, "video/mp4");
      assert.equal(bytes.subarray(4, 8).toString("latin1"), "ftyp");
      break;
    }
    case "text":
      // return_result_in_response: true → the text is in `result`
      assert.equal(typeof done.result, "string");
      assert.ok(done.result.includes(requestId), done.result);
      break;
    case "embedding":
      // the mock answers one vector per request: result = [[numbers…]]
      assert.ok(Array.isArray(done.result) && done.result.length === 1, JSON.stringify(done.result));
      for (const vec of done.result) {
        assert.ok(Array.isArray(vec) && vec.length > 0);
        for (const x of vec) assert.ok(typeof x === "number" && Number.isFinite(x), String(x));
      }
      break;
    default:
      assert.fail(`unknown result kind ${kind}`);
  }
}

// ── the table, on both versions ──
for (const version of ["v2", "v1"]) {
  describe(`every operation on apiVersion ${version}`, () => {
    for (const row of ROWS) {
      const [submitPath, pricePath] = paths(row, version);
      const kindOf = (b) => (b === "json" ? "JSON" : "multipart");
      const what = row.sync ? "{ prompt, negative_prompt } at once" : row.noModel ? "the 422 of a model-less operation" : `a Job with ${row.result === "image" ? "an" : "a"} ${row.result} result`;

      it(`${row.op} [${version}]: POST ${submitPath} (${kindOf(row.body)}) → ${what}`, async () => {
        const { c, key } = client(mock, { apiVersion: version });
        const params = { ...row.submit, webhook_url: null }; // a null field is left out of the request
        const call = method(c, row.op)(params);
        if (row.noModel) {
          const e = await rejection(call);
          assertOneRequest(key, submitPath, row.body, params);
          assert.ok(e instanceof ValidationError, String(e));
          assert.deepEqual(e.fieldErrors, row.noModel);
          return;
        }
        const out = await call;
        assertOneRequest(key, submitPath, row.body, params);
        if (row.sync) {
          assert.ok(!(out instanceof Job), "a synchronous operation gives its result, not a Job");
          assert.deepEqual(out, row.enhanced);
          return;
        }
        assert.ok(out instanceof Job, `expected a Job, got ${JSON.stringify(out)}`);
        assert.match(out.requestId, UUID_V4);
        assert.deepEqual(JSON.parse(JSON.stringify(out)), { requestId: out.requestId });
        const done = await out.wait({ pollIntervalMs: 1 });
        await assertResult(row.result, done, out.requestId, version);
        const polls = mock.requests({ key }).slice(1);
        const statusPath = version === "v2" ? `/api/v2/jobs/${out.requestId}` : `/api/v1/client/request-status/${out.requestId}`;
        assert.ok(polls.length >= 3 && polls.every((r) => r.method === "GET" && r.path === statusPath), polls.map((r) => r.path).join());
      });

      it(`${row.op}Price [${version}]: POST ${pricePath} (${kindOf(row.priceBody)}) → { price }`, async () => {
        const { c, key } = client(mock, { apiVersion: version });
        const call = method(c, `${row.op}Price`)(row.price);
        if (row.noModel) {
          const e = await rejection(call);
          assertOneRequest(key, pricePath, row.priceBody, row.price);
          assert.ok(e instanceof ValidationError);
          assert.deepEqual(e.fieldErrors, row.noModel);
          return;
        }
        const out = await call;
        assertOneRequest(key, pricePath, row.priceBody, row.price);
        assert.deepEqual(out, { price: row.priceValue });
      });

      const miss = row.missing ?? { remove: row.required[0], field: row.required[0], message: `The ${attr(row.required[0])} field is required.` };
      it(`${row.op} [${version}]: without \`${miss.remove}\` rejects with a ValidationError on \`${miss.field}\``, async () => {
        const { c, key } = client(mock, { apiVersion: version });
        const params = { ...row.submit };
        assert.ok(miss.remove in params);
        delete params[miss.remove];
        const e = await rejection(method(c, row.op)(params));
        assert.ok(e instanceof ValidationError && e instanceof DeapiError, String(e));
        assert.equal(e.status, 422);
        assert.equal(e.code, "validation");
        assert.deepEqual(e.fieldErrors[miss.field], [miss.message]);
        assert.deepEqual(e.errors[0], { field: miss.field, message: miss.message }, "the first required field comes first");
        assert.deepEqual(e.errors, flat(e.body.errors), "errors in server order");
        assert.deepEqual(e.fieldErrors, e.body.errors);
        if (!row.noModel) {
          assert.deepEqual(e.fieldErrors, { [miss.field]: [miss.message] });
          assert.equal(e.message, miss.message);
        }
        assert.equal(mock.requests({ key }).length, 1, "a 422 is never retried");
        assert.equal(mock.requests({ key })[0].path, submitPath);
      });

      it(`${row.op} [${version}]: with no params gets every required field, in server order`, async () => {
        const { c } = client(mock, { apiVersion: version });
        const e = await rejection(method(c, row.op)({}));
        assert.ok(e instanceof ValidationError, String(e));
        assert.deepEqual(Object.keys(e.fieldErrors), row.required);
        assert.deepEqual(e.errors.map((x) => x.field), row.required);
        assert.deepEqual(e.errors, flat(e.body.errors));
        const more = row.required.length - 1;
        assert.equal(e.message, `${e.errors[0].message}${more ? ` (and ${more} more error${more > 1 ? "s" : ""})` : ""}`);
      });
    }
  });
}

// ── prompts.enhance details ──
describe("prompts.enhance", () => {
  for (const version of ["v2", "v1"]) {
    it(`prompts.enhance [${version}]: without negative_prompt resolves { prompt, negative_prompt: null }, multipart, on the v2 path`, async () => {
      const { c, key } = client(mock, { apiVersion: version });
      const params = { prompt: "a lighthouse at dusk", type: "videos.generations", model_slug: "Ltxv_13B_0_9_8_Distilled_FP8" };
      const out = await c.prompts.enhance(params);
      assert.deepEqual(out, { prompt: "a lighthouse at dusk, highly detailed, soft cinematic lighting", negative_prompt: null });
      assertOneRequest(key, "/api/v2/prompts/enhancements", [
        T("prompt", "a lighthouse at dusk"), T("type", "videos.generations"), T("model_slug", "Ltxv_13B_0_9_8_Distilled_FP8"),
      ], params);
    });
  }

  it("prompts.enhance with type images.edits sends the image as a file part", async () => {
    const { c, key } = client(mock);
    const out = await c.prompts.enhance({ prompt: "make it winter", type: "images.edits", model_slug: "QwenImageEdit_Plus_NF4", image: PNG });
    assert.equal(out.prompt, "make it winter, highly detailed, soft cinematic lighting");
    const [r] = mock.requests({ key });
    assert.deepEqual(r.parts.at(-1), F("image", "image.png", "image/png", PNG.length));
  });

  it("prompts.enhance with type images.edits and no image: 422 on image", async () => {
    const { c } = client(mock);
    const e = await rejection(c.prompts.enhance({ prompt: "make it winter", type: "images.edits", model_slug: "QwenImageEdit_Plus_NF4" }));
    assert.ok(e instanceof ValidationError);
    assert.deepEqual(e.fieldErrors, { image: ["The image field is required when type is images.edits."] });
  });

  it("prompts.enhancePrice reads the top-level { price } of the booster", async () => {
    const { c, key } = client(mock);
    mock.addFaults({ key, path: "/prompts/enhancements/price", responses: [{ status: 200, body: { price: 0.00012345 } }] });
    assert.deepEqual(await c.prompts.enhancePrice({ prompt: "a fox in the snow", type: "images.generations", model_slug: "Flux1schnell" }),
      { price: 0.00012345 });
  });
});

// ── v1 transcription routing ──
describe("audio.transcribe on v1 routes by field", () => {
  const model = "WhisperLargeV3";
  const cases = [
    { field: "video_url", path: "vid2txt",
      submit: { video_url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", include_ts: true, model, return_result_in_response: true },
      body: "json", price: { video_url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", include_ts: true, model }, priceBody: "json" },
    { field: "audio_url", path: "aud2txt",
      submit: { audio_url: "https://x.com/i/spaces/1yoJMWvPaRvKQ", include_ts: false, model, return_result_in_response: true },
      body: "json", price: { audio_url: "https://x.com/i/spaces/1yoJMWvPaRvKQ", include_ts: false, model }, priceBody: "json" },
    { field: "audio", path: "audiofile2txt",
      submit: { audio: MP3, include_ts: true, model, return_result_in_response: true },
      body: [F("audio", "audio.mp3", "audio/mpeg", MP3.length), T("include_ts", "1"), T("model", model), T("return_result_in_response", "1")],
      price: { audio: MP3, include_ts: true, model },
      priceBody: [F("audio", "audio.mp3", "audio/mpeg", MP3.length), T("include_ts", "1"), T("model", model)] },
    { field: "video", path: "videofile2txt",
      submit: { video: MP4_FILE, include_ts: false, model, return_result_in_response: true },
      body: [F("video", "talk.mp4", "video/mp4", MP4.length), T("include_ts", "0"), T("model", model), T("return_result_in_response", "1")],
      price: { video: MP4_FILE, include_ts: false, model },
      priceBody: [F("video", "talk.mp4", "video/mp4", MP4.length), T("include_ts", "0"), T("model", model)] },
    { field: "source_url", path: "transcribe",
      submit: { source_url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", video_url: null, include_ts: true, model, return_result_in_response: true },
      body: "json", price: { source_url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", include_ts: true, model }, priceBody: "json" },
    { field: "source_file", path: "transcribe",
      submit: { source_file: MP3, include_ts: true, model, return_result_in_response: true },
      body: [F("source_file", "source_file.mp3", "audio/mpeg", MP3.length), T("include_ts", "1"), T("model", model), T("return_result_in_response", "1")],
      price: { source_file: MP3, include_ts: true, model },
      priceBody: [F("source_file", "source_file.mp3", "audio/mpeg", MP3.length), T("include_ts", "1"), T("model", model)] },
  ];
  for (const k of cases) {
    it(`audio.transcribe [v1]: {${k.field}} → POST /api/v1/client/${k.path}, a text result`, async () => {
      const { c, key } = client(mock, { apiVersion: "v1" });
      const job = await c.audio.transcribe(k.submit);
      assertOneRequest(key, `/api/v1/client/${k.path}`, k.body, k.submit);
      assert.ok(job instanceof Job);
      await assertResult("text", await job.wait({ pollIntervalMs: 1 }), job.requestId, "v1");
    });

    it(`audio.transcribePrice [v1]: {${k.field}} → POST /api/v1/client/${k.path}/price-calculation`, async () => {
      const { c, key } = client(mock, { apiVersion: "v1" });
      const out = await c.audio.transcribePrice(k.price);
      assertOneRequest(key, `/api/v1/client/${k.path}/price-calculation`, k.priceBody, k.price);
      assert.deepEqual(out, { price: 0.006 }); // the mock's default 60 s × 1e-4
    });

    it(`audio.transcribe [v2]: {${k.field}} still goes to the one v2 endpoint`, async () => {
      const { c, key } = client(mock);
      await c.audio.transcribe(k.submit).catch(() => {}); // v2 has no legacy fields: a 422 is fine here
      await c.audio.transcribePrice(k.price).catch(() => {});
      assert.deepEqual(mock.requests({ key }).map((r) => r.path), ["/api/v2/audio/transcriptions", "/api/v2/audio/transcriptions/price"]);
    });
  }
});

// ── utility methods (also covered in client.test.mjs) ──
describe("utility methods", () => {
  for (const version of ["v2", "v1"]) {
    const v1 = version === "v1";
    it(`jobs.get [${version}]: one poll of ${v1 ? "request-status/{id}" : "jobs/{id}"} moves the job on by one step`, async () => {
      const { c, key } = client(mock, { apiVersion: version });
      const job = await c.images.generate(validImage());
      const first = await c.jobs.get(job.requestId);
      const second = await c.jobs.get(job.requestId);
      assert.equal(first.request_id, job.requestId);
      assert.deepEqual([first.status, first.progress], ["pending", 0]);
      assert.deepEqual([second.status, second.progress], ["processing", 25]);
      const polls = mock.requests({ key, method: "GET" }).map((r) => r.path);
      const p = v1 ? `/api/v1/client/request-status/${job.requestId}` : `/api/v2/jobs/${job.requestId}`;
      assert.deepEqual(polls, [p, p]);
    });

    it(`jobs.wait [${version}]: resolves with the done status`, async () => {
      const { c } = client(mock, { apiVersion: version });
      const job = await c.audio.speech(ROWS.find((r) => r.op === "audio.speech").submit);
      const done = await c.jobs.wait(job.requestId, { pollIntervalMs: 1 });
      await assertResult("audio", done, job.requestId, version);
    });

    it(`models.list [${version}]: GET ${v1 ? "/api/v1/client" : "/api/v2"}/models?limit=50 with the inference type filter`, async () => {
      const { c, key } = client(mock, { apiVersion: version });
      const page = await c.models.list({ inference_types: ["vid-upscale"] });
      assert.deepEqual(page.data.map((m) => m.slug), ["RealESRGAN_Vid_x2", "FlashVSR_Tiny"]);
      assert.deepEqual([page.currentPage, page.lastPage], [1, 1]);
      const [r] = mock.requests({ key });
      assert.equal(r.path, v1 ? "/api/v1/client/models" : "/api/v2/models");
      assert.deepEqual(r.query, { limit: "50", page: "1", "filter[inference_types]": "vid-upscale" });
    });

    it(`models.all [${version}]: ${v1 ? "v1 hides WhisperLargeV3Ct2" : "lists WhisperLargeV3Ct2"} among the transcription models`, async () => {
      const { c } = client(mock, { apiVersion: version });
      const all = await c.models.all({ inference_types: ["video2text"] });
      assert.deepEqual(all.map((m) => m.slug), v1 ? ["WhisperLargeV3"] : ["WhisperLargeV3", "WhisperLargeV3Ct2"]);
    });

    it(`account.balance [${version}]: GET ${v1 ? "/api/v1/client/balance" : "/api/v2/account/balance"}`, async () => {
      const { c, key } = client(mock, { apiVersion: version });
      assert.deepEqual(await c.account.balance(), { balance: 19.72 });
      const reqs = mock.requests({ key });
      assert.deepEqual(reqs.map((r) => [r.method, r.path]), [["GET", v1 ? "/api/v1/client/balance" : "/api/v2/account/balance"]]);
      assert.equal(reqs[0].headers.authorization, `Bearer ${key}`);
    });
  }

  it("the client has exactly the 16 operations × 2 of the table, plus the utilities", () => {
    const { c } = client(mock);
    const names = [];
    for (const ns of ["images", "videos", "audio", "embeddings", "prompts"]) {
      for (const [m, f] of Object.entries(c[ns])) if (typeof f === "function") names.push(`${ns}.${m}`);
    }
    const expected = ROWS.flatMap((r) => [r.op, `${r.op}Price`]);
    assert.deepEqual(names.sort(), expected.sort());
    assert.equal(expected.length, 32);
    for (const n of ["jobs.get", "jobs.wait", "models.list", "models.all", "account.balance"]) {
      const [ns, m] = n.split(".");
      assert.equal(typeof c[ns][m], "function", n);
    }
  });

  it("images.generate with an array for params rejects with InvalidOptionsError and sends nothing", async () => {
    const { c, key } = client(mock);
    const e = await rejection(c.images.generate(["not", "an", "object"]));
    assert.ok(e instanceof InvalidOptionsError, String(e));
    assert.match(e.message, /params/);
    assert.equal(mock.requests({ key }).length, 0);
  });
});
