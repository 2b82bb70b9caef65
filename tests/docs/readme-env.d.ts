// What the README's snippets leave to the reader's app, for tests/docs/readme.mjs: each name is what a
// snippet uses without defining it. Types come from the built package ("deapi-wasm" as installed).
// A script (no top-level import): these are globals, which a block's own imports and consts shadow.

// The package's exports, for the snippets that show them without their import line.
declare const DeapiClient: typeof import("deapi-wasm").DeapiClient;
declare const DeapiError: typeof import("deapi-wasm").DeapiError;
declare const ValidationError: typeof import("deapi-wasm").ValidationError;
declare const RateLimitError: typeof import("deapi-wasm").RateLimitError;
declare const isDeapiError: typeof import("deapi-wasm").isDeapiError;
declare const isValidationError: typeof import("deapi-wasm").isValidationError;
declare const createProxy: typeof import("deapi-wasm").createProxy;
declare const toNodeListener: typeof import("deapi-wasm").toNodeListener;

// The app's own values.
/** A client made earlier in the app. */
declare const deapi: import("deapi-wasm").DeapiClient;
/** A submitted job. */
declare const job: import("deapi-wasm").Job;
/** A form's values (the params of `images.generate`). */
declare const values: import("deapi-wasm").ImageGenerateParams;
declare const apiKey: string;
/** react-hook-form's `setError`, from `useForm()`. */
declare const setError: import("react-hook-form").UseFormSetError<import("react-hook-form").FieldValues>;
declare const form: HTMLFormElement;
declare const progress: HTMLProgressElement;
declare const img: HTMLImageElement;
/** A progress bar: called with a status, or set to a percentage. */
declare const bar: { (status: import("deapi-wasm").JobStatus): void; set(percent: number | null): void };

// The app's own functions.
declare function isSignedIn(request: Request): boolean | Promise<boolean>;
declare function sessionUser(cookie: string | null): Promise<{ id: string } | null>;
declare function retryLater(seconds: number | undefined): void;
declare function clearMessages(form: HTMLFormElement): void;
/** The form's values as params, numbers as numbers. */
declare function readParams(form: HTMLFormElement): import("deapi-wasm").ImageGenerateParams;
declare function show(status: import("deapi-wasm").JobStatus): void;
declare function banner(message: string): void;

/** Prompts to generate images from. */
declare const prompts: string[];
/** A job's params. */
declare const params: import("deapi-wasm").ImageGenerateParams;

// Vite's `?url` imports (what `vite/client`'s types declare).
declare module "*?url" {
  const url: string;
  export default url;
}

// undici is not installed in the repository (the Transport snippet shows it for a Node proxy).
declare module "undici" {
  export function fetch(input: string | URL | Request, init?: RequestInit & { dispatcher?: ProxyAgent }): Promise<Response>;
  export class ProxyAgent {
    constructor(url: string);
  }
}
