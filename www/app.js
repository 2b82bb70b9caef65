// deapi-wasm demo: two forms on deAPI through a keyless same-origin proxy (the page never holds a key;
// scripts/demo-server.mjs adds it). Every failure is an Error subclass of the package; a 422's field
// names are the keys this page submitted, so its messages go under the matching fields with no mapping.
import init, {
  DeapiClient, ValidationError, AuthenticationError, PermissionDeniedError, PayloadTooLargeError, RateLimitError,
  ServerError, ConnectionError, RequestTimeoutError, JobFailedError, JobTimeoutError, AbortError, InvalidOptionsError,
} from "/pkg/browser.js";

const $ = (id) => document.getElementById(id);
const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 6 });
const MAX_RETRIES = 3;

// ── the clients ──
// Longer Retry-Afters than a second are not slept inside the call: the page shows a countdown instead.
// A job's progress comes from its own event stream, which the demo server's proxy relays from deAPI's
// WebSocket (`realtime.relay`); the page falls back to polling when the stream fails.
const BASE_OPTIONS = { baseUrl: "/api/deapi", maxRetries: MAX_RETRIES, maxRetryAfterMs: 1000, realtime: { relay: "/api/deapi/events/{requestId}" } };

/** Status GETs each form's client has sent (the "live / polling" badge: a wait that needed none is live). */
const statusGets = new Map();

/** A client whose retries are reported in `activity` (one per form, so each shows its own). */
function makeClient(activity, validate) {
  statusGets.set(activity, 0);
  return new DeapiClient({
    ...BASE_OPTIONS,
    ...(validate ? { validate: true } : {}),
    onRequest(ev) {
      if (ev.method === "GET" && /\/jobs\/[^/]+$/.test(new URL(ev.url, location.href).pathname)) statusGets.set(activity, statusGets.get(activity) + 1);
    },
    onRetry(ev) {
      if (!activity || /\/price$/.test(new URL(ev.url, location.href).pathname)) return;
      const what = ev.error.status ? `deAPI answered HTTP ${ev.error.status}` : "No answer from deAPI";
      activity.textContent = `${what} (attempt ${ev.attempt} of ${MAX_RETRIES + 1}); retrying in ${Math.round(ev.delayMs / 100) / 10} s…`;
    },
  });
}

/** Does this build of the package know the `validate` option? (It is refused as unknown otherwise.) */
function validateSupported() {
  try {
    new DeapiClient({ ...BASE_OPTIONS, validate: true });
    return true;
  } catch (e) {
    if (e instanceof InvalidOptionsError) return false;
    throw e;
  }
}

// ── the forms ──
/** Field names (= API parameter names) → input; error notes are `${prefix}${name}-error`. */
const t2i = {
  form: $("t2i"), prefix: "", button: $("generate"), banner: $("banner"), alert: $("form-alert"), activity: $("activity"),
  fields: ["model", "prompt", "negative_prompt", "width", "height", "steps", "guidance", "seed"],
  job: { section: $("job"), status: $("job-status"), progress: $("progress"), preview: $("preview"), result: $("result"), mode: $("job-mode") },
};
const upload = {
  form: $("upload"), prefix: "up-", button: $("up-submit"), banner: $("up-banner"), alert: $("up-form-alert"), activity: $("up-activity"),
  fields: ["model", "image"],
  job: { section: $("up-job"), status: $("up-job-status"), progress: $("up-progress"), preview: $("up-preview"), result: $("up-result"), mode: $("up-job-mode") },
};
const UPLOAD_OPS = {
  upscale: { type: "img-upscale", label: "Upscaled image", submit: (c, p) => c.images.upscale(p), price: (c, p, o) => c.images.upscalePrice(p, o) },
  removeBackground: { type: "img-rmbg", label: "Image without its background", submit: (c, p) => c.images.removeBackground(p), price: (c, p, o) => c.images.removeBackgroundPrice(p, o) },
};

let clients = {};
function createClients(validate) {
  clients = { t2i: makeClient(t2i.activity, validate), upload: makeClient(upload.activity, validate), page: makeClient(null, validate) };
}

/** The text-to-image form as API params: numbers as numbers, empty fields left out (the server reports missing ones). */
function readT2i() {
  const params = {};
  for (const name of t2i.fields) {
    const el = t2i.form.elements[name];
    if (el.type === "number") {
      if (!Number.isNaN(el.valueAsNumber)) params[name] = el.valueAsNumber;
    } else if (el.value.trim() !== "") {
      params[name] = el.value.trim();
    }
  }
  return params;
}

/** The upload form as API params: the File itself as `image` (the SDK sends multipart). */
function readUpload() {
  const params = {};
  const model = upload.form.elements.model.value;
  const file = upload.form.elements.image.files[0];
  if (model) params.model = model;
  if (file) params.image = file;
  return params;
}

// ── messages ──
/** Seconds as "45 s", "3 min 05 s", "23 h 59 min". */
function duration(s) {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

const countdowns = new Map(); // banner → interval id

function clearBanner(banner) {
  clearInterval(countdowns.get(banner));
  countdowns.delete(banner);
  banner.replaceChildren();
  banner.removeAttribute("data-kind");
}

function setBanner(banner, kind, ...content) {
  clearBanner(banner);
  banner.dataset.kind = kind;
  banner.replaceChildren(...content);
}

/** A 429: the message, then a live countdown from Retry-After (role=timer: not re-announced every second). */
function showRateLimit(banner, e) {
  const type = e.rateLimit?.type ? ` (${e.rateLimit.type} limit)` : "";
  const head = document.createElement("span");
  head.textContent = `Rate limit reached${type}. `;
  if (e.retryAfter === undefined) {
    setBanner(banner, "rate-limit", head, "Wait a moment, then try again.");
    return;
  }
  const timer = document.createElement("span");
  timer.className = "countdown";
  timer.setAttribute("role", "timer");
  setBanner(banner, "rate-limit", head, timer);
  const end = Date.now() + e.retryAfter * 1000;
  const tick = () => {
    const left = Math.ceil((end - Date.now()) / 1000);
    if (left > 0) {
      timer.textContent = `You can try again in ${duration(left)}.`;
      return;
    }
    clearInterval(countdowns.get(banner));
    countdowns.delete(banner);
    const now = document.createElement("span"); // a new node, so the alert announces it
    now.className = "countdown";
    now.textContent = "You can try again now.";
    timer.replaceWith(now);
  };
  tick();
  countdowns.set(banner, setInterval(tick, 1000));
}

/** Errors that are not about a field. */
function showBanner(banner, e) {
  const times = (n) => `${n} attempt${n === 1 ? "" : "s"}`;
  if (e instanceof RateLimitError) return showRateLimit(banner, e);
  let kind = "error", text;
  if (e instanceof AuthenticationError) {
    kind = "auth";
    text = `Authentication failed: the server's key was rejected (HTTP ${e.status}: ${e.message}). Check DEAPI_API_KEY where the demo server runs.`;
  } else if (e instanceof PermissionDeniedError) {
    text = `deAPI refused this operation for the server's key (HTTP ${e.status}): ${e.message}`;
  } else if (e instanceof PayloadTooLargeError) {
    text = `The file is too large for deAPI (HTTP ${e.status}).`;
  } else if (e instanceof ServerError) {
    kind = "server";
    text = `deAPI failed after ${times(e.attempts)} (HTTP ${e.status}: ${e.message}). Try again in a minute.`;
  } else if (e instanceof ConnectionError || e instanceof RequestTimeoutError) {
    kind = "network";
    const why = e instanceof RequestTimeoutError ? "no answer in time" : "the connection failed";
    text = `Network failure: could not reach the demo server or deAPI (${why}, ${times(e.attempts)}). Check your connection and try again.`;
  } else if (e instanceof JobFailedError) {
    kind = "job";
    const detail = e.errorMessage ?? e.message;
    text = `The job failed${e.retryable ? " (you can try again)" : ""}: ${detail}${e.refunded ? " It was refunded." : ""}`;
  } else if (e instanceof JobTimeoutError) {
    kind = "job";
    text = `The job did not finish in time: ${e.message}`;
  } else if (e?.status) {
    text = `deAPI answered HTTP ${e.status}: ${e.message}`;
  } else {
    text = e?.message ?? String(e);
  }
  setBanner(banner, kind, text);
}

function clearErrors(ctx) {
  clearBanner(ctx.banner);
  ctx.alert.replaceChildren();
  ctx.activity.textContent = "";
  for (const name of ctx.fields) {
    $(`${ctx.prefix}${name}-error`).textContent = "";
    const el = ctx.form.elements[name];
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }
}

/** A ValidationError (a server 422, or the SDK's own checks): each field's messages under it. */
function showValidation(ctx, e) {
  const other = [];
  for (const [field, messages] of Object.entries(e.fieldErrors)) {
    const input = ctx.fields.includes(field) ? ctx.form.elements[field] : null;
    if (!input) { // not a field of this form (e.g. `balance`): listed in the form alert
      other.push(...messages.filter((m) => m !== e.message).map((m) => `${field}: ${m}`));
      continue;
    }
    const note = $(`${ctx.prefix}${field}-error`);
    note.textContent = messages.join(" ");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
  }
  const head = document.createElement("p");
  head.textContent = e.message;
  const nodes = [head];
  if (other.length) {
    const list = document.createElement("ul");
    list.append(...other.map((m) => Object.assign(document.createElement("li"), { textContent: m })));
    nodes.push(list);
  }
  ctx.alert.replaceChildren(...nodes);
  // focus the first invalid field in the order the user sees them
  ctx.fields.map((f) => ctx.form.elements[f]).find((el) => el.getAttribute("aria-invalid") === "true")?.focus();
}

// ── submit → progress (+ preview) → result ──
async function run(ctx, submit, resultAlt) {
  clearErrors(ctx);
  const { section, status, progress, preview, result, mode } = ctx.job;
  ctx.button.disabled = true;
  ctx.activity.textContent = "Sending…";
  section.hidden = true; // the previous result goes away until the new job is accepted
  result.hidden = true;
  preview.hidden = true;
  result.removeAttribute("src");
  mode.hidden = true;
  try {
    const job = await submit();
    ctx.activity.textContent = "";
    section.hidden = false;
    section.setAttribute("aria-busy", "true");
    progress.hidden = false;
    progress.removeAttribute("value"); // indeterminate until the server reports progress
    status.textContent = "Queued…";
    const polled = statusGets.get(ctx.activity);
    const showMode = () => {
      const live = statusGets.get(ctx.activity) === polled;
      mode.textContent = live ? "live" : "polling";
      mode.title = live ? "progress from the job's event stream (deAPI's WebSocket, relayed by the server)" : "progress from status requests";
      mode.dataset.mode = mode.textContent;
      mode.hidden = false;
    };
    const done = await job.wait({
      pollIntervalMs: 1000,
      maxPollIntervalMs: 4000,
      onProgress(s) {
        showMode();
        if (s.progress) progress.value = s.progress;
        status.textContent = s.status === "processing" ? `Processing… ${Math.round(s.progress ?? 0)}%` : `${s.status[0].toUpperCase()}${s.status.slice(1)}…`;
        if (s.preview && s.status !== "done") {
          if (preview.getAttribute("src") !== s.preview) preview.src = s.preview;
          preview.hidden = false;
        }
      },
    });
    showMode();
    progress.value = 100;
    status.textContent = "Done";
    preview.hidden = true;
    result.alt = resultAlt;
    result.src = done.result_url;
    result.hidden = false;
    loadBalance();
  } catch (e) {
    ctx.activity.textContent = "";
    if (e instanceof ValidationError) showValidation(ctx, e);
    else showBanner(ctx.banner, e);
    status.textContent = "Failed";
    progress.hidden = true;
    preview.hidden = true;
  } finally {
    section.removeAttribute("aria-busy");
    ctx.button.disabled = false;
  }
}

t2i.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = readT2i();
  run(t2i, () => clients.t2i.images.generate(params), `Generated image: ${params.prompt ?? ""}`);
});

upload.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const op = UPLOAD_OPS[upload.form.elements.operation.value];
  const params = readUpload();
  run(upload, () => op.submit(clients.upload, params), `${op.label}: ${params.image?.name ?? ""}`);
});

// ── live prices (debounced; a newer edit cancels the older request) ──
function livePrice(output, quote) {
  let timer, ac;
  const update = async () => {
    ac?.abort();
    const mine = (ac = new AbortController());
    try {
      const text = await quote(mine.signal);
      if (!mine.signal.aborted) output.textContent = text;
    } catch (e) {
      if (e instanceof AbortError || mine.signal.aborted) return;
      output.textContent = e instanceof ValidationError ? "Estimated price: — (check the fields)" : "Estimated price: unavailable";
    }
  };
  return { schedule() { clearTimeout(timer); timer = setTimeout(update, 300); }, update };
}

const t2iPrice = livePrice($("price"), async (signal) => {
  const { price } = await clients.t2i.images.generatePrice(readT2i(), { signal });
  return `Estimated price: ${money.format(price)}`;
});
const uploadPrice = livePrice($("up-price"), async (signal) => {
  const params = readUpload();
  if (!params.image) return "Estimated price: choose an image to see it";
  if (!params.model) return "";
  const { price } = await UPLOAD_OPS[upload.form.elements.operation.value].price(clients.upload, params, { signal });
  return `Estimated price: ${money.format(price)}`;
});
t2i.form.addEventListener("input", t2iPrice.schedule);
upload.form.addEventListener("change", (event) => {
  if (event.target.name === "operation") loadUploadModels().then(uploadPrice.update, (e) => showBanner(upload.banner, e));
  else uploadPrice.update();
});

// ── balance and models ──
async function loadBalance() {
  try {
    const { balance } = await clients.page.account.balance();
    $("balance").textContent = money.format(balance);
  } catch {
    $("balance").textContent = "unavailable";
  }
}

async function fillModels(select, type) {
  select.disabled = true;
  const models = await clients.page.models.all({ inference_types: [type] });
  select.replaceChildren(...models.map((m) => new Option(m.name || m.slug, m.slug)));
  select.disabled = false;
}

const loadT2iModels = () => fillModels(t2i.form.elements.model, "txt2img");
const loadUploadModels = () => fillModels(upload.form.elements.model, UPLOAD_OPS[upload.form.elements.operation.value].type);

// ── client-side validation toggle ──
const toggle = $("validate"), toggleNote = $("validate-note");
const NOTE_OFF = "Off: every check is done by deAPI, and its 422 messages appear under the fields.";
const NOTE_ON = "On: the SDK checks the fields before sending; an invalid form sends no request and shows the same messages.";
toggle.addEventListener("change", () => {
  createClients(toggle.checked);
  toggleNote.textContent = toggle.checked ? NOTE_ON : NOTE_OFF;
  t2iPrice.update();
  uploadPrice.update();
});

// ── start ──
try {
  await init();
  if (!validateSupported()) {
    toggle.checked = false;
    toggle.disabled = true;
    toggleNote.textContent = "Not available yet: this build of deapi-wasm has no client-side validation (its `validate` option is unknown). deAPI checks every field.";
  }
  createClients(toggle.checked);
  loadBalance();
  loadT2iModels().then(t2iPrice.update, (e) => showBanner(t2i.banner, e));
  loadUploadModels().then(uploadPrice.update, (e) => showBanner(upload.banner, e));
  document.body.dataset.ready = "true";
} catch (e) {
  showBanner(t2i.banner, e);
}
