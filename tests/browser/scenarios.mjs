// Scenarios every engine runs in its page (Chromium: realtime.test.mjs; Firefox and WebKit:
// engines.test.mjs), each with its checks: written once, so that the engines are held to the same.
import assert from "node:assert/strict";
import { until } from "../support.mjs";

export const image = { prompt: "a red fox", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: -1 };

/**
 * A keyed single-user page (`dangerouslyAllowBrowser`) with `deapi-wasm/realtime` loaded as
 * `window.rt`: a listener connects the socket, `wait()` is driven by its events — one status GET, the
 * one after `done` — and the socket closes with the last listener and wait. `evaluate(fn, arg)` runs
 * `fn` in the page (playwright's, puppeteer's and the WebDriver client's alike).
 */
export async function keyedRealtimeWait(evaluate, { mock, key }) {
  const out = await evaluate(async ({ key, url, image }) => {
    const c = new window.rt.DeapiClient({ apiKey: key, baseUrl: location.origin, dangerouslyAllowBrowser: true,
      realtime: { clientId: key.split("|")[0], url } });
    window.rtClients.push(c);
    const heard = [];
    const off = c.realtime.subscribe((s) => heard.push(s.status));
    const end = Date.now() + 30_000;
    while (c.realtime.state !== "connected" && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const connected = c.realtime.state;
    const job = await c.images.generate(image);
    const seen = [];
    const done = await job.wait({ onProgress: (s) => seen.push([s.status, typeof s.progress]) });
    off();
    return { connected, id: job.requestId, status: done.status, seen, heard, state: c.realtime.state };
  }, { key, url: mock.realtimeUrl, image });
  assert.equal(out.connected, "connected");
  assert.equal(out.status, "done");
  assert.ok(out.seen.filter(([s]) => s === "processing").length >= 2, JSON.stringify(out.seen));
  assert.ok(out.seen.every(([, t]) => t === "number"), "progress is a number");
  assert.equal(mock.requests({ key, path: `/api/v2/jobs/${out.id}` }).length, 1, "one status GET: the one after done");
  assert.ok(out.heard.includes("done"), "the listener heard the job too");
  assert.equal(out.state, "idle", "the last listener and wait gone: the socket closed");
  await until(() => mock.realtime.sockets().length === 0, "the mock's socket closed");
  const auth = mock.requests({ key, path: "/broadcasting/auth" });
  assert.equal(auth.length, 1);
  assert.equal(auth[0].headers.authorization, `Bearer ${key}`);
}
