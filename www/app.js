// deapi-wasm demo: text to image through a keyless same-origin proxy (the page never holds a key).
import init, {
  DeapiClient, ValidationError, AuthenticationError, RateLimitError, ServerError, ConnectionError,
  JobFailedError, AbortError,
} from "/pkg/browser.js";

const $ = (id) => document.getElementById(id);
const form = $("t2i");
const FIELDS = ["prompt", "model", "width", "height", "steps", "guidance", "seed", "negative_prompt"];
const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 6 });

await init();
const deapi = new DeapiClient({ baseUrl: location.origin });

// ── helpers ──
/** The form as API params: numbers as numbers, empty fields left out (the server reports missing ones). */
function readParams() {
  const params = {};
  for (const name of FIELDS) {
    const el = form.elements[name];
    if (el.type === "number") {
      if (!Number.isNaN(el.valueAsNumber)) params[name] = el.valueAsNumber;
    } else if (el.value.trim() !== "") {
      params[name] = el.value.trim();
    }
  }
  return params;
}

/** Seconds as "45 s", "3 min", "24 h". */
const duration = (s) => (s < 60 ? `${s} s` : s < 3600 ? `${Math.ceil(s / 60)} min` : `${Math.round(s / 360) / 10} h`);

function showBanner(e) {
  let text;
  if (e instanceof AuthenticationError) text = `The deAPI proxy rejected the request (HTTP ${e.status}): ${e.message}`;
  else if (e instanceof RateLimitError) {
    const limit = e.rateLimit?.type ? ` (${e.rateLimit.type} limit)` : "";
    text = `Rate limit reached${limit}: try again in ${e.retryAfter === undefined ? "a moment" : duration(e.retryAfter)}.`;
  }
  else if (e instanceof ServerError) text = `deAPI server error (HTTP ${e.status}) after ${e.attempts} attempt(s): ${e.message}`;
  else if (e instanceof ConnectionError) text = `Could not reach deAPI: ${e.message}`;
  else if (e instanceof JobFailedError) text = `The job failed${e.retryable ? " (you can try again)" : ""}: ${e.errorMessage ?? e.message}`;
  else text = e?.message ?? String(e);
  $("banner").textContent = text;
}

function clearErrors() {
  $("banner").textContent = "";
  $("form-alert").textContent = "";
  for (const name of FIELDS) {
    $(`${name}-error`).textContent = "";
    form.elements[name].removeAttribute("aria-invalid");
    form.elements[name].removeAttribute("aria-describedby");
  }
}

function showValidation(e) {
  $("form-alert").textContent = e.message;
  let first = null;
  for (const [field, messages] of Object.entries(e.fieldErrors)) {
    const input = FIELDS.includes(field) ? form.elements[field] : null;
    if (!input) continue; // e.g. `balance`: the form-level alert already says it
    $(`${field}-error`).textContent = messages.join(" ");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${field}-error`);
    first ??= input;
  }
  first?.focus();
}

// ── balance and models ──
async function loadBalance() {
  const { balance } = await deapi.account.balance();
  $("balance").textContent = money.format(balance);
}

async function loadModels() {
  const models = await deapi.models.all({ inference_types: ["txt2img"] });
  const select = form.elements.model;
  select.replaceChildren(...models.map((m) => new Option(m.name || m.slug, m.slug)));
  select.disabled = false;
}

// ── live price (debounced; a newer edit cancels the older request) ──
let priceTimer, priceAbort;
function schedulePrice() {
  clearTimeout(priceTimer);
  priceTimer = setTimeout(updatePrice, 300);
}
async function updatePrice() {
  priceAbort?.abort();
  const ac = (priceAbort = new AbortController());
  try {
    const { price } = await deapi.images.generatePrice(readParams(), { signal: ac.signal });
    $("price").textContent = `Estimated price: ${money.format(price)}`;
  } catch (e) {
    if (e instanceof AbortError) return;
    $("price").textContent = e instanceof ValidationError ? "Estimated price: — (check the fields)" : "Estimated price: unavailable";
  }
}
form.addEventListener("input", schedulePrice);

// ── generate ──
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const button = $("generate");
  const progress = $("progress"), status = $("job-status"), img = $("result");
  button.disabled = true;
  $("job").hidden = true;
  try {
    const job = await deapi.images.generate(readParams());
    $("job").hidden = false;
    $("job").setAttribute("aria-busy", "true");
    img.hidden = true;
    progress.hidden = false;
    progress.removeAttribute("value"); // indeterminate until the server reports progress
    status.textContent = "Queued…";
    const done = await job.wait({
      pollIntervalMs: 1000,
      maxPollIntervalMs: 4000,
      onProgress(s) {
        if (s.progress) progress.value = s.progress;
        status.textContent = s.status === "processing" ? `Processing… ${Math.round(s.progress ?? 0)}%` : `${s.status[0].toUpperCase()}${s.status.slice(1)}…`;
      },
    });
    progress.value = 100;
    status.textContent = "Done";
    img.alt = `Generated image: ${form.elements.prompt.value}`;
    img.src = done.result_url;
    img.hidden = false;
    loadBalance().catch(showBanner);
  } catch (e) {
    if (e instanceof ValidationError) showValidation(e);
    else showBanner(e);
    status.textContent = "Failed";
    progress.hidden = true;
  } finally {
    $("job").removeAttribute("aria-busy");
    button.disabled = false;
  }
});

// ── start ──
Promise.all([loadBalance(), loadModels()]).then(updatePrice, showBanner);
