// The mock deAPI's realtime side: a Pusher-protocol (v7) WebSocket endpoint at /app/<key> on the mock's own port,
// as deAPI's soketi speaks it (/work/shared/realtime.md §1–§2, §4), the /broadcasting/auth signer, the job
// events along each job's timeline, and the /__mock/realtime control routes. See README.md next to this file.
//
// Used by server.mjs only: attachRealtime(server, hooks) → the controller server.mjs wires into its routes,
// its submit and status handlers, its control API and close().
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

export const REALTIME_DEFAULTS = {
  /** deAPI's public app key, so the SDK's default `realtime.url` key matches; only host and port differ. */
  appKey: 'depin-api-prod-key',
  /** The app secret the auth route signs with (soketi's app secret; deAPI's is private). */
  appSecret: 'mock-app-secret',
  /** Seconds, announced in pusher:connection_established (soketi: 30; tests use 1). */
  activityTimeout: 30,
  /** A live job moves one step of its timeline every stepMs (see README: "How jobs move"). */
  stepMs: 250,
};

/** `<id>|<secret>` → "<id>" (deAPI's numeric client id); the keyless key (allowKeyless) → "0". */
export function clientIdOf(key) {
  if (key === 'keyless') return '0';
  const m = /^(\d+)\|/.exec(String(key ?? ''));
  return m ? m[1] : null;
}
export const channelOf = (key) => (clientIdOf(key) === null ? null : `private-client.${clientIdOf(key)}`);

/** HMAC-SHA256(secret, "socket_id:channel") in hex, as Pusher and soketi compute it (realtime.md §2.5). */
export const signChannel = (secret, socketId, channel) => createHmac('sha256', secret).update(`${socketId}:${channel}`).digest('hex');

const SOCKET_ID_RE = /^\d+\.\d+$/;
const MAX_LOG = 1000;
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const sameString = (a, b) => {
  const x = Buffer.from(String(a)), y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * hooks: { state (the mock's state; realtime config in state.config.realtime), timers (Set, cleared by close/reset),
 *          advance(job), describe(job) → { resultUrl, previewDataUri }, addFaults(spec), sleep(ms), quiet() }.
 */
export async function attachRealtime(server, hooks) {
  let WebSocketServer = null;
  try {
    ({ WebSocketServer } = await import('ws'));
  } catch {
    process.stderr.write('[mock] the `ws` package is missing (npm ci): the realtime side (/app/<key>) is off\n');
  }
  const { state, timers } = hooks;
  const cfg = () => state.config.realtime;
  const rt = { seq: 0, sockets: new Set(), events: [], drop: [], early: [], refuseConnections: [] };
  const wss = WebSocketServer ? new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 }) : null;

  const log = (s) => { if (!hooks.quiet()) process.stderr.write(`[mock] ws ${s}\n`); };
  const send = (c, frame) => {
    if (c.ws.readyState === 1) c.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  };
  /** A selector `{key?, clientId?, channel?}` → the channel it names (null: every socket). */
  const channelFrom = (sel = {}) => sel.channel ?? (sel.clientId != null ? `private-client.${sel.clientId}` : sel.key != null ? channelOf(sel.key) : null);
  const matches = (c, channel) => channel === null || c.channels.has(channel);
  const take = (list, channel) => {
    const i = list.findIndex((e) => e.channel === null || e.channel === channel);
    if (i === -1) return null;
    const e = list[i];
    if (--e.count <= 0) list.splice(i, 1);
    return e;
  };

  // ── the WebSocket endpoint ──
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url, 'http://mock.invalid');
    const m = /^\/app\/([^/]+)$/.exec(url.pathname);
    if (!wss || !m) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => connected(ws, decodeURIComponent(m[1]), url));
  });

  function connected(ws, appKey, url) {
    const c = { id: ++rt.seq, ws, appKey, query: Object.fromEntries(url.searchParams), socketId: `${randomInt(1, 2 ** 31)}.${randomInt(1, 2 ** 31)}`,
      channels: new Set(), silent: false, received: [], openedAt: new Date().toISOString(), closed: null };
    rt.sockets.add(c);
    ws.on('close', (code) => { c.closed = { code }; rt.sockets.delete(c); log(`#${c.id} closed ${code}`); });
    ws.on('error', () => {});
    // soketi: an unknown app key gets pusher:error 4001, then the close (realtime.md §2.3)
    const refusal = appKey !== cfg().appKey ? { code: 4001, message: `App key ${appKey} does not exist.` } : take(rt.refuseConnections, null);
    if (refusal) {
      send(c, { event: 'pusher:error', data: { code: refusal.code, message: refusal.message ?? 'Connection refused by the mock.' } });
      ws.close(refusal.code, refusal.message?.slice(0, 100));
      return;
    }
    ws.on('message', (raw, binary) => onMessage(c, binary ? null : raw.toString('utf8')));
    // `data` double-encoded, as soketi sends it
    send(c, { event: 'pusher:connection_established', data: JSON.stringify({ socket_id: c.socketId, activity_timeout: cfg().activityTimeout }) });
    log(`#${c.id} open ${c.socketId}`);
  }

  function onMessage(c, text) {
    let msg = null;
    try { msg = JSON.parse(text); } catch { /* not JSON: soketi ignores it */ }
    if (c.received.length < MAX_LOG) c.received.push(isObj(msg) && typeof msg.event === 'string' ? msg : { invalid: String(text).slice(0, 200) });
    if (!isObj(msg) || typeof msg.event !== 'string') return;
    const data = isObj(msg.data) ? msg.data : {};
    switch (msg.event) {
      case 'pusher:ping':
        if (!c.silent) send(c, { event: 'pusher:pong', data: {} });
        return;
      case 'pusher:subscribe':
        return subscribe(c, data);
      case 'pusher:unsubscribe':
        c.channels.delete(data.channel);
        return;
      default:
        // client events and anything else: ignored (deAPI's private channel has no client events)
    }
  }

  function subscribe(c, { channel, auth }) {
    if (typeof channel !== 'string' || channel === '') return;
    const refuse = (type, error, status) => send(c, { event: 'pusher:subscription_error', channel, data: { type, error, status } });
    if (channel.length > 164) return refuse('LimitReached', 'The channel name is longer than the allowed limit.', 4009);
    if (channel.startsWith('presence-')) return refuse('AuthError', 'The connection is unauthorized.', 401); // not emulated
    if (channel.startsWith('private-')) {
      // soketi: app.key + ':' + HMAC(secret, socketId:channel), compared as strings (private-channel-manager.ts)
      const want = `${cfg().appKey}:${signChannel(cfg().appSecret, c.socketId, channel)}`;
      if (typeof auth !== 'string' || !sameString(auth, want)) return refuse('AuthError', 'The connection is unauthorized.', 401);
    }
    c.channels.add(channel);
    send(c, { event: 'pusher_internal:subscription_succeeded', channel });
    log(`#${c.id} subscribed ${channel}`);
    // jobs of this account that are waiting for their first step go live now
    for (const job of state.jobs.values()) if (channelOf(job.key) === channel) goLive(job);
  }

  // ── job events ──
  /** The request.status.updated payload for a job's current state; null when deAPI broadcasts nothing
   *  (pending, and error: failures are only over REST and webhooks). */
  function payloadOf(job) {
    const { resultUrl, previewDataUri } = hooks.describe(job);
    if (job.status === 'processing') {
      // deAPI says `processing` as the job starts, then `in_progress` with previews
      const first = job.polls === state.config.jobSteps.pending + 1;
      return { request_id: job.id, status: first ? 'processing' : 'in_progress', preview: first ? null : previewDataUri, result_url: null, progress: Number(job.progress).toFixed(2) };
    }
    if (job.status === 'done') return { request_id: job.id, status: 'done', preview: null, result_url: resultUrl, progress: '100.00' };
    return null;
  }

  /** Sends an event to every socket subscribed to `channel` (unless dropped or silent); logged. */
  function broadcast(channel, payload, { raw } = {}) {
    const dropped = !!take(rt.drop, channel);
    const frame = raw ?? JSON.stringify({ event: 'request.status.updated', channel, data: JSON.stringify(payload) });
    let delivered = 0;
    if (!dropped) {
      for (const c of rt.sockets) {
        if (c.channels.has(channel) && !c.silent && c.ws.readyState === 1) {
          c.ws.send(frame);
          delivered++;
        }
      }
    }
    if (rt.events.length < MAX_LOG) rt.events.push({ channel, requestId: payload?.request_id ?? null, status: payload?.status ?? null, dropped, delivered, raw: raw !== undefined, time: new Date().toISOString(), at: performance.now() });
    return { dropped, delivered };
  }

  /** One step of a live job (as one status poll moves a polled job), and its event. */
  function step(job) {
    hooks.advance(job);
    const p = payloadOf(job);
    if (p) broadcast(channelOf(job.key), p);
  }
  const finished = (job) => job.status === 'done' || job.status === 'error';

  /** A job moves on the mock's clock once a socket of its account is subscribed (then GETs no longer move it). */
  function goLive(job) {
    if (job.live || finished(job) || !subscribed(channelOf(job.key))) return;
    job.live = true;
    const tick = () => {
      timers.delete(t);
      if (!state.jobs.has(job.id)) return;
      step(job);
      if (!finished(job)) { t = setTimeout(tick, cfg().stepMs); timers.add(t); }
    };
    let t = setTimeout(tick, cfg().stepMs);
    timers.add(t);
  }
  const subscribed = (channel) => channel !== null && [...rt.sockets].some((c) => c.channels.has(channel));

  /** After a submission: the "early" control runs its whole timeline now (events before the HTTP answer,
   *  which server.mjs then delays by the returned ms); else it goes live if its account listens. */
  function onSubmit(job) {
    const early = take(rt.early, channelOf(job.key));
    if (early) {
      job.live = true;
      while (!finished(job)) step(job);
      return early.delayMs;
    }
    goLive(job);
    return 0;
  }

  // ── /broadcasting/auth (routed and authenticated by server.mjs like any API route) ──
  function auth(ctx) {
    const { socket_id: socketId, channel_name: channel } = ctx.input ?? {};
    const own = channelOf(ctx.key);
    if (typeof socketId !== 'string' || !SOCKET_ID_RE.test(socketId) || typeof channel !== 'string' || own === null || channel !== own) {
      return { status: 403, body: { message: 'This action is unauthorized.' } };
    }
    return { body: { auth: `${cfg().appKey}:${signChannel(cfg().appSecret, socketId, channel)}` } };
  }

  // ── controls (JS API and /__mock/realtime) ──
  const count = (n) => (n === undefined ? 1 : Number.isInteger(n) && n >= 0 ? n : (() => { throw new Error('"count" must be an integer ≥ 0'); })());
  const controls = {
    dropNext(n = 1, sel) { rt.drop.push({ count: count(n), channel: channelFrom(sel) }); },
    closeSockets(code = 4200, sel, reason) {
      if (!Number.isInteger(code) || !(code === 1006 || code === 1000 || (code >= 3000 && code <= 4999))) throw new Error('"code" must be 1000, 1006 or 3000–4999');
      const channel = channelFrom(sel);
      let n = 0;
      for (const c of [...rt.sockets]) {
        if (!matches(c, channel)) continue;
        n++;
        if (code === 1006) { c.ws.terminate(); continue; } // no close frame: the client sees 1006
        if (code >= 4000) send(c, { event: 'pusher:error', data: { code, message: reason ?? 'Closed by the mock.' } });
        c.ws.close(code, (reason ?? '').slice(0, 100));
      }
      return n;
    },
    silence(on = true, sel) {
      const channel = channelFrom(sel);
      let n = 0;
      for (const c of rt.sockets) if (matches(c, channel)) { c.silent = !!on; n++; }
      return n;
    },
    refuseAuth(status = 403, n = 1, sel = {}) {
      if (![401, 403].includes(status) && !(Number.isInteger(status) && status >= 400 && status <= 599)) throw new Error('"status" must be an HTTP error status');
      return hooks.addFaults({ key: sel.key ?? undefined, path: '/broadcasting/auth', method: 'POST', responses: Array.from({ length: count(n) }, () => ({ status })) });
    },
    refuseConnections(code = 4100, n = 1, message) {
      if (!Number.isInteger(code) || code < 4000 || code > 4999) throw new Error('"code" must be 4000–4999');
      rt.refuseConnections.push({ code, count: count(n), channel: null, message });
    },
    earlyEvents(n = 1, sel, delayMs = 50) { rt.early.push({ count: count(n), channel: channelFrom(sel), delayMs }); },
    emit(sel, payload, { raw } = {}) {
      const channel = channelFrom(sel);
      if (channel === null) throw new Error('emit needs a key, clientId or channel');
      return broadcast(channel, payload, { raw });
    },
    sockets: () => [...rt.sockets].map((c) => ({ id: c.id, socketId: c.socketId, appKey: c.appKey, query: c.query, channels: [...c.channels], silent: c.silent,
      openedAt: c.openedAt, received: c.received })),
    events: () => rt.events,
    sign: (socketId, channel) => `${cfg().appKey}:${signChannel(cfg().appSecret, socketId, channel)}`,
    clientIdOf,
    channelOf,
  };

  function control(ctx, sub, body, sendJson) {
    const b = body() ?? {};
    const sel = { key: b.key, clientId: b.clientId, channel: b.channel };
    const ok = (extra = {}) => sendJson(ctx, 200, { ok: true, ...extra });
    try {
      if (sub === '/realtime' && ctx.method === 'GET') return sendJson(ctx, 200, { sockets: controls.sockets(), events: controls.events(), config: cfg() });
      if (ctx.method !== 'POST') return sendJson(ctx, 404, { message: `Unknown mock control route ${ctx.method} ${ctx.path}` });
      switch (sub) {
        case '/realtime/drop': controls.dropNext(b.count, sel); return ok();
        case '/realtime/close': return ok({ closed: controls.closeSockets(b.code ?? 4200, sel, b.reason) });
        case '/realtime/silence': return ok({ sockets: controls.silence(b.on ?? true, sel) });
        case '/realtime/refuse-auth': return ok(controls.refuseAuth(b.status ?? 403, b.count, sel));
        case '/realtime/refuse-connections': controls.refuseConnections(b.code ?? 4100, b.count, b.message); return ok();
        case '/realtime/early': controls.earlyEvents(b.count, sel, b.delayMs ?? 50); return ok();
        case '/realtime/emit': return ok(controls.emit(sel, b.payload, { raw: b.raw }));
        default: return sendJson(ctx, 404, { message: `Unknown mock control route ${ctx.method} ${ctx.path}` });
      }
    } catch (e) {
      return sendJson(ctx, 400, { message: e.message });
    }
  }

  /** reset(): controls and logs cleared; open sockets stay (their subscriptions too). */
  function reset() {
    Object.assign(rt, { events: [], drop: [], early: [], refuseConnections: [] });
    for (const c of rt.sockets) c.silent = false;
  }
  /** close(): every socket terminated, nothing left running. */
  function close() {
    for (const c of rt.sockets) c.ws.terminate();
    rt.sockets.clear();
    wss?.close();
  }

  return { controls, control, auth, onSubmit, reset, close, enabled: !!wss };
}
