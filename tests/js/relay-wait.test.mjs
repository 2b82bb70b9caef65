// wait() reading its own job's relay stream (issue 22, "Multi-user apps", the browser half):
// src/wasm/eventsource.rs makes an EventSource for `realtime.relay` and ends the wait on `done`,
// handing it to polling otherwise. A keyless client as a browser has it (baseUrl and relay on
// createProxy, which runs a relay with a socket of its own) — in Node, with the `eventsource`
// package (a WHATWG EventSource) as the global the module looks up; Chromium's own is tested in
// tests/browser/.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createRequire } from "node:module";
import { newKey, sdk, validImage, withMock } from "./helpers.mjs";
import { until } from "../support.mjs";

const require = createRequire(import.meta.url);
const { WebSocket } = require("ws");
const { EventSource } = require("eventsource");
const { DeapiClient, createProxy, toNodeListener, InvalidOptionsError } = sdk;

let mock;
const servers = [];
before(async () => {
  mock = await withMock({ realtime: { stepMs: 20, activityTimeout: 1 } });
  globalThis.EventSource = EventSource;
});
after(async () => {
  delete globalThis.EventSource;
  await mock.close();
});
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((ok) => s.close(ok));
  }
  await until(() => mock.realtime.sockets().length === 0, "the previous test's sockets to close");
  mock.reset();
});

/** createProxy (with a relay when `realtime`) behind Node's http; the requests it saw. */
async function proxy({ realtime = true } = {}) {
  const key = newKey();
  const handler = createProxy({ apiKey: key, baseUrl: mock.url,
    ...(realtime ? { realtime: { clientId: key.split("|")[0], url: mock.realtimeUrl, WebSocket, reconcileIntervalMs: 200 } } : {}) });
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.on("close", () => seen.push(`closed ${req.url}`));
    return toNodeListener(handler)(req, res);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  servers.push(server);
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { key, seen, origin };
}

/** A keyless client as a page has it: the API and its job streams through the proxy. */
const browserClient = (origin, relay = `${origin}/api/deapi/events/{requestId}`) =>
  new DeapiClient({ baseUrl: `${origin}/api/deapi`, realtime: { relay } });

const statusPath = (id) => `/api/v2/jobs/${id}`;

describe("wait() through the relay (realtime.relay, EventSource)", () => {
  it("the stream's status events reach onProgress and its done resolves the wait: the page makes no status call", async () => {
    const p = await proxy();
    const c = browserClient(p.origin);
    const job = await c.images.generate(validImage());
    const seen = [];
    const done = await job.wait({ onProgress: (s) => seen.push(s) });
    assert.equal(done.status, "done");
    assert.equal(done.request_id, job.requestId);
    assert.ok("price" in done || "results_alt_formats" in done, `the server's final status GET, not an event: ${JSON.stringify(done)}`);
    assert.ok(seen.length >= 1 && seen.every((s) => s.request_id === job.requestId && s.status !== "done"), JSON.stringify(seen));
    assert.deepEqual(p.seen.filter((r) => r.startsWith("GET") && r.includes("/jobs/")), [], "no status GET from the page");
    assert.deepEqual(p.seen.filter((r) => r.startsWith("GET") && r.includes("/events/")), [`GET /api/deapi/events/${job.requestId}`]);
    // on deAPI's side: the relay's socket made it cheap (at most the check after subscribing and the GET on done)
    assert.ok(mock.requests({ key: p.key, path: statusPath(job.requestId) }).length <= 2);
  });

  it("a failed job: the stream's error hands the wait to one status GET, which rejects with JobFailedError", async () => {
    const p = await proxy();
    const c = browserClient(p.origin);
    const job = await c.images.generate(validImage({ prompt: "a fox [fail]" }));
    const e = await job.wait().then(() => assert.fail("resolved"), (err) => err);
    assert.equal(e.name, "JobFailedError", String(e));
    assert.equal(e.requestId, job.requestId);
    assert.deepEqual(p.seen.filter((r) => r.startsWith("GET") && r.includes("/jobs/")), [`GET /api/deapi/api/v2/jobs/${job.requestId}`], "one GET from the page, after the stream");
  });

  it("no relay at that URL (a proxy without realtime answers 404): the wait polls and resolves", async () => {
    const p = await proxy({ realtime: false });
    const c = browserClient(p.origin);
    const job = await c.images.generate(validImage());
    const done = await job.wait({ pollIntervalMs: 5 });
    assert.equal(done.status, "done");
    assert.ok(p.seen.some((r) => r.includes("/events/")), "the stream was tried");
    assert.ok(p.seen.filter((r) => r.startsWith("GET") && r.includes("/jobs/")).length >= 2, "then polled");
  });

  it("realtime.relay as a function: called with the request id, its URL read", async () => {
    const p = await proxy();
    const asked = [];
    const c = browserClient(p.origin, (id) => { asked.push(id); return `${p.origin}/api/deapi/events/${id}`; });
    const job = await c.images.generate(validImage());
    assert.equal((await job.wait()).status, "done");
    assert.deepEqual(asked, [job.requestId]);
    assert.deepEqual(p.seen.filter((r) => r.startsWith("GET") && r.includes("/jobs/")), []);
  });

  it("wait({ realtime: false }) does not open the stream; a signal ends a streamed wait and closes the stream", async () => {
    const p = await proxy();
    const c = browserClient(p.origin);
    const job = await c.images.generate(validImage());
    assert.equal((await job.wait({ realtime: false, pollIntervalMs: 5 })).status, "done");
    assert.equal(p.seen.some((r) => r.includes("/events/")), false);
    const slow = await c.images.generate(validImage());
    mock.realtime.dropNext(1000, { key: p.key }); // no event reaches the relay: the stream stays quiet
    const ac = new AbortController();
    const waiting = slow.wait({ signal: ac.signal });
    await until(() => p.seen.includes(`GET /api/deapi/events/${slow.requestId}`), "the stream opened");
    ac.abort();
    const e = await waiting.then(() => assert.fail("resolved"), (err) => err);
    assert.equal(e.name, "AbortError");
    assert.equal(p.seen.filter((r) => r.includes(`/jobs/${slow.requestId}`)).length, 0, "the page made no status GET for it");
    await until(() => p.seen.includes(`closed /api/deapi/events/${slow.requestId}`), "the stream closed by the page");
  });

  it("a relay that is not a template with {requestId} or a function is an InvalidOptionsError naming realtime.relay", () => {
    assert.throws(() => new DeapiClient({ baseUrl: "http://127.0.0.1:1/api/deapi", realtime: { relay: "/events/x" } }),
      (e) => e instanceof InvalidOptionsError && /realtime\.relay/.test(e.message));
  });
});
