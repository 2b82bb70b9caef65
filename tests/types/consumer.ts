// Type-level test of the public surface: every method of the package, called the way a user
// would, with valid params (each branch of every union once). It is only compiled, never run
// (tests/types/check.mjs); a compile error here means the types reject valid code.
import {
  DeapiClient, Job, init, isDeapiError, isValidationError,
  DeapiError, AuthenticationError, PermissionDeniedError, NotFoundError, PayloadTooLargeError,
  ValidationError, InsufficientBalanceError, RateLimitError, ServerError, ConnectionError,
  RequestTimeoutError, AbortError, JobFailedError, JobTimeoutError, InvalidOptionsError, InvalidResponseError,
  verifyWebhook, WebhookVerificationError, createProxy, toNodeListener, redisQuotaStore,
} from "deapi-wasm";
import type {
  RealtimeApi, RealtimeOptions, RealtimeState, RelayOptions, RelayEvents, RelayError,
  ProxyOptions, ProxyRequestInfo, CallOptions, DeapiClientOptions, EnhanceResult, ErrorCode, FileInput, ImageEditParams, ImageGenerateParams,
  JobStatus, Model, ModelsPage, PriceResult, WaitOptions, AudioSpeechParams, AudioTranscribeParams,
  QuotaStore, QuotaRequest, QuotaAnswer, QuotaReport,
} from "deapi-wasm";

// Values a real program would have. `Blob` exists in both DOM and @types/node.
declare const blob: Blob;
declare const bytes: Uint8Array;
declare const buf: ArrayBuffer;
declare const fromForm: FormDataEntryValueLike;
type FormDataEntryValueLike = Blob;
const named: FileInput = { data: bytes, filename: "cat.png", type: "image/png" };
const files: FileInput[] = [blob, bytes, buf, new DataView(buf), new Float32Array(4), named, { data: buf }, fromForm];

const controller = new AbortController();
const call: CallOptions = { signal: controller.signal, timeoutMs: 5_000 };

// ---- client, options ---------------------------------------------------------------------------
const options: DeapiClientOptions = {
  apiKey: "1234|secret", baseUrl: "https://api.deapi.ai", apiVersion: "v2", timeoutMs: 30_000,
  maxRetries: 3, retryBaseDelayMs: 1_000, maxRetryAfterMs: 60_000, retrySubmissions: false, maxResponseBytes: 16 << 20,
  headers: { "X-Trace": "1" }, fetch: (input, init) => fetch(input, init), dangerouslyAllowBrowser: false,
  allowInsecureHttp: false,
  onRequest: (e) => void e.headers["Authorization"], onResponse: (e) => void e.durationMs,
  onRetry: (e) => void (e.reason === "rate_limited" && e.error.retryAfter), onError: (e) => void e.code,
};
const deapi = new DeapiClient(options);
const v1 = new DeapiClient({ apiKey: "1234|secret", apiVersion: "v1" });
const proxied = new DeapiClient({ baseUrl: "/api/deapi", fetch: globalThis.fetch });
await init();
await init("https://cdn.example/deapi_wasm_bg.wasm");
await init(new URL("https://cdn.example/deapi_wasm_bg.wasm"));
await init(bytes);

// ---- a Job and its status ----------------------------------------------------------------------
async function finish(job: Job): Promise<JobStatus> {
  const id: string = job.requestId;
  const once: JobStatus = await job.status(call);
  const wait: WaitOptions = {
    signal: controller.signal, timeoutMs: 10_000, pollIntervalMs: 2_000, maxPollIntervalMs: 10_000, maxWaitMs: 600_000,
    onProgress: (s) => console.log(s.status, s.progress?.toFixed(1)), realtime: false,
  };
  const done = await job.wait(wait);
  const json: { requestId: string } = job.toJSON();
  console.log(id, once.status, json.requestId);
  return done;
}

// ---- images --------------------------------------------------------------------------------------
const gen: ImageGenerateParams = {
  prompt: "a red fox in the snow", model: "Flux1schnell", width: 1024, height: 768, guidance: 3.5, steps: 4, seed: -1,
  negative_prompt: null, loras: [{ name: "pixel", weight: 0.75 }], quality: "high", enhance_prompt: true,
  webhook_url: "https://example.com/hook", webhook_secret: "0123456789abcdef0123456789abcdef",
};
const image = await deapi.images.generate(gen, call);
const imageDone = await image.wait();
const url: string | null | undefined = imageDone.result_url;
const webp: string | undefined = imageDone.results_alt_formats?.webp;
const progress: number | null = imageDone.progress;
const cost: number | undefined = imageDone.price?.amount;
console.log(url, webp, progress, cost);
const p1: PriceResult = await deapi.images.generatePrice({
  prompt: "a fox", model: "Flux1schnell", width: 1024, height: 768, guidance: 3.5, steps: 4, seed: -1,
});
const usd: number = p1.price;
const estimated: boolean | undefined = p1.is_estimated;
console.log(usd, estimated);

const editOne: ImageEditParams = { image: blob, prompt: "make it night", model: "QwenImageEdit_Plus_NF4", steps: 20, seed: -1 };
const editMany: ImageEditParams = {
  images: [bytes, named], prompt: "merge them", model: "QwenImageEdit_Plus_NF4", steps: 20, seed: 7,
  width: 1024, height: 1024, guidance: 4, negative_prompt: "blurry", loras: null, quality: null, enhance_prompt: false,
};
await finish(await deapi.images.edit(editOne));
await finish(await deapi.images.edit(editMany, call));
await deapi.images.editPrice({ prompt: "night", model: "QwenImageEdit_Plus_NF4", steps: 20, seed: -1, guidance: 4 });

await deapi.images.upscale({ image: buf, model: "RealESRGAN_x4", webhook_url: "https://example.com/hook" });
await deapi.images.upscalePrice({ image: blob, model: "RealESRGAN_x4" });
await deapi.images.upscalePrice({ width: 512, height: 512, model: "RealESRGAN_x4" }, call);

await deapi.images.removeBackground({ image: named, model: "Ben2" });
await deapi.images.removeBackgroundPrice({ image: bytes, model: "Ben2" });
await deapi.images.removeBackgroundPrice({ width: 800, height: 600, model: "Ben2" });

const ocr = await deapi.images.ocr({ image: blob, model: "Nanonets_Ocr_S_F16", language: "en", format: "json", return_result_in_response: true });
const ocrText: unknown = (await ocr.wait()).result;
await deapi.images.ocrPrice({ image: blob, model: "Nanonets_Ocr_S_F16", format: "text" });
await deapi.images.ocrPrice({ width: 1000, height: 1400, model: "Nanonets_Ocr_S_F16", language: null });
console.log(ocrText);

// ---- videos --------------------------------------------------------------------------------------
const video = await deapi.videos.generate({
  prompt: "waves", model: "Ltxv_13B_0_9_8_Distilled_FP8", width: 768, height: 512, guidance: 3, steps: 1, frames: 60,
  fps: 30, seed: -1, negative_prompt: null, enhance_prompt: true,
});
console.log((await video.wait({ maxWaitMs: 900_000 })).result_url);
await deapi.videos.generatePrice({ model: "Ltxv_13B_0_9_8_Distilled_FP8", width: 768, height: 512, frames: 60, steps: 1, fps: 30 });

await deapi.videos.animate({
  prompt: "the cat blinks", model: "Ltx2_3_22B_Dist_INT8", first_frame_image: blob, last_frame_image: bytes,
  width: 768, height: 512, guidance: 3, steps: 8, frames: 97, fps: 24, seed: 1,
});
await deapi.videos.animatePrice({ model: "Ltx2_3_22B_Dist_INT8", width: 768, height: 512, frames: 97, steps: 8, fps: 24 });

await deapi.videos.audioSync({
  prompt: "a singer", audio: named, model: "Ltx2_3_22B_Dist_INT8", width: 768, height: 512, seed: -1, frames: 121, fps: 24,
  first_frame_image: blob, guidance: null, steps: 8,
});
await deapi.videos.audioSyncPrice({ model: "Ltx2_3_22B_Dist_INT8", width: 768, height: 512, frames: 121, fps: 24 });

await deapi.videos.upscale({ video: blob, model: "FlashVSR_Tiny", scale: 2 });
await deapi.videos.upscalePrice({ video: blob, model: "RealESRGAN_Vid_x2" });
await deapi.videos.upscalePrice({ width: 640, height: 360, duration: 8.5, model: "FlashVSR_Tiny", scale: 4 });

await deapi.videos.removeBackground({ video: bytes, model: "RMBG-1.4" });
await deapi.videos.removeBackgroundPrice({ video: bytes, model: "RMBG-1.4" });
await deapi.videos.removeBackgroundPrice({ width: 640, height: 360, model: "RMBG-1.4" });

await deapi.videos.replace({ video: blob, ref_image: named, model: "Wan2_2_Animate_14B_INT8", prompt: "a robot", steps: 4, seed: -1 });
await deapi.videos.replace({ video: blob, ref_image: named, model: "Wan2_2_Animate_14B_INT8", width: 832, height: 480 });
await deapi.videos.replacePrice({ video: blob, model: "Wan2_2_Animate_14B_INT8" });
await deapi.videos.replacePrice({ duration: 6, model: "Wan2_2_Animate_14B_INT8", width: 832, height: 480 });

// ---- audio ---------------------------------------------------------------------------------------
const tts = { text: "Hello there", model: "Kokoro", lang: "en-us", speed: 1, format: "mp3", sample_rate: 24_000 } as const;
const custom: AudioSpeechParams = { ...tts, voice: "af_sky" };
await deapi.audio.speech(custom);
await deapi.audio.speech({ ...tts, mode: "custom_voice", voice: "af_sky", instruct: "cheerful" });
await deapi.audio.speech({ ...tts, model: "Qwen3_TTS_12Hz_1_7B_Base", mode: "voice_clone", ref_audio: bytes, ref_text: "Hi." });
await deapi.audio.speech({ ...tts, mode: "voice_design", instruct: "a calm, low voice", webhook_url: null });
await deapi.audio.speechPrice({ model: "Kokoro", lang: "en-us", speed: 1, format: "wav", sample_rate: 24_000, text: "Hello there" });
await deapi.audio.speechPrice({ model: "Kokoro", lang: "en-us", speed: 2, format: "flac", sample_rate: 24_000, count_text: 1200, voice: "af_sky" });

const song = await deapi.audio.music({
  caption: "lo-fi beat", model: "AceStep_1_5_Turbo", lyrics: "[Instrumental]", duration: 30, inference_steps: 8,
  guidance_scale: 1, seed: -1, format: "mp3", bpm: 90, keyscale: "C major", timesignature: 4, vocal_language: null,
  reference_audio: blob,
});
console.log((await song.wait()).result_url);
await deapi.audio.musicPrice({ model: "AceStep_1_5_Turbo", duration: 30, inference_steps: 8 });

const asr = { include_ts: true, model: "WhisperLargeV3Ct2" } as const;
const fromUrl: AudioTranscribeParams = { ...asr, source_url: "https://youtu.be/x", ts_level: "word", diarize: true, lang: "auto", include_metadata: true };
const transcription = await finish(await deapi.audio.transcribe(fromUrl));
const structured: boolean | null | undefined = transcription.transcription?.structured;
const meta: Record<string, unknown> | null | undefined = transcription.metadata;
console.log(structured, meta);
await deapi.audio.transcribe({ ...asr, source_file: blob, return_result_in_response: true });
await v1.audio.transcribe({ ...asr, video_url: "https://youtu.be/x" });
await v1.audio.transcribe({ ...asr, audio_url: "https://x.com/i/spaces/1" });
await v1.audio.transcribe({ ...asr, audio: bytes });
await v1.audio.transcribe({ ...asr, video: blob });
await deapi.audio.transcribePrice({ ...asr, source_url: "https://youtu.be/x" });
await deapi.audio.transcribePrice({ ...asr, source_file: named, diarize: true });
await deapi.audio.transcribePrice({ ...asr, duration_seconds: 600, platform: "tiktok", ts_level: "segment" });
await v1.audio.transcribePrice({ ...asr, video_url: "https://youtu.be/x" });
await v1.audio.transcribePrice({ ...asr, audio_url: "https://x.com/i/spaces/1" });
await v1.audio.transcribePrice({ ...asr, audio: buf });
await v1.audio.transcribePrice({ ...asr, video: bytes });

// ---- embeddings, prompts -------------------------------------------------------------------------
const emb = await deapi.embeddings.create({ input: "hello", model: "Bge_M3_FP16", return_result_in_response: true });
const vectors: unknown = (await emb.wait()).result;
await deapi.embeddings.create({ input: ["a", "b"], model: "Bge_M3_FP16", webhook_url: "https://example.com/hook" });
await deapi.embeddings.createPrice({ input: ["a", "b"], model: "Bge_M3_FP16" });
console.log(vectors);

const better: EnhanceResult = await deapi.prompts.enhance({ prompt: "a fox", type: "images.generations", model_slug: "Flux1schnell" }, call);
const improved: string = better.prompt;
const negative: string | null = better.negative_prompt;
await deapi.prompts.enhance({ prompt: "make it night", type: "images.edits", model_slug: "QwenImageEdit_Plus_NF4", image: blob, negative_prompt: "blurry" });
await deapi.prompts.enhance({ prompt: "the cat blinks", type: "videos.animations", model_slug: "Ltx2_3_22B_Dist_INT8", image: "https://example.com/cat.png" });
await deapi.prompts.enhancePrice({ prompt: "a fox", type: "audio.music", model_slug: "AceStep_1_5_Turbo" });
await deapi.prompts.enhancePrice({ prompt: "a fox", type: "images.edits", model_slug: "QwenImageEdit_Plus_NF4", image: bytes });
console.log(improved, negative);

// ---- jobs, models, account ----------------------------------------------------------------------
const handle: Job = deapi.job(image.requestId);
const s: JobStatus = await deapi.jobs.get(handle.requestId, call);
if (s.status === "error") console.log(s.error_code, s.error_reason, s.retryable, s.refunded, s.failed_at);
if (s.prompt_boosted) console.log(s.prompt_boost?.prompt_original);
const extra: unknown = s["cost_credits"];
await deapi.jobs.wait(handle.requestId, { onProgress: (st) => void st.preview, maxWaitMs: 60_000 });
await finish(handle);
console.log(extra);

const page: ModelsPage = await deapi.models.list({ inference_types: ["txt2img", "img2img"], page: 2, limit: 50 }, call);
const firstSlug: string | undefined = page.data[0]?.slug;
console.log(firstSlug, page.currentPage, page.lastPage, page.perPage, page.total);
await deapi.models.list();
await deapi.models.list({ inference_types: "txt2audio" });
const all: Model[] = await deapi.models.all({ inference_types: ["txt2audio"] });
for (const m of all) console.log(m.slug, m.info.limits["max_width"], m.languages?.[0]?.voices[0]?.slug, m.loras?.[0]?.name);
await deapi.models.all();
const { balance } = await proxied.account.balance(call);
const dollars: number = balance;
console.log(dollars);

// ---- webhooks ------------------------------------------------------------------------------------
try {
  const event = await verifyWebhook({ payload: bytes, signature: "sha256=00", timestamp: "1754567000", secret: "s".repeat(32), toleranceSec: 300, maxPayloadBytes: 1 << 20 });
  if (event.event === "job.completed") console.log(event.delivery_id, event.data.job_request_id, event.data.result_url);
} catch (e) {
  if (e instanceof WebhookVerificationError) console.log(e.reason === "payload_too_large", e.code);
}

// ---- the proxy (servers) ------------------------------------------------------------------------
const proxyOptions: ProxyOptions = {
  apiKey: "1|abc", prefix: "/api/deapi", baseUrl: "https://api.deapi.ai", allowedOrigins: ["https://app.example"],
  timeoutMs: 30_000, maxRequestBytes: 1 << 20, allowInsecureHttp: false,
  authorize: async (request: Request, info: ProxyRequestInfo) => (info.submission && !request.headers.get("cookie") ? new Response(null, { status: 401 }) : true),
  onError: ({ stage, error }) => console.error(stage, error),
};
const proxy: (request: Request) => Promise<Response> = createProxy(proxyOptions);
const answered: Response = await proxy(new Request("https://app.example/api/deapi/api/v2/account/balance"));
const listener = toNodeListener(proxy);
console.log(answered.status, typeof listener);

// ---- errors --------------------------------------------------------------------------------------
try {
  await deapi.images.generate(gen);
} catch (e) {
  if (e instanceof ValidationError && e.fieldErrors.width) console.log(e.fieldErrors.width.join(" "));
  if (e instanceof InsufficientBalanceError) console.log(e.status, e.fieldErrors["balance"]);
  if (e instanceof RateLimitError) console.log(e.retryAfter, e.rateLimit?.dailyRemaining, e.rateLimit?.type);
  if (e instanceof JobFailedError) console.log(e.errorCode, e.errorMessage, e.errorReason, e.retryable, e.refunded);
  if (e instanceof JobTimeoutError || e instanceof AbortError || e instanceof RequestTimeoutError) console.log(e.requestId);
  if (e instanceof ConnectionError) console.log(e.cause);
  if (isValidationError(e)) for (const { field, message } of e.errors) console.log(field, message);
  if (isDeapiError(e)) {
    const code: ErrorCode = e.code;
    const status: number | undefined = e.status;
    const body: unknown = e.body;
    const attempts: number = e.attempts;
    const logged: Record<string, unknown> = e.toJSON();
    const asError: Error = e;
    console.log(code, status, body, attempts, logged, asError.message, e.name);
  }
}
const classes: (typeof DeapiError)[] = [
  DeapiError, AuthenticationError, PermissionDeniedError, NotFoundError, PayloadTooLargeError, ValidationError,
  InsufficientBalanceError, RateLimitError, ServerError, ConnectionError, RequestTimeoutError, AbortError,
  JobFailedError, JobTimeoutError, InvalidOptionsError, InvalidResponseError, WebhookVerificationError,
];
const made = new ValidationError({ message: "The width field is required.", code: "validation", fieldErrors: { width: ["The width field is required."] } });
console.log(classes.length, made instanceof DeapiError, files.length);

// Rate limits: the quota per bucket, withResponse(), the scheduler options.
async function rateLimited(): Promise<void> {
  const scheduled = new DeapiClient({ apiKey: "1|abc", schedule: true, maxConcurrency: 4, rateLimitWindowMs: 60_000 });
  const r = await scheduled.images.generate.withResponse({ prompt: "p", model: "m", width: 512, height: 512, guidance: 1, steps: 4, seed: -1 });
  const job: Job = r.data;
  const remaining: number | null | undefined = r.rateLimit?.remaining;
  const quota = scheduled.rateLimits()["images/generations"];
  const reset: Date | null | undefined = quota?.resetAt;
  const b = await scheduled.account.balance.withResponse();
  const st = await scheduled.jobs.get.withResponse(job.requestId);
  const progress: number | null | undefined = st.data.progress;
  console.log(job.requestId, remaining, reset, b.data.balance, b.status, st.status, progress);
}
void rateLimited;

// Realtime (issue 22): the option (an injected WebSocket constructor, as `ws` on Node 20) and
// deapi.realtime's subscribe / state / close.
declare const InjectedWebSocket: new (url: string, protocols?: string | string[]) => { close(): void };
function realtimeEvents(): void {
  const options: RealtimeOptions = { clientId: "42", url: "wss://soketi.deapi.ai/app/depin-api-prod-key", authEndpoint: "https://api.deapi.ai/broadcasting/auth", WebSocket: InjectedWebSocket, reconcileIntervalMs: 10_000 };
  const live = new DeapiClient({ apiKey: "1|abc", realtime: options });
  const byNumber = new DeapiClient({ apiKey: "1|abc", realtime: { clientId: 42 } });
  const api: RealtimeApi = live.realtime;
  const off: () => void = api.subscribe((s) => {
    const progress: number | null = s.progress;
    const preview: string | null | undefined = s.preview;
    console.log(s.request_id, s.status, progress, preview, s.result_url);
  });
  const state: RealtimeState = live.realtime.state;
  if (state === "connected" || state === "unavailable") off();
  byNumber.realtime.close();
}
void realtimeEvents;

// The relay (servers): a route handler's Response, its options, and what a browser reads from it.
async function relayRoute(request: Request, requestId: string): Promise<Response> {
  const deapi = new DeapiClient({ apiKey: "1|abc", realtime: { clientId: "42" } });
  const opts: RelayOptions = { signal: request.signal, heartbeatMs: 15_000, pollIntervalMs: 2000, maxWaitMs: 600_000, timeoutMs: 30_000 };
  const res: Response = await deapi.realtime.relay(requestId, opts);
  await deapi.realtime.relay(requestId);
  return res;
}
void relayRoute;
// The page's side: wait() reads its job's stream (a template or a function), keyless.
const relayPage = new DeapiClient({ baseUrl: "/api/deapi", realtime: { relay: "/api/deapi/events/{requestId}" } });
const pageByFn = new DeapiClient({ baseUrl: "/api/deapi", realtime: { relay: (id: string) => `/api/deapi/events/${id}` } });
void relayPage; void pageByFn;
function relayReader(data: string, name: keyof RelayEvents): void {
  if (name === "error") {
    const e: RelayError = JSON.parse(data) as RelayEvents["error"];
    console.log(e.name, e.message, e.code, e.requestId, e.errorCode, e.retryable);
  } else {
    const s: JobStatus = JSON.parse(data) as RelayEvents["done"];
    console.log(s.status, s.progress, s.result_url);
  }
}
void relayReader;
const relayProxy: (request: Request) => Promise<Response> = createProxy({ apiKey: "1|abc", realtime: { clientId: "42" }, onError: (e) => console.log(e.stage === "realtime", e.error) });
void relayProxy;

// ---- quotaStore: the Redis adapter (clients by shape) and a store of one's own
declare const ioredisLike: { defineCommand(...a: unknown[]): void; evalsha(...a: unknown[]): Promise<unknown>; eval(...a: unknown[]): Promise<unknown> };
declare const nodeRedisLike: { evalSha(sha: string, o: { keys: string[]; arguments: string[] }): Promise<unknown>; eval(s: string, o: { keys: string[]; arguments: string[] }): Promise<unknown> };
const shared: QuotaStore = redisQuotaStore(ioredisLike, { prefix: "myapp", timeoutMs: 250 });
new DeapiClient({ apiKey: "1|abc", quotaStore: shared, onError: (e) => console.log(e.code === "quota_store") });
new DeapiClient({ apiKey: "1|abc", quotaStore: redisQuotaStore(nodeRedisLike) });
const own: QuotaStore = {
  async acquire(r: QuotaRequest): Promise<QuotaAnswer> { return r.bucket === "jobs" ? { ok: true } : { ok: false, waitMs: r.leaseMs, reason: "probe" }; },
  async report(r: QuotaReport) { console.log(r.key, r.limit ?? 0, r.pauseMs, r.dailySpent); },
};
new DeapiClient({ apiKey: "1|abc", quotaStore: own });
