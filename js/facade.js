// The JS face of deapi-wasm, shared by every entry point (scripts/build.mjs wraps it as CommonJS
// for Node and as an ES module for browsers). Every decision (options, validation, request building,
// retry policy, error decoding, quotas, scheduling, the polling schedule) is made by the Rust core,
// which is sans-I/O: its calls are synchronous and answer with one JSON text. This file runs the I/O
// the core asks for — requests (fetch, or Node's transport: js/node-http.js), timers, AbortSignals,
// FormData, user hooks — and gives the results idiomatic JS shapes: Error subclasses, resource
// namespaces built from the core's operation table, and Job handles. (Why: no futures or closures in wasm keeps the module small and a call cheap.)
function createApi(wasm, isReady, transport) {
  "use strict";
  // Shared by every copy of the package in a process, so isDeapiError works across copies.
  const BRAND = Symbol.for("deapi-wasm.error");
  // Copied when present: a failed job's details (JobFailedError), a rejected webhook's `reason`.
  const EXTRA_FIELDS = ["errorCode", "errorMessage", "errorReason", "retryable", "refunded", "reason"];

  /** `{ field: [messages] }` in first-seen order; own properties only (a field named `__proto__` stays a field). */
  function groupByField(errors) {
    const out = {};
    for (const e of errors) {
      if (!e || typeof e.field !== "string") continue;
      if (Object.prototype.hasOwnProperty.call(out, e.field)) out[e.field].push(e.message);
      else if (e.field === "__proto__") Object.defineProperty(out, e.field, { value: [e.message], enumerable: true, writable: true, configurable: true });
      else out[e.field] = [e.message];
    }
    return out;
  }

  class DeapiError extends Error {
    constructor(props) {
      const p = props && typeof props === "object" ? props : { message: String(props) };
      super(typeof p.message === "string" ? p.message : "deAPI request failed", p.cause === undefined ? undefined : { cause: p.cause });
      this.code = p.code || "http";
      this.status = typeof p.status === "number" ? p.status : undefined;
      // The core sends field errors as pairs: [[field, message], …].
      this.errors = Array.isArray(p.pairs) ? p.pairs.map(([field, message]) => ({ field, message }))
        : Array.isArray(p.errors) ? p.errors : [];
      this.fieldErrors = p.fieldErrors && typeof p.fieldErrors === "object" ? p.fieldErrors : groupByField(this.errors);
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
  Object.defineProperty(DeapiError, "name", { value: "DeapiError" });
  const ValidationError = define("ValidationError", DeapiError);

  // ---- Form adapters (pure JS over fieldErrors / errors / message; inherited by InsufficientBalanceError).
  // Field names are Laravel's dotted paths (`loras.0.weight`, `images.1`). Keys come from the server,
  // so the nested objects are written with own-property checks and defineProperty: a field named
  // `__proto__.x` or `constructor.name` becomes plain data, never a prototype write.
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
      const entries = fieldEntries(this);
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
  define("InsufficientBalanceError", ValidationError);
  for (const n of ["AuthenticationError", "PermissionDeniedError", "NotFoundError", "PayloadTooLargeError",
    "RateLimitError", "ServerError", "ConnectionError", "RequestTimeoutError", "AbortError",
    "JobFailedError", "JobTimeoutError", "InvalidOptionsError", "InvalidResponseError",
    "WebhookVerificationError"]) define(n, DeapiError);

  const makeError = (props) => new (classes[props && props.name] || DeapiError)(props);
  const isDeapiError = (e) => e !== null && typeof e === "object" && e[BRAND] === true;
  const isValidationError = (e) => isDeapiError(e) && (e.code === "validation" || e.code === "insufficient_balance");

  let operations = null;
  let headerNames = null;
  function setup() {
    if (operations) return operations;
    if (isReady) isReady(); // the browser entry throws here when its .wasm could not be loaded
    const [ops, headers] = wasm.tables().split("\n");
    headerNames = headers.split(",");
    return (operations = ops.split(","));
  }
  if (!isReady) setup();

  const parse = JSON.parse;

  // ---- The wire: what the core reads. Params, options, queries and ids cross as JSON text (one
  // crossing, parsed by the core), with markers — objects whose first key is "\u0000" — for what
  // JSON cannot say: an upload (described: size, types, name, first bytes; the value itself stays
  // here), a function or an AbortSignal (kept here; allowed only as a top-level option), a symbol or
  // bigint (refused by the core with the key's name), a non-finite number (refused by validation).
  const MARK = "\u0000";
  const NOT_JSON = '{"\\u0000":"x"}';
  const isArrayBuffer = (v) => v instanceof ArrayBuffer || Object.prototype.toString.call(v) === "[object ArrayBuffer]";
  /** Binary data an upload can be made of: a Blob or File (recognised by shape, so one from another
   * realm works too), an ArrayBuffer, a typed array or DataView (Node's Buffer is a Uint8Array). */
  const isBinary = (v) => v !== null && typeof v === "object" && (isArrayBuffer(v) || ArrayBuffer.isView(v) ||
    (typeof v.arrayBuffer === "function" && typeof v.size === "number" && typeof v.type === "string"));
  /** `{ data, filename?, name?, type? }`: bytes with their metadata. */
  const isWrapper = (v) => v !== null && typeof v === "object" && isBinary(v.data) &&
    Object.keys(v).every((k) => k === "data" || k === "filename" || k === "name" || k === "type");
  const isSignal = (v) => v !== null && typeof v === "object" && typeof v.aborted === "boolean" && typeof v.addEventListener === "function";
  function describeUpload(raw) {
    const w = isWrapper(raw), data = w ? raw.data : raw;
    const bytes = isArrayBuffer(data) || ArrayBuffer.isView(data);
    const s = (v) => (typeof v === "string" ? v : null);
    let head = null;
    if (bytes) {
      const n = Math.min(16, data.byteLength);
      head = Array.from(isArrayBuffer(data) ? new Uint8Array(data, 0, n) : new Uint8Array(data.buffer, data.byteOffset, n));
    }
    return { [MARK]: "file", w: w ? 1 : 0, b: bytes ? 1 : 0,
      size: typeof data.size === "number" ? data.size : typeof data.byteLength === "number" ? data.byteLength : null,
      given: w ? s(raw.type) : null, own: bytes ? null : s(data.type),
      name: w ? (s(raw.filename) !== null ? s(raw.filename) : s(raw.name)) : bytes ? null : s(data.name), head };
  }
  /** An object or array whose own values are all strings, finite numbers, booleans, null or
   * undefined: JSON as it is, no markers needed (most params and options). */
  function isPlainData(value) {
    if (typeof value !== "object" || isBinary(value) || isWrapper(value) || typeof value.toJSON === "function") return false;
    for (const k of Object.keys(value)) {
      const v = value[k];
      const t = typeof v;
      if (!(t === "string" || t === "boolean" || v === null || v === undefined || (t === "number" && Number.isFinite(v)))) return false;
    }
    return true;
  }
  /** `value` as wire text. Uploads are pushed to `files` (refused without it); with `options`, a
   * function or an AbortSignal may be the value of a top-level key. */
  function wire(value, files, options) {
    if (value === undefined || value === null) return "null";
    if (typeof value === "string") return JSON.stringify(value);
    if (isPlainData(value)) return JSON.stringify(value);
    try {
      return JSON.stringify(value, function (key, v) {
        const raw = this[key];
        const top = options && this === value;
        if (raw !== null && typeof raw === "object") {
          if (isBinary(raw) || isWrapper(raw)) {
            if (!files) return { [MARK]: "x", t: "upload" };
            files.push(raw);
            return describeUpload(raw);
          }
          if (top && key === "signal" && isSignal(raw)) return { [MARK]: "signal" };
          return v;
        }
        if (typeof raw === "number" && !Number.isFinite(raw)) return { [MARK]: "num", v: String(raw) };
        if (typeof raw === "function") return top ? { [MARK]: "fn" } : { [MARK]: "x", t: "function" };
        if (typeof raw === "symbol" || typeof raw === "bigint") return { [MARK]: "x", t: typeof raw };
        return v;
      });
    } catch {
      return NOT_JSON; // a cycle, or nesting too deep to serialise
    }
  }
  /** A core answer: the value, or the error it carries thrown. */
  function answer(text) {
    const a = parse(text);
    if (a.e) throw makeError(a.e);
    return a;
  }
  const str = (v) => (typeof v === "string" ? v : "");
  /** Hooks observe; what they throw or return is ignored, so a faulty logger cannot break a call. */
  function notify(hook, event) {
    if (typeof hook === "function") {
      try { hook(event); } catch { /* ignored */ }
    }
  }
  const abortError = (attempts, reason, requestId) => makeError({ name: "AbortError", code: "aborted",
    message: "The request was aborted", attempts, requestId: requestId || undefined, cause: reason });
  /** Resolves after `ms`; rejects (with nothing) as soon as `signal` aborts. The timer and the
   * listener are gone either way. */
  function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal && signal.aborted) return reject();
      const stop = () => { clearTimeout(timer); reject(); };
      const timer = setTimeout(() => {
        if (signal) signal.removeEventListener("abort", stop);
        resolve();
      }, Math.min(Math.max(ms, 0), 2147483647));
      if (signal) signal.addEventListener("abort", stop, { once: true });
    });
  }
  /** The multipart body of a plan: text parts, numbers as the runtime writes them, uploads as Blobs
   * with a file name (the core says which type and name; a Blob without a type is sniffed here). */
  async function formData(parts, files) {
    try {
      const fd = new FormData();
      for (const [name, v] of parts) {
        if (v === null || typeof v !== "object") {
          fd.append(name, String(v));
          continue;
        }
        const data = v.w ? files[v.f].data : files[v.f];
        const head = v.t !== null ? new Uint8Array(0) : new Uint8Array(await data.slice(0, 16).arrayBuffer());
        const [type, filename] = v.t !== null && v.n !== null ? [v.t, v.n] : wasm.fileType(head, v.t !== null ? v.t : "", name).split("\n");
        fd.append(name, v.o ? data : new Blob([data], { type }), v.n !== null ? v.n : filename);
      }
      return fd;
    } catch (cause) {
      throw makeError({ name: "InvalidOptionsError", code: "invalid_options",
        message: "Invalid option `params`: could not be encoded as multipart/form-data", cause });
    }
  }

  /** What `core.plan` is asked for (src/client.rs). */
  const SUBMIT = 0, PRICE = 1, STATUS = 2, MODELS = 3, BALANCE = 4, MODELS_PAGE = 5, VALIDATE = 6;

  /** The I/O of one client: runs the core's plans. */
  function engine(core, options) {
    const o = options !== null && typeof options === "object" ? options : {};
    const userFetch = o.fetch;
    const { onRequest, onResponse, onRetry, onError } = o;
    const scheduled = core.scheduled;
    const turns = []; // requests waiting for the scheduler's concurrency cap: their wake-ups

    function plan(what, name, params, opts, n) {
      const files = what === SUBMIT || what === PRICE || what === VALIDATE ? [] : null;
      const p = answer(core.plan(what, name, wire(params, files, false), wire(opts, null, true), n));
      p.files = files;
      return p;
    }
    const signalOf = (opts) => (opts && opts.signal) || undefined;
    const plain = (opts) => ({ signal: signalOf(opts), timeoutMs: opts ? opts.timeoutMs : undefined });
    function wake() {
      for (const go of turns.splice(0)) go();
    }
    /** Wait until a scheduled request finishes (rejects when `signal` aborts). */
    function turn(signal) {
      return new Promise((resolve, reject) => {
        if (signal && signal.aborted) return reject();
        const go = () => {
          if (signal) signal.removeEventListener("abort", stop);
          resolve();
        };
        const stop = () => {
          const at = turns.indexOf(go);
          if (at >= 0) turns.splice(at, 1);
          reject();
        };
        turns.push(go);
        if (signal) signal.addEventListener("abort", stop, { once: true });
      });
    }
    /** Wait until the scheduler lets a request of this plan go. */
    async function acquire(p, attempts, signal) {
      for (;;) {
        const g = answer(core.gate(p.k, p.l, attempts));
        if (g.g) return true;
        try {
          await (g.u ? sleep(g.u - Date.now(), signal) : turn(signal));
        } catch {
          throw abortError(attempts, signal.reason, p.i);
        }
      }
    }

    /** Send a plan, retrying as the core says, until a 2xx (`{ ok, st, rl }`) or the final error.
     * `poll` (`{ w, polls, started }`): a wait()'s status poll, whose answer also says what comes next. */
    async function send(p, signal, poll) {
      const init = { method: p.m, headers: p.h, body: p.p ? await formData(p.p, p.files) : p.b, signal: undefined };
      for (let attempts = 1; ; attempts++) {
        if (signal && signal.aborted) throw abortError(attempts - 1, signal.reason, p.i);
        if (onRequest) notify(onRequest, { method: p.m, url: p.u, headers: { ...p.rh }, attempt: attempts });
        const permit = scheduled ? await acquire(p, attempts - 1, signal) : false;
        const started = Date.now();
        // A fetch is cancelled through an AbortSignal; Node's transport hands back a cancel function.
        const controller = userFetch || !transport ? new AbortController() : null;
        let timedOut = false, stage = 0, verdict, cause, cancel;
        const relay = () => (controller ? controller.abort() : cancel && cancel());
        const timer = setTimeout(() => { timedOut = true; relay(); }, p.t);
        if (signal) signal.addEventListener("abort", relay);
        init.signal = controller ? controller.signal : undefined;
        try {
          let res;
          if (userFetch) res = await userFetch(p.u, init);
          else if (transport) res = await transport(p.u, init, (c) => { cancel = c; });
          else if (typeof globalThis.fetch === "function") res = await globalThis.fetch(p.u, init);
          else throw new TypeError("no global fetch in this runtime (Node 18+ has one); pass the `fetch` option");
          if (res === null || typeof res !== "object" || typeof res.status !== "number") {
            throw new TypeError("fetch resolved with something that is not a Response");
          }
          stage = 1;
          const status = res.status, h = res.headers;
          const get = (name) => { const v = h && typeof h.get === "function" ? h.get(name) : null; return typeof v === "string" ? v : ""; };
          // A 2xx without rate-limit headers (models, balance) needs no other header.
          const headers = status >= 200 && status < 300 && get("x-ratelimit-remaining") === "" ? "" : headerNames.map(get).join("\n");
          const text = await res.text();
          if (onResponse) notify(onResponse, { method: p.m, url: p.u, status, attempt: attempts, durationMs: Date.now() - started });
          const body = typeof text === "string" ? text : "";
          verdict = poll
            ? core.decide(p.d, p.s, p.k, p.l, p.i, attempts, status, headers, body, permit, poll.polls, Date.now() - poll.started, poll.w.pi, poll.w.mp, poll.w.mw)
            : core.decide(p.d, p.s, p.k, p.l, p.i, attempts, status, headers, body, permit, 0, 0, 0, 0, 0);
        } catch (e) {
          if (signal && signal.aborted) {
            if (permit) { core.release(p.k, p.l); wake(); }
            throw abortError(attempts, signal.reason, p.i);
          }
          const inner = e !== null && typeof e === "object" ? e.cause : undefined;
          const detail = inner !== null && typeof inner === "object" ? str(inner.code) || str(inner.message) : "";
          verdict = core.fail(p.d, p.s, p.k, p.l, p.i, attempts, timedOut ? 0 : stage ? 2 : 1, p.t,
            e !== null && typeof e === "object" ? str(e.message) : "", detail, permit);
          if (!timedOut) cause = e;
        } finally {
          clearTimeout(timer);
          if (signal) signal.removeEventListener("abort", relay);
        }
        if (permit) wake();
        const v = parse(verdict);
        if (!v.e) return v;
        const error = makeError(cause === undefined ? v.e : { ...v.e, cause });
        if (v.r === undefined) throw error;
        if (onRetry) notify(onRetry, { method: p.m, url: p.u, attempt: attempts, delayMs: v.r, reason: v.why, error });
        try {
          await sleep(v.r, signal);
        } catch {
          throw abortError(attempts, signal.reason, p.i);
        }
      }
    }

    /** Plan (fetching the model catalogue first when validation needs it), send, and shape. */
    async function request(what, name, params, opts) {
      let p = plan(what, name, params, opts, 0);
      if (p.c) p = plan(what, name, params, opts, (await catalogue(opts)) ? 0 : 1);
      const r = await send(p, signalOf(opts));
      return p.w ? { data: r.ok, status: r.st, rateLimit: r.rl } : r.ok;
    }
    /** The model catalogue for validation, fetched with the call's signal and timeout: true when
     * the core has it. A failure other than an abort skips the model checks (the server decides). */
    async function catalogue(opts) {
      try {
        core.setCatalogue(JSON.stringify(await allModels(null, plain(opts))));
        return true;
      } catch (e) {
        if (e && e.code === "aborted") throw e;
        return false;
      }
    }
    /** Every model: page by page, at most 100 pages. */
    async function allModels(query, opts) {
      const all = [];
      for (let page = 1; ; page++) {
        const r = (await send(plan(MODELS_PAGE, "", query, opts, page), signalOf(opts))).ok;
        if (Array.isArray(r.data)) for (const m of r.data) all.push(m);
        if (page >= (typeof r.lastPage === "number" ? r.lastPage : page) || page >= 100) return all;
      }
    }
    const status = (id, opts) => request(STATUS, "", id, opts);
    const statusPlan = (w) => plan(STATUS, "", w.i, { timeoutMs: w.t }, 0);

    /** Poll until done (resolves with the status), failed or out of time (rejects). */
    async function wait(id, opts) {
      const w = answer(core.waitPlan(wire(id, null, false), wire(opts, null, true)));
      const signal = signalOf(opts), onProgress = opts ? opts.onProgress : undefined;
      if (scheduled) return sharedWait(w, signal, onProgress);
      // Every poll of a wait is the same request: planned once.
      const started = Date.now(), p = statusPlan(w);
      for (let polls = 1; ; polls++) {
        const v = await send(p, signal, { w, polls, started });
        notify(onProgress, v.ok);
        if (v.we) throw makeError(v.we);
        if (v.n === undefined) return v.ok;
        try {
          await sleep(v.n, signal);
        } catch {
          throw abortError(0, signal.reason, w.i);
        }
      }
    }

    // With the scheduler on, every wait() of a client shares one poller: one status request at a
    // time, spaced by the shortest poll interval, soonest due first — so N waits cost the status
    // bucket what one does.
    const waiters = [];
    let polling = false;
    function sharedWait(w, signal, onProgress) {
      return new Promise((resolve, reject) => {
        if (signal && signal.aborted) return reject(abortError(0, signal.reason, w.i));
        const now = Date.now();
        const me = { w, started: now, polls: 0, nextAt: now, onProgress, resolve, reject, signal, stop: null, plan: null };
        if (signal) {
          me.stop = () => settle(me, false, abortError(0, signal.reason, w.i));
          signal.addEventListener("abort", me.stop, { once: true });
        }
        waiters.push(me);
        if (!polling) {
          polling = true;
          poll();
        }
      });
    }
    function settle(me, ok, value) {
      const at = waiters.indexOf(me);
      if (at < 0) return;
      waiters.splice(at, 1);
      if (me.stop) me.signal.removeEventListener("abort", me.stop);
      (ok ? me.resolve : me.reject)(value);
    }
    /** The poller's loop. It ends, and clears `polling` in the same step, once nobody waits (so
     * a wait() that arrives just then starts a new loop instead of waiting on a finished one). */
    async function poll() {
      try {
        for (;;) {
          if (waiters.length === 0) {
            polling = false;
            return;
          }
          await pollOnce();
        }
      } catch (e) {
        polling = false; // not expected: every poll's error is caught and goes to its waiter
        for (const me of waiters.slice()) settle(me, false, e);
      }
    }
    /** One status request for the waiter due soonest, then a tick. */
    async function pollOnce() {
      const tick = Math.min(...waiters.map((x) => x.w.pi));
      const me = waiters.reduce((a, b) => (b.nextAt < a.nextAt ? b : a));
      const now = Date.now();
      if (me.nextAt > now) {
        await sleep(me.nextAt - now);
        return;
      }
      try {
        const v = await send(me.plan || (me.plan = statusPlan({ i: me.w.i })), undefined, { w: me.w, polls: me.polls + 1, started: me.started });
        notify(me.onProgress, v.ok);
        if (waiters.includes(me)) {
          me.polls += 1;
          if (v.we) settle(me, false, makeError(v.we));
          else if (v.n === undefined) settle(me, true, v.ok);
          else me.nextAt = Date.now() + v.n;
        }
      } catch (e) {
        settle(me, false, e);
      }
      if (tick > 0 && Number.isFinite(tick)) await sleep(tick);
    }

    /** Every public call rejects (never throws) and reports its error to `onError`. */
    const guard = (fn) => (...args) => {
      let promise;
      try { promise = fn(...args); } catch (e) { promise = Promise.reject(e); }
      return onError ? promise.catch((e) => { notify(onError, e); throw e; }) : promise;
    };
    return {
      submit: guard((name, params, opts) => request(SUBMIT, name, params, opts)),
      price: guard((name, params, opts) => request(PRICE, name, params, opts)),
      jobStatus: guard(status),
      jobWait: guard(wait),
      modelsList: guard((query, opts) => request(MODELS, "", query, opts)),
      modelsAll: guard((query, opts) => allModels(query, opts)),
      balance: guard((opts) => request(BALANCE, "", undefined, opts)),
      validate: guard(async (op, params, opts) => {
        const v = plan(VALIDATE, op, params, opts, 0);
        if (v.c) plan(VALIDATE, op, params, opts, (await catalogue(opts)) ? 0 : 1);
      }),
      rateLimits: () => parse(core.rateLimits()),
    };
  }

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
      const made = new wasm.Core(wire(options, null, true), g.document !== undefined || typeof g.importScripts === "function");
      const refused = made.error; // "" or the props of an InvalidOptionsError
      if (refused) {
        made.free();
        throw makeError(parse(refused));
      }
      const core = (this.#core = engine(made, options));
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
    rateLimits() {
      const out = this.#core.rateLimits();
      const date = (ms) => (typeof ms === "number" ? new Date(ms) : null);
      for (const q of Object.values(out)) {
        q.resetAt = date(q.resetAt);
        q.dailyResetAt = date(q.dailyResetAt);
        q.updatedAt = date(q.updatedAt);
      }
      return out;
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
    // The payload crosses as it is (text or bytes); the other options as wire text.
    let kind = 5, text = "", bytes = new Uint8Array(0), rest = "null";
    if (options !== null && typeof options === "object") {
      const p = options.payload;
      if (typeof p === "string") { kind = 0; text = p; }
      else if (ArrayBuffer.isView(p)) { kind = 1; bytes = new Uint8Array(p.buffer, p.byteOffset, p.byteLength); }
      else if (isArrayBuffer(p)) { kind = 1; bytes = new Uint8Array(p); }
      else kind = p === null || p === undefined ? 2 : typeof p === "object" ? 3 : 4;
      rest = wire({ signature: options.signature, timestamp: options.timestamp, secret: options.secret, toleranceSec: options.toleranceSec }, null, false);
    }
    return answer(wasm.verifyWebhook(kind, text, bytes, rest)).ok;
  });

  return { DeapiClient, Job, isDeapiError, isValidationError, verifyWebhook, ...classes };
}
