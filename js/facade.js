// The JS face of deapi-wasm, shared by every entry point (scripts/build.mjs wraps it as CommonJS
// for Node and as an ES module for browsers). It holds no engine: the Rust module (src/wasm/) sends
// every request with fetch, sleeps between retries and polls, runs the scheduler and creates every
// promise and every error object. This file defines what must be JS: the Error subclasses (which the
// module constructs through the factory it is handed at load) with their form adapters, the resource
// namespaces over the module's operation table (each method one call into Rust), and Job handles.
// Both lists come from the module: its error kinds (`kinds()`: `name:code:parent`, a class after the
// class it extends) and its operations (`operations()`). `kindList` is the kinds as the build read
// them from the module: the browser entries pass it, since their classes are exported before — or
// without, when the .wasm could not be loaded at import — the module answering; Node and Workers
// load the module first and pass nothing.
function createApi(wasm, isReady, kindList) {
  "use strict";
  const KINDS = (kindList || wasm.kinds()).split(",").map((k) => k.split(":"));
  // Shared by every copy of the package in a process, so isDeapiError works across copies.
  const BRAND = Symbol.for("deapi-wasm.error");
  // Copied when present: a failed job's details (JobFailedError), a rejected webhook's `reason`.
  const EXTRA_FIELDS = ["errorCode", "errorMessage", "errorReason", "retryable", "refunded", "reason"];

  // Keys never given to an object the package returns from a server's field names (`fieldErrors`,
  // the form adapters): `__proto__`, `constructor` and `prototype` reach an object's prototype
  // machinery in whatever reads the object next (a deep merge, lodash `set`, a form library's path
  // writer). The choice: a flat map keyed by whole field names (`fieldErrors`, `flatten()`) drops a
  // field named exactly one of them (`constructor.name` is a plain key there); what turns dotted names
  // into nested keys (`toFormikErrors()`, and `applyTo`, whose `setError` does) drops a field with
  // such a segment anywhere. Nothing is lost from the raw data: `errors` keeps every server message,
  // and `issues` too (its paths are arrays, where a segment "constructor" is only a string).
  const UNSAFE_KEYS = ["__proto__", "constructor", "prototype"];
  const unsafeKey = (k) => UNSAFE_KEYS.includes(k);
  const unsafePath = (field) => field.split(".").some(unsafeKey);

  /** `{ field: [messages] }` in first-seen order; own properties only, without the unsafe keys above. */
  function groupByField(errors) {
    const out = {};
    for (const e of errors) {
      if (!e || typeof e.field !== "string" || unsafeKey(e.field)) continue;
      if (Object.prototype.hasOwnProperty.call(out, e.field)) out[e.field].push(e.message);
      else out[e.field] = [e.message];
    }
    return out;
  }
  /** A `fieldErrors` given by hand, copied without the unsafe keys. */
  function safeMap(fe) {
    const out = {};
    for (const k of Object.keys(fe)) if (!unsafeKey(k)) out[k] = fe[k];
    return out;
  }

  class DeapiError extends Error {
    constructor(props) {
      const p = props && typeof props === "object" ? props : { message: String(props) };
      super(typeof p.message === "string" ? p.message : "deAPI request failed", p.cause === undefined ? undefined : { cause: p.cause });
      // A class's own code when none is given (`new ValidationError({…})` is "validation"; a class of
      // your own takes its nearest package class's).
      let c = new.target;
      while (c && !CODES.has(c)) c = Object.getPrototypeOf(c);
      this.code = p.code || CODES.get(c || DeapiError);
      this.status = typeof p.status === "number" ? p.status : undefined;
      this.errors = Array.isArray(p.errors) ? p.errors : [];
      this.fieldErrors = p.fieldErrors && typeof p.fieldErrors === "object" ? safeMap(p.fieldErrors) : groupByField(this.errors);
      this.body = p.body;
      this.requestId = p.requestId;
      this.retryAfter = p.retryAfter;
      this.rateLimit = p.rateLimit;
      if (this.rateLimit && typeof this.rateLimit.resetAt === "number") this.rateLimit.resetAt = new Date(this.rateLimit.resetAt);
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

  // One class per kind, named from the module's strings (minifiers rename classes; users test
  // `e.name`): the base (the kind without a parent) is DeapiError above, every other class extends
  // its parent's. Only ValidationError is known here by name: it carries the form adapters below.
  const classes = {};
  const CODES = new Map();
  for (const [name, code, parent] of KINDS) {
    const C = parent ? class extends classes[parent] {} : DeapiError;
    CODES.set(C, code);
    Object.defineProperty(C, "name", { value: name });
    Object.defineProperty(C.prototype, "name", { value: name, writable: true, configurable: true });
    classes[name] = C;
  }
  const ValidationError = classes.ValidationError;

  // ---- Form adapters (pure JS over fieldErrors / errors / message; inherited by InsufficientBalanceError).
  // Field names are Laravel's dotted paths (`loras.0.weight`, `images.1`). Keys come from the server,
  // so the nested objects are written with own-property checks and defineProperty, and a name with a
  // `__proto__`, `constructor` or `prototype` segment is left out of them (UNSAFE_KEYS above).
  const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const put = (o, k, v) => Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  /** A canonical non-negative integer segment ("0", "12"; not "007", "-1", "1.5"): an array index. */
  const isIndex = (s) => /^(0|[1-9]\d{0,15})$/.test(s) && Number.isSafeInteger(Number(s));
  const pathOf = (field) => field.split(".").map((s) => (isIndex(s) ? Number(s) : s));
  /** [[field, message]], one per message in server order: from `errors` (always filled by the core,
   * in server order), else from `fieldErrors` (a ValidationError built by hand may carry only that).
   * Entries without a field name or a message are left out. */
  function messagePairs(err) {
    const list = Array.isArray(err && err.errors) ? err.errors : [];
    if (list.length > 0) {
      return list.filter((e) => e && typeof e.field === "string" && e.message !== undefined && e.message !== null)
        .map((e) => [e.field, String(e.message)]);
    }
    const fe = err && err.fieldErrors;
    if (!fe || typeof fe !== "object") return [];
    return Object.keys(fe).flatMap((field) => (Array.isArray(fe[field]) ? fe[field] : [fe[field]])
      .filter((m) => m !== undefined && m !== null).map((m) => [field, String(m)]));
  }
  /** [[field, [messages]]] for the grouping adapters: the Laravel map `fieldErrors` when it has
   * entries (the constructor derives it from `errors` when not given), else `errors` grouped by field
   * in order of first appearance. */
  function fieldEntries(err) {
    const fe = err && err.fieldErrors;
    const pairs = fe && typeof fe === "object" && Object.keys(fe).length > 0
      ? Object.keys(fe).flatMap((field) => (Array.isArray(fe[field]) ? fe[field] : [fe[field]])
        .filter((m) => m !== undefined && m !== null).map((m) => [field, String(m)]))
      : messagePairs(err);
    const byField = new Map();
    for (const [field, message] of pairs) {
      if (!byField.has(field)) byField.set(field, []);
      byField.get(field).push(message);
    }
    return [...byField];
  }
  const method = (fn) => ({ value: fn, writable: true, configurable: true });
  Object.defineProperties(ValidationError.prototype, {
    /** react-hook-form: `e.applyTo(setError)`. Per field (server order): `setError(field, { type: "server",
     * message: first message, types: { server: the message, or all of them as an array when several } })`;
     * then `setError("root.server", { type: "server", message })` unless `{ root: false }`.
     * `{ shouldFocus: true }` is passed as the third argument for the first field only.
     * Returns the field names set (not "root.server"). */
    applyTo: method(function applyTo(setError, options) {
      if (typeof setError !== "function") {
        throw new TypeError("applyTo(setError): pass react-hook-form's `setError` function (from useForm())");
      }
      const o = options && typeof options === "object" ? options : {};
      const set = [];
      for (const [field, msgs] of fieldEntries(this)) {
        if (unsafePath(field)) continue; // setError writes the name as a path (see UNSAFE_KEYS)
        const error = { type: "server", message: msgs[0], types: { server: msgs.length === 1 ? msgs[0] : msgs.slice() } };
        if (o.shouldFocus === true && set.length === 0) setError(field, error, { shouldFocus: true });
        else setError(field, error);
        set.push(field);
      }
      if (o.root !== false) setError("root.server", { type: "server", message: this.message });
      return set;
    }),
    /** Formik: `setErrors(e.toFormikErrors())`. Dotted paths become nesting, canonical integer segments
     * make (sparse) arrays — `loras.0.weight` → `{ loras: [{ weight }] }` — and a leaf is all its messages
     * joined with a space. A path that is both a leaf and a parent (`images` and `images.1`) keeps the
     * nested structure and puts its own message under `_error` (on the object or array), whatever the order. */
    toFormikErrors: method(function toFormikErrors() {
      const root = {};
      const container = (seg) => (typeof seg === "number" ? [] : {});
      for (const [field, msgs] of fieldEntries(this)) {
        if (unsafePath(field)) continue; // see UNSAFE_KEYS
        const text = msgs.join(" ");
        const path = pathOf(field);
        let node = root;
        for (let i = 0; i < path.length - 1; i++) {
          const seg = path[i];
          let next = hasOwn(node, seg) ? node[seg] : undefined;
          if (next === null || typeof next !== "object") {
            const made = container(path[i + 1]);
            if (typeof next === "string") put(made, "_error", next); // a leaf seen first becomes a parent
            put(node, seg, (next = made));
          }
          node = next;
        }
        const last = path[path.length - 1];
        const here = hasOwn(node, last) ? node[last] : undefined;
        if (here !== null && typeof here === "object") put(here, "_error", text); // a parent seen first
        else put(node, last, text);
      }
      return root;
    }),
    /** Like zod's `flatten()`: `fieldErrors` is a copy of the Laravel map; `formErrors` holds the
     * top-level message only when no field has an error (with field errors it only summarises the first). */
    flatten: method(function flatten() {
      const entries = fieldEntries(this).filter(([field]) => !unsafeKey(field)); // see UNSAFE_KEYS
      const fieldErrors = {};
      for (const [field, msgs] of entries) put(fieldErrors, field, msgs);
      return { formErrors: entries.length === 0 && typeof this.message === "string" ? [this.message] : [], fieldErrors };
    }),
    /** Standard Schema issues: one `{ message, path }` per message in the order of `errors`; path segments
     * split on dots, canonical integers as numbers (`["loras", 0, "weight"]`). */
    issues: {
      get() {
        return messagePairs(this).map(([field, message]) => ({ message, path: pathOf(field) }));
      },
      configurable: true,
    },
  });

  const makeError = (props) => new (classes[props && props.name] || DeapiError)(props);
  const isDeapiError = (e) => e !== null && typeof e === "object" && e[BRAND] === true;
  // The codes of ValidationError and its subclasses (by code: an error of a second copy of the package
  // is no instance of this copy's classes).
  const VALIDATION_CODES = KINDS.filter(([name]) => classes[name] === ValidationError || classes[name].prototype instanceof ValidationError)
    .map(([, code]) => code);
  const isValidationError = (e) => isDeapiError(e) && VALIDATION_CODES.includes(e.code);


  let operations = null;
  /** Once, on first use: the module constructs errors with these classes; the operation table. */
  function setup() {
    if (operations) return operations;
    if (isReady) isReady(); // the browser entry throws here when its .wasm could not be loaded
    wasm.__setErrorFactory(makeError);
    return (operations = wasm.operations().split(","));
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
      const g = globalThis;
      // Bad options throw the InvalidOptionsError the module constructed.
      const core = (this.#core = new wasm.Client(options, g.document !== undefined || typeof g.importScripts === "function"));
      for (const name of ops) {
        const [ns, method] = name.split(".");
        const target = this[ns] || (this[ns] = {});
        // A job id becomes a Job handle; a synchronous operation (prompts.enhance) resolves to its result.
        const asJob = (r) => (typeof r === "string" ? new Job(core, r) : r);
        target[method] = (params, opts) => core.submit(name, params, opts).then(asJob);
        target[method + "Price"] = (params, opts) => core.price(name, params, opts);
        // `.withResponse(…)`: `{ data, status, rateLimit }` — the result and what the response said.
        target[method].withResponse = (params, opts) =>
          core.submit(name, params, { ...opts, withResponse: true }).then((r) => ({ ...r, data: asJob(r.data) }));
        target[method + "Price"].withResponse = (params, opts) => core.price(name, params, { ...opts, withResponse: true });
      }
      this.jobs = { get: (id, opts) => core.jobStatus(id, opts), wait: (id, opts) => core.jobWait(id, opts) };
      this.jobs.get.withResponse = (id, opts) => core.jobStatus(id, { ...opts, withResponse: true });
      this.models = { list: (query, opts) => core.modelsList(query, opts), all: (query, opts) => core.modelsAll(query, opts) };
      this.models.list.withResponse = (query, opts) => core.modelsList(query, { ...opts, withResponse: true });
      this.account = { balance: (opts) => core.balance(opts) };
      this.account.balance.withResponse = (opts) => core.balance({ ...opts, withResponse: true });
      // The socket lives in the module (src/wasm/realtime.rs), the SSE relay too (src/wasm/relay.rs).
      this.realtime = Object.freeze({
        subscribe: (listener) => core.realtimeSubscribe(listener),
        get state() { return core.realtimeState(); },
        close: () => core.realtimeClose(),
        relay: (requestId, options) => core.realtimeRelay(requestId, options),
      });
    }
    /**
     * Check params client-side with deAPI's rules and the model's limits, without a request
     * (except fetching the model catalogue once). Resolves when valid; rejects with the same
     * ValidationError a server 422 gives (`status` undefined). `operation` is a method's dotted
     * name: "images.generate", "images.generatePrice", …
     */
    validate(operation, params, options) { return this.#core.validate(String(operation), params, options); }
    /**
     * What the last response of each rate-limited bucket said (`images/generations`, `price`,
     * `jobs`, …): `{ limit, remaining, dailyLimit, dailyRemaining, type, source, resetAt,
     * dailyResetAt, updatedAt }`, times as Dates (`resetAt`: when the minute window is over at the
     * latest; `dailyResetAt`: the next midnight UTC).
     */
    rateLimits() { return this.#core.rateLimits(); }
    /** Rebuild a Job handle from a request id (after a reload, or one handed over by a server). */
    job(requestId) { return new Job(this.#core, this.#core.jobId(requestId)); }
  }

  /** Check a webhook delivery's signature and freshness, then parse it. Always async: resolves to
   * the event, rejects with WebhookVerificationError (`reason`) or InvalidOptionsError. */
  function verifyWebhook(options) {
    try {
      setup();
    } catch (e) {
      return Promise.reject(e); // the browser entry's .wasm could not be loaded
    }
    return wasm.verifyWebhook(options);
  }

  /**
   * A deAPI proxy for your server: a Web-standard `(request: Request) => Promise<Response>` that
   * forwards the browser client's requests (`new DeapiClient({ baseUrl: "/api/deapi" })`) to deAPI
   * with the key added — only deAPI's operations, only from your own site's pages, only bodies a
   * page cannot send cross-site without a preflight; the `authorize` hook decides about your users.
   * The module checks, sends and answers (src/wasm/proxy.rs); bad options throw InvalidOptionsError.
   */
  function createProxy(options) {
    setup();
    const proxy = new wasm.Proxy(options);
    return (request) => proxy.handle(request);
  }

  // `redisQuotaStore` in the server entries (js/quota-store.js); nothing in the browser's (js/quota-stub.js).
  return { DeapiClient, Job, isDeapiError, isValidationError, verifyWebhook, createProxy, toNodeListener: nodeListener, ...classes, ...serverOnly(wasm, setup, makeError) };
}
