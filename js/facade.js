// The JS face of deapi-wasm, shared by every entry point (scripts/build.mjs wraps it as CommonJS
// for Node and as an ES module for browsers). Everything with logic (options, retries, decoding,
// polling) lives in the Rust core; this file only gives it idiomatic JS shapes: Error subclasses,
// resource namespaces built from the core's operation table, and Job handles.
function createApi(wasm, isReady) {
  "use strict";
  // Shared by every copy of the package in a process, so isDeapiError works across copies.
  const BRAND = Symbol.for("deapi-wasm.error");
  // Copied when present: a failed job's details (JobFailedError), a rejected webhook's `reason`.
  const EXTRA_FIELDS = ["errorCode", "errorMessage", "errorReason", "retryable", "refunded", "reason"];

  class DeapiError extends Error {
    constructor(props) {
      const p = props && typeof props === "object" ? props : { message: String(props) };
      super(typeof p.message === "string" ? p.message : "deAPI request failed", p.cause === undefined ? undefined : { cause: p.cause });
      this.code = p.code || "http";
      this.status = typeof p.status === "number" ? p.status : undefined;
      this.errors = Array.isArray(p.errors) ? p.errors : [];
      this.fieldErrors = p.fieldErrors && typeof p.fieldErrors === "object" ? p.fieldErrors : {};
      this.body = p.body;
      this.requestId = p.requestId;
      this.retryAfter = p.retryAfter;
      this.rateLimit = p.rateLimit;
      this.attempts = typeof p.attempts === "number" ? p.attempts : 0;
      for (const k of EXTRA_FIELDS) if (k in p) this[k] = p[k];
    }
    /** A plain object for logs and JSON (no stack, no API key: the core never puts it in). */
    toJSON() {
      const out = { name: this.name, code: this.code, status: this.status, message: this.message,
        errors: this.errors, fieldErrors: this.fieldErrors, body: this.body, requestId: this.requestId,
        retryAfter: this.retryAfter, rateLimit: this.rateLimit, attempts: this.attempts };
      for (const k of EXTRA_FIELDS) if (k in this) out[k] = this[k];
      const c = this.cause;
      if (c !== undefined) out.cause = c instanceof Error ? { name: c.name, message: c.message } : c;
      return out;
    }
  }
  Object.defineProperty(DeapiError.prototype, BRAND, { value: true });

  // Literal names: minifiers rename classes, users test `e.name`.
  const classes = { DeapiError };
  function define(name, Base) {
    const C = class extends Base {};
    Object.defineProperty(C, "name", { value: name });
    Object.defineProperty(C.prototype, "name", { value: name, writable: true, configurable: true });
    classes[name] = C;
    return C;
  }
  Object.defineProperty(DeapiError.prototype, "name", { value: "DeapiError", writable: true, configurable: true });
  const ValidationError = define("ValidationError", DeapiError);
  define("InsufficientBalanceError", ValidationError);
  for (const n of ["AuthenticationError", "PermissionDeniedError", "NotFoundError", "PayloadTooLargeError",
    "RateLimitError", "ServerError", "ConnectionError", "RequestTimeoutError", "AbortError",
    "JobFailedError", "JobTimeoutError", "InvalidOptionsError", "InvalidResponseError",
    "WebhookVerificationError"]) define(n, DeapiError);

  const makeError = (props) => new (classes[props && props.name] || DeapiError)(props);
  const isDeapiError = (e) => e !== null && typeof e === "object" && e[BRAND] === true;
  const isValidationError = (e) => isDeapiError(e) && (e.code === "validation" || e.code === "insufficient_balance");

  let operations = null;
  function setup() {
    if (operations) return operations;
    if (isReady && !isReady()) {
      throw new Error("deapi-wasm is not initialised: in a browser, `await init()` (exported by the package) " +
        "once before `new DeapiClient(...)`; it loads the .wasm file");
    }
    wasm.__setErrorFactory(makeError);
    return (operations = wasm.operations());
  }
  if (!isReady) setup();

  /** A submitted job: `await job.wait()` resolves with the `done` status. */
  class Job {
    #core;
    constructor(core, requestId) {
      this.#core = core;
      this.requestId = requestId;
    }
    /** One status poll. */
    status(options) { return this.#core.jobStatus(this.requestId, options); }
    /** Poll with backoff until done (resolves) or failed (rejects with JobFailedError). */
    wait(options) { return this.#core.jobWait(this.requestId, options); }
    toJSON() { return { requestId: this.requestId }; }
  }

  class DeapiClient {
    #core;
    constructor(options) {
      const ops = setup();
      const core = (this.#core = new wasm.Core(options));
      for (const name of ops) {
        const [ns, method] = name.split(".");
        const target = this[ns] || (this[ns] = {});
        // A job id becomes a Job handle; a synchronous operation (prompts.enhance) resolves to its result.
        target[method] = (params, opts) => core.submit(name, params, opts).then((r) => (typeof r === "string" ? new Job(core, r) : r));
        target[method + "Price"] = (params, opts) => core.price(name, params, opts);
      }
      this.jobs = { get: (id, opts) => core.jobStatus(id, opts), wait: (id, opts) => core.jobWait(id, opts) };
      this.models = { list: (query, opts) => core.modelsList(query, opts), all: (query, opts) => core.modelsAll(query, opts) };
      this.account = { balance: (opts) => core.balance(opts) };
    }
    /** Rebuild a Job handle from a request id (after a reload, or one handed over by a server). */
    job(requestId) {
      if (typeof requestId !== "string" || requestId.trim() === "") {
        throw makeError({ name: "InvalidOptionsError", code: "invalid_options",
          message: "Invalid option `requestId`: must be the non-empty string id returned by a submit call" });
      }
      return new Job(this.#core, requestId.trim());
    }
  }

  /** Check a webhook delivery's signature and freshness, then parse it. Always async: resolves to
   * the event, rejects with WebhookVerificationError (`reason`) or InvalidOptionsError. */
  const verifyWebhook = (options) => Promise.resolve().then(() => {
    setup();
    return wasm.verifyWebhook(options);
  });

  return { DeapiClient, Job, isDeapiError, isValidationError, verifyWebhook, ...classes };
}
