// Shared by the reliability tests (issue #6): the built package, the mock deAPI, a recognisable API
// key, hook recorders and the key-leak sweep.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startMock } from "../mock/server.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const pkgDir = resolve(process.env.PKG || join(root, "pkg"));
const require = createRequire(import.meta.url);
export const sdk = require(pkgDir);
export { startMock };

/** The canary key: deAPI's `<id>|<secret>` format, accepted by the mock. It must never leak. */
/** The two ways a request leaves the module, as client options: the global fetch (what the module
 * calls by default, everywhere) and a `fetch` option (a user's own fetch, called the same way). */
export const TRANSPORTS = [
  ["the global fetch", {}],
  ["a `fetch` option", { fetch: (url, init) => fetch(url, init) }],
];

export const KEY = "424242|CanaryKeyNeverLeaks";
/** Its secret half: on its own it is the credential too (the id is a small integer). */
export const SECRET = KEY.slice(KEY.indexOf("|") + 1);

export const validImage = (over = {}) => ({
  prompt: "a red fox", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: -1, ...over,
});

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

/** Poll a Node-side condition; a guard against hanging, not an assertion. */
export async function until(cond, what, ms = 30_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

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

/** Chromium through playwright-core (tests/chromium.mjs: Debian's chromium; never
 * `npx playwright install`). → { browser, page, mock, problems, close() }; the mock serves pkg/dist at
 * /pkg/ and this directory at /rel/, and the page is /rel/page.html, ready. */
export async function openBrowserPage(mockOptions = {}) {
  const { existsSync } = await import("node:fs");
  const { execFileSync } = await import("node:child_process");
  const { launchChromium } = await import("../chromium.mjs"); // loaded only by the tests that open a page
  const dist = join(root, "pkg", "dist");
  if (!existsSync(join(dist, "browser.js"))) execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "inherit" });
  const mock = await startMock({ quiet: true, ...mockOptions, staticDirs: { "/pkg/": dist, "/rel/": join(root, "tests", "reliability") } });
  const browser = await launchChromium();
  const context = await browser.newContext();
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // Chromium logs every non-2xx fetch as "Failed to load resource"; those statuses are what the tests ask for.
  page.on("console", (m) => { if (m.type() === "error" && !/favicon|Failed to load resource: the server responded with a status of/.test(m.text())) problems.push(`console: ${m.text()}`); });
  await page.goto(`${mock.url}/rel/page.html`);
  await page.waitForFunction(() => window.ready === true || window.loadError !== undefined);
  const loadError = await page.evaluate(() => window.loadError);
  if (loadError) throw new Error(`the package did not load in Chromium: ${loadError}`);
  return {
    browser, context, page, mock, problems,
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await mock.close();
    },
  };
}
