// deapi.realtime.relay (issue 22, "Multi-user apps", the server half): one job's progress as a
// text/event-stream Response built in Rust (src/wasm/relay.rs over core::relay), fed by the client's
// own wait(); and createProxy serving it at GET {prefix}/events/{requestId}. Against the mock deAPI
// (and its Pusher side, for a second job's events on the same account channel). Node 20 has no
// global WebSocket: the `ws` package is injected as `realtime.WebSocket`.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createRequire } from "node:module";
import { newKey, pkgDir, sdk, useRealtimeMock, validImage } from "./helpers.mjs";
import { exitsByItself, until } from "../support.mjs";

const require = createRequire(import.meta.url);
const { WebSocket } = require("ws");
const { DeapiClient, createProxy, toNodeListener, InvalidOptionsError } = sdk;

let mock;
const clients = new Set();
useRealtimeMock((m) => { mock = m; }, clients);

/** A server-side client (realtime configured: the relay works with or without a socket). */
function serverClient(extra = {}) {
  const apiKey = newKey();
  const c = new DeapiClient({ apiKey, baseUrl: mock.url, retryBaseDelayMs: 1, ...extra,
    realtime: { clientId: apiKey.split("|")[0], url: mock.realtimeUrl, WebSocket } });
  clients.add(c);
  return { c, key: apiKey };
}

/** Fast polling for the relay's wait (the mock moves a job one step per status GET while no socket
 * is subscribed): `realtime: false` goes on to wait(), so these relays poll though the client has a
 * clientId (the relay driven by socket events is tested on its own below). */
const FAST = { pollIntervalMs: 1, maxPollIntervalMs: 1, realtime: false };

/** A job that stays `pending` for `n` status GETs (faults answering them), then moves on as usual. */
function stuck(key, requestId, n = 100_000) {
  mock.addFaults({ key, path: `/jobs/${requestId}`, method: "GET",
    responses: Array.from({ length: n }, () => ({ status: 200, body: { data: { status: "pending", progress: 0 } } })) });
}
const statusGets = (key, requestId) => mock.requests({ key, path: `/jobs/${requestId}`, method: "GET" }).length;

/**
 * An EventSource-style reader of a text/event-stream body (the WHATWG parsing rules: `event:`, `data:`
 * lines joined by "\n", `:` comments, a blank line dispatches). `events` and `comments` fill as bytes
 * arrive; `ended` resolves when the stream ends; `cancel()` cancels it.
 */
function sse(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const out = { events: [], comments: [], text: "", done: false };
  let buffer = "";
  let event = { name: "", data: [] };
  const line = (l) => {
    if (l === "") {
      if (event.data.length) out.events.push({ event: event.name || "message", data: event.data.join("\n") });
      event = { name: "", data: [] };
      return;
    }
    if (l.startsWith(":")) return void out.comments.push(l.slice(1).trim());
    const at = l.indexOf(":");
    const [field, value] = at === -1 ? [l, ""] : [l.slice(0, at), l.slice(at + 1).replace(/^ /, "")];
    if (field === "event") event.name = value;
    else if (field === "data") event.data.push(value);
  };
  out.ended = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const chunk = decoder.decode(value, { stream: true });
      out.text += chunk;
      buffer += chunk;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop();
      lines.forEach(line);
    }
    out.done = true;
  })();
  out.cancel = () => reader.cancel();
  out.json = (name) => out.events.filter((e) => e.event === name).map((e) => JSON.parse(e.data));
  return out;
}

function assertNoKey(text, key) {
  assert.equal(text.includes(key), false, "no key in the stream");
  assert.equal(text.includes(key.split("|")[1]), false, "no key secret in the stream");
}

/** A relay's answer: 200, an event stream that no cache keeps; its events as `sse` reads them. */
function stream(res) {
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  assert.equal(res.headers.get("cache-control"), "no-store");
  return sse(res.body);
}

describe("deapi.realtime.relay(requestId): one job's events as Server-Sent Events", () => {
  it("a done job: `status` events while it runs, then `done` with the status GET's full result, then the end", async () => {
    const { c, key } = serverClient();
    const job = await c.images.generate(validImage());
    const res = await c.realtime.relay(job.requestId, FAST);
    assert.ok(res instanceof Response);
    const s = stream(res);
    await s.ended;
    const names = s.events.map((e) => e.event);
    assert.equal(names.at(-1), "done", "done is the last event");
    assert.deepEqual(names.slice(0, -1), names.slice(0, -1).map(() => "status"));
    const statuses = s.json("status");
    assert.deepEqual(statuses.map((x) => x.status), ["pending", "processing", "processing", "processing"], "each change once, in order");
    assert.deepEqual(statuses.map((x) => x.progress), [0, 25, 50, 75]);
    const [done] = s.json("done");
    assert.equal(done.request_id, job.requestId);
    assert.equal(done.status, "done");
    assert.match(done.result_url, /^http:\/\/.+\.png$/);
    assert.ok(done.results_alt_formats && done.price, "the status GET's fields (alt formats, price), not an event's");
    for (const x of [...statuses, done]) assert.equal(x.request_id, job.requestId);
    assert.equal(statusGets(key, job.requestId), 5, "one GET per step, none after done");
    assertNoKey(s.text, key);
  });

  it("with the client's socket, the relay's wait is driven by events: every progress step streamed, one or two status GETs", async () => {
    const { c, key } = serverClient();
    const job = await c.images.generate(validImage());
    const s = sse((await c.realtime.relay(job.requestId)).body);
    await s.ended;
    assert.equal(s.events.at(-1).event, "done");
    const steps = [...new Set(s.json("status").filter((x) => x.status === "processing").map((x) => x.progress))];
    assert.deepEqual(steps, [25, 50, 75], "each progress step of the job's timeline, in order, from the socket");
    assert.ok(statusGets(key, job.requestId) <= 2, "after subscribing and on done, not one per step");
    assertNoKey(s.text, key);
  });

  it("a failed job: its failure reaches the stream as an `error` event (the JobFailedError's fields), then the end", async () => {
    const { c, key } = serverClient();
    const job = await c.images.generate(validImage({ prompt: "a fox [fail]" }));
    const s = sse((await c.realtime.relay(job.requestId, FAST)).body);
    await s.ended;
    assert.equal(s.events.at(-1).event, "error");
    assert.deepEqual(s.events.slice(0, -1).map((e) => e.event), ["status", "status", "status", "status"]);
    const [e] = s.json("error");
    assert.equal(e.name, "JobFailedError");
    assert.equal(e.code, "job_failed");
    assert.equal(e.requestId, job.requestId);
    assert.match(e.message, /failed: The worker failed to process the job\./);
    assert.deepEqual([e.errorCode, e.errorReason, e.retryable, e.refunded], ["PROCESSING_ERROR", "PROCESSING_FAILED", true, true]);
    assert.equal(s.json("done").length, 0);
    assertNoKey(s.text, key);
  });

  it("the key never reaches the stream, even when deAPI echoes it in a status or an error", async () => {
    const { c, key } = serverClient();
    const job = await c.images.generate(validImage());
    mock.addFaults({ key, path: `/jobs/${job.requestId}`, method: "GET", responses: [
      { status: 200, body: { data: { status: "pending", progress: 0, note: `you sent Bearer ${key}` } } },
      { status: 200, body: { data: { status: "error", error_message: `bad key ${key.split("|")[1]}`, error_code: "X" } } },
    ] });
    const s = sse((await c.realtime.relay(job.requestId, FAST)).body);
    await s.ended;
    assert.deepEqual(s.events.map((e) => e.event), ["status", "error"]);
    assertNoKey(s.text, key);
    assert.match(s.json("status")[0].note, /\[REDACTED\]/);
    assert.match(s.json("error")[0].message, /\[REDACTED\]/);
  });

  it("an unknown job: a `NotFoundError` event with status 404", async () => {
    const { c } = serverClient();
    const s = sse((await c.realtime.relay("0b0e5c4e-0000-4000-8000-000000000000", FAST)).body);
    await s.ended;
    assert.deepEqual(s.events.map((e) => e.event), ["error"]);
    const [e] = s.json("error");
    assert.deepEqual([e.name, e.status, e.requestId], ["NotFoundError", 404, "0b0e5c4e-0000-4000-8000-000000000000"]);
  });

  it("only that job's events: another job of the same account, running at the same time on the same channel, never shows up", async () => {
    const { c } = serverClient();
    // the account's channel is open: both jobs go live and broadcast their events to it
    const heard = [];
    const off = c.realtime.subscribe((status) => heard.push(status));
    await until(() => c.realtime.state === "connected", "the account's socket");
    const a = await c.images.generate(validImage());
    const b = await c.images.generate(validImage({ prompt: "a blue whale" }));
    const [ra, rb] = await Promise.all([c.realtime.relay(a.requestId, FAST), c.realtime.relay(b.requestId, FAST)]);
    const [sa, sb] = [sse(ra.body), sse(rb.body)];
    await Promise.all([sa.ended, sb.ended]);
    for (const [s, mine, other] of [[sa, a, b], [sb, b, a]]) {
      assert.equal(s.events.at(-1).event, "done");
      const all = s.events.map((e) => JSON.parse(e.data));
      assert.ok(all.every((x) => x.request_id === mine.requestId), "every event is the stream's own job");
      assert.equal(s.text.includes(other.requestId), false, "the other job is nowhere in the stream");
    }
    // (the account listener heard both: they did run side by side on the channel)
    await until(() => [a, b].every((j) => heard.some((x) => x.request_id === j.requestId)), "both jobs' events on the channel");
    off();
  });

  it("a reader that cancels ends the wait: no status GET after it (a second relay polling as fast is the witness)", async () => {
    const { c, key } = serverClient();
    const a = await c.images.generate(validImage());
    const b = await c.images.generate(validImage());
    stuck(key, a.requestId);
    stuck(key, b.requestId);
    const sa = sse((await c.realtime.relay(a.requestId, FAST)).body);
    await until(() => statusGets(key, a.requestId) >= 3 && sa.events.length >= 1, "a few polls of the first job");
    await sa.cancel();
    const atCancel = statusGets(key, a.requestId);
    // the witness: the same polling for another job, 30 GETs long
    const sb = sse((await c.realtime.relay(b.requestId, FAST)).body);
    await until(() => statusGets(key, b.requestId) >= 30, "30 polls of the witness job");
    assert.ok(statusGets(key, a.requestId) <= atCancel + 1, "at most the GET in flight at the cancel");
    await sb.cancel();
    assert.equal(sa.events.filter((e) => e.event !== "status").length, 0, "nothing written after the cancel");
  });

  it("the `signal` option aborting ends the wait: an AbortError event, the end, and no status GET after it", async () => {
    const { c, key } = serverClient();
    const a = await c.images.generate(validImage());
    const b = await c.images.generate(validImage());
    stuck(key, a.requestId);
    stuck(key, b.requestId);
    const ac = new AbortController();
    const sa = sse((await c.realtime.relay(a.requestId, { ...FAST, signal: ac.signal })).body);
    await until(() => statusGets(key, a.requestId) >= 3, "a few polls");
    ac.abort(new Error("request closed"));
    await sa.ended;
    const atEnd = statusGets(key, a.requestId);
    const e = sa.json("error").at(-1);
    assert.equal(sa.events.at(-1).event, "error");
    assert.deepEqual([e.name, e.code, e.requestId], ["AbortError", "aborted", a.requestId]);
    assert.equal(e.cause.message, "request closed");
    const sb = sse((await c.realtime.relay(b.requestId, FAST)).body);
    await until(() => statusGets(key, b.requestId) >= 30, "30 polls of the witness job");
    assert.ok(statusGets(key, a.requestId) <= atEnd + 1, "no GET after the abort (but one in flight)");
    await sb.cancel();
    // an already aborted signal: the error at once, no GET at all
    const c2 = sse((await c.realtime.relay(b.requestId, { signal: AbortSignal.abort() })).body);
    const before = statusGets(key, b.requestId);
    await c2.ended;
    assert.deepEqual(c2.events.map((x) => x.event), ["error"]);
    assert.equal(statusGets(key, b.requestId), before);
  });

  it("`: ping` comments keep an idle stream open (heartbeatMs), and stop with it", async () => {
    const { c, key } = serverClient();
    const job = await c.images.generate(validImage());
    stuck(key, job.requestId);
    const s = sse((await c.realtime.relay(job.requestId, { heartbeatMs: 5, pollIntervalMs: 60_000, realtime: false })).body);
    // (realtime: false — a polling wait makes its one GET at once; an event-driven one would first
    // give the socket a poll interval, and the pings could come before any status)
    await until(() => s.comments.filter((x) => x === "ping").length >= 3 && s.events.length > 0, "three pings and the status");
    assert.deepEqual(s.events.map((e) => e.event), ["status"], "one status GET, then the wait sleeps");
    await s.cancel();
    await s.ended;
    const after = s.comments.length;
    assert.equal(s.done, true);
    assert.equal(s.comments.length, after, "nothing after the end");
  });

  it("an invalid id is a 400 JSON answer (no request); bad options reject with an InvalidOptionsError", async () => {
    const errors = [];
    const { c, key } = serverClient({ onError: (e) => errors.push(e) });
    for (const id of ["", "../admin", "a b", "x".repeat(129), 42, null, undefined]) {
      const res = await c.realtime.relay(id);
      assert.equal(res.status, 400, String(id));
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.match((await res.json()).message, /^Bad Request: not a deAPI request id/);
    }
    const id = "7f0c1d2e-0000-4000-8000-00000000c0de";
    for (const [opts, field] of [[{ onProgress() {} }, "onProgress"], [{ heartbeatMs: 0 }, "heartbeatMs"], [{ maxWaitMs: "soon" }, "maxWaitMs"],
      [{ signal: "no" }, "signal"], [{ nope: 1 }, "nope"], ["fast", "options"]]) {
      await assert.rejects(c.realtime.relay(id, opts), (e) => e instanceof InvalidOptionsError && e.message.includes(`\`${field}\``), field);
    }
    assert.equal(errors.length, 6, "onError hears each rejection, as for every call");
    assert.equal(mock.requests({ key }).length, 0);
  });
});

describe("createProxy serves GET {prefix}/events/{requestId} through a relay", () => {
  let front, key, base, seen, events;
  before(async () => {
    key = newKey();
    seen = [];
    events = [];
    const handler = createProxy({ apiKey: key, baseUrl: mock.url, onError: (e) => events.push(e),
      realtime: { clientId: key.split("|")[0], url: mock.realtimeUrl, WebSocket },
      authorize: (request, info) => {
        seen.push(info);
        return request.headers.get("x-user") !== "blocked";
      } });
    const server = http.createServer(toNodeListener(handler));
    await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
    base = `http://127.0.0.1:${server.address().port}/api/deapi`;
    front = server;
  });
  after(async () => {
    front.closeAllConnections();
    await new Promise((ok) => front.close(ok));
  });

  it("end to end: a keyless client submits through the proxy and reads its job's stream with fetch; deAPI gets the key, the browser never", async () => {
    mock.configure({ jobSteps: { pending: 0, processing: 1 } }); // (the relay's wait polls at wait()'s default pace)
    const browserSide = new DeapiClient({ baseUrl: base });
    const job = await browserSide.images.generate(validImage());
    const res = await fetch(`${base}/events/${job.requestId}`, { headers: { accept: "text/event-stream", "sec-fetch-site": "same-origin" } });
    const s = stream(res);
    await s.ended;
    const names = s.events.map((e) => e.event);
    assert.equal(names.at(-1), "done");
    assert.ok(names.length >= 2 && names.slice(0, -1).every((n) => n === "status"), names.join());
    assert.ok(s.json("status").some((x) => x.status === "processing" && x.progress === 50), JSON.stringify(s.json("status")));
    assert.equal(s.json("done")[0].request_id, job.requestId);
    assertNoKey(s.text, key);
    const gets = mock.requests({ path: `/jobs/${job.requestId}` });
    assert.ok(gets.length >= 1 && gets.length <= 2, "the proxy's relay waits by events: after subscribing and on done");
    assert.ok(gets.every((r) => r.headers.authorization === `Bearer ${key}`), "the proxy's client adds the key");
    assert.deepEqual(seen.at(-1), { operation: "realtime.relay", method: "GET", path: `/events/${job.requestId}`, submission: false });
    assert.deepEqual(events, []);
  });

  it("the events path keeps the proxy's checks: another site's page, the authorize hook, a bad id, another method", async () => {
    const id = "7f0c1d2e-0000-4000-8000-00000000c0de";
    const url = `${base}/events/${id}`;
    const evil = await fetch(url, { headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" } });
    assert.equal(evil.status, 403);
    assert.match((await evil.json()).message, /^Forbidden/);
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
    const blocked = await fetch(url, { headers: { "x-user": "blocked" } });
    assert.equal(blocked.status, 403);
    assert.match((await blocked.json()).message, /authorize/);
    const bad = await fetch(`${base}/events/a%20b`);
    assert.equal(bad.status, 400);
    const post = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET");
    assert.equal(mock.requests({ path: id }).length, 0, "deAPI heard of none of them");
  });

  it("without the `realtime` option the path is not served (404), as any path that is no deAPI operation", async () => {
    const handler = createProxy({ apiKey: newKey(), baseUrl: mock.url });
    const res = await handler(new Request("http://app.test/api/deapi/events/7f0c1d2e-0000-4000-8000-00000000c0de"));
    assert.equal(res.status, 404);
  });

  it("bad `realtime` options throw an InvalidOptionsError naming realtime.<field>", () => {
    for (const [realtime, field] of [[{ clientId: "" }, "realtime.clientId"], [{ clientId: "42", WebSocket: 5 }, "realtime.WebSocket"], ["42", "realtime"], [{ nope: 1 }, "realtime.nope"]]) {
      assert.throws(() => createProxy({ apiKey: newKey(), baseUrl: mock.url, realtime }),
        (e) => e instanceof InvalidOptionsError && e.message.includes(`\`${field}\``), field);
    }
  });
});

describe("a relay keeps no process alive", () => {
  /** A relay in a child process that ends `how`; resolves with its exit code and output. */
  function child(how, requestId, key) {
    const code = `
      const sdk = require(${JSON.stringify(pkgDir)});
      const c = new sdk.DeapiClient({ apiKey: ${JSON.stringify(key)}, baseUrl: ${JSON.stringify(mock.url)} });
      const how = ${JSON.stringify(how)};
      const ac = new AbortController();
      (async () => {
        const res = await c.realtime.relay(${JSON.stringify(requestId)}, { pollIntervalMs: how === "done" ? 1 : 200, signal: ac.signal });
        const reader = res.body.getReader();
        let text = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
          if (how === "cancel" && text.includes("event: status")) { await reader.cancel(); break; }
          if (how === "abort" && text.includes("event: status")) ac.abort();
        }
        console.log("ended:" + (text.match(/event: (\\w+)/g) || []).at(-1));
      })();
    `;
    // (12 s: shorter than the 15 s heartbeat, so a heartbeat timer left behind makes this fail, as would
    // a wait still polling a job that never ends)
    return exitsByItself(code, how, 12_000);
  }

  it("after a relay ends with done, after its reader cancels, after its signal aborts: the process exits by itself", async () => {
    const key = newKey();
    const c = new DeapiClient({ apiKey: key, baseUrl: mock.url });
    const done = await c.images.generate(validImage());
    assert.deepEqual(await child("done", done.requestId, key), { status: 0, out: "ended:event: done\n" });
    for (const how of ["cancel", "abort"]) {
      const job = await c.images.generate(validImage());
      stuck(key, job.requestId);
      const r = await child(how, job.requestId, key);
      assert.equal(r.status, 0);
      assert.equal(r.out, how === "cancel" ? "ended:event: status\n" : "ended:event: error\n");
    }
  });
});
