// Types of the deapi-wasm package (the runtime is js/facade.js over the Rust core). The operations'
// params and results alias the types generated from deAPI's spec (./spec/deapi-v2.d.ts, v1 for the
// legacy transcription sources: `npm run spec:update`), corrected where tests/spec/corrections.json
// "types" says why; the rest is hand-written.
import type { components as SpecV2, operations as SpecV2Operations } from "./spec/deapi-v2.js";
import type { operations as SpecV1Operations } from "./spec/deapi-v1.js";

export type ApiVersion = "v1" | "v2";

export interface RequestEvent { method: string; url: string; headers: Record<string, string>; attempt: number }
export interface ResponseEvent { method: string; url: string; status: number; attempt: number; durationMs: number }
export interface RetryEvent {
  method: string; url: string; attempt: number; delayMs: number;
  reason: "server_error" | "rate_limited" | "connection_failure" | "timeout" | "interrupted";
  error: DeapiError;
}

export interface DeapiClientOptions {
  /** Your deAPI key (`<id>|<secret>`). Omit it to call a proxy that adds the key server-side. */
  apiKey?: string;
  /** Default `https://api.deapi.ai`. In a browser, may be a same-origin path such as `/api/deapi`. */
  baseUrl?: string;
  /** `"v2"` (default) or the deprecated `"v1"` paths. */
  apiVersion?: ApiVersion;
  /** Per-attempt timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Retries after 5xx, 429 and connection failures (default 3 → delays 1 s, 2 s, 4 s). 0–10. */
  maxRetries?: number;
  /** First backoff delay in ms (default 1000); doubles per retry. */
  retryBaseDelayMs?: number;
  /** Longest `Retry-After` slept (default 60 000 ms); longer ones reject at once with `RateLimitError`. */
  maxRetryAfterMs?: number;
  /** Retry job submissions after 5xx/timeouts (default true). false: submissions retry only on 429 and connection failures. */
  retrySubmissions?: boolean;
  /**
   * Extra headers sent with every request. Not `Content-Type` (set per request) nor `Host`,
   * `Content-Length`, `Transfer-Encoding`, `Connection`, `Upgrade` (the runtime's). An `Authorization`
   * here is a key: refused in a browser without `dangerouslyAllowBrowser`, and over `http://` to a host
   * that is not loopback without `allowInsecureHttp`. The values of `Authorization`,
   * `Proxy-Authorization`, `Cookie` and of headers whose name contains key, token, secret, auth or
   * session reach hooks as `[REDACTED]` and are removed from every error.
   */
  headers?: Record<string, string>;
  /**
   * Check params client-side before every submit and price request (required fields, types, the
   * model's limits, file sizes), rejecting with the same `ValidationError` a 422 gives, with
   * `status` undefined and no request made. The model catalogue is fetched once. Default false.
   */
  validate?: boolean;
  /**
   * Turn on the client-side scheduler: requests wait (cancellably) instead of running into 429s —
   * a concurrency cap over all requests, and per bucket the quota the last response reported; an
   * exhausted daily quota fails fast with `RateLimitError`. Every `wait()` then shares one poller.
   */
  schedule?: boolean;
  /** The scheduler's cap on requests in flight (1–256; default 6 with `schedule: true`). Setting it turns the scheduler on. */
  maxConcurrency?: number;
  /** Length of deAPI's rate-limit window in ms (default 60 000); change only for tests or a proxy with other limits. */
  rateLimitWindowMs?: number;
  /**
   * Share the scheduler's per-bucket quota with every process on this key (turns the scheduler on):
   * `redisQuotaStore(client)`, or your own {@link QuotaStore}. Before a rate-limited request the
   * scheduler asks the store (one reservation in a sliding log as wide as the window plus a margin);
   * it reports what each response's `X-RateLimit-*` and 429 said. A store call that fails or takes
   * longer than its `timeoutMs` never fails a call: the process paces itself as without a store and
   * `onError` hears of it (`code: "quota_store"`, once per outage); when the store answers again,
   * fleet pacing resumes. Servers only: the browser module throws `InvalidOptionsError`.
   */
  quotaStore?: QuotaStore | null;
  /**
   * Most bytes of a response body the client reads (default 16 MiB = 16 777 216; an integer from
   * 1 024 to 268 435 456). A larger `Content-Length` is refused before the body is read; without one
   * (or compressed), reading stops as soon as the count passes it. Either way the call rejects with
   * `InvalidResponseError` (its `status` set, not retried). deAPI's answers are kilobytes.
   */
  maxResponseBytes?: number;
  /** A fetch to send requests with instead of the global `fetch` (which the SDK looks up per request,
   * in Node, browsers and workers alike): a test double, or undici's fetch with a `ProxyAgent`
   * dispatcher behind an outgoing proxy. Called with `(url, { method, headers, body, signal, redirect: "manual" })`;
   * a 3xx it resolves with is refused (`InvalidResponseError` naming the `Location`), never followed. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Allow `apiKey` (or an `Authorization` in `headers`) in a browser, where anyone can read it. Prefer a proxy. */
  dangerouslyAllowBrowser?: boolean;
  /**
   * Allow `apiKey` (or an `Authorization` in `headers`) over `http://` to a host that is not loopback
   * (`127.0.0.0/8`, `[::1]`, `localhost`, `*.localhost`): the key would travel in clear text. Default
   * false: such a `baseUrl` throws `InvalidOptionsError`. Keyless proxy mode needs no opt-in.
   */
  allowInsecureHttp?: boolean;
  onRequest?: (event: RequestEvent) => void;
  onResponse?: (event: ResponseEvent) => void;
  onRetry?: (event: RetryEvent) => void;
  /** Every rejection, why `deapi.realtime` gave up (a `ConnectionError`, code `"realtime_unavailable"`), and
   * a `quotaStore` that stopped answering (a `DeapiError`, code `"quota_store"`, `cause` the store's error). */
  onError?: (error: DeapiError) => void;
  /**
   * deAPI's realtime job events (a Pusher-protocol WebSocket on soketi), read through
   * `deapi.realtime`. Off without `clientId`. Bad values throw `InvalidOptionsError` naming
   * `realtime.<field>`. The socket runs in the server module (Node, Deno, Bun, Workers); the
   * browser module reads relay streams (`relay`) and, with a `clientId`, reports `state` `"unavailable"`.
   */
  realtime?: RealtimeOptions | null;
}

/** The `realtime` client option. */
export interface RealtimeOptions {
  /**
   * Your client ID from the deAPI dashboard (no API returns it): a string of up to 64 letters,
   * digits, `_` or `-`, or a whole number. Required to open the socket; absent or null: realtime is
   * off (`state` stays `"idle"`).
   */
  clientId?: string | number | null;
  /** The Pusher app URL `ws(s)://host[:port]/app/<key>` (default deAPI's, `wss://soketi.deapi.ai/app/depin-api-prod-key`). `ws://` only for loopback or with `allowInsecureHttp`. */
  url?: string;
  /**
   * Where the socket is authorised (`POST {socket_id, channel_name}` as JSON, with the key as every
   * call; none in keyless proxy mode, where the proxy adds it). Default: the origin of `baseUrl` +
   * `/broadcasting/auth` (the API root, not `/api/v2`); without `apiKey` (keyless proxy mode)
   * `baseUrl` + `/broadcasting/auth`, which `createProxy` serves.
   */
  authEndpoint?: string;
  /**
   * A WHATWG `WebSocket` constructor (default: the runtime's global one). Node 20 has none: pass the
   * `ws` package's (`import { WebSocket } from "ws"`). Without either, `state` is `"unavailable"`.
   */
  WebSocket?: new (url: string) => unknown;
  /**
   * While a `wait()` is driven by events, a job with no event for this long gets a status GET
   * (failures never come as events, so `JobFailedError` comes within about one interval):
   * 100–3 600 000 ms, default 10 000.
   */
  reconcileIntervalMs?: number;
  /**
   * Where `wait()` reads its own job's events (a keyless page in a multi-user app): a URL or path
   * holding `{requestId}` — e.g. `"/api/deapi/events/{requestId}"`, which `createProxy({ realtime })`
   * serves with `deapi.realtime.relay` — or a function from the request id to that URL. The wait
   * opens an `EventSource` there: `status` events reach `onProgress`, `done` resolves it with the
   * server's final status (no status call from the page); the stream's `error`, a failed stream or
   * no `EventSource` in the runtime hand the wait to polling.
   */
  relay?: string | ((requestId: string) => string);
}

/** `deapi.realtime.state`. */
export type RealtimeState = "idle" | "connecting" | "connected" | "unavailable" | "closed";

/** `deapi.realtime`: the client's one socket, shared by every listener and `wait()`, opened by the first of them. */
export interface RealtimeApi {
  /**
   * Hear every job event of the account (the channel is per account: every job of every user of
   * the key) as a `JobStatus`: `status` normalised (`in_progress` is `"processing"`), `progress` a
   * number 0–100, `preview` (a data URI), `result_url` on `done`. Opens the socket on first need;
   * returns `off()` — when the last listener is gone, the socket and its timers are too. What a
   * listener throws is ignored. Never throws because realtime is unavailable (see `state` and
   * `onError`); a `listener` that is no function throws `InvalidOptionsError`.
   */
  subscribe(listener: (status: JobStatus) => void): () => void;
  /**
   * `"idle"`: not opened (no listener, or no `clientId`); `"connecting"`: opening, authorising,
   * subscribing or between reconnects; `"connected"`: events flow; `"unavailable"`: refused (auth
   * 401/403, a subscription error, a 4000–4099 close) or no WebSocket in the runtime — for the
   * client's lifetime; `"closed"`: after `close()`.
   */
  readonly state: RealtimeState;
  /** Close the socket for good (listeners dropped; nothing is left to keep a process alive). */
  close(): void;
  /**
   * Servers: one job's progress for a browser, as a `Response` (`text/event-stream`,
   * `Cache-Control: no-store`) to return from a route handler — the account's channel (every user's
   * jobs) never leaves the server. Server-Sent Events (see `RelayEvents`): `status` while the job runs,
   * then `done` (the final status, from one status GET) or `error` (the error's `toJSON()`), and the
   * stream ends; a `: ping` comment every `heartbeatMs`. Runs this client's `wait()` (the same REST
   * checks; no `clientId` needed). The stream's cancel (the browser went away) or `signal` ends it.
   * A `requestId` that is not one resolves with a 400 JSON `Response`; bad options reject with
   * `InvalidOptionsError`. In the browser module it throws `InvalidOptionsError` (servers only).
   * `createProxy({ realtime })` serves it at `GET {prefix}/events/{requestId}`.
   */
  relay(requestId: string, options?: RelayOptions): Promise<Response>;
}

/** `deapi.realtime.relay`'s options: `wait()`'s pacing, its `signal` (pass the request's), and the heartbeat. */
export interface RelayOptions extends Omit<WaitOptions, "onProgress"> {
  /** A `: ping` comment this often while the stream is open, so proxies keep it (default 15 000 ms). */
  heartbeatMs?: number;
}

/** What a relay's stream sends, by event name; each `data` is one line of JSON:
 * `source.addEventListener("status", (e) => show(JSON.parse(e.data)))`. Close the `EventSource`
 * on `done` and `error` (it would otherwise reconnect once the stream ends). */
export interface RelayEvents {
  /** The job's status while it runs (not repeated when unchanged). */
  status: JobStatus;
  /** The final status (the status GET after `done`: price, alt formats, a fresh `result_url`); the last event. */
  done: JobStatus;
  /** Why the wait ended otherwise (`JobFailedError`, `JobTimeoutError`, `NotFoundError`, `AbortError`, …); the last event. */
  error: RelayError;
}

/** A relay's `error` event: the error's `toJSON()` (absent fields left out). */
export interface RelayError {
  name: string;
  message: string;
  code?: ErrorCode;
  status?: number;
  requestId?: string;
  /** `JobFailedError`: deAPI's failure fields. */
  errorCode?: string; errorMessage?: string; errorReason?: string; retryable?: boolean; refunded?: boolean;
  [field: string]: unknown;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Per-attempt timeout for this call, in ms. */
  timeoutMs?: number;
  /**
   * Retries for this call, 0–10 (default: the client's `maxRetries`). `0` for a request whose answer
   * is only useful now, such as a live price estimate while a form is edited. For `wait()`, per poll.
   */
  maxRetries?: number;
}

export type JobState = "pending" | "processing" | "done" | "error" | (string & {});

/** `prompt_boost` of a job submitted with `enhance_prompt: true` (null until the boost ran). */
export interface PromptBoost {
  prompt?: string | null;
  prompt_original?: string | null;
  negative_prompt?: string | null;
  negative_prompt_original?: string | null;
  [field: string]: unknown;
}
/** `transcription` of a v2 transcription job. */
export interface TranscriptionInfo {
  language?: string | null;
  ts_level?: string | null;
  diarization_available?: boolean | null;
  /** true: `result_url` is a JSON file with segments; false: plain text. */
  structured?: boolean | null;
  [field: string]: unknown;
}

/** A job's status (deAPI's fields as sent — the answer's `data`; which are present depends on the job's type and state). */
export type JobStatus = Fix<NonNullable<SpecOk<"getJob">["data"]>, {
  /** The job's id (the SDK adds it: the answer does not repeat it). */
  request_id: string;
  /** `in_progress` (realtime) is normalised to `"processing"`; other values pass through. */
  status: JobState;
  /** A percentage, 0–100 (not a fraction: a `<progress>` needs `max="100"`), or null when the server sent none. */
  progress: number | null;
  /** Pre-signed and expiring: fetch the job again for a fresh one. */
  results_alt_formats?: { jpg?: string; webp?: string; [format: string]: string | undefined } | null;
  /** Text jobs with `return_result_in_response` (OCR, transcription: a string; embeddings: JSON). */
  result?: unknown;
  /** Transcription with `include_metadata`: the source's metadata. */
  metadata?: Record<string, unknown> | null;
  transcription?: TranscriptionInfo | null;
  prompt_boosted?: boolean | null;
  prompt_boost?: PromptBoost | null;
  /** e.g. `"WORKER_TIMEOUT"`, `"WORKER_ERROR"`, `"PROCESSING_ERROR"`. */
  error_code?: string | null;
  price?: { amount: number; is_estimated: boolean } | null;
  [field: string]: unknown;
}>;

export interface WaitOptions extends CallOptions {
  /**
   * Called with every status: each realtime event of the job (while `deapi.realtime` is
   * connected: `status`, `progress`, `preview`, `result_url`), and each status GET's answer.
   */
  onProgress?: (status: JobStatus) => void;
  /**
   * `false`: this wait polls even when `deapi.realtime` is connected. Default: with `realtime.clientId`
   * set, the wait opens the socket and is driven by its events — one status GET when `done` comes
   * (and once after each (re)subscription), a GET every `reconcileIntervalMs` without events, polling
   * while the socket is not connected.
   */
  realtime?: boolean;
  /** First delay between polls (default 2000 ms); grows ×1.5 per poll. */
  pollIntervalMs?: number;
  /** Longest delay between polls (default 10 000 ms). */
  maxPollIntervalMs?: number;
  /** Reject with `JobTimeoutError` after this long (default 600 000 ms). */
  maxWaitMs?: number;
}

/** A submitted job. Get one from a submit method or `deapi.job(requestId)`. */
export declare class Job {
  private constructor();
  readonly requestId: string;
  /** One status poll. */
  status(options?: CallOptions): Promise<JobStatus>;
  /**
   * Wait until `done` (resolves with its status GET) or `error` (rejects with `JobFailedError`):
   * driven by `deapi.realtime`'s events when it is on and connected, else polled with backoff.
   */
  wait(options?: WaitOptions): Promise<JobStatus>;
  toJSON(): { requestId: string };
}

// ---------------------------------------------------------------------------------------------
// Operation parameters, generated from deAPI's spec: each public name aliases the request body that
// openapi-typescript made of tests/spec/openapi-v2.json (js/spec/deapi-v2.d.ts; hovers show the
// spec's field descriptions), with the SDK's corrections in place of some fields. Every field that
// differs from the spec is an entry of tests/spec/corrections.json "types" (what the spec says, what
// the SDK takes, why); tests/types/spec-types.mjs fails on a difference without an entry and on an
// entry that no longer differs. Keys are deAPI's wire names (snake_case), so a 422's `fieldErrors`
// keys are the keys of the object you passed. Optional fields accept `null` (left out of the
// request). Numeric ranges are model-specific: read `info.limits` from `models.list()`.
// ---------------------------------------------------------------------------------------------

/** The request body of a v2 operation, by operationId, as generated from deAPI's spec. */
type SpecBody<Op extends keyof SpecV2Operations> =
  SpecV2Operations[Op] extends { requestBody?: { content: infer C } } ? C[keyof C] : never;
/** A v1 operation's request body (the legacy transcription sources). */
type SpecV1Body<Op extends keyof SpecV1Operations> =
  SpecV1Operations[Op] extends { requestBody?: { content: infer C } } ? C[keyof C] : never;
/** The JSON of a v2 operation's 200 answer. */
type SpecOk<Op extends keyof SpecV2Operations> =
  SpecV2Operations[Op] extends { responses: { 200: { content: infer C } } } ? C[keyof C] : never;
/** The member of a `oneOf` body that requires `K`. */
type SpecMember<T, K extends PropertyKey> = Extract<T, { [P in K]: unknown }>;
/** Every optional field also takes `null` (the SDK leaves it out of the request). */
type OrNull<T> = T extends unknown ? { [K in keyof T]: undefined extends T[K] ? T[K] | null : T[K] } : never;
/** `F`'s named keys (not an index signature's `string`). */
type KnownKeys<F> = keyof { [K in keyof F as string extends K ? never : number extends K ? never : K]: unknown };
/** `T` with `F`'s fields in place of its own (each one a listed correction). */
type Fix<T, F> = T extends unknown ? Omit<T, KnownKeys<F>> & F : never;

/**
 * The bytes of an upload: a `Blob` (the browser's `File` is one), an `ArrayBuffer`, or a view of one
 * (`Uint8Array`, which Node's `Buffer` is, any typed array, `DataView`).
 */
export type FileData = Blob | ArrayBuffer | ArrayBufferView;
/** An upload with an explicit file name and MIME type (deAPI checks the type of some uploads). */
export interface NamedFile { data: FileData; filename?: string; type?: string }
/** Any value accepted where deAPI takes a file: `Blob`/`File`, `Uint8Array`/`Buffer`, `ArrayBuffer`, or `{ data, filename?, type? }` (without a name, one is made from the field and the type). */
export type FileInput = FileData | NamedFile;

/**
 * `T`, with every other key of `K` forbidden: the building block of the "exactly one of" unions
 * below (passing two of them, or none, does not type-check).
 */
export type ExactlyOne<K extends PropertyKey, T> = T & { [P in Exclude<K, keyof T>]?: never };

/** Accepted by every job submission. */
export type WebhookParams = Pick<SpecBody<"generateImage">, "webhook_url" | "webhook_secret">;

/** A LoRA and its weight (`images.generate`'s `loras`). */
export type Lora = NonNullable<SpecBody<"generateImage">["loras"]>[number];
/** The SDK's `loras`: a readonly array is accepted too. */
export interface LorasField {
  /** Array of LoRA models to apply (`{ name, weight }`; the model's `loras` from `models.list()`). */
  loras?: readonly Lora[] | null;
}

// ---- images ---------------------------------------------------------------------------------

/** `images.generate` (txt2img). */
export type ImageGenerateParams = Fix<OrNull<SpecBody<"generateImage">>, LorasField>;
/** `images.generatePrice`: the submit fields without webhook / `enhance_prompt`. */
export type ImageGeneratePriceParams = Fix<OrNull<SpecBody<"estimateImagePrice">>, LorasField>;

/** Fields of `images.edit` besides its input image(s). */
export type ImageEditFields = Fix<OrNull<Omit<SpecMember<SpecBody<"editImage">, "image">, "image">>, LorasField>;
/**
 * `images.edit` (img2img): exactly one of `image` (one file) or `images` (several, up to the
 * model's `info.limits.max_input_images`; sent as `images[]`).
 */
export type ImageEditParams =
  | (ImageEditFields & { image: FileInput; images?: never })
  | (ImageEditFields & { images: readonly FileInput[]; image?: never });
/** `images.editPrice` (no file). */
export type ImageEditPriceParams = Fix<OrNull<SpecBody<"estimateImageEditPrice">>, LorasField>;

/** A price quote's input: the image itself, or its size. */
export type ImagePriceSource =
  | { image: FileInput; width?: never; height?: never }
  | { width: number; height: number; image?: never };
/** The fields of a price quote's body besides its image (or size). */
type ImagePriceFields<Op extends keyof SpecV2Operations, K extends PropertyKey = "model"> =
  OrNull<Pick<SpecMember<SpecBody<Op>, "image">, K & keyof SpecMember<SpecBody<Op>, "image">>>;

/** `images.upscale`. */
export type ImageUpscaleParams = Fix<OrNull<SpecBody<"upscaleImage">>, { image: FileInput }>;
/** `images.upscalePrice`: `model` plus the `image` or its `width` + `height`. */
export type ImageUpscalePriceParams = ImagePriceFields<"estimateImageUpscalePrice"> & ImagePriceSource;

/** `images.removeBackground` (the result is a transparent PNG). */
export type ImageRemoveBackgroundParams = Fix<OrNull<SpecBody<"removeImageBackground">>, { image: FileInput }>;
/** `images.removeBackgroundPrice`: `model` plus the `image` or its `width` + `height`. */
export type ImageRemoveBackgroundPriceParams = ImagePriceFields<"estimateImageBackgroundRemovalPrice"> & ImagePriceSource;

export type OcrFormat = NonNullable<SpecBody<"extractImageText">["format"]>;
/** `images.ocr` (img2txt). */
export type ImageOcrParams = Fix<OrNull<SpecBody<"extractImageText">>, { image: FileInput }>;
/** `images.ocrPrice`: `model` plus the `image` or its `width` + `height`. */
export type ImageOcrPriceParams = ImagePriceFields<"estimateImageOcrPrice", "model" | "language" | "format"> & ImagePriceSource;

// ---- videos ---------------------------------------------------------------------------------

/** `videos.generate` (txt2video). */
export type VideoGenerateParams = OrNull<SpecBody<"generateVideo">>;
/** `videos.generatePrice`. */
export type VideoGeneratePriceParams = OrNull<SpecBody<"estimateVideoPrice">>;

/** `videos.animate` (img2video). */
export type VideoAnimateParams = Fix<OrNull<SpecBody<"animateImage">>, {
  first_frame_image: FileInput;
  /** Only for models with `info.features.supports_last_frame`. */
  last_frame_image?: FileInput | null;
}>;
/** `videos.animatePrice` (no file). */
export type VideoAnimatePriceParams = OrNull<SpecBody<"estimateVideoAnimationPrice">>;

/** `videos.audioSync` (aud2video). */
export type VideoAudioSyncParams = Fix<OrNull<SpecBody<"syncVideoAudio">>, {
  /** MP3/OGG, ≤ 20 MB. */
  audio: FileInput;
  first_frame_image?: FileInput | null;
  last_frame_image?: FileInput | null;
}>;
/** `videos.audioSyncPrice` (no file). */
export type VideoAudioSyncPriceParams = OrNull<SpecBody<"estimateVideoAudioSyncPrice">>;

/** A video price quote's input: the video itself, or its size. */
export type VideoPriceSource =
  | { video: FileInput; width?: never; height?: never }
  | { width: number; height: number; video?: never };
/** The fields of a video price quote's body besides its video (or size). */
type VideoPriceFields<Op extends keyof SpecV2Operations, K extends PropertyKey = "model"> =
  OrNull<Pick<SpecMember<SpecBody<Op>, "video">, K & keyof SpecMember<SpecBody<Op>, "video">>>;

/** `videos.upscale`. */
export type VideoUpscaleParams = Fix<OrNull<SpecBody<"upscaleVideo">>, {
  /** ≤ 50 MB (a larger one is a 422 on `video`). */
  video: FileInput;
}>;
/**
 * `videos.upscalePrice`: `model` plus the `video`, or its `width` + `height` and `duration`
 * (seconds; without it the quoted price is 0).
 */
export type VideoUpscalePriceParams = VideoPriceFields<"estimateVideoUpscalePrice", "model" | "scale"> & (
  | { video: FileInput; width?: never; height?: never; duration?: never }
  | { width: number; height: number; duration?: number | null; video?: never }
);

/** `videos.removeBackground`. */
export type VideoRemoveBackgroundParams = Fix<OrNull<SpecBody<"removeVideoBackground">>, { video: FileInput }>;
/** `videos.removeBackgroundPrice`: `model` plus the `video` or its `width` + `height`. */
export type VideoRemoveBackgroundPriceParams = VideoPriceFields<"estimateVideoBackgroundRemovalPrice"> & VideoPriceSource;

/** Fields of `videos.replace` besides the output size. */
export type VideoReplaceFields = Fix<OrNull<Omit<SpecBody<"replaceVideoCharacter">, "width" | "height">>, {
  video: FileInput;
  /** The character's reference image (≤ 10 MB). */
  ref_image: FileInput;
}>;
/** `videos.replace`: `width` and `height` together, or neither (the input's size). */
export type VideoReplaceParams =
  | (VideoReplaceFields & { width: number; height: number })
  | (VideoReplaceFields & { width?: null; height?: null });
/** `videos.replacePrice`: `model` plus the `video` or its `duration` (seconds). */
export type VideoReplacePriceParams = OrNull<Pick<SpecBody<"estimateVideoReplacementPrice">, "model" | "width" | "height">> & (
  | { video: FileInput; duration?: never }
  | { duration: number; video?: never }
);

// ---- audio ----------------------------------------------------------------------------------

export type AudioFormat = "mp3" | "wav" | "flac";
export type SpeechMode = NonNullable<SpecBody<"generateSpeech">["mode"]>;
type SpeechBody = SpecBody<"generateSpeech">;

/** Fields of `audio.speech` shared by every `mode`. */
export type AudioSpeechFields = Fix<OrNull<Omit<SpeechBody, "mode" | "voice" | "ref_audio" | "ref_text" | "instruct">>, {
  /** The audio's format (the model's `info.limits.output_formats`). */
  format: AudioFormat;
}>;
/** `mode: "custom_voice"` (the default): a voice from the model's `languages[].voices[]`. */
export interface CustomVoiceSpeech {
  mode?: "custom_voice" | null;
  /** e.g. `"af_sky"`. */
  voice: string;
  /** Optional style control. */
  instruct?: string | null;
}
/** `mode: "voice_clone"`: speak in the voice of a reference recording (3–10 s). */
export interface VoiceCloneSpeech {
  mode: "voice_clone";
  ref_audio: FileInput;
  /** Transcript of `ref_audio`. */
  ref_text?: string | null;
}
/** `mode: "voice_design"`: a voice described in words. */
export interface VoiceDesignSpeech {
  mode: "voice_design";
  instruct: string;
}
/** `audio.speech` (txt2audio); `mode` decides which of `voice` / `ref_audio` / `instruct` is required. */
export type AudioSpeechParams = AudioSpeechFields & (CustomVoiceSpeech | VoiceCloneSpeech | VoiceDesignSpeech);
/** `audio.speechPrice`: the text, or its length in characters as `count_text`. */
export type AudioSpeechPriceParams =
  Fix<OrNull<Omit<SpecBody<"estimateSpeechPrice">, "text" | "count_text">>, { format: AudioFormat }>
  & ({ text: string; count_text?: never } | { count_text: number; text?: never });

/** `audio.music` (txt2music). */
export type AudioMusicParams = Fix<OrNull<SpecBody<"generateMusic">>, { reference_audio?: FileInput | null }>;
/** `audio.musicPrice`. */
export type AudioMusicPriceParams = OrNull<SpecBody<"estimateMusicPrice">>;

type TranscribeBody = SpecMember<SpecBody<"createTranscription">, "source_url">;
export type TimestampLevel = NonNullable<TranscribeBody["ts_level"]>;
export type TranscriptionPlatform = NonNullable<SpecMember<SpecBody<"estimateTranscriptionPrice">, "duration_seconds">["platform"]>;

/** Fields of `audio.transcribe` besides its source. */
export type AudioTranscribeFields = OrNull<Omit<TranscribeBody, "source_url">>;
export type TranscriptionSourceKey = "source_url" | "source_file" | "video_url" | "audio_url" | "audio" | "video";
/**
 * Exactly one source: `source_url` (YouTube, X/Twitter, Twitch, Kick, TikTok, X Spaces) or
 * `source_file`. With `apiVersion: "v1"` the legacy shapes `video_url`, `audio_url` (X Spaces),
 * `audio` (file) and `video` (file) are also accepted; they go to v1's legacy endpoints.
 */
export type TranscriptionSource =
  | ExactlyOne<TranscriptionSourceKey, Pick<TranscribeBody, "source_url">>
  | ExactlyOne<TranscriptionSourceKey, { source_file: FileInput }>
  | ExactlyOne<TranscriptionSourceKey, Pick<SpecV1Body<"requestVid2Txt">, "video_url">>
  | ExactlyOne<TranscriptionSourceKey, Pick<SpecV1Body<"requestAud2Txt">, "audio_url">>
  | ExactlyOne<TranscriptionSourceKey, { /** v1 only. */ audio: FileInput }>
  | ExactlyOne<TranscriptionSourceKey, { /** v1 only. */ video: FileInput }>;
/** `audio.transcribe` (unified transcription: a URL or a file). */
export type AudioTranscribeParams = AudioTranscribeFields & TranscriptionSource;

type TranscribePriceBody = SpecMember<SpecBody<"estimateTranscriptionPrice">, "source_url">;
export type TranscriptionPriceSourceKey = TranscriptionSourceKey | "duration_seconds" | "platform";
/** A transcription price quote's input: the source, or its duration. */
export type TranscriptionPriceSource =
  | ExactlyOne<TranscriptionPriceSourceKey, Pick<TranscribePriceBody, "source_url">>
  | ExactlyOne<TranscriptionPriceSourceKey, { source_file: FileInput }>
  | ExactlyOne<TranscriptionPriceSourceKey, OrNull<Pick<SpecMember<SpecBody<"estimateTranscriptionPrice">, "duration_seconds">, "duration_seconds" | "platform">>>
  | ExactlyOne<TranscriptionPriceSourceKey, Pick<SpecV1Body<"requestPriceForVid2Text">, "video_url">>
  | ExactlyOne<TranscriptionPriceSourceKey, { /** v1 only. */ audio_url: string }>
  | ExactlyOne<TranscriptionPriceSourceKey, { /** v1 only. */ audio: FileInput }>
  | ExactlyOne<TranscriptionPriceSourceKey, { /** v1 only. */ video: FileInput }>;
/** `audio.transcribePrice`. */
export type AudioTranscribePriceParams = OrNull<Omit<TranscribePriceBody, "source_url">> & TranscriptionPriceSource;

// ---- embeddings, prompts --------------------------------------------------------------------

/** The SDK's `input`: a readonly array is accepted too. */
interface EmbeddingInput {
  /** One text or up to 2048. */
  input: string | readonly string[];
}
/** `embeddings.create` (txt2embedding). */
export type EmbeddingCreateParams = Fix<OrNull<SpecBody<"createEmbedding">>, EmbeddingInput>;
/** `embeddings.createPrice`. */
export type EmbeddingCreatePriceParams = Fix<OrNull<SpecBody<"estimateEmbeddingPrice">>, EmbeddingInput>;

export type PromptEnhanceType =
  | "images.generations" | "images.edits" | "videos.generations" | "videos.animations" | "audio.speech" | "audio.music";
/** Fields of `prompts.enhance` shared by every `type`. */
export type PromptEnhanceFields = OrNull<Omit<Exclude<SpecBody<"clientBoostPromptV2">, { image: unknown }>, "type">>;
/** `prompts.enhance` (v2 only; synchronous): `image` is required for `images.edits` and `videos.animations`. */
export type PromptEnhanceParams = PromptEnhanceFields & (
  | { type: "images.edits" | "videos.animations"; /** A file, or a URL / data URI / base64 string. */ image: FileInput | string }
  | { type: Exclude<PromptEnhanceType, "images.edits" | "videos.animations">; image?: FileInput | string | null }
);
/** `prompts.enhancePrice`. */
export type PromptEnhancePriceParams = Fix<OrNull<SpecBody<"clientCalculateBoostPriceV2">>, {
  /** What the prompt is for (selects the guide). */
  type: PromptEnhanceType;
  /** A file, or a URL / data URI / base64 string. */
  image?: FileInput | string | null;
}>;
/** The improved prompt (`prompts.enhance` answers at once; there is no job). */
export type EnhanceResult = Fix<SpecOk<"clientBoostPromptV2">, { prompt: string; negative_prompt: string | null }>;

/** A price quote (the answer's `data`; `is_estimated` when deAPI says so). */
export type PriceResult = Fix<NonNullable<SpecOk<"estimateImagePrice">["data"]>, { price: number; is_estimated?: boolean }>;
/** `account.balance()` (the answer's `data`). */
export type BalanceResult = Fix<NonNullable<SpecOk<"getAccountBalance">["data"]>, {
  /** Current balance, in USD. */
  balance: number;
}>;

/** A model of `models.list()` (deAPI's fields as sent). */
export type Model = Fix<SpecV2["schemas"]["ClientDiffusionModelResource"], {
  slug: string;
  inference_types: string[];
  info: {
    limits: Record<string, number | string | unknown[] | unknown>;
    features: Record<string, boolean | unknown>;
    defaults: Record<string, unknown>;
    [key: string]: unknown;
  };
  tags?: string[];
  status?: string;
  loras?: { display_name: string; name: string }[] | null;
  languages?: { name: string; slug: string; voices: { name: string; slug: string; gender?: string }[] }[] | null;
  [field: string]: unknown;
}>;
export interface ModelsQuery {
  inference_types?: string | readonly string[];
  page?: number;
  /** 1–50, default 50. */
  limit?: number;
}
export interface ModelsPage { data: Model[]; currentPage: number; lastPage: number; perPage?: number; total?: number }

/** A result with what its response said (`.withResponse(…)` on every single-request method: the
 * operations and their prices, `jobs.get`, `models.list`, `account.balance`). */
export interface ApiResponse<T> {
  data: T;
  status: number;
  /** The response's rate-limit headers; null when it had none (models, balance). */
  rateLimit: Omit<RateLimitInfo, "resetAt"> | null;
}
/** An operation method: call it for the result, or `.withResponse(…)` for `{ data, status, rateLimit }`. */
export interface Method<P, R> {
  (params: P, options?: CallOptions): Promise<R>;
  withResponse(params: P, options?: CallOptions): Promise<ApiResponse<R>>;
}

export interface ImagesApi {
  /** Submit a text-to-image job (`POST /images/generations`); resolves with its `Job` (`wait()` for the result). */
  generate: Method<ImageGenerateParams, Job>;
  /** What `generate` with these params would cost (no job). */
  generatePrice: Method<ImageGeneratePriceParams, PriceResult>;
  /** Submit an image-to-image edit of `image` (or `images`), sent as multipart. */
  edit: Method<ImageEditParams, Job>;
  /** What `edit` would cost (no file needed). */
  editPrice: Method<ImageEditPriceParams, PriceResult>;
  /** Submit an upscale of `image`. */
  upscale: Method<ImageUpscaleParams, Job>;
  /** What `upscale` would cost, from the `image` or its `width` + `height`. */
  upscalePrice: Method<ImageUpscalePriceParams, PriceResult>;
  /** Submit a background removal of `image` (the result is a transparent PNG). */
  removeBackground: Method<ImageRemoveBackgroundParams, Job>;
  /** What `removeBackground` would cost, from the `image` or its `width` + `height`. */
  removeBackgroundPrice: Method<ImageRemoveBackgroundPriceParams, PriceResult>;
  /** Submit a text extraction (OCR) of `image`. */
  ocr: Method<ImageOcrParams, Job>;
  /** What `ocr` would cost, from the `image` or its `width` + `height`. */
  ocrPrice: Method<ImageOcrPriceParams, PriceResult>;
}
export interface VideosApi {
  /** Submit a text-to-video job. */
  generate: Method<VideoGenerateParams, Job>;
  /** What `generate` would cost (no job). */
  generatePrice: Method<VideoGeneratePriceParams, PriceResult>;
  /** Submit an image-to-video job from `first_frame_image`. */
  animate: Method<VideoAnimateParams, Job>;
  /** What `animate` would cost (no file needed). */
  animatePrice: Method<VideoAnimatePriceParams, PriceResult>;
  /** Submit an audio-to-video job (a video synced to `audio`). */
  audioSync: Method<VideoAudioSyncParams, Job>;
  /** What `audioSync` would cost (no file needed). */
  audioSyncPrice: Method<VideoAudioSyncPriceParams, PriceResult>;
  /** Submit an upscale of `video`. */
  upscale: Method<VideoUpscaleParams, Job>;
  /** What `upscale` would cost, from the `video` or its size and duration. */
  upscalePrice: Method<VideoUpscalePriceParams, PriceResult>;
  /** Submit a background removal of `video`. */
  removeBackground: Method<VideoRemoveBackgroundParams, Job>;
  /** What `removeBackground` would cost, from the `video` or its size. */
  removeBackgroundPrice: Method<VideoRemoveBackgroundPriceParams, PriceResult>;
  /** Submit a character replacement in `video` by `ref_image`. */
  replace: Method<VideoReplaceParams, Job>;
  /** What `replace` would cost, from the `video` or its `duration`. */
  replacePrice: Method<VideoReplacePriceParams, PriceResult>;
}
export interface AudioApi {
  /** Submit a text-to-speech job. */
  speech: Method<AudioSpeechParams, Job>;
  /** What `speech` would cost, from the `text` or its length (`count_text`). */
  speechPrice: Method<AudioSpeechPriceParams, PriceResult>;
  /** Submit a text-to-music job. */
  music: Method<AudioMusicParams, Job>;
  /** What `music` would cost. */
  musicPrice: Method<AudioMusicPriceParams, PriceResult>;
  /** Submit a transcription of a URL (`source_url`) or a file (`source_file`). */
  transcribe: Method<AudioTranscribeParams, Job>;
  /** What `transcribe` would cost, from the source or its `duration_seconds`. */
  transcribePrice: Method<AudioTranscribePriceParams, PriceResult>;
}
export interface EmbeddingsApi {
  /** Submit an embedding job for `input`. */
  create: Method<EmbeddingCreateParams, Job>;
  /** What `create` would cost. */
  createPrice: Method<EmbeddingCreatePriceParams, PriceResult>;
}
export interface PromptsApi {
  /** v2's prompt booster; answers at once (no job). Uses the v2 path even with `apiVersion: "v1"`. */
  enhance: Method<PromptEnhanceParams, EnhanceResult>;
  /** What `enhance` would cost. */
  enhancePrice: Method<PromptEnhancePriceParams, PriceResult>;
}
export interface JobsApi {
  get: {
    /** One status poll. `requestId`: 1–128 ASCII letters, digits, `-` or `_` (deAPI's are UUIDs);
     * anything else (`.`, `..`, a `/`) rejects with `InvalidOptionsError` before a request. */
    (requestId: string, options?: CallOptions): Promise<JobStatus>;
    /** The status and what the response said: status and rate-limit headers. */
    withResponse(requestId: string, options?: CallOptions): Promise<ApiResponse<JobStatus>>;
  };
  /** Poll with backoff until `done` (resolves) or `error` (rejects with `JobFailedError`). */
  wait(requestId: string, options?: WaitOptions): Promise<JobStatus>;
}
export interface ModelsApi {
  list: {
    (query?: ModelsQuery, options?: CallOptions): Promise<ModelsPage>;
    /** The page and what the response said: status and rate-limit headers. */
    withResponse(query?: ModelsQuery, options?: CallOptions): Promise<ApiResponse<ModelsPage>>;
  };
  all(query?: Omit<ModelsQuery, "page" | "limit">, options?: CallOptions): Promise<Model[]>;
}
export interface AccountApi {
  balance: {
    (options?: CallOptions): Promise<BalanceResult>;
    withResponse(options?: CallOptions): Promise<ApiResponse<BalanceResult>>;
  };
}

/** Every operation by its dotted method name, with its params type (for `validate`). */
export interface OperationParams {
  "images.generate": ImageGenerateParams;
  "images.generatePrice": ImageGeneratePriceParams;
  "images.edit": ImageEditParams;
  "images.editPrice": ImageEditPriceParams;
  "images.upscale": ImageUpscaleParams;
  "images.upscalePrice": ImageUpscalePriceParams;
  "images.removeBackground": ImageRemoveBackgroundParams;
  "images.removeBackgroundPrice": ImageRemoveBackgroundPriceParams;
  "images.ocr": ImageOcrParams;
  "images.ocrPrice": ImageOcrPriceParams;
  "videos.generate": VideoGenerateParams;
  "videos.generatePrice": VideoGeneratePriceParams;
  "videos.animate": VideoAnimateParams;
  "videos.animatePrice": VideoAnimatePriceParams;
  "videos.audioSync": VideoAudioSyncParams;
  "videos.audioSyncPrice": VideoAudioSyncPriceParams;
  "videos.upscale": VideoUpscaleParams;
  "videos.upscalePrice": VideoUpscalePriceParams;
  "videos.removeBackground": VideoRemoveBackgroundParams;
  "videos.removeBackgroundPrice": VideoRemoveBackgroundPriceParams;
  "videos.replace": VideoReplaceParams;
  "videos.replacePrice": VideoReplacePriceParams;
  "audio.speech": AudioSpeechParams;
  "audio.speechPrice": AudioSpeechPriceParams;
  "audio.music": AudioMusicParams;
  "audio.musicPrice": AudioMusicPriceParams;
  "audio.transcribe": AudioTranscribeParams;
  "audio.transcribePrice": AudioTranscribePriceParams;
  "embeddings.create": EmbeddingCreateParams;
  "embeddings.createPrice": EmbeddingCreatePriceParams;
  "prompts.enhance": PromptEnhanceParams;
  "prompts.enhancePrice": PromptEnhancePriceParams;
}
export type OperationName = keyof OperationParams;

export interface ValidateOptions extends CallOptions {
  /** The model to check against (from `models.list()`/`models.all()`); otherwise the catalogue is fetched once and cached. */
  model?: Model;
}

/**
 * A client of deAPI. Every method returns a promise; every failure rejects with a `DeapiError`
 * subclass (`status`, `message`, the per-field `errors` of a 422). Job operations (`images.generate`, …)
 * resolve with a `Job`: `await job.wait()` for its result.
 *
 * ```ts
 * const deapi = new DeapiClient({ apiKey: process.env.DEAPI_API_KEY }); // server
 * const deapi = new DeapiClient({ baseUrl: "/api/deapi" });              // browser, behind createProxy
 * ```
 */
export declare class DeapiClient {
  /** Bad options throw an `InvalidOptionsError` naming the option (a key in a browser without a proxy, too). */
  constructor(options: DeapiClientOptions);
  readonly images: ImagesApi;
  readonly videos: VideosApi;
  readonly audio: AudioApi;
  readonly embeddings: EmbeddingsApi;
  readonly prompts: PromptsApi;
  readonly jobs: JobsApi;
  readonly models: ModelsApi;
  readonly account: AccountApi;
  /** deAPI's realtime job events (see `DeapiClientOptions.realtime`). */
  readonly realtime: RealtimeApi;
  /** Rebuild a `Job` handle from a request id (after a reload, or one handed over by a server). */
  job(requestId: string): Job;
  /** Rate-limit quota per bucket (`images/generations`, `price`, `jobs`, …), from the last response of each. */
  rateLimits(): Record<string, BucketQuota>;
  /**
   * Check params client-side (deAPI's rules, the model's limits, file sizes) without sending them.
   * Resolves when valid; rejects with the `ValidationError` a 422 would give (`status` undefined).
   * Params may be incomplete form values, hence the loose type.
   */
  validate<K extends OperationName>(operation: K, params: Partial<OperationParams[K]> | Record<string, unknown>, options?: ValidateOptions): Promise<void>;
}

export type ErrorCode =
  | "authentication" | "permission_denied" | "not_found" | "validation" | "insufficient_balance"
  | "payload_too_large" | "rate_limit" | "server" | "http" | "connection" | "timeout" | "aborted"
  | "job_failed" | "job_timeout" | "invalid_options" | "invalid_response" | "webhook_verification"
  /** A `DeapiError` told to `onError` (never a rejection): the `quotaStore` stopped answering. */
  | "quota_store"
  /** A `ConnectionError` told to `onError` (never a rejection): `deapi.realtime` gave up; waits poll. */
  | "realtime_unavailable";

export interface FieldError { field: string; message: string }
export interface RateLimitInfo {
  limit: number | null; remaining: number | null; dailyLimit: number | null; dailyRemaining: number | null;
  type: "minute" | "daily" | string | null; source: string | null;
  /** On a 429: when the limit that was hit resets (daily: the next midnight UTC). */
  resetAt?: Date | null;
}

/** What the last response of one bucket said about its rate limits (`deapi.rateLimits()`). */
export interface BucketQuota {
  bucket: string;
  limit: number | null;
  remaining: number | null;
  dailyLimit: number | null;
  dailyRemaining: number | null;
  type: "minute" | "daily" | string | null;
  source: string | null;
  /** When the minute window is over at the latest. */
  resetAt: Date | null;
  /** When the daily quota comes back: the next midnight UTC. */
  dailyResetAt: Date;
  updatedAt: Date;
}

export interface DeapiErrorProps {
  message?: string; code?: ErrorCode; status?: number; errors?: FieldError[];
  fieldErrors?: Record<string, string[]>; body?: unknown; requestId?: string; retryAfter?: number;
  rateLimit?: RateLimitInfo; attempts?: number; cause?: unknown;
}

export declare class DeapiError extends Error {
  constructor(props?: DeapiErrorProps);
  readonly code: ErrorCode;
  /** HTTP status; undefined when no response came. */
  readonly status: number | undefined;
  /** One entry per message, in server order (every one, whatever its field's name). */
  readonly errors: FieldError[];
  /** The Laravel shape: field → messages (a field named `__proto__`, `constructor` or `prototype` is
   * left out: such keys reach prototypes in code that merges the object; it stays in `errors`). */
  readonly fieldErrors: Record<string, string[]>;
  /** Parsed body (or raw text). */
  readonly body: unknown;
  readonly requestId: string | undefined;
  /** Seconds to wait (from `Retry-After`). */
  readonly retryAfter: number | undefined;
  readonly rateLimit: RateLimitInfo | undefined;
  /** HTTP attempts made. */
  readonly attempts: number;
  toJSON(): Record<string, unknown>;
}
export declare class AuthenticationError extends DeapiError {}
export declare class PermissionDeniedError extends DeapiError {}
export declare class NotFoundError extends DeapiError {}
export declare class PayloadTooLargeError extends DeapiError {}
/** The second argument `ValidationError.applyTo` passes to `setError` (react-hook-form's `ErrorOption`). */
export interface FormFieldError {
  type: string;
  message: string;
  /** `{ server: message }`, or `{ server: [messages] }` when the field has several. */
  types?: Record<string, string | string[]>;
}
/** A react-hook-form `setError`. Declared as a method so that the `setError` of a typed form
 * (`UseFormSetError<MyValues>`, whose `name` is narrower than `string`) is accepted. */
export type SetErrorFunction = {
  setError(name: string, error: FormFieldError, options?: { shouldFocus?: boolean }): void;
}["setError"];
export interface ApplyToOptions {
  /** Pass `{ shouldFocus: true }` with the first field's error (react-hook-form focuses it). Default false. */
  shouldFocus?: boolean;
  /** Set `root.server` to the top-level message. Default true. */
  root?: boolean;
}
/** `toFormikErrors()`'s result: dotted paths nested, integer segments as (sparse) arrays, each leaf
 * the field's messages joined with a space; `_error` holds the message of a path that is also a parent. */
export interface FormErrorTree {
  [key: string]: string | FormErrorTree | FormErrorArray | undefined;
}
export type FormErrorArray = Array<string | FormErrorTree | FormErrorArray | undefined> & { _error?: string };
/** `toFormikErrors<Values>()`: the same result typed like Formik's `FormikErrors<Values>`. */
export type FormErrorsOf<Values> = {
  [K in keyof Values]?: Values[K] extends readonly unknown[]
    ? Values[K][number] extends object ? FormErrorsOf<Values[K][number]>[] | string | string[] : string | string[]
    : Values[K] extends object ? FormErrorsOf<Values[K]> : string;
};
/** `flatten()`'s result (zod's shape). */
export interface FlattenedErrors {
  /** The top-level message when no field has an error, else empty. */
  formErrors: string[];
  /** field → messages (the Laravel map, a copy). */
  fieldErrors: Record<string, string[]>;
}
/** A Standard Schema issue. */
export interface ValidationIssue {
  message: string;
  /** The dotted field split, integer segments as numbers: `["loras", 0, "weight"]`. */
  path: (string | number)[];
}

export declare class ValidationError extends DeapiError {
  /**
   * react-hook-form: `catch (e) { if (isValidationError(e)) e.applyTo(setError) }`. For each field, in
   * server order: `setError(field, { type: "server", message: <first message>, types: { server } })`
   * (dotted names as they are); then `setError("root.server", { type: "server", message })` unless
   * `root: false`. Returns the field names set. A field with a `__proto__`, `constructor` or
   * `prototype` segment is not set (`setError` writes the name as a path); it stays in `errors`.
   */
  applyTo(setError: SetErrorFunction, options?: ApplyToOptions): string[];
  /** Formik: `setErrors(e.toFormikErrors())`. `loras.0.weight` → `{ loras: [{ weight: "…" }] }`. A
   * field with a `__proto__`, `constructor` or `prototype` segment is left out of the tree. */
  toFormikErrors(): FormErrorTree;
  toFormikErrors<Values>(): FormErrorsOf<Values>;
  /** zod-style `{ formErrors, fieldErrors }`. */
  flatten(): FlattenedErrors;
  /** Standard Schema issues, one per message in server order. */
  readonly issues: ValidationIssue[];
}
export declare class InsufficientBalanceError extends ValidationError {}
export declare class RateLimitError extends DeapiError {}
export declare class ServerError extends DeapiError {}
export declare class ConnectionError extends DeapiError {}
export declare class RequestTimeoutError extends DeapiError {}
export declare class AbortError extends DeapiError {}
export declare class JobFailedError extends DeapiError {
  readonly errorCode: string | null;
  /** The server's own failure text, for showing to a user. */
  readonly errorMessage: string | null;
  readonly errorReason: string | null;
  readonly retryable: boolean | null;
  readonly refunded: boolean | null;
}
export declare class JobTimeoutError extends DeapiError {}
export declare class InvalidOptionsError extends DeapiError {}
export declare class InvalidResponseError extends DeapiError {}

export type WebhookVerificationReason =
  | "missing_signature" | "malformed_signature" | "mismatch" | "stale" | "future" | "bad_timestamp"
  | "bad_secret" | "bad_payload" | "payload_too_large";
/** A webhook delivery failed verification (`code` "webhook_verification"; `body` is `{ reason }`). */
export declare class WebhookVerificationError extends DeapiError {
  constructor(props?: DeapiErrorProps & { reason?: WebhookVerificationReason });
  /** Why: no signature (deAPI sends unsigned deliveries when no secret is configured), a malformed one,
   * a mismatch (changed body or wrong secret), a timestamp too old / too far ahead / not Unix seconds,
   * an empty secret, a payload that is not the raw body (or not a JSON object), or one larger than
   * `maxPayloadBytes` (refused before it is copied). */
  readonly reason: WebhookVerificationReason;
}

export interface VerifyWebhookOptions {
  /** The RAW request body exactly as received (never a parsed object): `await req.text()`, or a Buffer
   * from `express.raw({ type: "application/json" })`. Any ArrayBuffer view (Uint8Array, Buffer, …) works. */
  payload: string | Uint8Array | ArrayBuffer | ArrayBufferView;
  /** The `X-DeAPI-Signature` header (`sha256=<hex>`). */
  signature: string | null | undefined;
  /** The `X-DeAPI-Timestamp` header (Unix seconds). */
  timestamp: string | number | null | undefined;
  /** The job's `webhook_secret`, or the account's webhook secret. */
  secret: string;
  /** Largest accepted |now − timestamp| in seconds, either way (default 300; 0 to 86 400: past a day a
   * captured delivery stays replayable too long — deduplicate on `delivery_id` within the window). */
  toleranceSec?: number;
  /** Largest accepted payload in bytes (default 1 MiB = 1 048 576; an integer from 1 to 67 108 864).
   * Checked on the string's length or the bytes' `byteLength` after the headers and the timestamp's
   * freshness, before the payload is copied or hashed; past it: reason `"payload_too_large"`. */
  maxPayloadBytes?: number;
}

/** A webhook delivery's body (deAPI's wire names). */
export interface WebhookEvent {
  event: "job.processing" | "job.completed" | "job.failed" | (string & {});
  /** Deduplicate on it: a delivery may be retried. */
  delivery_id: string;
  /** ISO 8601, e.g. "2026-08-07T11:43:14+00:00". */
  timestamp: string;
  data: {
    job_request_id: string;
    status: string;
    previous_status?: string;
    job_type?: string;
    /** Pre-signed and expiring (`job.completed`). */
    result_url?: string | null;
    [k: string]: unknown;
  };
}

/** Verify a deAPI webhook delivery (the headers' syntax, the timestamp within `toleranceSec`, the
 * payload's size within `maxPayloadBytes`, then the HMAC-SHA256 signature in constant time) and
 * parse it. Rejects with `WebhookVerificationError` (or `InvalidOptionsError` for a bad `toleranceSec`
 * or `maxPayloadBytes`). On servers: Node, Deno, Bun and Cloudflare Workers load the module that
 * has it; the browser module leaves it out (a webhook secret belongs on a server), and there it
 * rejects with `InvalidOptionsError`. */
export declare function verifyWebhook(options: VerifyWebhookOptions): Promise<WebhookEvent>;

/** What the `authorize` hook of `createProxy` is told about a request it may forward. */
export interface ProxyRequestInfo {
  /** The SDK method the request is: `images.generate`, `images.generatePrice`, `jobs.get`,
   * `models.list`, `account.balance`, `realtime.auth`, `realtime.relay` (the events path), … */
  operation: string;
  method: "GET" | "POST";
  /** The path it goes to on deAPI (`/api/v2/images/generations`), without the query; `/events/{requestId}` for the events path. */
  path: string;
  /** It creates billed work (a job submission): where a per-user limit belongs. */
  submission: boolean;
}

export interface ProxyOptions {
  /**
   * Your deAPI key (`<id>|<secret>`), added to every request the proxy forwards. Required: typically
   * `process.env.DEAPI_API_KEY`, whose type allows `undefined` — a missing one throws an
   * `InvalidOptionsError` naming `apiKey` when the proxy is created.
   */
  apiKey: string | undefined;
  /** Where the proxy is mounted: the browser client's `baseUrl`. Default `"/api/deapi"`; `""` for the root. */
  prefix?: string;
  /** deAPI's address. Default `https://api.deapi.ai`. Plain `http://` only to loopback (or with `allowInsecureHttp`). */
  baseUrl?: string;
  /** Other sites whose pages may call the proxy (`["https://app.example"]`), with CORS. By default only
   * this site's own pages can (`Sec-Fetch-Site: same-origin`, else a matching `Origin`). */
  allowedOrigins?: string[];
  /**
   * Your own check, after the proxy's: authenticate your user (a session cookie, a token) and apply a
   * per-user limit. Return `true` to forward, `false` for a 403, or a `Response` to answer with it
   * (e.g. a 401, or a 429 with `Retry-After`). A throw or a rejection is a 500 (reported to `onError`,
   * never shown to the browser). Without it, anyone who can reach the proxy can spend the key.
   */
  authorize?: (request: Request, info: ProxyRequestInfo) => boolean | Response | Promise<boolean | Response>;
  /** Per request to deAPI; past it the browser gets a 504. Default 30 000. */
  timeoutMs?: number;
  /** Largest request body read from the browser (bytes); larger → 413 before deAPI hears of it. Default 75 MiB (deAPI's own limit). */
  maxRequestBytes?: number;
  /** Largest answer read from deAPI (bytes); larger → 502. Default 16 MiB, 1 KiB–256 MiB (as the client's option). */
  maxResponseBytes?: number;
  /** Allow plain `http://` to a host that is not loopback (the key would travel in clear text). Default `false`. */
  allowInsecureHttp?: boolean;
  /** A `fetch` to reach deAPI with (default: the global one). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Hears what went wrong on the server side: `stage` is `"upstream"` (deAPI unreachable), `"authorize"`
   * (your hook threw or answered oddly), `"request"` (the body could not be read), `"realtime"` (the
   * events path's client: realtime gave up) or `"proxy"`. */
  onError?: (event: { stage: "upstream" | "authorize" | "request" | "realtime" | "proxy"; error: unknown }) => void;
  /**
   * Serve `GET {prefix}/events/{requestId}`: one job's events as Server-Sent Events
   * (`deapi.realtime.relay`, see `RelayEvents`), through a client of the proxy's own with this
   * `realtime` option and its `apiKey`, `baseUrl`, `timeoutMs` and `fetch` — after the same origin
   * checks and `authorize` (operation `"realtime.relay"`). Without it, that path is a 404.
   */
  realtime?: RealtimeOptions | null;
}

/**
 * A deAPI proxy for your server, so the key never reaches a browser: a Web-standard handler that
 * forwards the browser client's requests (`new DeapiClient({ baseUrl: "/api/deapi" })`) to deAPI with
 * the key added. Only deAPI's operations (GET and POST, the paths the SDK sends), only from your own
 * site's pages (or `allowedOrigins`), only JSON bodies and multipart uploads that carry the SDK's
 * `X-Deapi-Client` header (neither can be sent cross-site without a CORS preflight). Refusals are
 * JSON 4xx answers; deAPI down, hanging or redirecting gives a 502/504 JSON answer; the promise never
 * rejects. Response headers are limited to `Content-Type`, `Retry-After` and `X-RateLimit-*`.
 * Fits a Next.js route handler (`export const GET = proxy, POST = proxy`), a Cloudflare Worker,
 * `Deno.serve`, `Bun.serve`; Node's `http` through `toNodeListener`. Servers only: the browser module
 * throws `InvalidOptionsError`. Bad options throw `InvalidOptionsError`.
 */
export declare function createProxy(options: ProxyOptions): (request: Request) => Promise<Response>;

/** What the scheduler asks a {@link QuotaStore} before a request of a rate-limited bucket. */
export interface QuotaRequest {
  /** The API key's name in the store: 16 hex digits of SHA-256 over the key's id (never the key). */
  key: string;
  /** The rate-limit bucket: `images/generations`, `price`, `jobs`, … */
  bucket: string;
  /** The sliding log's width in ms: the server's window (`rateLimitWindowMs`) plus a margin (a thirtieth, 500 ms–2 s). */
  windowMs: number;
  /** While no limit is known, one request of the fleet probes; the others wait this lease (ms) at most. */
  leaseMs: number;
}

/** A store's answer: go (a reservation was made), or wait `waitMs` and ask again. */
export interface QuotaAnswer {
  ok: boolean;
  /** How long to wait (ms) when `ok` is false. */
  waitMs?: number;
  /** Why: the window's quota is in use, a 429 paused the bucket, the daily quota is spent (until
   * midnight UTC: the call fails fast with `RateLimitError`), or another request probes the limits. */
  reason?: "minute" | "paused" | "daily" | "probe";
}

/** What a response taught the fleet (`null`: not said). */
export interface QuotaReport {
  key: string;
  bucket: string;
  windowMs: number;
  /** `X-RateLimit-Limit` / `-Remaining` (the store learns the limit; a server count above its own joins its log). */
  limit: number | null;
  remaining: number | null;
  /** `X-RateLimit-Daily-Limit` / `-Daily-Remaining` (daily counts per UTC day). */
  dailyLimit: number | null;
  dailyRemaining: number | null;
  /** A 429's `Retry-After` in ms (0: none): the bucket pauses for every process, extend-only. */
  pauseMs: number;
  /** The 429 was the daily limit: spent for every process until midnight UTC. */
  dailySpent: boolean;
}

/**
 * The store behind `quotaStore`: one key's quota shared by many processes. `acquire` must be atomic
 * (reserve in a sliding log of `windowMs` against the limit learned from `report`, or answer how long
 * to wait) and must not throw for "no room". Back it with Redis (`redisQuotaStore`), a Durable
 * Object, Postgres…; every record should expire.
 */
export interface QuotaStore {
  acquire(request: QuotaRequest): Promise<QuotaAnswer>;
  report(report: QuotaReport): Promise<unknown>;
  /** How long the scheduler waits for one call (default 1 000 ms); past it the process paces itself. */
  readonly timeoutMs?: number;
}

/** Options of {@link redisQuotaStore}. */
export interface RedisQuotaStoreOptions {
  /** Key prefix (default `"deapi"`): keys are `<prefix>:{<key hash>}:<bucket>:log|meta` (one Redis Cluster hash tag per key). No braces. */
  prefix?: string;
  /** How long one store call may take (ms, 1–60 000; default 1 000). */
  timeoutMs?: number;
}

/** The clients {@link redisQuotaStore} speaks to, by shape: ioredis (`Redis`, `Cluster`), node-redis v4+
 * (`createClient()`, `createCluster()`), @upstash/redis (`Redis`, REST). */
export type RedisLikeClient =
  | { defineCommand: (...args: any[]) => unknown; evalsha: (...args: any[]) => Promise<unknown>; eval: (...args: any[]) => Promise<unknown> }
  | { evalSha: (...args: any[]) => Promise<unknown>; eval: (...args: any[]) => Promise<unknown> }
  | { evalsha: (...args: any[]) => Promise<unknown>; eval: (...args: any[]) => Promise<unknown> };

/**
 * A {@link QuotaStore} in Redis: `new DeapiClient({ apiKey, quotaStore: redisQuotaStore(new Redis(url)) })`.
 * One Lua script per call (EVALSHA; EVAL after a NOSCRIPT), Redis `TIME` as the fleet's clock, every key
 * expiring. The client stays yours (close it when you are done); none of the three is a dependency of
 * this package. Servers only (Node, Deno, Bun, Workers); bad options throw `InvalidOptionsError`.
 */
export declare function redisQuotaStore(client: RedisLikeClient, options?: RedisQuotaStoreOptions): QuotaStore;

/** Node's `http` listener for a Web handler such as `createProxy`'s:
 * `http.createServer(toNodeListener(createProxy({ apiKey })))`. Node only. */
export declare function toNodeListener(handler: (request: Request) => Promise<Response>): (req: any, res: any) => void;

/** True for any error of this package, even from another loaded copy of it. */
export declare function isDeapiError(e: unknown): e is DeapiError;
export declare function isValidationError(e: unknown): e is ValidationError;

/** `WebAssembly.Module` where the compilation's lib declares it (the DOM lib), `never` otherwise. */
export type WasmModuleLike = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: never[]) => infer M } } ? M : never;
/**
 * Optional: importing the package loads the .wasm (Node: at require time; browsers and bundlers:
 * top-level await). Resolves once loaded; `input` (a URL, a Response, bytes or a compiled module) is
 * used only if that automatic load failed, and is ignored once loaded.
 */
export declare function init(input?: string | URL | Request | Response | ArrayBuffer | ArrayBufferView | WasmModuleLike): Promise<void>;
