// deapi.realtime (issue 22): the socket the Rust module opens and drives (src/wasm/realtime.rs
// running core::realtime::Link) against the mock's Pusher side (tests/mock/realtime.mjs), and
// wait() driven by its events (src/wasm/jobs.rs, core::jobs::Watch::due). Node 20 has no global WebSocket: the `ws` package is injected as
// `realtime.WebSocket`; one test uses the global one where the runtime has it.
import { beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { newKey, pkgDir, sdk, useRealtimeMock, validImage } from "./helpers.mjs";
import { exitsByItself, until } from "../support.mjs";

const require = createRequire(import.meta.url);
const { WebSocket } = require("ws");
const { DeapiClient, InvalidOptionsError, isDeapiError } = sdk;

let mock;
const clients = new Set();
useRealtimeMock((m) => { mock = m; }, clients);


/** A client with realtime on (the key's client id is the number before `|`), its onError log. */
function rtClient(extra = {}, realtime = {}) {
  const apiKey = newKey();
  const clientId = apiKey.split("|")[0];
  const errors = [];
  const c = new DeapiClient({
    apiKey, baseUrl: mock.url, retryBaseDelayMs: 1, onError: (e) => errors.push(e), ...extra,
    realtime: { clientId, url: mock.realtimeUrl, WebSocket, ...realtime },
  });
  clients.add(c);
  return { c, key: apiKey, errors };
}

/** Every state the client shows, sampled after each turn of the event loop until `until` holds. */
const socketsOf = (key) => mock.realtime.sockets().filter((s) => s.channels.includes(`private-client.${key.split("|")[0]}`));

/** Submit a job and collect its events until `done`. */
async function jobEvents(c) {
  const got = [];
  const off = c.realtime.subscribe((s) => got.push(s));
  const job = await c.images.generate(validImage());
  await until(() => got.some((s) => s.request_id === job.requestId && s.status === "done"), "the job's done event");
  off();
  return got.filter((s) => s.request_id === job.requestId);
}

describe("deapi.realtime: the socket driven from Rust", () => {
  it("subscribe: state idle → connecting → connected; a job's events in order, ending with done, as JobStatus", async () => {
    const { c, key, errors } = rtClient();
    assert.equal(c.realtime.state, "idle", "nothing opened before the first subscribe");
    const got = [];
    const off = c.realtime.subscribe((s) => got.push(s));
    assert.equal(typeof off, "function");
    assert.equal(c.realtime.state, "connecting");
    await until(() => c.realtime.state === "connected", "connected");
    assert.equal(socketsOf(key).length, 1, "subscribed to the account's channel");
    const job = await c.images.generate(validImage());
    await until(() => got.some((s) => s.request_id === job.requestId && s.status === "done"), "done");
    const mine = got.filter((s) => s.request_id === job.requestId);
    assert.ok(mine.length >= 2, "progress events before done");
    assert.equal(mine.at(-1).status, "done");
    assert.ok(mine.slice(0, -1).every((s) => s.status === "processing"), "in_progress is normalised to processing");
    for (const s of mine) {
      assert.equal(typeof s.progress, "number", "progress is a number, though the socket sends text");
      assert.ok(s.progress >= 0 && s.progress <= 100);
    }
    for (let i = 1; i < mine.length; i++) assert.ok(mine[i].progress >= mine[i - 1].progress, "in order");
    assert.equal(mine.at(-1).progress, 100);
    assert.match(mine.at(-1).result_url, /^https?:\/\//);
    // the events match what the mock sent, in its order
    const sent = mock.realtime.events().filter((e) => e.requestId === job.requestId && e.delivered).map((e) => e.status);
    assert.deepEqual(mine.map((s) => s.status), sent.map((s) => (s === "in_progress" ? "processing" : s)));
    assert.deepEqual(errors, []);
    off();
  });

  it("the auth request goes through the call path: POST to /broadcasting/auth with the Bearer key, seen by onRequest and onResponse without it; the key is never in the socket URL", async () => {
    const hooks = [];
    const { c, key } = rtClient({ onRequest: (ev) => hooks.push(["request", ev]), onResponse: (ev) => hooks.push(["response", ev]) });
    const off = c.realtime.subscribe(() => {});
    await until(() => c.realtime.state === "connected", "connected");
    assert.deepEqual(hooks.map(([k, ev]) => [k, ev.method, new URL(ev.url).pathname]),
      [["request", "POST", "/broadcasting/auth"], ["response", "POST", "/broadcasting/auth"]]);
    assert.equal(JSON.stringify(hooks).includes(key.split("|")[1]), false, "no key in the hooks' events");
    const auth = mock.requests({ key, path: "/broadcasting/auth" });
    assert.equal(auth.length, 1);
    assert.equal(auth[0].method, "POST");
    assert.equal(auth[0].headers.authorization, `Bearer ${key}`);
    assert.match(auth[0].headers["content-type"], /application\/json/);
    const [sock] = socketsOf(key);
    assert.equal(JSON.stringify(sock.query).includes(key.split("|")[1]), false);
    assert.equal(sock.query.protocol, "7");
    off();
  });

  it("keyless proxy mode: the auth request goes to the proxy (baseUrl + /broadcasting/auth) without a key, and the proxy adds it", async () => {
    const http = await import("node:http");
    const key = newKey();
    const handler = sdk.createProxy({ apiKey: key, baseUrl: mock.url, prefix: "/api/deapi" });
    const server = http.createServer(sdk.toNodeListener(handler));
    await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
    const seen = [];
    server.on("request", (req) => seen.push([req.method, req.url, req.headers.authorization]));
    try {
      const c = new DeapiClient({ baseUrl: `http://127.0.0.1:${server.address().port}/api/deapi`,
        realtime: { clientId: key.split("|")[0], url: mock.realtimeUrl, WebSocket } });
      clients.add(c);
      const off = c.realtime.subscribe(() => {});
      await until(() => c.realtime.state === "connected", "connected through the proxy's auth route");
      assert.deepEqual(seen, [["POST", "/api/deapi/broadcasting/auth", undefined]], "no key leaves the keyless client");
      const auth = mock.requests({ key, path: "/broadcasting/auth" });
      assert.equal(auth.length, 1);
      assert.equal(auth[0].headers.authorization, `Bearer ${key}`, "the proxy added it");
      off();
    } finally {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    }
  });

  it("a refused auth (403) → state unavailable, onError hears why, nothing throws, no reconnect", async () => {
    const { c, key, errors } = rtClient();
    mock.realtime.refuseAuth(403, 5, { key });
    c.realtime.subscribe(() => {});
    await until(() => c.realtime.state === "unavailable", "unavailable");
    await until(() => errors.length > 0, "the onError hook");
    assert.ok(isDeapiError(errors[0]));
    assert.equal(errors[0].code, "realtime_unavailable");
    assert.match(errors[0].message, /403/);
    assert.equal(errors[0].message.includes(key.split("|")[1]), false, "no key in the message");
    assert.equal(mock.requests({ key, path: "/broadcasting/auth" }).length, 1, "one auth request: a 403 is not retried");
    await until(() => mock.realtime.sockets().length === 0, "the socket closed");
    c.realtime.subscribe(() => {}); // harmless once unavailable
    assert.equal(c.realtime.state, "unavailable");
  });

  it("a 4200 server close → reconnects, re-authorises and resubscribes; events flow again", async () => {
    const { c, key } = rtClient();
    const off = c.realtime.subscribe(() => {});
    await until(() => c.realtime.state === "connected", "connected");
    const first = socketsOf(key)[0].socketId;
    assert.equal(mock.realtime.closeSockets(4200, { key }), 1);
    await until(() => c.realtime.state === "connected" && socketsOf(key).some((s) => s.socketId !== first), "the resubscription");
    assert.equal(mock.requests({ key, path: "/broadcasting/auth" }).length, 2, "a new socket id is authorised again");
    const events = await jobEvents(c);
    assert.equal(events.at(-1).status, "done");
    off();
  });

  it("a dropped connection (1006, no close frame) → reconnects after a backoff; a silent one (no pong) → reconnects too", async () => {
    const { c, key, errors } = rtClient();
    const off = c.realtime.subscribe(() => {});
    await until(() => c.realtime.state === "connected", "connected");
    const first = socketsOf(key)[0].socketId;
    mock.realtime.closeSockets(1006, { key });
    await until(() => c.realtime.state === "connecting", "connecting after the drop");
    await until(() => c.realtime.state === "connected" && socketsOf(key).some((s) => s.socketId !== first), "the reconnect after 1006");
    const second = socketsOf(key)[0].socketId;
    // the mock announces activity_timeout 1: a ping within a second, and no pong from a silenced socket
    mock.realtime.silence(true, { key });
    await until(() => socketsOf(key).some((s) => s.socketId !== second && !s.silent) && c.realtime.state === "connected", "the reconnect after a missing pong");
    assert.deepEqual(errors, []);
    off();
  });

  it("a 4001-class close → unavailable, onError hears it, no reconnect", async () => {
    const { c, key, errors } = rtClient();
    c.realtime.subscribe(() => {});
    await until(() => c.realtime.state === "connected", "connected");
    mock.realtime.closeSockets(4001, { key });
    await until(() => c.realtime.state === "unavailable", "unavailable");
    assert.match(errors.at(-1).message, /4001/);
    await until(() => mock.realtime.sockets().length === 0, "the socket closed");
    // a reconnect would open a socket and ask for auth again; give it a few turns to (not) happen
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(mock.requests({ key, path: "/broadcasting/auth" }).length, 1);
    assert.equal(c.realtime.state, "unavailable");
  });

  it("hostile frames never break it: ignored, the socket stays, real events still arrive", async () => {
    const { c, key, errors } = rtClient();
    const got = [];
    const off = c.realtime.subscribe((s) => got.push(s));
    await until(() => c.realtime.state === "connected", "connected");
    const channel = `private-client.${key.split("|")[0]}`;
    const hostile = [
      "not json",
      "[]",
      "null",
      '{"event":7}',
      '{"event":"request.status.updated","channel":"' + channel + '","data":{"request_id":5}}',
      '{"event":"request.status.updated","channel":"' + channel + '","data":"{\\"request_id\\":\\"x\\",\\"status\\":[]}"}',
      '{"event":"request.status.updated","channel":"' + channel + '","data":"not json either"}',
      '{"event":"request.status.updated","channel":"private-client.999999","data":"{}"}',
      '{"event":"something.else","channel":"' + channel + '","data":"{}"}',
      JSON.stringify({ event: "request.status.updated", channel, data: JSON.stringify({ request_id: "0b0e5c4e-0000-4000-8000-000000000000", status: "in_progress", progress: "1", preview: "data:image/jpeg;base64," + "A".repeat(2 * 1024 * 1024) }) }),
      '{"event":"pusher:connection_established","data":"{\\"socket_id\\":\\"1.1\\"}"}',
      '{"event":"pusher_internal:subscription_succeeded","channel":"' + channel + '"}',
    ];
    for (const raw of hostile) mock.realtime.emit({ key }, null, { raw });
    const events = await jobEvents(c);
    assert.equal(events.at(-1).status, "done");
    assert.equal(c.realtime.state, "connected");
    assert.ok(got.every((s) => typeof s.request_id === "string" && typeof s.status === "string"));
    assert.equal(got.some((s) => s.request_id === "x" || s.request_id === 5), false);
    assert.deepEqual(errors, []);
    off();
  });

  it("what a listener throws is ignored: the other listeners still hear every event", async () => {
    const { c } = rtClient();
    const offBad = c.realtime.subscribe(() => { throw new Error("listener bug"); });
    const events = await jobEvents(c);
    assert.equal(events.at(-1).status, "done");
    offBad();
  });

  it("the last off() closes the socket (state back to idle); subscribing again reopens it", async () => {
    const { c, key } = rtClient();
    const off1 = c.realtime.subscribe(() => {});
    const off2 = c.realtime.subscribe(() => {});
    await until(() => c.realtime.state === "connected", "connected");
    off1();
    off1(); // twice: harmless
    assert.equal(c.realtime.state, "connected", "one listener is left");
    off2();
    assert.equal(c.realtime.state, "idle");
    await until(() => mock.realtime.sockets().length === 0, "the socket closed");
    const off3 = c.realtime.subscribe(() => {});
    await until(() => c.realtime.state === "connected", "connected again");
    assert.equal(socketsOf(key).length, 1);
    off3();
  });

  it("close(): state closed for good, the socket gone; subscribe afterwards is harmless", async () => {
    const { c } = rtClient();
    c.realtime.subscribe(() => {});
    await until(() => c.realtime.state === "connected", "connected");
    c.realtime.close();
    assert.equal(c.realtime.state, "closed");
    await until(() => mock.realtime.sockets().length === 0, "the socket closed");
    const off = c.realtime.subscribe(() => {});
    assert.equal(c.realtime.state, "closed");
    off();
  });

  it("no WebSocket in the runtime → unavailable, onError says so, nothing throws", async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, "WebSocket");
    delete globalThis.WebSocket;
    try {
      const { c, errors } = rtClient({}, { WebSocket: undefined });
      c.realtime.subscribe(() => {});
      assert.equal(c.realtime.state, "unavailable");
      assert.equal(errors.length, 1);
      assert.match(errors[0].message, /no WebSocket/);
    } finally {
      if (saved) Object.defineProperty(globalThis, "WebSocket", saved);
    }
  });

  it("a WebSocket constructor that throws → unavailable, onError hears it", () => {
    const { c, errors } = rtClient({}, { WebSocket: function Broken() { throw new Error("blocked by policy"); } });
    c.realtime.subscribe(() => {});
    assert.equal(c.realtime.state, "unavailable");
    assert.match(errors[0].message, /blocked by policy/);
  });

  it("without realtime.clientId: deapi.realtime exists, state idle, subscribe harmless; without `realtime` at all, the same", () => {
    for (const options of [{ realtime: {} }, { realtime: { clientId: null } }, {}]) {
      const c = new DeapiClient({ apiKey: newKey(), baseUrl: mock.url, ...options });
      assert.equal(c.realtime.state, "idle");
      const off = c.realtime.subscribe(() => {});
      assert.equal(c.realtime.state, "idle");
      off();
      c.realtime.close();
    }
  });

  it("subscribe(non-function) throws an InvalidOptionsError", () => {
    const { c } = rtClient();
    assert.throws(() => c.realtime.subscribe("nope"), InvalidOptionsError);
    assert.equal(c.realtime.state, "idle");
  });

  it("bad realtime options → InvalidOptionsError naming realtime.<field>", () => {
    const cases = [
      [{ clientId: "" }, "realtime.clientId"],
      [{ clientId: "4 2" }, "realtime.clientId"],
      [{ clientId: true }, "realtime.clientId"],
      [{ clientId: "42", url: "https://soketi.deapi.ai/app/k" }, "realtime.url"],
      [{ clientId: "42", url: "ws://example.com/app/k" }, "realtime.url"],
      [{ clientId: "42", authEndpoint: "ftp://x" }, "realtime.authEndpoint"],
      [{ clientId: "42", reconcileIntervalMs: 5 }, "realtime.reconcileIntervalMs"],
      [{ clientId: "42", WebSocket: 5 }, "realtime.WebSocket"],
      [{ clientId: "42", nope: 1 }, "realtime.nope"],
    ];
    for (const [realtime, field] of cases) {
      assert.throws(() => new DeapiClient({ apiKey: newKey(), baseUrl: mock.url, realtime }),
        (e) => e instanceof InvalidOptionsError && e.message.includes(`\`${field}\``), `${JSON.stringify(realtime)} → ${field}`);
    }
    assert.throws(() => new DeapiClient({ apiKey: newKey(), baseUrl: mock.url, realtime: "42" }),
      (e) => e instanceof InvalidOptionsError && e.message.includes("`realtime`"));
  });

  it("the global WebSocket, where the runtime has one", { skip: typeof globalThis.WebSocket !== "function" && "this runtime has no global WebSocket (Node 20: the `ws` package is injected in the other tests)" }, async () => {
    const { c } = rtClient({}, { WebSocket: undefined });
    const events = await jobEvents(c);
    assert.equal(events.at(-1).status, "done");
  });
});

/** The status GETs of a job, as the mock logged them. */
const statusGets = (key, id) => mock.requests({ key, path: `/api/v2/jobs/${id}` });

/** A client whose socket is connected (a listener holds it open), and that listener's events. */
async function connected(extra = {}, realtime = {}) {
  const r = rtClient(extra, realtime);
  r.heard = [];
  r.off = r.c.realtime.subscribe((s) => r.heard.push(s));
  await until(() => r.c.realtime.state === "connected", "connected");
  return r;
}

describe("wait() driven by the socket's events", () => {
  it("with the socket up: events reach onProgress as JobStatus, and done costs one status GET, whose status it resolves with", async () => {
    const { c, key, off, errors } = await connected();
    const job = await c.images.generate(validImage());
    const seen = [];
    const done = await job.wait({ onProgress: (s) => seen.push(s) });
    assert.equal(statusGets(key, job.requestId).length, 1, "one status GET for the whole wait");
    const events = seen.slice(0, -1);
    assert.ok(events.length >= 2, `progress came as events: ${JSON.stringify(seen)}`);
    for (const s of events) {
      assert.equal(s.request_id, job.requestId);
      assert.equal(typeof s.progress, "number");
      assert.ok(["processing", "done"].includes(s.status), s.status);
    }
    assert.ok(events.some((s) => typeof s.preview === "string" && s.preview.startsWith("data:image/")), "previews come with the events");
    // the one GET's status: what the event lacks (the price, the result fields) is there
    assert.equal(done.status, "done");
    assert.equal(done.request_id, job.requestId);
    assert.deepEqual(seen.at(-1), done, "onProgress last sees the GET's status, which wait() resolves with");
    const fromRest = await c.jobs.get(job.requestId);
    assert.deepEqual(Object.keys(done).sort(), Object.keys(fromRest).sort(), "the wait resolves with a full status, not the event");
    assert.deepEqual(errors, []);
    off();
  });

  it("the first wait opens the socket itself; after the subscription it checks the job once, then the done event brings the last GET", async () => {
    const { c, key, errors } = rtClient();
    const job = await c.images.generate(validImage());
    assert.equal(c.realtime.state, "idle");
    const seen = [];
    const waiting = job.wait({ onProgress: (s) => seen.push(s) });
    await until(() => c.realtime.state !== "idle", "wait() to open the socket");
    const done = await waiting;
    assert.equal(done.status, "done");
    assert.equal(statusGets(key, job.requestId).length, 2, "one GET after the subscription (events before it are lost), one after done");
    assert.ok(seen.some((s) => s.status === "processing" && !("price" in s)), "events reached onProgress");
    assert.deepEqual(errors, []);
    // nothing else needs the socket: it closes
    await until(() => c.realtime.state === "idle", "the socket released after the last wait");
    await until(() => socketsOf(key).length === 0, "the mock's socket closed");
  });

  it("an event that comes before its submission's response is not lost: the wait starts with it", async () => {
    const { c, key, heard, off } = await connected();
    mock.realtime.earlyEvents(1, { key }, 100);
    const job = await c.images.generate(validImage());
    assert.ok(heard.some((s) => s.request_id === job.requestId && s.status === "done"), "the done event came before the submission's answer");
    const seen = [];
    const done = await job.wait({ onProgress: (s) => seen.push(s) });
    assert.equal(done.status, "done");
    assert.equal(seen[0].status, "done", "the kept event first");
    assert.equal(statusGets(key, job.requestId).length, 1, "one GET, at once");
    off();
  });

  it("failures never come as events: a job that goes quiet is checked after reconcileIntervalMs, and JobFailedError comes", async () => {
    const { c, key, off } = await connected({}, { reconcileIntervalMs: 200 });
    const job = await c.images.generate(validImage({ prompt: "a fox [fail]" }));
    const e = await job.wait().then(() => assert.fail("resolved"), (err) => err);
    assert.equal(e.name, "JobFailedError", String(e));
    assert.equal(e.requestId, job.requestId);
    assert.ok(statusGets(key, job.requestId).length >= 1);
    off();
  });

  it("a lost done event: the reconciliation check resolves the wait", async () => {
    const { c, key, off } = await connected({}, { reconcileIntervalMs: 200 });
    mock.realtime.dropNext(100, { key });
    const job = await c.images.generate(validImage());
    const done = await job.wait();
    assert.equal(done.status, "done");
    assert.ok(mock.realtime.events().some((e) => e.requestId === job.requestId && e.status === "done" && e.dropped), "its done event was dropped");
    off();
  });

  it("after a resubscription each pending wait checks its job once (events sent while the socket was down are lost)", async () => {
    // reconcileIntervalMs is far beyond this test's timeout: only the check after resubscribing can end the wait
    const { c, key, off } = await connected({}, { reconcileIntervalMs: 3_600_000 });
    mock.realtime.dropNext(100, { key }); // as if the socket were down for the whole job
    const job = await c.images.generate(validImage());
    const waiting = job.wait();
    await until(() => mock.job(job.requestId)?.status === "done", "the job done on the mock's side");
    assert.equal(statusGets(key, job.requestId).length, 0, "no GET while the socket was up and the job quiet");
    const first = socketsOf(key)[0].socketId;
    mock.realtime.closeSockets(4200, { key });
    const done = await waiting;
    assert.equal(done.status, "done");
    assert.ok(socketsOf(key).some((s) => s.socketId !== first), "resubscribed on a new socket");
    assert.equal(statusGets(key, job.requestId).length, 1, "one check after the resubscription");
    off();
  });

  it("while realtime is unavailable (auth refused), waits poll as without it", async () => {
    const { c, key, errors } = rtClient();
    mock.realtime.refuseAuth(403, 5, { key });
    const job = await c.images.generate(validImage());
    const done = await job.wait({ pollIntervalMs: 10 });
    assert.equal(done.status, "done");
    assert.equal(c.realtime.state, "unavailable");
    assert.ok(statusGets(key, job.requestId).length >= 2, "polled");
    assert.equal(errors[0]?.code, "realtime_unavailable");
  });

  it("wait({ realtime: false }) polls though the socket is up; a realtime value that is not a boolean is an InvalidOptionsError", async () => {
    const { c, key, off } = await connected({}, { reconcileIntervalMs: 3_600_000 });
    mock.realtime.dropNext(100, { key }); // an event-driven wait would not end before the reconciliation
    const job = await c.images.generate(validImage());
    const done = await job.wait({ realtime: false, pollIntervalMs: 10 });
    assert.equal(done.status, "done");
    const e = await c.jobs.wait(job.requestId, { realtime: "no" }).then(() => assert.fail("resolved"), (err) => err);
    assert.ok(e instanceof InvalidOptionsError);
    assert.match(e.message, /`realtime`/);
    off();
  });

  it("with the scheduler's shared poller (schedule: true) waits are driven by events too: one GET each", async () => {
    const { c, key, off } = await connected({ schedule: true });
    const jobs = await Promise.all([1, 2, 3].map(() => c.images.generate(validImage())));
    const done = await Promise.all(jobs.map((j) => j.wait()));
    assert.deepEqual(done.map((d) => d.status), ["done", "done", "done"]);
    for (const j of jobs) assert.equal(statusGets(key, j.requestId).length, 1, j.requestId);
    off();
  });

  it("a signal ends an event-driven wait at once; with no wait or listener left the socket closes", async () => {
    const { c, key } = rtClient({}, { reconcileIntervalMs: 3_600_000 });
    mock.realtime.dropNext(100, { key });
    const job = await c.images.generate(validImage());
    const ac = new AbortController();
    const waiting = job.wait({ signal: ac.signal });
    await until(() => c.realtime.state === "connected", "connected");
    await until(() => statusGets(key, job.requestId).length === 1, "the check after the subscription");
    ac.abort();
    const e = await waiting.then(() => assert.fail("resolved"), (err) => err);
    assert.equal(e.name, "AbortError");
    await until(() => c.realtime.state === "idle", "released");
  });
});

describe("deapi.realtime keeps no process alive", () => {
  /** Run a client in a child process that ends with `how`; resolves with its exit code. */
  function child(how) {
    const code = `
      const sdk = require(${JSON.stringify(pkgDir)});
      const { WebSocket } = require(${JSON.stringify(require.resolve("ws"))});
      const key = ${JSON.stringify(newKey())};
      const c = new sdk.DeapiClient({ apiKey: key, baseUrl: ${JSON.stringify(mock.url)},
        realtime: { clientId: key.split("|")[0], url: ${JSON.stringify(mock.realtimeUrl)}, WebSocket } });
      const off = c.realtime.subscribe(() => {});
      const end = () => {
        ${how === "off" ? "off();" : "c.realtime.close();"}
        console.log("ended:" + c.realtime.state);
      };
      if (${JSON.stringify(how)} === "early") end();
      else {
        const check = setInterval(() => {
          if (c.realtime.state !== "connected") return;
          clearInterval(check);
          end();
        }, 10);
      }
    `;
    // (12 s: shorter than every timer the client runs — the handshake's 15 s, and the 30 s ping
    // interval announced below — so one left behind makes this fail)
    return exitsByItself(code, how, 12_000);
  }

  beforeEach(() => mock.configure({ realtime: { activityTimeout: 30 } }));

  it("after close() a Node process running a client exits by itself", async () => {
    const { status, out } = await child("close");
    assert.equal(status, 0);
    assert.match(out, /ended:closed/);
  });

  it("after close() while still connecting (handshake timer running, auth maybe pending) the process exits by itself", async () => {
    const { status, out } = await child("early");
    assert.equal(status, 0);
    assert.match(out, /ended:closed/);
  });

  it("after its last wait() ends a Node process exits by itself (the socket that wait opened is closed)", async () => {
    const code = `
      const sdk = require(${JSON.stringify(pkgDir)});
      const { WebSocket } = require(${JSON.stringify(require.resolve("ws"))});
      const key = ${JSON.stringify(newKey())};
      const c = new sdk.DeapiClient({ apiKey: key, baseUrl: ${JSON.stringify(mock.url)},
        realtime: { clientId: key.split("|")[0], url: ${JSON.stringify(mock.realtimeUrl)}, WebSocket } });
      const states = new Set();
      c.images.generate(${JSON.stringify(validImage())})
        .then((job) => job.wait({ onProgress: () => states.add(c.realtime.state) }))
        .then((s) => console.log("waited:" + s.status + ":" + [...states].join(",") + ":" + c.realtime.state));
    `;
    const { status, out } = await exitsByItself(code, "a wait", 12_000);
    assert.equal(status, 0);
    assert.match(out, /waited:done:.*connected.*:idle/, "the wait heard events over the socket, then released it");
  });

  it("after the last off() a Node process running a client exits by itself", async () => {
    const { status, out } = await child("off");
    assert.equal(status, 0);
    assert.match(out, /ended:idle/);
  });
});
