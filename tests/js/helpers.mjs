// Shared by the JS tests: load the built package (PKG env = a package dir, default pkg/) and
// start the mock deAPI on a free loopback port.
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startMock } from "../mock/server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const pkgDir = resolve(process.env.PKG || join(root, "pkg"));
const require = createRequire(import.meta.url);
export const sdk = require(pkgDir);

let n = 0;
/** A fresh valid API key per test, so faults and request logs never mix between tests. */
export const newKey = () => `${++n}|Test${process.pid}k${n}Secret`;

export async function withMock(opts = {}) {
  return startMock({ quiet: true, ...opts });
}

/** Client options suited to tests: tiny backoff so the retry schedule runs in milliseconds. */
export function client(mock, extra = {}) {
  const apiKey = extra.apiKey === undefined ? newKey() : extra.apiKey;
  const c = new sdk.DeapiClient({ baseUrl: mock.url, retryBaseDelayMs: 1, ...extra, apiKey });
  return { c, key: apiKey };
}

export const validImage = (over = {}) => ({
  prompt: "a red fox", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: -1, ...over,
});

/** Await a promise that must reject; return the rejection. */
export async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the promise to reject, it resolved");
}
