// Type-level test that the types bite: every statement below is wrong, and each is preceded by
// `// @ts-expect-error`. tsc reports "Unused '@ts-expect-error' directive" if one of them
// compiles, so tests/types/check.mjs passing proves each is rejected.
import { DeapiClient, Job, createProxy } from "deapi-wasm";

declare const blob: Blob;
const deapi = new DeapiClient({ apiKey: "1234|secret" });
const base = { prompt: "a fox", model: "Flux1schnell", width: 1024, height: 768, guidance: 3.5, steps: 4, seed: -1 };
const tts = { text: "Hi", model: "Kokoro", lang: "en-us", speed: 1, format: "mp3", sample_rate: 24_000 } as const;
const asr = { include_ts: true, model: "WhisperLargeV3" } as const;

// ---- images.generate: required fields and field types
// @ts-expect-error images.generate without `seed` (required)
await deapi.images.generate({ prompt: "a fox", model: "Flux1schnell", width: 1024, height: 768, guidance: 3.5, steps: 4 });
// @ts-expect-error images.generate with no params at all
await deapi.images.generate({});
// @ts-expect-error width must be a number, not a string
await deapi.images.generate({ ...base, width: "1024" });
// @ts-expect-error unknown key (a typo of negative_prompt)
await deapi.images.generate({ ...base, negativePrompt: "blurry" });
// @ts-expect-error images.generatePrice does not take webhook_url
await deapi.images.generatePrice({ ...base, webhook_url: "https://example.com/hook" });

// ---- images.edit: exactly one of image / images
// @ts-expect-error images.edit with neither image nor images
await deapi.images.edit({ prompt: "night", model: "QwenImageEdit_Plus_NF4", steps: 20, seed: -1 });
// @ts-expect-error images.edit with both image and images
await deapi.images.edit({ image: blob, images: [blob], prompt: "night", model: "QwenImageEdit_Plus_NF4", steps: 20, seed: -1 });
// @ts-expect-error a file must be bytes, not a path string
await deapi.images.edit({ image: "./cat.png", prompt: "night", model: "QwenImageEdit_Plus_NF4", steps: 20, seed: -1 });

// ---- either/or price params
// @ts-expect-error images.upscalePrice with width but no height
await deapi.images.upscalePrice({ model: "RealESRGAN_x4", width: 512 });
// @ts-expect-error images.upscalePrice with neither image nor size
await deapi.images.upscalePrice({ model: "RealESRGAN_x4" });
// @ts-expect-error videos.replacePrice needs the video or its duration
await deapi.videos.replacePrice({ model: "Wan2_2_Animate_14B_INT8" });
// @ts-expect-error videos.replace: width without height
await deapi.videos.replace({ video: blob, ref_image: blob, model: "Wan2_2_Animate_14B_INT8", width: 832 });
// @ts-expect-error videos.generate without frames/fps
await deapi.videos.generate({ ...base });

// ---- audio
// @ts-expect-error audio.speech voice_clone without ref_audio
await deapi.audio.speech({ ...tts, mode: "voice_clone" });
// @ts-expect-error audio.speech voice_design without instruct
await deapi.audio.speech({ ...tts, mode: "voice_design" });
// @ts-expect-error audio.speech (custom_voice by default) without voice
await deapi.audio.speech({ ...tts });
// @ts-expect-error audio.speech with an unknown mode
await deapi.audio.speech({ ...tts, mode: "whisper", voice: "af_sky" });
// @ts-expect-error audio.speechPrice with neither text nor count_text
await deapi.audio.speechPrice({ model: "Kokoro", lang: "en-us", speed: 1, format: "mp3", sample_rate: 24_000 });
// @ts-expect-error audio.transcribe with no source
await deapi.audio.transcribe({ ...asr });
// @ts-expect-error audio.transcribe with two sources
await deapi.audio.transcribe({ ...asr, source_url: "https://youtu.be/x", source_file: blob });
// @ts-expect-error audio.transcribe without include_ts
await deapi.audio.transcribe({ model: "WhisperLargeV3", source_url: "https://youtu.be/x" });
// @ts-expect-error audio.transcribePrice: platform only goes with duration_seconds
await deapi.audio.transcribePrice({ ...asr, source_url: "https://youtu.be/x", platform: "youtube" });
// @ts-expect-error audio.music without lyrics
await deapi.audio.music({ caption: "lo-fi", model: "AceStep_1_5_Turbo", duration: 30, inference_steps: 8, guidance_scale: 1, seed: -1, format: "mp3" });

// ---- embeddings, prompts
// @ts-expect-error embeddings input must be text
await deapi.embeddings.create({ input: [1, 2], model: "Bge_M3_FP16" });
// @ts-expect-error prompts.enhance for images.edits needs an image
await deapi.prompts.enhance({ prompt: "night", type: "images.edits", model_slug: "QwenImageEdit_Plus_NF4" });
// @ts-expect-error prompts.enhance type outside the six supported
await deapi.prompts.enhance({ prompt: "a fox", type: "images.upscales", model_slug: "Flux1schnell" });
// @ts-expect-error prompts.enhance resolves to the prompt, not a Job
await (await deapi.prompts.enhance({ prompt: "a fox", type: "audio.speech", model_slug: "Kokoro" })).wait();

// ---- client options
// @ts-expect-error apiVersion is "v1" | "v2"
new DeapiClient({ apiVersion: "v3" });
// @ts-expect-error unknown option key (apikey instead of apiKey)
new DeapiClient({ apikey: "1234|secret" });
// @ts-expect-error maxRetries is a number
new DeapiClient({ maxRetries: "3" });
// @ts-expect-error maxResponseBytes is a number of bytes
new DeapiClient({ maxResponseBytes: "16MiB" });

// ---- utilities
// @ts-expect-error models.list limit as a string
await deapi.models.list({ limit: "50" });
// @ts-expect-error models.all takes no page
await deapi.models.all({ page: 2 });
// @ts-expect-error calling a method that does not exist
await deapi.images.generateVideo(base);
// @ts-expect-error a namespace that does not exist
await deapi.chat.complete({ prompt: "hi" });
// @ts-expect-error jobs.get takes the request id string
await deapi.jobs.get({ requestId: "x" });
// @ts-expect-error a Job is not constructed directly; use deapi.job(requestId)
new Job();
// @ts-expect-error progress may be null
(await deapi.jobs.get("x")).progress.toFixed(0);

async function rateLimitMisuse(c: DeapiClient): Promise<void> {
  // @ts-expect-error maxConcurrency is a number
  new DeapiClient({ apiKey: "1|abc", maxConcurrency: "4" });
  // @ts-expect-error withResponse's data of a submit is a Job, not a string
  const id: string = (await c.images.generate.withResponse({ prompt: "p", model: "m", width: 1, height: 1, guidance: 1, steps: 1, seed: 1 })).data;
  console.log(id);
}
void rateLimitMisuse;

// ---- createProxy: the key is required; authorize answers true, false or a Response
// @ts-expect-error createProxy without apiKey
createProxy({ prefix: "/api/deapi" });
// @ts-expect-error authorize must not answer a string
createProxy({ apiKey: "1|abc", authorize: () => "yes" });

// ---- realtime: the option's types, subscribe's listener, state read-only
// @ts-expect-error clientId must be a string or a number
new DeapiClient({ apiKey: "1|abc", realtime: { clientId: true } });
// @ts-expect-error WebSocket must be a constructor
new DeapiClient({ apiKey: "1|abc", realtime: { clientId: "42", WebSocket: "ws" } });
// @ts-expect-error the listener gets a JobStatus, not a string
deapi.realtime.subscribe((s: string) => s);
// @ts-expect-error state is read-only
deapi.realtime.state = "connected";
// @ts-expect-error wait's realtime is a boolean
await deapi.job("abc").wait({ realtime: "no" });
// @ts-expect-error the relay streams progress itself: no onProgress
void deapi.realtime.relay("id", { onProgress: () => {} });
// @ts-expect-error heartbeatMs is a number
void deapi.realtime.relay("id", { heartbeatMs: "15s" });
// @ts-expect-error the relay needs a request id
void deapi.realtime.relay();
// @ts-expect-error relay's function gets the request id and returns a URL
new DeapiClient({ realtime: { relay: (id: string) => 42 } });

// ---- quotaStore: a store has acquire and report; answers have a known reason
import { redisQuotaStore } from "deapi-wasm";
// @ts-expect-error a store without report
new DeapiClient({ apiKey: "1|abc", quotaStore: { acquire: async () => ({ ok: true }) } });
// @ts-expect-error not a Redis client
redisQuotaStore({ get: async () => null });
// @ts-expect-error reason is one of minute, paused, daily, probe
new DeapiClient({ apiKey: "1|abc", quotaStore: { acquire: async () => ({ ok: false, waitMs: 1, reason: "later" as const }), report: async () => {} } });
