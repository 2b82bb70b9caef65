// deAPI's socket inside a browser (issue 22: single-user apps), in Chromium with its global WebSocket:
// the opt-in entry `deapi-wasm/realtime` (pkg/dist/browser-realtime.js: the browser module with the
// `realtime` cargo feature) against the mock's Pusher side. The default entry (browser.js) has no
// socket: there a clientId makes `state` "unavailable" (tests/browser/browser.test.mjs).
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startMock } from "../mock/server.mjs";
import { dist, ensureBuilt, openChromium, root, until } from "../support.mjs";
import { image, keyedRealtimeWait } from "./scenarios.mjs";

const KEY = "31|BrowserRealtimeSecret";

let mock, chromium, page, problems;

before(async () => {
  ensureBuilt("browser-realtime.js");
  mock = await startMock({ quiet: true, allowKeyless: true, realtime: { stepMs: 20 },
    staticDirs: { "/pkg/": dist, "/test/": join(root, "tests", "browser") } });
  chromium = await openChromium();
  page = await chromium.newPage();
  problems = page.problems;
  await page.goto(`${mock.url}/test/page.html`);
  await page.waitForFunction(() => window.testReady === true);
  // the opt-in entry, as `import … from "deapi-wasm/realtime"` resolves in a browser
  await page.evaluate(async () => { window.rt = await import("/pkg/browser-realtime.js"); });
});
after(async () => {
  await chromium?.close();
  await mock?.close();
});
beforeEach(async () => {
  await page.evaluate(() => { for (const c of window.rtClients ?? []) c.realtime.close(); window.rtClients = []; });
  await until(() => mock.realtime.sockets().length === 0, "the previous test's sockets to close");
  mock.reset();
});

const statusGets = (key, id) => mock.requests({ key, path: `/api/v2/jobs/${id}` }).length;

describe("deapi-wasm/realtime in Chromium (the global WebSocket)", () => {
  it("a keyed single-user page (dangerouslyAllowBrowser): subscribe connects, wait() is driven by events, one status GET", async () => {
    await keyedRealtimeWait((fn, arg) => page.evaluate(fn, arg), { mock, key: KEY });
    assert.deepEqual(problems, []);
  });

  it("a keyless page: the auth request goes to baseUrl + /broadcasting/auth with no key (a proxy adds it), and events flow", async () => {
    const out = await page.evaluate(async ({ url, image }) => {
      const c = new window.rt.DeapiClient({ baseUrl: location.origin, realtime: { clientId: "0", url } });
      window.rtClients.push(c);
      const job = await c.images.generate(image);
      const seen = [];
      const done = await job.wait({ onProgress: (s) => seen.push(s.status) });
      return { id: job.requestId, status: done.status, seen };
    }, { url: mock.realtimeUrl, image });
    assert.equal(out.status, "done");
    assert.ok(out.seen.includes("processing"), JSON.stringify(out.seen));
    const auth = mock.requests({ key: "keyless", path: "/broadcasting/auth" });
    assert.equal(auth.length, 1);
    assert.equal(auth[0].headers.authorization, undefined, "no key from the page");
    assert.ok(statusGets("keyless", out.id) <= 2, "after subscribing and on done");
  });

  it("a refused auth: state unavailable, onError hears it, the wait polls and resolves; nothing throws", async () => {
    mock.realtime.refuseAuth(403, 5, { key: KEY });
    const out = await page.evaluate(async ({ key, url, image }) => {
      const errors = [];
      const c = new window.rt.DeapiClient({ apiKey: key, baseUrl: location.origin, dangerouslyAllowBrowser: true,
        onError: (e) => errors.push(e.code), realtime: { clientId: key.split("|")[0], url } });
      window.rtClients.push(c);
      const job = await c.images.generate(image);
      const done = await job.wait({ pollIntervalMs: 10 });
      return { status: done.status, state: c.realtime.state, errors };
    }, { key: KEY, url: mock.realtimeUrl, image });
    assert.deepEqual(out, { status: "done", state: "unavailable", errors: ["realtime_unavailable"] });
  });

  it("the default entry has no socket: a clientId makes state unavailable and waits poll", async () => {
    const out = await page.evaluate(async ({ url, image }) => {
      const c = new window.sdk.DeapiClient({ baseUrl: location.origin, realtime: { clientId: "0", url } });
      const job = await c.images.generate(image);
      const done = await job.wait({ pollIntervalMs: 10 });
      return { status: done.status, state: c.realtime.state };
    }, { url: mock.realtimeUrl, image });
    assert.deepEqual(out, { status: "done", state: "unavailable" });
    assert.equal(mock.realtime.sockets().length, 0);
  });
});
