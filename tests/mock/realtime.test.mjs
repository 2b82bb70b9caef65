// The mock's realtime side (realtime.mjs) is faithful to deAPI's soketi: driven by the real pusher-js client
// (its Node build) through the mock's /broadcasting/auth, plus raw `ws` tests of each control route.
// node --test tests/mock/
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Pusher from 'pusher-js';
import WebSocket from 'ws';
import { startMock, signChannel, clientIdOf, channelOf } from './server.mjs';
import { until } from '../support.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const KEY = '42|testkey123';
const CHANNEL = 'private-client.42';
const FLUX = { prompt: 'a red fox', model: 'Flux1schnell', width: 1024, height: 768, guidance: 0, steps: 4, seed: -1 };


let mock;
const call = (p, { method = 'GET', key = KEY, json, body, headers = {} } = {}) => {
  const h = { Accept: 'application/json', ...headers };
  if (key !== null) h.Authorization = `Bearer ${key}`;
  if (json !== undefined) h['Content-Type'] = 'application/json';
  return fetch(mock.url + p, { method, headers: h, body: json !== undefined ? JSON.stringify(json) : body });
};
const submit = async (json = FLUX, key = KEY) => {
  const r = await call('/api/v2/images/generations', { method: 'POST', json, key });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()).data.request_id;
};
const control = async (p, json) => {
  const r = await fetch(mock.url + p, { method: json ? 'POST' : 'GET', headers: json ? { 'Content-Type': 'application/json' } : {}, body: json && JSON.stringify(json) });
  assert.equal(r.status, 200, `${p}: ${await r.clone().text()}`);
  return r.json();
};

// ── pusher-js, the reference client, pointed at the mock (realtime.md §4: wsHost/wsPort, no TLS, ws only) ──
const clients = new Set();
function pusher({ key = KEY, authorize, pongTimeout } = {}) {
  const p = new Pusher(mock.config.realtime.appKey, {
    cluster: 'mt1', wsHost: '127.0.0.1', wsPort: mock.port, forceTLS: false, enabledTransports: ['ws'], disableStats: true,
    ...(pongTimeout ? { pongTimeout } : {}),
    channelAuthorization: authorize ? { customHandler: authorize } : { endpoint: `${mock.url}/broadcasting/auth`, transport: 'ajax', headers: { Authorization: `Bearer ${key}` } },
  });
  const seen = { states: [], messages: [], events: [], errors: [] };
  p.connection.bind('state_change', ({ current }) => seen.states.push(current));
  p.connection.bind('message', (m) => seen.messages.push(m));
  clients.add(p);
  return { p, seen };
}
/** Subscribes to `channel`; resolves { channel, events } once subscribed, or rejects with the subscription error. */
function subscribe(p, seen, channel = CHANNEL) {
  const ch = p.subscribe(channel);
  ch.bind('request.status.updated', (e) => seen.events.push(e));
  return new Promise((resolve, reject) => {
    ch.bind('pusher:subscription_succeeded', () => resolve(ch));
    ch.bind('pusher:subscription_error', (e) => { seen.errors.push(e); reject(Object.assign(new Error('subscription_error'), { detail: e })); });
  });
}

// ── raw ws, for exact frames ──
const raws = new Set();
function rawSocket(url = `${mock.realtimeUrl}?protocol=7&client=test&version=0&flash=false`) {
  const ws = new WebSocket(url);
  const frames = [];
  const s = { ws, frames, closed: null };
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  ws.on('close', (code) => { s.closed = code; });
  ws.on('error', () => {});
  raws.add(ws);
  return s;
}
const socketIdOf = (s) => JSON.parse(s.frames.find((f) => f.event === 'pusher:connection_established').data).socket_id;
/** A raw socket authorised (through the mock's auth route) and subscribed to `key`'s channel. */
async function rawSubscribed(key = KEY) {
  const s = rawSocket();
  await until(() => s.frames.some((f) => f.event === 'pusher:connection_established'), 'the handshake');
  const channel = channelOf(key);
  const r = await call('/broadcasting/auth', { method: 'POST', key, json: { socket_id: socketIdOf(s), channel_name: channel } });
  assert.equal(r.status, 200);
  s.ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { auth: (await r.json()).auth, channel } }));
  await until(() => s.frames.some((f) => f.event === 'pusher_internal:subscription_succeeded'), 'the subscription');
  return s;
}
const statusEvents = (s) => s.frames.filter((f) => f.event === 'request.status.updated').map((f) => JSON.parse(f.data));

before(async () => { mock = await startMock({ quiet: true, realtime: { stepMs: 20, activityTimeout: 1 } }); });
after(async () => {
  for (const p of clients) p.disconnect();
  for (const ws of raws) ws.terminate();
  await mock.close();
});
/** Every client of the previous test gone (the mock has no socket left) before the next one starts. */
const cleanup = async () => {
  for (const p of clients) p.disconnect();
  clients.clear();
  for (const ws of raws) ws.terminate();
  raws.clear();
  await until(() => mock.realtime.sockets().length === 0, 'the previous test\'s sockets to close');
  mock.reset();
};

describe('realtime: pusher-js against the mock', () => {
  beforeEach(cleanup);

  it('connects, authorises through /broadcasting/auth, subscribes, and receives a job\'s events in order ending with done', async () => {
    const { p, seen } = pusher();
    await subscribe(p, seen);
    assert.equal(p.connection.state, 'connected');
    // pusher-js's URL reached the mock: /app/<key>?protocol=7&client=js&version=…
    const [sock] = mock.realtime.sockets();
    assert.equal(sock.query.protocol, '7');
    assert.equal(sock.query.client, 'js');
    assert.deepEqual(sock.channels, [CHANNEL]);
    // the auth request pusher-js sent: form-encoded, with the Bearer key
    const [authReq] = mock.requests({ path: '/broadcasting/auth' });
    assert.match(authReq.headers['content-type'], /application\/x-www-form-urlencoded/);
    assert.equal(authReq.status, 200);

    const id = await submit();
    await until(() => seen.events.some((e) => e.request_id === id && e.status === 'done'), 'the done event');
    const mine = seen.events.filter((e) => e.request_id === id);
    assert.deepEqual(mine.map((e) => e.status), ['processing', 'in_progress', 'in_progress', 'done']);
    assert.deepEqual(mine.map((e) => e.progress), ['25.00', '50.00', '75.00', '100.00'], 'progress is text, as deAPI sends it');
    assert.equal(mine[0].preview, null);
    assert.match(mine[1].preview, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    assert.equal(mine[3].result_url, `${mock.url}/results/${id}.png`);
    assert.ok(mine.slice(0, 3).every((e) => e.result_url === null));
    // the events came without a single status GET; the result is there over REST too
    assert.equal(mock.requests({ path: '/api/v2/jobs/' }).length, 0);
    const status = (await (await call(`/api/v2/jobs/${id}`)).json()).data;
    assert.equal(status.status, 'done');
    // soketi relays deAPI's events double-encoded: `data` is a JSON string on the wire
    const events = mock.realtime.events().filter((e) => e.requestId === id);
    assert.deepEqual(events.map((e) => [e.status, e.delivered, e.dropped]), [['processing', 1, false], ['in_progress', 1, false], ['in_progress', 1, false], ['done', 1, false]]);
  });

  it('a failing job sends no failure event: the socket goes quiet, REST says error', async () => {
    const { p, seen } = pusher();
    await subscribe(p, seen);
    const id = await submit({ ...FLUX, prompt: 'a fox [fail]' });
    await until(() => mock.job(id).status === 'error', 'the job to fail');
    await until(() => seen.events.filter((e) => e.request_id === id).length === 3, 'the three progress events');
    assert.deepEqual(seen.events.filter((e) => e.request_id === id).map((e) => e.status), ['processing', 'in_progress', 'in_progress']);
    assert.deepEqual(mock.realtime.events().filter((e) => e.requestId === id).map((e) => e.status), ['processing', 'in_progress', 'in_progress']);
    const status = (await (await call(`/api/v2/jobs/${id}`)).json()).data;
    assert.equal(status.status, 'error');
    assert.equal(status.error_code, 'PROCESSING_ERROR');
  });

  it('pings within activity_timeout and gets pong', async () => {
    const { p, seen } = pusher();
    await subscribe(p, seen);
    // the mock announces activity_timeout: 1 (s); pusher-js pings after that much silence
    await until(() => seen.messages.some((m) => m.event === 'pusher:pong'), 'a pong');
    assert.ok(mock.realtime.sockets()[0].received.some((m) => m.event === 'pusher:ping'));
  });

  it('sees a 4200 close and reconnects at once: new socket id, authorised and subscribed again', async () => {
    const { p, seen } = pusher();
    await subscribe(p, seen);
    const first = p.connection.socket_id;
    const closed = await control('/__mock/realtime/close', { code: 4200, key: KEY });
    assert.equal(closed.closed, 1);
    await until(() => p.connection.state === 'connected' && p.connection.socket_id !== first && mock.realtime.sockets().some((s) => s.channels.includes(CHANNEL)), 'the resubscription');
    assert.ok(seen.messages.some((m) => m.event === 'pusher:error' && m.data.code === 4200), 'soketi sends pusher:error before the close');
    assert.equal(mock.requests({ path: '/broadcasting/auth' }).length, 2, 'the new socket id is authorised again');
    // and events flow on the new socket
    const id = await submit();
    await until(() => seen.events.some((e) => e.request_id === id && e.status === 'done'), 'the done event after reconnecting');
  });

  it('reconnects after a dropped connection (1006) and after 4100 (backoff)', async () => {
    const { p, seen } = pusher();
    await subscribe(p, seen);
    for (const code of [1006, 4100]) {
      const before = p.connection.socket_id;
      await control('/__mock/realtime/close', { code });
      await until(() => p.connection.state === 'connected' && p.connection.socket_id !== before, `the reconnection after ${code}`);
    }
    assert.equal(mock.realtime.sockets().length, 1);
  });

  it('is refused on another client\'s channel (403 from the auth route)', async () => {
    const { p, seen } = pusher();
    await assert.rejects(subscribe(p, seen, 'private-client.43'), (e) => e.detail.status === 403 && e.detail.type === 'AuthError');
    const [authReq] = mock.requests({ path: '/broadcasting/auth' });
    assert.equal(authReq.status, 403);
    assert.deepEqual(mock.realtime.sockets()[0].channels, []);
  });

  it('is refused on a forged signature (subscription_error 401, as soketi sends it)', async () => {
    const forged = (params, cb) => cb(null, { auth: `${mock.config.realtime.appKey}:${'0'.repeat(64)}` });
    const { p, seen } = pusher({ authorize: forged });
    await assert.rejects(subscribe(p, seen), (e) => e.detail.status === 401 && e.detail.type === 'AuthError');
    // a signature for another socket id is refused too
    const other = (params, cb) => cb(null, { auth: mock.realtime.sign('1.1', params.channelName) });
    const b = pusher({ authorize: other });
    await assert.rejects(subscribe(b.p, b.seen), (e) => e.detail.status === 401);
    // the socket stays open (soketi does not close it)
    assert.equal(p.connection.state, 'connected');
  });

  it('a silent server (no pong) makes pusher-js drop the socket and reconnect', async () => {
    const { p, seen } = pusher({ pongTimeout: 300 });
    await subscribe(p, seen);
    const first = p.connection.socket_id;
    await control('/__mock/realtime/silence', { on: true, key: KEY });
    await until(() => p.connection.state === 'connected' && p.connection.socket_id !== first, 'the reconnection after a missing pong');
    await until(() => mock.realtime.sockets().some((s) => s.socketId === p.connection.socket_id && s.channels.includes(CHANNEL)), 'the resubscription');
  });

  it('a refused auth (401) reaches pusher-js as a subscription error', async () => {
    await control('/__mock/realtime/refuse-auth', { status: 401, count: 1 });
    const { p, seen } = pusher();
    await assert.rejects(subscribe(p, seen), (e) => e.detail.status === 401);
  });
});

describe('realtime: the endpoint and the auth route', () => {
  beforeEach(cleanup);

  it('signs socket_id:channel with HMAC-SHA256 as Pusher does (PDOC fixture)', () => {
    assert.equal(signChannel('7ad3773142a6692b25b8', '1234.1234', 'private-foobar'), '58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4');
    assert.equal(clientIdOf('42|abcdefg'), '42');
    assert.equal(clientIdOf('keyless'), '0');
    assert.equal(clientIdOf('nonsense'), null);
    assert.equal(channelOf('7|abcdefg'), 'private-client.7');
  });

  it('the handshake: connection_established double-encoded with a socket id and the configured activity_timeout', async () => {
    const s = rawSocket();
    await until(() => s.frames.length, 'the handshake');
    assert.equal(s.frames[0].event, 'pusher:connection_established');
    assert.equal(typeof s.frames[0].data, 'string');
    const d = JSON.parse(s.frames[0].data);
    assert.match(d.socket_id, /^\d+\.\d+$/);
    assert.equal(d.activity_timeout, 1);
    s.ws.send('{"event":"pusher:ping","data":{}}');
    await until(() => s.frames.some((f) => f.event === 'pusher:pong'), 'the pong');
  });

  it('an unknown app key gets pusher:error 4001 and the close', async () => {
    const s = rawSocket(`ws://127.0.0.1:${mock.port}/app/wrong-key`);
    await until(() => s.closed !== null, 'the close');
    assert.equal(s.closed, 4001);
    assert.equal(s.frames[0].event, 'pusher:error');
    assert.equal(s.frames[0].data.code, 4001);
  });

  it('/broadcasting/auth: JSON or form, Bearer required, only the key\'s own channel, a Pusher socket id', async () => {
    const body = { socket_id: '123.456', channel_name: CHANNEL };
    const want = `${mock.config.realtime.appKey}:${signChannel(mock.config.realtime.appSecret, '123.456', CHANNEL)}`;
    let r = await call('/broadcasting/auth', { method: 'POST', json: body });
    assert.deepEqual([r.status, await r.json()], [200, { auth: want }]);
    r = await call('/broadcasting/auth', { method: 'POST', body: new URLSearchParams(body).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.deepEqual([r.status, await r.json()], [200, { auth: want }]);
    r = await call('/broadcasting/auth', { method: 'POST', json: body, key: null });
    assert.equal(r.status, 401);
    r = await call('/broadcasting/auth', { method: 'POST', json: body, key: '7|testkey123' });
    assert.equal(r.status, 403, 'key 7 may not sign client 42\'s channel');
    for (const bad of [{ socket_id: 'abc', channel_name: CHANNEL }, { channel_name: CHANNEL }, { socket_id: '1.2' }, { socket_id: '1.2', channel_name: 'private-client.42x' }]) {
      r = await call('/broadcasting/auth', { method: 'POST', json: bad });
      assert.equal(r.status, 403, JSON.stringify(bad));
    }
    r = await call('/broadcasting/auth');
    assert.equal(r.status, 405);
    // proxy mode (allowKeyless): a request without a key is client 0
    mock.configure({ allowKeyless: true });
    r = await call('/broadcasting/auth', { method: 'POST', key: null, json: { socket_id: '1.2', channel_name: 'private-client.0' } });
    assert.equal(r.status, 200);
    r = await call('/broadcasting/auth', { method: 'POST', key: null, json: body });
    assert.equal(r.status, 403);
  });

  it('a client frame over 64 KiB closes the socket (1009); binary and non-JSON frames are ignored', async () => {
    const s = rawSocket();
    await until(() => s.frames.length, 'the handshake');
    s.ws.send(Buffer.from([1, 2, 3]));
    s.ws.send('not json');
    s.ws.send('{"event":"pusher:ping","data":{}}');
    await until(() => s.frames.some((f) => f.event === 'pusher:pong'), 'the pong after odd frames');
    s.ws.send('x'.repeat(70 * 1024));
    await until(() => s.closed !== null, 'the close');
    assert.equal(s.closed, 1009);
  });

  it('a job submitted while nobody listens moves per GET, as before; it goes live once its account subscribes', async () => {
    const id = await submit();
    assert.equal((await (await call(`/api/v2/jobs/${id}`)).json()).data.status, 'pending');
    assert.equal((await (await call(`/api/v2/jobs/${id}`)).json()).data.status, 'processing');
    assert.equal(mock.job(id).live, false);
    const s = await rawSubscribed();
    await until(() => statusEvents(s).some((e) => e.request_id === id && e.status === 'done'), 'the done event');
    assert.deepEqual(statusEvents(s).map((e) => e.status), ['in_progress', 'in_progress', 'done'], 'it goes on from where the GETs left it');
    assert.equal(mock.requests({ path: '/api/v2/jobs/' }).length, 2, 'no GET moved it after that');
    // another account's socket hears nothing of it
    const other = await rawSubscribed('7|otherkey1');
    const id2 = await submit();
    await until(() => statusEvents(s).some((e) => e.request_id === id2 && e.status === 'done'), 'the second job');
    assert.deepEqual(statusEvents(other), []);
  });

  it('a GET of a live job reads it without moving it', async () => {
    mock.configure({ realtime: { stepMs: 60_000 } });
    await rawSubscribed();
    const id = await submit();
    assert.equal(mock.job(id).live, true);
    for (let i = 0; i < 3; i++) assert.equal((await (await call(`/api/v2/jobs/${id}`)).json()).data.status, 'pending');
    assert.equal(mock.job(id).polls, 0);
  });
});

describe('realtime: control routes', () => {
  beforeEach(cleanup);

  it('drop: the next N events are not sent (and are logged as dropped)', async () => {
    const s = await rawSubscribed();
    await control('/__mock/realtime/drop', { count: 2, key: KEY });
    const id = await submit();
    await until(() => statusEvents(s).some((e) => e.request_id === id && e.status === 'done'), 'the done event');
    assert.deepEqual(statusEvents(s).map((e) => e.status), ['in_progress', 'done']);
    const log = (await control('/__mock/realtime')).events;
    assert.deepEqual(log.map((e) => e.dropped), [true, true, false, false]);
  });

  it('close: with a code (4200, 4100 after pusher:error; 1006 without a close frame), counted per account', async () => {
    for (const code of [4200, 4100, 1006]) {
      const s = await rawSubscribed();
      const other = await rawSubscribed('7|otherkey1');
      const r = await control('/__mock/realtime/close', { code, key: KEY });
      assert.equal(r.closed, 1);
      await until(() => s.closed !== null, `the close ${code}`);
      assert.equal(s.closed, code);
      assert.equal(s.frames.some((f) => f.event === 'pusher:error' && f.data.code === code), code !== 1006);
      assert.equal(other.closed, null, 'another account\'s socket stays open');
      other.ws.terminate();
    }
    const bad = await fetch(`${mock.url}/__mock/realtime/close`, { method: 'POST', body: JSON.stringify({ code: 99 }) });
    assert.equal(bad.status, 400);
  });

  it('silence: no pong and no event until it is lifted', async () => {
    const s = await rawSubscribed();
    await control('/__mock/realtime/silence', { on: true });
    s.ws.send('{"event":"pusher:ping","data":{}}');
    // the mock has read that ping (its log says so) before silence is lifted
    await until(() => mock.realtime.sockets()[0].received.filter((m) => m.event === 'pusher:ping').length === 1, 'the first ping');
    const id = await submit();
    await until(() => mock.job(id).status === 'done', 'the job');
    assert.ok(mock.realtime.events().every((e) => e.delivered === 0));
    await control('/__mock/realtime/silence', { on: false });
    s.ws.send('{"event":"pusher:ping","data":{}}');
    await until(() => s.frames.some((f) => f.event === 'pusher:pong'), 'the pong after silence');
    // frames of one socket arrive in order: had the first ping been answered, its pong would be here too
    assert.equal(s.frames.filter((f) => f.event === 'pusher:pong').length, 1);
    assert.deepEqual(statusEvents(s), []);
  });

  it('refuse-auth: the next auth requests get 401/403', async () => {
    await control('/__mock/realtime/refuse-auth', { status: 403, count: 2 });
    const body = { socket_id: '1.2', channel_name: CHANNEL };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('/broadcasting/auth', { method: 'POST', json: body })).status);
    assert.deepEqual(statuses, [403, 403, 200]);
  });

  it('refuse-connections: the next connection gets pusher:error with the code, then the close', async () => {
    await control('/__mock/realtime/refuse-connections', { code: 4100, count: 1 });
    const s = rawSocket();
    await until(() => s.closed !== null, 'the refusal');
    assert.equal(s.closed, 4100);
    assert.deepEqual(s.frames.map((f) => [f.event, f.data.code]), [['pusher:error', 4100]]);
    const t = rawSocket();
    await until(() => t.frames.length, 'the next handshake');
    assert.equal(t.frames[0].event, 'pusher:connection_established');
  });

  it('early: a job\'s events, through done, before its submission\'s answer', async () => {
    const s = await rawSubscribed();
    await control('/__mock/realtime/early', { count: 1, key: KEY, delayMs: 200 });
    const id = await submit();
    // the mock sent every event, through done, before it answered the submission (monotonic clock)
    const [req] = mock.requests({ path: '/api/v2/images/generations' });
    const sent = mock.realtime.events().filter((e) => e.requestId === id);
    assert.deepEqual(sent.map((e) => [e.status, e.delivered]), [['processing', 1], ['in_progress', 1], ['in_progress', 1], ['done', 1]]);
    assert.ok(sent.every((e) => e.at < req.answeredAt), 'events before the answer');
    await until(() => statusEvents(s).filter((e) => e.request_id === id).length === 4, 'the four events at the client');
    assert.deepEqual(statusEvents(s).filter((e) => e.request_id === id).map((e) => e.status), ['processing', 'in_progress', 'in_progress', 'done']);
    const next = await submit();
    assert.equal(mock.job(next).status, 'pending', 'one submission only');
  });

  it('emit: a payload (double-encoded) or a raw frame to an account\'s channel', async () => {
    const s = await rawSubscribed();
    await control('/__mock/realtime/emit', { clientId: '42', payload: { request_id: 'r-1', status: 'in_progress', progress: '12.50', preview: null, result_url: null } });
    await control('/__mock/realtime/emit', { key: KEY, raw: '{"event":"request.status.updated","channel":"private-client.42","data":"not json"}' });
    await until(() => s.frames.filter((f) => f.event === 'request.status.updated').length === 2, 'both frames');
    const [a, b] = s.frames.filter((f) => f.event === 'request.status.updated');
    assert.equal(typeof a.data, 'string');
    assert.deepEqual(JSON.parse(a.data), { request_id: 'r-1', status: 'in_progress', progress: '12.50', preview: null, result_url: null });
    assert.equal(b.data, 'not json');
    const bad = await fetch(`${mock.url}/__mock/realtime/emit`, { method: 'POST', body: JSON.stringify({ payload: {} }) });
    assert.equal(bad.status, 400);
  });

  it('GET /__mock/realtime lists sockets, events and the config; configure() changes it at run time', async () => {
    await rawSubscribed();
    const st = await control('/__mock/realtime');
    assert.equal(st.sockets.length, 1);
    assert.deepEqual(st.sockets[0].channels, [CHANNEL]);
    assert.equal(st.config.activityTimeout, 1);
    await control('/__mock/config', { realtime: { activityTimeout: 7 } });
    const s = rawSocket();
    await until(() => s.frames.length, 'the handshake');
    assert.equal(JSON.parse(s.frames[0].data).activity_timeout, 7);
  });
});

describe('realtime: nothing keeps the process alive', () => {
  it('a process with subscribed sockets and live jobs exits by itself after close()', async () => {
    const script = `
      import { startMock } from ${JSON.stringify(path.join(HERE, 'server.mjs'))};
      import WebSocket from 'ws';
      const mock = await startMock({ quiet: true, realtime: { stepMs: 60000, activityTimeout: 1 } });
      const ws = new WebSocket(mock.realtimeUrl);
      ws.on('error', () => {});
      const hello = await new Promise((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
      const socket_id = JSON.parse(hello.data).socket_id;
      const h = { authorization: 'Bearer 42|testkey123', 'content-type': 'application/json' };
      const { auth } = await (await fetch(mock.url + '/broadcasting/auth', { method: 'POST', headers: h, body: JSON.stringify({ socket_id, channel_name: 'private-client.42' }) })).json();
      ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { auth, channel: 'private-client.42' } }));
      await new Promise((r) => ws.once('message', r));
      await fetch(mock.url + '/api/v2/images/generations', { method: 'POST', headers: h, body: ${JSON.stringify(JSON.stringify(FLUX))} });
      await mock.close();
      console.log('closed');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: HERE, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise((r) => child.on('exit', (c, sig) => r(sig ?? c)));
    clearTimeout(guard);
    assert.equal(code, 0, `the process did not exit by itself (${code}): ${err}`);
    assert.equal(out.trim(), 'closed');
  });
});
