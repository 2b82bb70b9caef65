// The mock's model catalogue (GET /api/v{1,2}/models). Deliberately as messy as the real API
// (deapi-api.md §2.5): `inference_types` is a string array on some models and an object keyed by
// type on others; `info` is `[]` (an empty PHP array) on some; numeric limits are sometimes strings;
// feature flags are "0"/"1" strings on some models and booleans on others; `loras` is null or a list.
// v2 adds `tags` and `status`; v1 omits both (see server.mjs).

const voice = (name, slug, gender) => ({ name, slug, gender });

// Older models first, fillers in the middle, newest last (index ≥ 50), so a client that does not
// walk the pages (or sends no `limit`) misses the newest ones — like the live API.
const OLDER = [
  {
    name: 'FLUX.1 schnell', slug: 'Flux1schnell', inference_types: ['txt2img'], tags: [], status: 'standard_model',
    info: {
      limits: { min_width: 256, max_width: 2048, min_height: 256, max_height: 2048, resolution_step: 16,
        min_steps: 1, max_steps: 10, min_guidance: 0, max_guidance: 10 },
      features: { supports_guidance: '0', supports_steps: '1', supports_negative_prompt: '0', supports_custom_output_size: '1' },
      defaults: { width: 1024, height: 1024, steps: 4, guidance: 0, seed: -1 },
    },
    loras: [{ display_name: 'Realism', name: 'flux_realism' }, { display_name: 'Anime Lines', name: 'flux_anime_lines' }],
    languages: null,
  },
  {
    name: 'Z-Image Turbo INT8', slug: 'ZImageTurbo_INT8', inference_types: { txt2img: [] }, tags: ['new'], status: 'standard_model',
    info: {
      limits: { min_width: '256', max_width: '2048', min_height: '256', max_height: '2048', resolution_step: '16',
        min_steps: '1', max_steps: '10', min_guidance: '0', max_guidance: '5' },
      features: { supports_guidance: true, supports_steps: true, supports_negative_prompt: false },
      defaults: { width: '1024', height: '1024', steps: '8', guidance: '0' },
    },
    loras: null, languages: null,
  },
  {
    name: 'Qwen Image Edit Plus NF4', slug: 'QwenImageEdit_Plus_NF4', inference_types: ['img2img'], tags: [], status: 'standard_model',
    info: {
      limits: { min_width: 256, max_width: 2048, min_height: 256, max_height: 2048, min_steps: 1, max_steps: 50, max_input_images: 3 },
      features: { supports_guidance: '1', supports_negative_prompt: '1' },
      defaults: { steps: 40, guidance: 4, negative_prompt: '' },
    },
    loras: null, languages: null,
  },
  { name: 'Real-ESRGAN x4', slug: 'RealESRGAN_x4', inference_types: ['img-upscale'], tags: [], status: 'standard_model', info: [], loras: null, languages: null },
  { name: 'BEN2', slug: 'Ben2', inference_types: { 'img-rmbg': { output_format: 'png' } }, tags: [], status: 'standard_model', info: [], loras: null, languages: null },
  {
    name: 'Nanonets OCR S F16', slug: 'Nanonets_Ocr_S_F16', inference_types: ['img2txt'], tags: [], status: 'standard_model',
    info: { limits: { output_formats: ['text', 'json'] }, features: [], defaults: { format: 'text' } },
    loras: null, languages: null,
  },
  {
    name: 'Kokoro', slug: 'Kokoro', inference_types: ['txt2audio'], tags: [], status: 'standard_model',
    info: {
      limits: { min_speed: '0.5', max_speed: '2', min_text: 1, max_text: 5000, output_formats: ['mp3', 'wav', 'flac'] },
      features: { supports_voice_clone: '0', supports_voice_design: '0' },
      defaults: { lang: 'en-us', voice: 'af_sky', speed: 1, format: 'mp3', sample_rate: 24000 },
    },
    loras: null,
    languages: [
      { name: 'English (US)', slug: 'en-us', voices: [voice('Sky', 'af_sky', 'female'), voice('Bella', 'af_bella', 'female'), voice('Adam', 'am_adam', 'male')] },
      { name: 'English (UK)', slug: 'en-gb', voices: [voice('Emma', 'bf_emma', 'female'), voice('George', 'bm_george', 'male')] },
      { name: 'Spanish', slug: 'es', voices: [voice('Dora', 'ef_dora', 'female')] },
    ],
  },
  {
    name: 'LTX-Video 13B 0.9.8 Distilled FP8', slug: 'Ltxv_13B_0_9_8_Distilled_FP8', inference_types: { txt2video: [], img2video: [] }, tags: [], status: 'standard_model',
    info: {
      limits: { min_width: 256, max_width: 1280, min_height: 256, max_height: 1280, resolution_step: 32,
        min_steps: 1, max_steps: 1, min_frames: 30, max_frames: 120, min_fps: '30', max_fps: '30' },
      features: { supports_last_frame: false, supports_negative_prompt: true },
      defaults: { width: 768, height: 512, steps: 1, frames: 97, fps: 30, guidance: 1 },
    },
    loras: null, languages: null,
  },
  {
    name: 'Whisper Large V3', slug: 'WhisperLargeV3', inference_types: ['video2text', 'audio2text', 'video_file2text', 'audio_file2text'], tags: [], status: 'standard_model',
    info: { limits: { timestamp_levels: ['segment'] }, features: { supports_timestamps: true, supports_diarization: false }, defaults: [] },
    loras: null, languages: null,
  },
  {
    name: 'BGE M3 FP16', slug: 'Bge_M3_FP16', inference_types: ['txt2embedding'], tags: [], status: 'standard_model',
    info: { limits: { max_input_tokens: 8192, max_total_tokens: '300000' }, features: [], defaults: [] },
    loras: null, languages: null,
  },
  {
    name: 'Real-ESRGAN Video x2', slug: 'RealESRGAN_Vid_x2', inference_types: { 'vid-upscale': [] }, tags: [], status: 'standard_model',
    info: { limits: { max_video_duration_seconds: 60 }, features: { supports_scale: '0' }, defaults: [] },
    loras: null, languages: null,
  },
  {
    name: 'GPT Image 1', slug: 'GptImage1', inference_types: ['txt2img', 'img2img'], tags: ['experimental'], status: 'test_model',
    info: {
      limits: { min_width: 1024, max_width: 1536, min_height: 1024, max_height: 1536, available_ratios: ['1:1', '3:2', '2:3'] },
      features: { supports_steps: false, supports_guidance: false, supports_quality: true },
      defaults: { width: 1024, height: 1024, quality: 'auto' },
    },
    loras: null, languages: null,
  },
];

const NEWEST = [
  {
    name: 'FLUX.2 Klein 4B BF16', slug: 'Flux_2_Klein_4B_BF16', inference_types: { txt2img: [], img2img: [] }, tags: ['new'], status: 'standard_model',
    info: {
      limits: { min_width: 256, max_width: 2048, min_height: 256, max_height: 2048, resolution_step: 16,
        min_steps: 4, max_steps: 4, min_guidance: 0, max_guidance: 10, max_input_images: 4 },
      features: { supports_guidance: '1', supports_steps: '0', supports_negative_prompt: '0' },
      defaults: { width: 1024, height: 1024, steps: 4, guidance: 3.5 },
    },
    loras: null, languages: null,
  },
  {
    name: 'ACE-Step 1.5 Turbo', slug: 'AceStep_1_5_Turbo', inference_types: ['txt2music'], tags: ['new'], status: 'standard_model',
    info: {
      limits: { min_duration: 10, max_duration: 300, min_steps: 8, max_steps: 8, min_guidance: 1, max_guidance: 1, min_bpm: 50, max_bpm: 200, output_formats: ['mp3'] },
      features: { supports_reference_audio: '1' },
      defaults: { duration: 60, inference_steps: 8, guidance_scale: 1, format: 'mp3', seed: -1 },
    },
    loras: null, languages: null,
  },
  {
    name: 'LTX-2.3 22B Distilled INT8', slug: 'Ltx2_3_22B_Dist_INT8', inference_types: ['img2video', 'audio2video'], tags: ['new'], status: 'standard_model',
    info: {
      limits: { min_width: 256, max_width: 1920, min_height: 256, max_height: 1920, resolution_step: 32, min_frames: 49, max_frames: 241, min_fps: 24, max_fps: 24 },
      features: { supports_last_frame: '1', supports_negative_prompt: '1' },
      defaults: { width: 1024, height: 576, frames: 121, fps: 24, steps: 8, guidance: 1 },
    },
    loras: null, languages: null,
  },
  {
    name: 'Whisper Large V3 CT2', slug: 'WhisperLargeV3Ct2', inference_types: { video2text: [], audio2text: [], video_file2text: [], audio_file2text: [] }, tags: ['new'], status: 'standard_model',
    info: { limits: { timestamp_levels: ['segment', 'word'] }, features: { supports_timestamps: '1', supports_diarization: '1' }, defaults: { ts_level: 'segment' } },
    loras: null, languages: null,
  },
  {
    name: 'Wan 2.2 Animate 14B INT8', slug: 'Wan2_2_Animate_14B_INT8', inference_types: ['video-replace'], tags: ['beta'], status: 'standard_model',
    info: { limits: { max_video_duration_seconds: 8, min_steps: 1, max_steps: 8, resolution_step: 16 }, features: [], defaults: { steps: 4, seed: -1 } },
    loras: null, languages: null,
  },
  {
    name: 'FlashVSR Tiny', slug: 'FlashVSR_Tiny', inference_types: ['vid-upscale'], tags: ['new'], status: 'standard_model',
    info: { limits: { min_scale: 2, max_scale: 4, max_video_duration_seconds: '30' }, features: { supports_scale: true }, defaults: { scale: 2 } },
    loras: null, languages: null,
  },
];

// Filler models: deterministic, every kind of messiness by index.
const FILLER_TYPES = ['txt2img', 'img2img', 'txt2audio', 'txt2video', 'img-upscale', 'img2txt', 'txt2embedding', 'txt2music', 'img-rmbg'];
const FILLER_FAMILIES = ['Aurora', 'Basalt', 'Cobalt', 'Dune', 'Ember', 'Fjord', 'Granite', 'Harbor', 'Iris', 'Juniper', 'Krypton', 'Lumen', 'Meridian'];
const FILLER_COUNT = 60 - OLDER.length - NEWEST.length;

function filler(i) {
  const type = FILLER_TYPES[i % FILLER_TYPES.length];
  const family = FILLER_FAMILIES[i % FILLER_FAMILIES.length];
  const slug = `${family}_${type.replace(/[^a-z0-9]/gi, '')}_v${1 + Math.floor(i / FILLER_FAMILIES.length)}`;
  const str = i % 5 === 0; // numeric limits as strings
  const n = (v) => (str ? String(v) : v);
  const flag = (b) => (i % 2 ? b : b ? '1' : '0');
  const limits = ['txt2img', 'img2img', 'txt2video'].includes(type)
    ? { min_width: n(512), max_width: n(1536), min_height: n(512), max_height: n(1536), resolution_step: n(8), min_steps: n(1), max_steps: n(30 + i), min_guidance: n(0), max_guidance: n(20) }
    : {};
  return {
    name: `${family} ${type} v${1 + Math.floor(i / FILLER_FAMILIES.length)}`,
    slug,
    inference_types: i % 3 === 0 ? { [type]: i % 2 ? [] : { queue: 'default' } } : [type],
    tags: i % 7 === 0 ? ['beta'] : i % 11 === 0 ? ['test'] : [],
    status: 'standard_model',
    info: i % 4 === 0 ? [] : { limits, features: { supports_steps: flag(true), supports_guidance: flag(i % 3 !== 1) }, defaults: limits.min_width ? { width: n(1024), height: n(1024), steps: n(20) } : [] },
    loras: type === 'txt2img' && i % 2 === 0 ? [{ display_name: `${family} Style`, name: `${family.toLowerCase()}_style` }] : null,
    languages: type === 'txt2audio' ? [{ name: 'English (US)', slug: 'en-us', voices: [voice(`${family} One`, `${family.toLowerCase()}_1`, i % 2 ? 'male' : 'female')] }] : null,
  };
}

export const MODELS = [...OLDER, ...Array.from({ length: FILLER_COUNT }, (_, i) => filler(i)), ...NEWEST];

/** Models the v1 listing omits although v1 accepts them (deapi-api.md §2.3 transcription). */
export const V1_HIDDEN = new Set(['WhisperLargeV3Ct2']);

export const findModel = (slug) => MODELS.find((m) => m.slug === slug) ?? null;

/** Type membership for both shapes of `inference_types`. */
export const supportsType = (model, type) =>
  Array.isArray(model.inference_types) ? model.inference_types.includes(type) : Object.hasOwn(model.inference_types, type);

/** `info.limits` as an object of numbers (or arrays), tolerant of `info: []` and numeric strings. */
export function limitsOf(model) {
  const raw = model && !Array.isArray(model.info) ? model.info.limits : null;
  if (!raw || Array.isArray(raw)) return {};
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === 'string' && v.trim() !== '' && !isNaN(v) ? Number(v) : v]));
}

/** Truthiness of a feature flag that may be a boolean or a "0"/"1" string. */
export function feature(model, name) {
  const f = model && !Array.isArray(model.info) ? model.info.features : null;
  const v = f && !Array.isArray(f) ? f[name] : undefined;
  return v === true || v === '1' || v === 1;
}
