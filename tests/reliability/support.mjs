// Shared by the reliability tests (issue #6): the built package, the mock deAPI, a recognisable API
// key, hook recorders and the key-leak sweep.
import assert from "node:assert/strict";
import { join } from "node:path";
import { startMock } from "../mock/server.mjs";
import { dist, ensureBuilt, openChromium, requirePackage, root, validImage } from "../support.mjs";

export const sdk = requirePackage();
export { startMock, validImage };
export { pkgDir, until } from "../support.mjs";

/** The two ways a request leaves the module, as client options: the global fetch (what the module
 * calls by default, everywhere) and a `fetch` option (a user's own fetch, called the same way). */
export const TRANSPORTS = [
  ["the global fetch", {}],
  ["a `fetch` option", { fetch: (url, init) => fetch(url, init) }],
];

/** The canary key: deAPI's `<id>|<secret>` format, accepted by the mock. It must never leak. */
export const KEY = "424242|CanaryKeyNeverLeaks";
/** Its secret half: on its own it is the credential too (the id is a small integer). */
export const SECRET = KEY.slice(KEY.indexOf("|") + 1);

/** The five calls a corpus entry can make. */
export function call(c, request) {
  switch (request) {
    case "balance": return c.account.balance();
    case "generate": return c.images.generate(validImage());
    case "price": return c.images.generatePrice(validImage());
    case "jobStatus": return c.jobs.get("7f0c1d2e-0000-4000-8000-00000000c0de");
    case "models": return c.models.list();
    default: throw new Error(`unknown corpus request ${request}`);
  }
}

/** Hooks that record every event they receive (in order, with the hook's name). */
export function recorder() {
  const events = [];
  const hooks = {};
  for (const name of ["onRequest", "onResponse", "onRetry", "onError"]) hooks[name] = (ev) => events.push({ hook: name, ev });
  return { events, hooks, of: (hook) => events.filter((e) => e.hook === hook).map((e) => e.ev), clear: () => events.splice(0) };
}

/** Settle a promise into { ok, value } / { ok: false, error }. */
export async function settle(p) {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Every text an error can show: message, stack, toJSON(), JSON.stringify, body, errors, fieldErrors, cause. */
export function errorTexts(e) {
  if (!(e instanceof Object)) return [String(e)];
  const out = [String(e.message), String(e.stack), safeJson(e), safeJson(e.body), safeJson(e.errors), safeJson(e.fieldErrors),
    safeJson(e.rateLimit), String(e.requestId)];
  if (typeof e.toJSON === "function") out.push(safeJson(e.toJSON()));
  if (e.cause !== undefined) out.push(e.cause instanceof Error ? `${e.cause.message}\n${e.cause.stack}\n${safeJson(e.cause.cause)}` : safeJson(e.cause));
  return out;
}

/** A hook event as text, with any Error inside expanded (JSON.stringify drops message and stack). */
export function eventText(ev) {
  return safeJson(ev, (k, v) => (v instanceof Error ? { ...v, name: v.name, message: v.message, stack: v.stack, json: typeof v.toJSON === "function" ? v.toJSON() : undefined } : v));
}

function safeJson(v, replacer) {
  try {
    return JSON.stringify(v, replacer) ?? String(v);
  } catch (e) {
    return `<unserialisable: ${e.message}>`;
  }
}

/** Windows of the key that must not appear: the key, its secret, and any 12-character slice of the key
 * (a truncated copy still leaks most of it). */
export const LEAK_PATTERNS = [KEY, SECRET, ...Array.from({ length: KEY.length - 11 }, (_, i) => KEY.slice(i, i + 12))];

/** The leak patterns found in `texts` (each with where it was seen). */
export function leaks(texts) {
  const found = [];
  for (const { where, text } of texts) {
    const hit = LEAK_PATTERNS.find((p) => text.includes(p));
    if (hit) found.push(`${where}: contains ${JSON.stringify(hit)} in …${text.slice(Math.max(0, text.indexOf(hit) - 40), text.indexOf(hit) + hit.length + 10)}…`);
  }
  return found;
}

/** The message reads as a sentence a UI can show. */
export function assertSentence(message, what) {
  assert.equal(typeof message, "string", `${what}: message is a string`);
  assert.ok(message.trim().length >= 3, `${what}: message is not empty: ${JSON.stringify(message)}`);
  assert.match(message, /[A-Za-z]{2}/, `${what}: message has words`);
  assert.doesNotMatch(message, /\[object Object\]|^(undefined|null|NaN)$/, `${what}: message is not a stringified value`);
}

/** Timer handles Node keeps the process alive for. */
export const activeTimeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
/** Let the event loop turn once (timers cleared in a settle handler are gone after this). */
export const turn = () => new Promise((r) => setImmediate(r));

/**
 * Record the delays passed to `globalThis.setTimeout` while `fn` runs (the package's facade runs
 * every timer the core asks for with the global `setTimeout`, looked up at call time). Each record
 * is `{ ms, sdk }`: `sdk` is true when the immediate caller is in the package (`pkg/dist/…`), so
 * undici's and the test's own timers are told apart.
 * `compress(ms)` may return a shorter delay to actually wait (the recorded value is the requested one).
 */
export async function recordTimers(fn, { compress } = {}) {
  const original = globalThis.setTimeout;
  const records = [];
  globalThis.setTimeout = function patchedSetTimeout(cb, ms, ...args) {
    const caller = new Error().stack.split("\n")[2] ?? "";
    const fromSdk = /pkg[\\/]dist[\\/]/.test(caller);
    records.push({ ms, sdk: fromSdk });
    const wait = fromSdk && compress ? compress(ms) : ms;
    return original.call(this, cb, wait, ...args);
  };
  try {
    return { result: await settle(fn()), records };
  } finally {
    globalThis.setTimeout = original;
  }
}

/** ±10 % (the SDK has no jitter today; the tolerance leaves room for some). */
export function assertNear(actual, expected, what) {
  assert.ok(Math.abs(actual - expected) <= expected * 0.1, `${what}: ${actual} ms is not within 10 % of ${expected} ms`);
}

/** Chromium (tests/support.mjs's `openChromium`) on tests/reliability/page.html →
 * { browser, context, page, mock, problems, close() }; the mock serves pkg/dist at /pkg/ and this
 * directory at /rel/, and the page is ready. */
export async function openBrowserPage(mockOptions = {}) {
  ensureBuilt();
  const mock = await startMock({ quiet: true, ...mockOptions, staticDirs: { "/pkg/": dist, "/rel/": join(root, "tests", "reliability") } });
  const chromium = await openChromium();
  // Chromium logs every non-2xx fetch as "Failed to load resource"; those statuses are what the tests ask for.
  const page = await chromium.newPage(/Failed to load resource: the server responded with a status of/);
  await page.goto(`${mock.url}/rel/page.html`);
  await page.waitForFunction(() => window.ready === true || window.loadError !== undefined);
  const loadError = await page.evaluate(() => window.loadError);
  if (loadError) throw new Error(`the package did not load in Chromium: ${loadError}`);
  return {
    browser: chromium.browser, context: chromium.context, page, mock, problems: page.problems,
    async close() {
      await chromium.close();
      await mock.close();
    },
  };
}
