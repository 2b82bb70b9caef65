// Shared by the JS tests (tests/js/, tests/fleet/, bench/): the built package (tests/support.mjs's
// `pkgDir`: PKG env = a package dir, default pkg/), the mock deAPI on a free loopback port, test
// clients and keys.
import { after, afterEach, before } from "node:test";
import { requirePackage, until } from "../support.mjs";
import { startMock } from "../mock/server.mjs";

export { pkgDir, validImage } from "../support.mjs";
export const sdk = requirePackage();

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

/** Await a promise that must reject; return the rejection. */
export async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the promise to reject, it resolved");
}

/**
 * The mock with its realtime side for a whole test file: started before the tests (`onStart(mock)`
 * hands it over), and after each test the sockets of `clients` closed — waiting until the mock sees
 * none — and the mock reset; closed after the last test.
 */
export function useRealtimeMock(onStart, clients, realtime = { stepMs: 20, activityTimeout: 1 }) {
  let mock;
  before(async () => {
    mock = await withMock({ realtime });
    onStart(mock);
  });
  after(async () => {
    for (const c of clients) c.realtime.close();
    await mock.close();
  });
  afterEach(async () => {
    for (const c of clients) c.realtime.close();
    clients.clear();
    await until(() => mock.realtime.sockets().length === 0, "the previous test's sockets to close");
    mock.reset();
  });
}
