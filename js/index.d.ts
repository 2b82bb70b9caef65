// Types of the deapi-wasm package (hand-written; the runtime is js/facade.js over the Rust core).

export type ApiVersion = "v1" | "v2";

export interface RequestEvent { method: string; url: string; headers: Record<string, string>; attempt: number }
export interface ResponseEvent { method: string; url: string; status: number; attempt: number; durationMs: number }
export interface RetryEvent {
  method: string; url: string; attempt: number; delayMs: number;
  reason: "server_error" | "rate_limited" | "connection_failure" | "timeout";
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
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** A fetch implementation to use instead of the global one. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Allow `apiKey` in a browser, where anyone can read it. Prefer a proxy. */
  dangerouslyAllowBrowser?: boolean;
  onRequest?: (event: RequestEvent) => void;
  onResponse?: (event: ResponseEvent) => void;
  onRetry?: (event: RetryEvent) => void;
  onError?: (error: DeapiError) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Per-attempt timeout for this call, in ms. */
  timeoutMs?: number;
}

export type JobState = "pending" | "processing" | "done" | "error" | (string & {});

export interface JobStatus {
  request_id: string;
  status: JobState;
  /** 0–100, or null when the server sent none. */
  progress: number | null;
  preview?: string | null;
  result_url?: string | null;
  results_alt_formats?: { jpg?: string; webp?: string; [format: string]: string | undefined } | null;
  result?: unknown;
  error_code?: string | null;
  error_message?: string | null;
  error_reason?: string | null;
  retryable?: boolean | null;
  refunded?: boolean | null;
  failed_at?: string | null;
  price?: { amount: number; is_estimated: boolean } | null;
  [field: string]: unknown;
}

export interface WaitOptions extends CallOptions {
  /** Called with every status polled. */
  onProgress?: (status: JobStatus) => void;
  /** First delay between polls (default 2000 ms); grows ×1.5 per poll. */
  pollIntervalMs?: number;
  /** Longest delay between polls (default 10 000 ms). */
  maxPollIntervalMs?: number;
  /** Reject with `JobTimeoutError` after this long (default 600 000 ms). */
  maxWaitMs?: number;
}

export declare class Job {
  readonly requestId: string;
  status(options?: CallOptions): Promise<JobStatus>;
  wait(options?: WaitOptions): Promise<JobStatus>;
  toJSON(): { requestId: string };
}

export interface Lora { name: string; weight: number }

export interface ImageGenerateParams {
  prompt: string;
  model: string;
  width: number;
  height: number;
  guidance: number;
  steps: number;
  seed: number;
  negative_prompt?: string | null;
  loras?: Lora[] | null;
  /** v2 only. */
  quality?: string | null;
  /** v2 only. */
  enhance_prompt?: boolean;
  webhook_url?: string | null;
  /** v2 only; 32–255 characters, requires webhook_url. */
  webhook_secret?: string | null;
}
export type ImageGeneratePriceParams = Omit<ImageGenerateParams, "webhook_url" | "webhook_secret" | "enhance_prompt">;

export interface PriceResult { price: number; is_estimated?: boolean }
export interface BalanceResult { balance: number }

export interface Model {
  name?: string;
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
}
export interface ModelsQuery {
  inference_types?: string | string[];
  page?: number;
  /** 1–50, default 50. */
  limit?: number;
}
export interface ModelsPage { data: Model[]; currentPage: number; lastPage: number; perPage?: number; total?: number }

export declare class DeapiClient {
  constructor(options: DeapiClientOptions);
  readonly images: {
    generate(params: ImageGenerateParams, options?: CallOptions): Promise<Job>;
    generatePrice(params: ImageGeneratePriceParams, options?: CallOptions): Promise<PriceResult>;
  };
  readonly jobs: {
    get(requestId: string, options?: CallOptions): Promise<JobStatus>;
    wait(requestId: string, options?: WaitOptions): Promise<JobStatus>;
  };
  readonly models: {
    list(query?: ModelsQuery, options?: CallOptions): Promise<ModelsPage>;
    all(query?: Omit<ModelsQuery, "page" | "limit">, options?: CallOptions): Promise<Model[]>;
  };
  readonly account: { balance(options?: CallOptions): Promise<BalanceResult> };
  job(requestId: string): Job;
}

export type ErrorCode =
  | "authentication" | "permission_denied" | "not_found" | "validation" | "insufficient_balance"
  | "payload_too_large" | "rate_limit" | "server" | "http" | "connection" | "timeout" | "aborted"
  | "job_failed" | "job_timeout" | "invalid_options" | "invalid_response";

export interface FieldError { field: string; message: string }
export interface RateLimitInfo {
  limit: number | null; remaining: number | null; dailyLimit: number | null; dailyRemaining: number | null;
  type: "minute" | "daily" | string | null; source: string | null;
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
  /** One entry per message, in server order. */
  readonly errors: FieldError[];
  /** The Laravel shape: field → messages. */
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
export declare class ValidationError extends DeapiError {}
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

/** True for any error of this package, even from another loaded copy of it. */
export declare function isDeapiError(e: unknown): e is DeapiError;
export declare function isValidationError(e: unknown): e is ValidationError;

/** Browsers (with or without a bundler): `await init()` once before creating a client; it loads the .wasm. Not needed in Node. */
export declare function init(input?: string | URL | Request | BufferSource | WebAssembly.Module): Promise<void>;
