// Tests of the mock deAPI server itself: node --test tests/mock/
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startMock, MODELS } from './server.mjs';
import { parsePng, solidPng, crc32 } from './png.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const KEY = '1|testkey123';
const FLUX = { prompt: 'a red fox', model: 'Flux1schnell', width: 1024, height: 768, guidance: 0, steps: 4, seed: -1 };
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let mock, tmp;
/** fetch against `m` (default: the shared mock) with deAPI headers; `json` sets a JSON body. */
function call(p, { method = 'GET', key = KEY, json, body, headers = {}, m = mock, signal } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (key !== null) h.Authorization = `Bearer ${key}`;
  if (json !== undefined) h['Content-Type'] = 'application/json';
  return fetch(m.url + p, { method, headers: h, body: json !== undefined ? JSON.stringify(json) : body, signal });
}
const submit = async (json = FLUX, opts = {}) => {
  const r = await call('/api/v2/images/generations', { method: 'POST', json, ...opts });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()).data.request_id;
};
const poll = async (id, v = 'v2', opts = {}) => (await (await call(v === 'v2' ? `/api/v2/jobs/${id}` : `/api/v1/client/request-status/${id}`, opts)).json()).data;
const control = (p, method = 'GET', json) => fetch(mock.url + p, { method, headers: json ? { 'Content-Type': 'application/json' } : {}, body: json && JSON.stringify(json) });
/** Raw request (fetch normalises `..`); resolves { status, headers, body }. */
const raw = (m, rawPath) => new Promise((resolve, reject) => {
  const u = new URL(m.url);
  http.get({ host: u.hostname, port: u.port, path: rawPath }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
  }).on('error', reject);
});

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deapi-mock-'));
  fs.mkdirSync(path.join(tmp, 'www', 'sub'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'pkg'));
  fs.writeFileSync(path.join(tmp, 'www', 'index.html'), '<!doctype html><title>demo</title>');
  fs.writeFileSync(path.join(tmp, 'www', 'sub', 'index.html'), '<p>sub</p>');
  fs.writeFileSync(path.join(tmp, 'www', 'app.mjs'), 'export default 1;');
  fs.writeFileSync(path.join(tmp, 'pkg', 'deapi_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  fs.writeFileSync(path.join(tmp, 'pkg', 'deapi.js'), 'export {};');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'TOP-SECRET');
  mock = await startMock({ quiet: true, staticDirs: { '/': path.join(tmp, 'www'), '/pkg/': path.join(tmp, 'pkg') } });
});
after(async () => {
  await mock?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => mock.reset());

describe('auth', () => {
  it('401 Unauthenticated. without a key, with a malformed key, or a non-Bearer scheme', async () => {
    for (const key of [null, 'testkey123', '1|abc', 'x|abcdefgh', '1|abc-def-ghi']) {
      const r = await call('/api/v2/account/balance', { key });
      assert.equal(r.status, 401, `key ${key}`);
      assert.equal(r.headers.get('content-type'), 'application/json');
      assert.deepEqual(await r.json(), { message: 'Unauthenticated.' });
    }
    const basic = await call('/api/v2/account/balance', { key: null, headers: { Authorization: 'Basic MXx0ZXN0a2V5MTIz' } });
    assert.equal(basic.status, 401);
  });

  it('accepts <id>|<secret> keys', async () => {
    for (const key of [KEY, '12345|AbCdEf', '7|abcdefghijklmnopqrstuvwxyz0123456789']) {
      assert.equal((await call('/api/v1/client/balance', { key })).status, 200, key);
    }
  });

  it('proxy mode: allowKeyless accepts requests without Authorization (key "keyless"), still rejects bad keys', async () => {
    const m = await startMock({ quiet: true, allowKeyless: true });
    try {
      const r = await call('/api/v2/account/balance', { key: null, m });
      assert.equal(r.status, 200);
      assert.equal(m.requests()[0].key, 'keyless');
      assert.equal((await call('/api/v2/account/balance', { key: 'nope', m })).status, 401);
    } finally { await m.close(); }
    assert.equal((await call('/api/v2/account/balance', { key: null })).status, 401, 'default is not keyless');
  });
});

describe('CORS', () => {
  it('every response carries Allow-Origin and the exposed rate-limit headers', async () => {
    for (const r of [await call('/api/v2/account/balance'), await call('/api/v2/account/balance', { key: null }), await call('/api/v2/nope')]) {
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      assert.match(r.headers.get('access-control-expose-headers'), /Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Daily-Limit, X-RateLimit-Daily-Remaining, X-RateLimit-Type, X-RateLimit-Source/);
    }
  });

  it('answers preflights with 204, echoes requested headers, and counts them apart from the log', async () => {
    const r = await fetch(`${mock.url}/api/v2/images/generations`, { method: 'OPTIONS',
      headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-custom' } });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-headers'), 'authorization,content-type,x-custom');
    assert.equal(r.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    const plain = await fetch(`${mock.url}/api/v2/models`, { method: 'OPTIONS' });
    assert.equal(plain.headers.get('access-control-allow-headers'), 'authorization, content-type, accept, x-requested-with');
    const log = await (await control('/__mock/requests')).json();
    assert.deepEqual(log.requests, []);
    assert.equal(log.preflights, 2);
    assert.equal((await (await control('/__mock/requests?path=/models')).json()).preflights, 1);
  });
});

describe('text to image submit + job lifecycle', () => {
  it('returns a UUID v4 request_id and walks pending → processing (25/50/75, preview) → done', async () => {
    const id = await submit();
    assert.match(id, UUID_V4);
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await poll(id));
    assert.deepEqual(seen.map((s) => [s.status, s.progress]), [['pending', 0], ['processing', 25], ['processing', 50], ['processing', 75], ['done', 100]]);
    assert.equal(seen[0].preview, null);
    assert.equal(seen[0].price, null);
    assert.equal(seen[1].preview, `${mock.url}/results/${id}-preview.png`);
    const done = seen[4];
    assert.deepEqual(Object.keys(done), ['status', 'progress', 'preview', 'result_url', 'results_alt_formats', 'result', 'error_code',
      'error_message', 'error_reason', 'retryable', 'refunded', 'failed_at', 'price']);
    assert.equal(done.result_url, `${mock.url}/results/${id}.png`);
    assert.deepEqual(done.results_alt_formats, { jpg: `${mock.url}/results/${id}.jpg`, webp: `${mock.url}/results/${id}.webp` });
    assert.deepEqual(done.price, { amount: 0.00314573, is_estimated: false });
    assert.equal(done.preview, null);
    assert.equal(done.error_code, null);
    assert.equal((await poll(id)).status, 'done', 'terminal state sticks');
  });

  it('honours jobSteps', async () => {
    const m = await startMock({ quiet: true, jobSteps: { pending: 0, processing: 1 } });
    try {
      const id = await submit(FLUX, { m });
      assert.deepEqual([(await poll(id, 'v2', { m })).progress, (await poll(id, 'v2', { m })).status], [50, 'done']);
    } finally { await m.close(); }
  });

  it('v1 and v2 share one job namespace; v1 returns the core subset', async () => {
    const r = await call('/api/v1/client/txt2img', { method: 'POST', json: FLUX });
    const id = (await r.json()).data.request_id;
    assert.equal((await poll(id, 'v2')).status, 'pending');
    const v1 = await poll(id, 'v1');
    assert.deepEqual(Object.keys(v1), ['status', 'progress', 'preview', 'result_url', 'result']);
    assert.equal(v1.status, 'processing');
    const v2id = await submit();
    assert.equal((await poll(v2id, 'v1')).status, 'pending');
  });

  it('a [fail] prompt ends in error with the v2 failure fields; v1 adds "error"', async () => {
    const id = await submit({ ...FLUX, prompt: 'fox [fail]' });
    let s;
    for (let i = 0; i < 5; i++) s = await poll(id);
    assert.equal(s.status, 'error');
    assert.equal(s.error_code, 'PROCESSING_ERROR');
    assert.equal(s.error_message, 'The worker failed to process the job.');
    assert.equal(s.error_reason, 'PROCESSING_FAILED');
    assert.equal(s.retryable, true);
    assert.equal(s.refunded, true);
    assert.match(s.failed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    assert.deepEqual(s.price, { amount: 0, is_estimated: false });
    assert.equal(s.result_url, null);
    const v1 = await poll(id, 'v1');
    assert.equal(v1.status, 'error');
    assert.equal(v1.error, 'The worker failed to process the job.');
  });

  it('a [balance] prompt is rejected with 422 errors.balance', async () => {
    const r = await call('/api/v2/images/generations', { method: 'POST', json: { ...FLUX, prompt: 'fox [balance]' } });
    assert.equal(r.status, 422);
    assert.deepEqual(await r.json(), { message: 'Not enough balance.', errors: { balance: ['Not enough balance.'] } });
  });

  it('unknown job id → 404; another key cannot see the job', async () => {
    const r = await call('/api/v2/jobs/00000000-0000-4000-8000-000000000000');
    assert.equal(r.status, 404);
    assert.deepEqual(await r.json(), { message: 'No query results for the requested resource.' });
    assert.equal(r.headers.get('x-ratelimit-source'), 'jobs');
    const id = await submit();
    assert.equal((await call(`/api/v1/client/request-status/${id}`, { key: '2|otherkey99' })).status, 404);
  });

  it('GET /__mock/jobs/{id} shows internal state without advancing', async () => {
    const id = await submit();
    const a = await (await control(`/__mock/jobs/${id}`)).json();
    const b = await (await control(`/__mock/jobs/${id}`)).json();
    assert.equal(a.polls, 0);
    assert.equal(b.polls, 0);
    assert.equal(a.status, 'pending');
    assert.equal(a.model, 'Flux1schnell');
    assert.equal((await poll(id)).status, 'pending');
    assert.equal((await (await control(`/__mock/jobs/${id}`)).json()).polls, 1);
    assert.equal((await control('/__mock/jobs/nope')).status, 404);
  });

  it('responses are PHP-encoded JSON (escaped slashes)', async () => {
    const id = await submit();
    for (let i = 0; i < 4; i++) await poll(id);
    const text = await (await call(`/api/v2/jobs/${id}`)).text();
    assert.ok(text.includes(`"result_url":"http:\\/\\/127.0.0.1:${mock.port}\\/results\\/${id}.png"`), text);
  });
});

describe('request bodies', () => {
  it('accepts multipart with "1"/"0" booleans and bracketed loras, and logs the parts', async () => {
    const fd = new FormData();
    for (const [k, v] of Object.entries(FLUX)) fd.append(k, String(v));
    fd.append('loras[0][name]', 'flux_realism');
    fd.append('loras[0][weight]', '0.75');
    fd.append('enhance_prompt', '1');
    const r = await call('/api/v2/images/generations', { method: 'POST', body: fd });
    assert.equal(r.status, 200, await r.clone().text());
    const id = (await r.json()).data.request_id;
    const job = mock.job(id);
    assert.deepEqual(job.input.loras, [{ name: 'flux_realism', weight: '0.75' }]);
    assert.equal(job.enhance, true);
    const [entry] = mock.requests({ path: '/images/generations' });
    assert.match(entry.headers['content-type'], /^multipart\/form-data; boundary=/);
    assert.deepEqual(entry.parts.find((p) => p.name === 'loras[0][weight]'), { name: 'loras[0][weight]', filename: null, contentType: null, value: '0.75' });
    const s = await poll(id);
    assert.equal(s.prompt_boosted, true);
  });

  it('rejects "true" as a multipart boolean (Laravel boolean rule)', async () => {
    const fd = new FormData();
    for (const [k, v] of Object.entries(FLUX)) fd.append(k, String(v));
    fd.append('enhance_prompt', 'true');
    const r = await call('/api/v2/images/generations', { method: 'POST', body: fd });
    assert.equal(r.status, 422);
    assert.deepEqual(await r.json(), { message: 'The enhance prompt field must be true or false.', errors: { enhance_prompt: ['The enhance prompt field must be true or false.'] } });
  });

  it('accepts urlencoded bodies', async () => {
    const r = await call('/api/v1/client/txt2img', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(Object.entries(FLUX).map(([k, v]) => [k, String(v)])).toString() });
    assert.equal(r.status, 200);
    assert.match((await r.json()).data.request_id, UUID_V4);
  });

  it('multipart file uploads: file parts are logged with size, and a string is not a file', async () => {
    const fd = new FormData();
    fd.append('image', new Blob([new Uint8Array(1234)], { type: 'image/png' }), 'in.png');
    fd.append('prompt', 'make it blue');
    fd.append('model', 'QwenImageEdit_Plus_NF4');
    fd.append('steps', '20');
    fd.append('seed', '7');
    const ok = await call('/api/v2/images/edits', { method: 'POST', body: fd });
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.deepEqual(mock.requests({ path: '/images/edits' })[0].parts[0], { name: 'image', filename: 'in.png', contentType: 'image/png', size: 1234 });
    const bad = await call('/api/v2/images/edits', { method: 'POST', json: { image: 'http://x/y.png', prompt: 'p', model: 'QwenImageEdit_Plus_NF4', steps: 20, seed: 1 } });
    assert.deepEqual((await bad.json()).errors, { image: ['The image field must be a file.'] });
    const none = await call('/api/v1/client/img2img', { method: 'POST', json: { prompt: 'p', model: 'QwenImageEdit_Plus_NF4', steps: 20, seed: 1 } });
    assert.deepEqual((await none.json()).errors, { image: ['The image field is required when images is not present.'] });
  });

  it('413 when the body exceeds maxBodyBytes', async () => {
    const m = await startMock({ quiet: true, maxBodyBytes: 1000 });
    try {
      const r = await call('/api/v2/images/generations', { method: 'POST', json: { ...FLUX, prompt: 'x'.repeat(5000) }, m });
      assert.equal(r.status, 413);
      assert.deepEqual(await r.json(), { message: 'Payload Too Large' });
    } finally { await m.close(); }
  });
});

describe('validation (422, Laravel shape)', () => {
  const post = async (json, p = '/api/v2/images/generations') => {
    const r = await call(p, { method: 'POST', json });
    assert.equal(r.status, 422);
    return r.json();
  };

  it('empty body: required messages in rule order with "(and N more errors)"', async () => {
    const b = await post({});
    assert.equal(b.message, 'The prompt field is required. (and 6 more errors)');
    assert.deepEqual(Object.keys(b.errors), ['prompt', 'model', 'width', 'height', 'guidance', 'steps', 'seed']);
    assert.deepEqual(b.errors.guidance, ['The guidance field is required.']);
  });

  it('malformed JSON is treated as empty input (not 400)', async () => {
    const r = await call('/api/v2/images/generations', { method: 'POST', body: '{"prompt": ', headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 422);
    assert.equal((await r.json()).errors.prompt[0], 'The prompt field is required.');
  });

  it('unknown model / model without the inference type', async () => {
    assert.deepEqual((await post({ ...FLUX, model: 'NoSuchModel' })).errors, { model: ['The selected model does not exist.'] });
    const b = await post({ ...FLUX, model: 'Kokoro' });
    assert.deepEqual(b, { message: 'The selected model does not support Text To Image.', errors: { model: ['The selected model does not support Text To Image.'] } });
  });

  it('limits from info.limits, two messages on one field, singular "(and 1 more error)"', async () => {
    const b = await post({ ...FLUX, width: 100 });
    assert.deepEqual(b, { message: 'The width field must be at least 256. (and 1 more error)',
      errors: { width: ['The width field must be at least 256.', 'The width field must be a multiple of 16.'] } });
    assert.deepEqual((await post({ ...FLUX, height: 4096 })).errors, { height: ['The height field must not be greater than 2048.'] });
    assert.deepEqual((await post({ ...FLUX, steps: 11 })).errors, { steps: ['The steps field must not be greater than 10.'] });
    assert.deepEqual((await post({ ...FLUX, guidance: 10.5 })).errors, { guidance: ['The guidance field must not be greater than 10.'] });
    assert.deepEqual((await post({ ...FLUX, model: 'Flux_2_Klein_4B_BF16', steps: 8 })).errors, { steps: ['The steps field must not be greater than 4.'] });
    assert.deepEqual((await post({ ...FLUX, model: 'ZImageTurbo_INT8', steps: 11 })).errors, { steps: ['The steps field must not be greater than 10.'] }, 'string limits');
  });

  it('type rules: integer, number, string', async () => {
    const b = await post({ ...FLUX, prompt: 42, width: 'wide', guidance: 'lots', seed: 1.5 });
    assert.deepEqual(b.errors, { prompt: ['The prompt field must be a string.'], width: ['The width field must be an integer.'],
      guidance: ['The guidance field must be a number.'], seed: ['The seed field must be an integer.'] });
    assert.equal(b.message, 'The prompt field must be a string. (and 3 more errors)');
  });

  it('loras, webhook_url and webhook_secret', async () => {
    const b = await post({ ...FLUX, loras: [{ name: 'flux_realism', weight: -1 }, { weight: 1 }], webhook_url: 'http://example.com/hook', webhook_secret: 'short' });
    assert.deepEqual(b.errors, {
      'loras.1.name': ['The loras.1.name field is required.'], 'loras.0.weight': ['The loras.0.weight field must be at least 0.'],
      webhook_url: ['The webhook url field must start with one of the following: https://.'],
      webhook_secret: ['The webhook secret field must be at least 32 characters.'],
    });
    assert.deepEqual((await post({ ...FLUX, webhook_secret: 's'.repeat(40) })).errors, { webhook_url: ['The webhook url field is required when webhook secret is present.'] });
    assert.deepEqual((await post({ ...FLUX, webhook_url: 'not a url' })).errors, { webhook_url: ['The webhook url field must be a valid URL.'] });
  });

  it('v2-only fields are ignored on v1', async () => {
    const r = await call('/api/v1/client/txt2img', { method: 'POST', json: { ...FLUX, enhance_prompt: 'maybe', webhook_secret: 'x' } });
    assert.equal(r.status, 200);
    const v2 = await post({ ...FLUX, enhance_prompt: 'maybe' });
    assert.deepEqual(Object.keys(v2.errors), ['enhance_prompt']);
  });

  it('other operations: transcription ts_level against the model', async () => {
    const b = await post({ source_url: 'https://youtu.be/x', include_ts: true, model: 'WhisperLargeV3Ct2', ts_level: 'char' }, '/api/v2/audio/transcriptions');
    assert.deepEqual(b.errors, { ts_level: ["Model 'WhisperLargeV3Ct2' does not support ts_level 'char'. Supported levels: segment, word."] });
  });
});

describe('price', () => {
  it('v2 and v1 price endpoints return data.price = w*h*steps*1e-9', async () => {
    for (const p of ['/api/v2/images/generations/price', '/api/v1/client/txt2img/price-calculation']) {
      const r = await call(p, { method: 'POST', json: { ...FLUX, webhook_url: 'not validated here' } });
      assert.equal(r.status, 200, p);
      assert.deepEqual(await r.json(), { data: { price: 0.00314573 } });
      assert.equal(r.headers.get('x-ratelimit-source'), 'price');
    }
  });

  it('validates like submit', async () => {
    const r = await call('/api/v2/images/generations/price', { method: 'POST', json: { ...FLUX, width: 'x' } });
    assert.equal(r.status, 422);
    assert.deepEqual((await r.json()).errors, { width: ['The width field must be an integer.'] });
  });
});

describe('results', () => {
  it('serves a valid PNG for a job (and the preview); unknown id → 404', async () => {
    const id = await submit();
    for (let i = 0; i < 5; i++) await poll(id);
    const r = await fetch(`${mock.url}/results/${id}.png`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/png');
    const png = parsePng(Buffer.from(await r.arrayBuffer()));
    assert.deepEqual([png.width, png.height], [512, 384]);
    assert.deepEqual(png.chunks, ['IHDR', 'IDAT', 'IEND']);
    const prev = parsePng(Buffer.from(await (await fetch(`${mock.url}/results/${id}-preview.png`)).arrayBuffer()));
    assert.deepEqual([prev.width, prev.height], [128, 96]);
    assert.equal((await fetch(`${mock.url}/results/00000000-0000-4000-8000-000000000000.png`)).status, 404);
  });

  it('png.mjs: CRC-32 matches the reference value and parsePng rejects corruption', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    const good = solidPng(3, 2, [1, 2, 3]);
    assert.deepEqual(parsePng(good).rgb, [1, 2, 3]);
    const bad = Buffer.from(good);
    bad[bad.length - 20] ^= 0xff;
    assert.throws(() => parsePng(bad), /CRC|length|incorrect|invalid/i);
    assert.throws(() => parsePng(Buffer.from('not a png at all')), /signature/);
  });
});

describe('models', () => {
  const get = async (q = '', v = 'v2') => {
    const r = await call(`${v === 'v2' ? '/api/v2/models' : '/api/v1/client/models'}${q}`);
    return { r, b: r.status === 200 || r.status === 422 ? await r.json() : null };
  };

  it('default page of 25 with a Laravel paginator; no rate-limit headers', async () => {
    const { r, b } = await get();
    assert.equal(r.status, 200);
    assert.equal(b.data.length, 25);
    assert.equal(b.meta.total, MODELS.length);
    assert.equal(b.meta.last_page, Math.ceil(MODELS.length / 25));
    assert.equal(b.meta.per_page, 25);
    assert.equal(b.meta.from, 1);
    assert.equal(b.meta.to, 25);
    assert.ok(Array.isArray(b.meta.links));
    assert.equal(b.meta.path, `${mock.url}/api/v2/models`);
    assert.deepEqual(b.links, { first: `${mock.url}/api/v2/models?page=1`, last: `${mock.url}/api/v2/models?page=3`, prev: null, next: `${mock.url}/api/v2/models?page=2` });
    assert.equal(r.headers.get('x-ratelimit-limit'), null);
    assert.deepEqual(b.data, MODELS.slice(0, 25));
  });

  it('limit=50 gives 2 pages; >50 is clamped; per_page is ignored; <1 is 422', async () => {
    assert.ok(MODELS.length > 50 && MODELS.length <= 100);
    const p1 = (await get('?limit=50&per_page=5')).b;
    const p2 = (await get('?limit=50&page=2')).b;
    assert.equal(p1.data.length, 50);
    assert.equal(p1.meta.last_page, 2);
    assert.deepEqual([...p1.data, ...p2.data].map((m) => m.slug), MODELS.map((m) => m.slug));
    assert.equal(p2.links.next, null);
    assert.equal((await get('?limit=500')).b.meta.per_page, 50);
    const bad = await get('?limit=0');
    assert.equal(bad.r.status, 422);
    assert.deepEqual(bad.b, { message: 'The limit field must be at least 1.', errors: { limit: ['The limit field must be at least 1.'] } });
    assert.deepEqual((await get('?page=9')).b.data, []);
  });

  it('filter[inference_types] (comma list); unknown type → empty data', async () => {
    const { b } = await get('?limit=50&filter[inference_types]=txt2img,txt2audio');
    const has = (m, t) => (Array.isArray(m.inference_types) ? m.inference_types.includes(t) : t in m.inference_types);
    assert.ok(b.data.length > 3);
    assert.ok(b.data.every((m) => has(m, 'txt2img') || has(m, 'txt2audio')));
    assert.equal(b.meta.total, MODELS.filter((m) => has(m, 'txt2img') || has(m, 'txt2audio')).length);
    const none = await get('?filter[inference_types]=bogus');
    assert.equal(none.r.status, 200);
    assert.deepEqual(none.b.data, []);
    assert.equal(none.b.meta.total, 0);
  });

  it('the catalogue is messy like the real one, v2 has tags/status, v1 omits them', async () => {
    const all = [...(await get('?limit=50')).b.data, ...(await get('?limit=50&page=2')).b.data];
    assert.ok(all.some((m) => Array.isArray(m.inference_types)) && all.some((m) => !Array.isArray(m.inference_types)));
    assert.ok(all.some((m) => Array.isArray(m.info) && m.info.length === 0), 'info: []');
    assert.ok(all.some((m) => typeof m.info?.limits?.max_steps === 'string'), 'string limits');
    assert.ok(all.some((m) => m.info?.features?.supports_guidance === '0') && all.some((m) => typeof m.info?.features?.supports_guidance === 'boolean'));
    assert.ok(all.some((m) => m.loras === null) && all.some((m) => Array.isArray(m.loras) && m.loras[0].display_name));
    assert.ok(all.every((m) => Array.isArray(m.tags) && ['standard_model', 'test_model'].includes(m.status)));
    const kokoro = all.find((m) => m.slug === 'Kokoro');
    assert.deepEqual(kokoro.languages[0].voices[0], { name: 'Sky', slug: 'af_sky', gender: 'female' });
    for (const slug of ['Flux1schnell', 'ZImageTurbo_INT8', 'Flux_2_Klein_4B_BF16', 'QwenImageEdit_Plus_NF4', 'RealESRGAN_x4', 'Ben2', 'Nanonets_Ocr_S_F16',
      'AceStep_1_5_Turbo', 'Ltxv_13B_0_9_8_Distilled_FP8', 'Ltx2_3_22B_Dist_INT8', 'WhisperLargeV3', 'WhisperLargeV3Ct2', 'Bge_M3_FP16', 'RealESRGAN_Vid_x2', 'Wan2_2_Animate_14B_INT8']) {
      assert.ok(all.some((m) => m.slug === slug), slug);
    }
    const v1 = (await get('?limit=50', 'v1')).b.data;
    assert.ok(v1.every((m) => !('tags' in m) && !('status' in m)));
    assert.equal(v1[0].slug, 'Flux1schnell');
  });
});

describe('balance and routing', () => {
  it('balance on v2 and v1', async () => {
    for (const p of ['/api/v2/account/balance', '/api/v1/client/balance']) {
      const r = await call(p);
      assert.deepEqual(await r.json(), { data: { balance: 19.72 } });
      assert.equal(r.headers.get('x-ratelimit-remaining'), null);
    }
  });

  it('unknown route → 404 with Laravel message (before auth); wrong method → 405', async () => {
    const r = await call('/api/v2/utilities/balance', { key: null });
    assert.equal(r.status, 404);
    assert.deepEqual(await r.json(), { message: 'The route api/v2/utilities/balance could not be found.' });
    const m = await call('/api/v2/images/generations');
    assert.equal(m.status, 405);
    assert.deepEqual(await m.json(), { message: 'The GET method is not supported for route api/v2/images/generations. Supported methods: POST.' });
  });

  it('removed v1 prompt boosters answer 410 Gone with Deprecation', async () => {
    const r = await call('/api/v1/client/prompt/image', { method: 'POST', json: { prompt: 'x' } });
    assert.equal(r.status, 410);
    assert.equal(r.headers.get('deprecation'), 'true');
  });

  it('v2 prompt booster is synchronous; its price is top-level', async () => {
    const r = await call('/api/v2/prompts/enhancements', { method: 'POST', json: { prompt: 'a fox', type: 'images.generations', model_slug: 'Flux1schnell' } });
    const b = await r.json();
    assert.equal(r.status, 200);
    assert.match(b.prompt, /^a fox, /);
    assert.equal(b.negative_prompt, null);
    const p = await (await call('/api/v2/prompts/enhancements/price', { method: 'POST', json: { prompt: 'a fox', type: 'images.generations', model_slug: 'Flux1schnell' } })).json();
    assert.equal(typeof p.price, 'number');
    const bad = await call('/api/v2/prompts/enhancements', { method: 'POST', json: { prompt: 'a fox', type: 'image', model_slug: 'Flux1schnell' } });
    assert.deepEqual((await bad.json()).errors, { type: ['The selected type is invalid.'] });
  });
});

describe('rate limits', () => {
  it('minute window per key per bucket, with 429 headers; price endpoints share a bucket; window resets', async () => {
    // A minute-long window while the limit is checked (a slow machine cannot see it end), then a 100 ms
    // one: the window that began at the first hit is over after 120 ms, and the bucket is open again.
    const m = await startMock({ quiet: true, rateLimit: { perMinute: 2, perDay: 100 } });
    try {
      const a = await call('/api/v2/images/generations/price', { method: 'POST', json: FLUX, m });
      assert.deepEqual([a.headers.get('x-ratelimit-limit'), a.headers.get('x-ratelimit-remaining'), a.headers.get('x-ratelimit-source')], ['2', '1', 'price']);
      const b = await call('/api/v1/client/txt2img/price-calculation', { method: 'POST', json: FLUX, m });
      assert.equal(b.headers.get('x-ratelimit-remaining'), '0');
      const c = await call('/api/v2/embeddings/price', { method: 'POST', json: { input: 'hi', model: 'Bge_M3_FP16' }, m });
      assert.equal(c.status, 429);
      assert.deepEqual(await c.json(), { message: 'Too Many Attempts.' });
      const h = Object.fromEntries(c.headers);
      assert.ok(['59', '60'].includes(h['retry-after']), h['retry-after']);
      assert.equal(h['x-ratelimit-type'], 'minute');
      assert.equal(h['x-ratelimit-remaining'], '0');
      assert.equal(h['x-ratelimit-daily-limit'], '100');
      assert.equal(h['x-ratelimit-daily-remaining'], '98');
      assert.equal(h['x-ratelimit-source'], 'price');
      assert.equal((await call('/api/v2/images/generations/price', { method: 'POST', json: FLUX, m, key: '2|anotherkey' })).status, 200, 'other key');
      assert.equal((await call('/api/v2/images/generations', { method: 'POST', json: FLUX, m })).status, 200, 'other bucket');
      assert.equal((await call('/api/v2/models', { m })).status, 200, 'models unlimited');
      assert.equal((await call('/api/v2/images/generations/price', { method: 'POST', json: FLUX, m })).status, 429, 'still refused');
      await m.configure({ rateLimitWindowMs: 100 });
      await new Promise((r) => setTimeout(r, 120));
      assert.equal((await call('/api/v2/images/generations/price', { method: 'POST', json: FLUX, m })).status, 200, 'window reset');
    } finally { await m.close(); }
  });

  it('daily limit: Retry-After until midnight UTC, type daily', async () => {
    const m = await startMock({ quiet: true, rateLimit: { perMinute: 100, perDay: 1 } });
    try {
      const id = await submit(FLUX, { m });
      assert.equal((await call(`/api/v2/jobs/${id}`, { m })).status, 200);
      const r = await call(`/api/v1/client/request-status/${id}`, { m });
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('x-ratelimit-type'), 'daily');
      assert.equal(r.headers.get('x-ratelimit-source'), 'jobs');
      assert.equal(r.headers.get('x-ratelimit-daily-remaining'), '0');
      const now = Date.now();
      const expected = Math.ceil((Math.floor(now / 864e5) * 864e5 + 864e5 - now) / 1000);
      assert.ok(Math.abs(Number(r.headers.get('retry-after')) - expected) <= 2);
    } finally { await m.close(); }
  });

  it("Laravel's throttle: a window anchored at its first hit, refused hits not counted, headers on every answer", async () => {
    const m = await startMock({ quiet: true, rateLimit: { perMinute: 2, perDay: 100 }, rateLimitWindowMs: 600 });
    try {
      assert.equal(m.config.rateLimit.windowMs, 600, 'rateLimitWindowMs sets the window');
      const t0 = Date.now();
      const first = await call('/api/v2/images/generations', { method: 'POST', json: FLUX, m });
      assert.equal(first.headers.get('x-ratelimit-remaining'), '1');
      const bad = await call('/api/v2/images/generations', { method: 'POST', json: { ...FLUX, width: 100 }, m });
      assert.deepEqual([bad.status, bad.headers.get('x-ratelimit-remaining'), bad.headers.get('x-ratelimit-limit')], [422, '0', '2'], 'a 422 counts and says so');
      for (let i = 0; i < 3; i++) {
        const r = await call('/api/v2/images/generations', { method: 'POST', json: FLUX, m });
        assert.equal(r.status, 429);
        assert.equal(r.headers.get('retry-after'), '1', 'the rest of the window, in whole seconds');
        assert.equal(r.headers.get('x-ratelimit-daily-remaining'), '98', 'refused hits are not counted');
      }
      const unknown = await call('/api/v2/jobs/00000000-0000-4000-8000-000000000000', { m });
      assert.deepEqual([unknown.status, unknown.headers.get('x-ratelimit-remaining'), unknown.headers.get('x-ratelimit-source')], [404, '1', 'jobs']);
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + 620 - Date.now())));
      const next = await call('/api/v2/images/generations', { method: 'POST', json: FLUX, m });
      assert.deepEqual([next.status, next.headers.get('x-ratelimit-remaining')], [200, '1'], 'a new window, anchored at this hit');
      await m.configure({ rateLimitWindowMs: 60_000 });
      assert.equal(m.config.rateLimit.windowMs, 60_000, 'and at run time (POST /__mock/config {rateLimitWindowMs})');
    } finally { await m.close(); }
  });

  it('limits can be changed at runtime via /__mock/config and are restored by reset', async () => {
    await control('/__mock/config', 'POST', { rateLimit: { perMinute: 1 } });
    assert.equal((await call('/api/v2/images/generations', { method: 'POST', json: FLUX })).status, 200);
    assert.equal((await call('/api/v2/images/generations', { method: 'POST', json: FLUX })).status, 429);
    await control('/__mock/reset', 'POST');
    assert.equal((await (await control('/__mock/config')).json()).rateLimit.perMinute, 1000);
  });
});

describe('faults', () => {
  const addFault = async (spec) => {
    const r = await control('/__mock/faults', 'POST', spec);
    assert.equal(r.status, 200);
    const b = await r.json();
    assert.equal(b.ok, true);
    assert.equal(typeof b.id, 'string');
  };

  it('FIFO per match, then normal handling; consumed faults are logged', async () => {
    await addFault({ path: 'balance', responses: [{ status: 500 }, { status: 503, body: { message: 'down' }, headers: { 'Retry-After': '2' } }] });
    const a = await call('/api/v2/account/balance');
    assert.equal(a.status, 500);
    assert.deepEqual(await a.json(), { message: 'Server Error' });
    const b = await call('/api/v1/client/balance');
    assert.equal(b.status, 503);
    assert.equal(b.headers.get('retry-after'), '2');
    assert.deepEqual(await b.json(), { message: 'down' });
    assert.equal((await call('/api/v2/account/balance')).status, 200);
    const log = mock.requests({ path: 'balance' });
    assert.deepEqual(log.map((e) => e.status), [500, 503, 200]);
    assert.deepEqual(log[0].fault, { status: 500 });
  });

  it('matches on key, path and method', async () => {
    await addFault({ key: '2|otherkey99', responses: [{ status: 403 }] });
    await addFault({ path: '/models', method: 'POST', responses: [{ status: 418 }] });
    assert.equal((await call('/api/v2/models')).status, 200, 'wrong key and method');
    const r = await call('/api/v2/models', { key: '2|otherkey99' });
    assert.equal(r.status, 403);
    assert.deepEqual(await r.json(), { message: 'This action is unauthorized.' });
    assert.equal((await call('/api/v2/models', { method: 'POST' })).status, 418);
    await addFault({ key: 'keyless', responses: [{ status: 404 }] });
    assert.equal((await call('/api/v2/account/balance', { key: null })).status, 404);
  });

  it('rawBody, html502, empty503, stale422, stale401', async () => {
    await addFault({ responses: [{ status: 500, rawBody: 'oops', contentType: 'text/plain' }, { preset: 'html502' }, { preset: 'empty503' }, { preset: 'stale422' }, { preset: 'stale401' }] });
    const t = await call('/api/v2/account/balance');
    assert.deepEqual([t.status, t.headers.get('content-type'), await t.text()], [500, 'text/plain', 'oops']);
    const h = await call('/api/v2/account/balance');
    assert.equal(h.status, 502);
    assert.equal(h.headers.get('content-type'), 'text/html');
    assert.match(await h.text(), /<title>502 Bad Gateway<\/title>/);
    const e = await call('/api/v2/account/balance');
    assert.equal(e.status, 503);
    assert.equal(e.headers.get('content-type'), null);
    assert.equal(await e.text(), '');
    const s = await call('/api/v2/account/balance');
    assert.deepEqual([s.status, await s.json()], [422, { data: null, message: 'The prompt field is required.', errors: [{ field: 'prompt', messages: ['The prompt field is required.'] }], statusCode: 422 }]);
    const u = await call('/api/v2/account/balance');
    assert.deepEqual([u.status, await u.json()], [401, { data: null, message: 'Unauthenticated.', errors: [], statusCode: 401 }]);
  });

  it('rate429: seconds, HTTP-date, daily', async () => {
    await addFault({ path: '/jobs/', responses: [{ preset: 'rate429', retryAfter: 3 }, { preset: 'rate429', retryAfter: 120, retryAfterHttpDate: true }, { preset: 'rate429', retryAfter: 86400 }] });
    const a = await call('/api/v2/jobs/x');
    assert.equal(a.status, 429);
    assert.deepEqual(await a.json(), { message: 'Too Many Attempts.' });
    assert.deepEqual([a.headers.get('retry-after'), a.headers.get('x-ratelimit-type'), a.headers.get('x-ratelimit-remaining'), a.headers.get('x-ratelimit-source')], ['3', 'minute', '0', 'jobs']);
    assert.ok(a.headers.get('x-ratelimit-limit') && a.headers.get('x-ratelimit-daily-limit'));
    const b = await call('/api/v2/jobs/x');
    const when = Date.parse(b.headers.get('retry-after'));
    assert.match(b.headers.get('retry-after'), /GMT$/);
    assert.ok(when - Date.now() > 110e3 && when - Date.now() <= 121e3);
    const c = await call('/api/v2/jobs/x');
    assert.deepEqual([c.headers.get('retry-after'), c.headers.get('x-ratelimit-type')], ['86400', 'daily']);
  });

  it('delay then normal handling, and delay then a fault', async () => {
    await addFault({ responses: [{ preset: 'delay', ms: 250 }, { preset: 'delay', ms: 100, status: 504 }, { preset: 'delay', ms: 10, then: { preset: 'html502' } }] });
    let t = Date.now();
    const a = await call('/api/v2/account/balance');
    assert.ok(Date.now() - t >= 240);
    assert.equal(a.status, 200);
    t = Date.now();
    const b = await call('/api/v2/account/balance');
    assert.ok(Date.now() - t >= 90);
    assert.deepEqual([b.status, await b.json()], [504, { message: 'Gateway Timeout' }]);
    assert.equal((await call('/api/v2/account/balance')).status, 502);
  });

  it('reset destroys the connection without a response', async () => {
    await addFault({ responses: [{ preset: 'reset' }] });
    await assert.rejects(call('/api/v2/account/balance'), TypeError);
    assert.equal(mock.requests()[0].fault.preset, 'reset');
    assert.equal((await call('/api/v2/account/balance')).status, 200);
  });

  it('hang never answers, and close() still finishes promptly', { timeout: 5000 }, async () => {
    await addFault({ responses: [{ preset: 'hang' }] });
    await assert.rejects(call('/api/v2/account/balance', { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
    const m = await startMock({ quiet: true });
    m.addFaults({ responses: [{ preset: 'hang' }] });
    const pending = call('/api/v2/account/balance', { m }).then(() => 'answered', () => 'failed');
    while (!m.requests().length) await new Promise((r) => setTimeout(r, 10));
    const t = Date.now();
    await m.close();
    assert.ok(Date.now() - t < 1000);
    assert.equal(await pending, 'failed');
  });

  it('bodyBase64 sends raw bytes (invalid UTF-8 survives), JSON by default', async () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]); // {"m":"<ff fe c3 28>"}
    await addFault({ responses: [{ status: 500, bodyBase64: bytes.toString('base64') }, { status: 200, bodyBase64: '', contentType: 'text/x-empty' }] });
    const r = await call('/api/v2/account/balance');
    assert.equal(r.status, 500);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.equal(r.headers.get('content-length'), String(bytes.length));
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes);
    const e = await call('/api/v2/account/balance');
    assert.deepEqual([e.status, e.headers.get('content-type'), await e.text()], [200, 'text/x-empty', '']);
    for (const bad of [{ status: 500, bodyBase64: 'not base64!' }, { status: 500, bodyBase64: 'AA==', rawBody: 'x' }, { preset: 'slowBody', chunkBytes: 0 }, { preset: 'slowBody', intervalMs: -1 }]) {
      assert.equal((await control('/__mock/faults', 'POST', { responses: [bad] })).status, 400, JSON.stringify(bad));
    }
  });

  it('resetMidBody sends the headers and half the body, then closes the connection', async () => {
    const body = { data: { balance: 1, pad: 'x'.repeat(200) } };
    await addFault({ responses: [{ preset: 'resetMidBody' }, { preset: 'resetMidBody', status: 503, body }] });
    const r = await call('/api/v2/account/balance');
    assert.equal(r.status, 200, 'the headers arrive');
    assert.equal(r.headers.get('content-type'), 'application/json');
    const full = Number(r.headers.get('content-length'));
    assert.equal(full, Buffer.byteLength('{"data":{"balance":19.72}}'));
    await assert.rejects(r.text(), TypeError, 'the body never completes');
    // read the raw bytes that did arrive: exactly half
    const got = await new Promise((resolve) => {
      const u = new URL(mock.url);
      http.get({ host: u.hostname, port: u.port, path: '/api/v2/account/balance', headers: { Authorization: `Bearer ${KEY}` } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', () => {});
        res.on('close', () => resolve({ status: res.statusCode, complete: res.complete, text: Buffer.concat(chunks).toString() }));
      });
    });
    const text = JSON.stringify(body);
    assert.deepEqual(got, { status: 503, complete: false, text: text.slice(0, Math.floor(text.length / 2)) });
    assert.equal((await call('/api/v2/account/balance')).status, 200, 'normal handling afterwards');
  });

  it('slowBody drips the body chunkBytes every intervalMs; a reader that gives up does not break the mock', async () => {
    await addFault({ responses: [{ preset: 'slowBody', chunkBytes: 5, intervalMs: 20 }, { preset: 'slowBody', intervalMs: 1000, rawBody: 'abcdefgh' }] });
    const t = Date.now();
    const r = await call('/api/v2/account/balance');
    assert.equal(r.status, 200);
    const headersAfter = Date.now() - t;
    assert.deepEqual(await r.json(), { data: { balance: 19.72 } });
    const total = Date.now() - t;
    // 26 bytes in 6 chunks of 5: six sleeps of 20 ms before the last byte
    assert.ok(total >= 110, `body took ${total} ms`);
    assert.ok(headersAfter < total - 50, `headers came first (${headersAfter} ms of ${total} ms)`);
    const ac = new AbortController();
    const slow = await call('/api/v2/account/balance', { signal: ac.signal });
    assert.equal(slow.headers.get('content-type'), 'text/plain');
    ac.abort();
    await assert.rejects(slow.text());
    assert.equal((await call('/api/v2/account/balance')).status, 200);
  });

  it('DELETE /__mock/faults clears all or one key; bad specs are 400', async () => {
    await addFault({ key: '1|testkey123', responses: [{ status: 500 }] });
    await addFault({ key: '2|otherkey99', responses: [{ status: 500 }] });
    await control('/__mock/faults?key=1|testkey123', 'DELETE');
    assert.equal((await call('/api/v2/account/balance')).status, 200);
    assert.equal((await (await control('/__mock/faults')).json()).faults.length, 1);
    await control('/__mock/faults', 'DELETE');
    assert.equal((await call('/api/v2/account/balance', { key: '2|otherkey99' })).status, 200);
    assert.equal((await control('/__mock/faults', 'POST', { responses: [{ preset: 'nope' }] })).status, 400);
    assert.equal((await control('/__mock/faults', 'POST', { responses: [] })).status, 400);
    assert.throws(() => mock.addFaults({ responses: [{}] }));
  });
});

describe('request log and reset', () => {
  it('logs method, path, query, lower-case headers incl. authorization, body, key; filters; DELETE clears', async () => {
    await call('/api/v2/models?limit=50&filter[inference_types]=txt2img', { headers: { 'X-Trace': 'abc' } });
    await call('/api/v2/images/generations', { method: 'POST', json: FLUX, key: '2|otherkey99' });
    const { requests } = await (await control('/__mock/requests?key=1|testkey123')).json();
    assert.equal(requests.length, 1);
    const [r] = requests;
    assert.equal(r.method, 'GET');
    assert.equal(r.path, '/api/v2/models');
    assert.deepEqual(r.query, { limit: '50', 'filter[inference_types]': 'txt2img' });
    assert.equal(r.headers.authorization, 'Bearer 1|testkey123');
    assert.equal(r.headers['x-trace'], 'abc');
    assert.equal(r.headers.accept, 'application/json');
    assert.equal(r.key, '1|testkey123');
    assert.ok(!Number.isNaN(Date.parse(r.time)));
    const post = (await (await control('/__mock/requests?path=/images/')).json()).requests;
    assert.equal(post.length, 1);
    assert.deepEqual(JSON.parse(post[0].body), FLUX);
    await control('/__mock/requests', 'DELETE');
    assert.deepEqual((await (await control('/__mock/requests')).json()).requests, []);
  });

  it('POST /__mock/reset forgets jobs, faults, log and rate counters', async () => {
    const id = await submit();
    mock.addFaults({ responses: [{ status: 500 }] });
    await control('/__mock/reset', 'POST');
    assert.equal((await call(`/api/v2/jobs/${id}`)).status, 404);
    assert.equal(mock.requests().length, 1);
  });
});

describe('static files', () => {
  it('serves files with MIME types, index.html for directories', async () => {
    const idx = await fetch(`${mock.url}/`);
    assert.equal(idx.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await idx.text(), /<title>demo<\/title>/);
    const w = await fetch(`${mock.url}/pkg/deapi_bg.wasm`);
    assert.equal(w.headers.get('content-type'), 'application/wasm');
    assert.deepEqual([...new Uint8Array(await w.arrayBuffer())].slice(0, 4), [0, 0x61, 0x73, 0x6d]);
    assert.equal((await fetch(`${mock.url}/pkg/deapi.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await fetch(`${mock.url}/app.mjs`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await (await fetch(`${mock.url}/sub/`)).text(), '<p>sub</p>');
    const redirect = await fetch(`${mock.url}/sub`, { redirect: 'manual' });
    assert.deepEqual([redirect.status, redirect.headers.get('location')], [301, '/sub/']);
    assert.equal((await fetch(`${mock.url}/missing.js`)).status, 404);
    assert.equal(mock.requests().length, 1, 'only the 404 is logged, not static hits');
  });

  it('never escapes the directory', async () => {
    for (const p of ['/pkg/../secret.txt', '/pkg/..%2f..%2fsecret.txt', '/pkg/%2e%2e/secret.txt', '/..%2fsecret.txt', '/pkg/..%5csecret.txt', '/%2e%2e%2f%2e%2e%2fsecret.txt']) {
      const r = await raw(mock, p);
      assert.equal(r.status, 404, p);
      assert.ok(!r.body.includes('TOP-SECRET'), p);
    }
  });
});

describe('CLI', () => {
  it('prints exactly MOCK_URL=… and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(HERE, 'server.mjs'), '--port', '0', '--static', `/=${path.join(tmp, 'www')}`, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    while (!out.includes('\n')) {
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(child.exitCode, null, 'server exited early');
    }
    const m = /^MOCK_URL=(http:\/\/127\.0\.0\.1:(\d+))\n$/.exec(out);
    assert.ok(m, JSON.stringify(out));
    const r = await fetch(`${m[1]}/api/v2/account/balance`, { headers: { Authorization: `Bearer ${KEY}` } });
    assert.deepEqual(await r.json(), { data: { balance: 19.72 } });
    assert.match(await (await fetch(`${m[1]}/`)).text(), /demo/);
    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
    assert.equal(out.split('\n').filter(Boolean).length, 1);
  });
});

// ───────────── fidelity to deapi-api.md §2–§4 (exactly-one-of rules, embeddings, and the rest) ─────────────
describe('exactly one of (deapi-api.md §2.3)', () => {
  const png = () => new Blob([solidPng(4, 4, [1, 2, 3])], { type: 'image/png' });
  const editForm = (fields) => {
    const fd = new FormData();
    for (const [k, v] of fields) v instanceof Blob ? fd.append(k, v, `${k.replace(/\W/g, '')}.png`) : fd.append(k, String(v));
    return fd;
  };
  const EDIT = [['prompt', 'make it blue'], ['model', 'QwenImageEdit_Plus_NF4'], ['steps', '20'], ['seed', '7']];

  for (const p of ['/api/v2/images/edits', '/api/v1/client/img2img']) {
    it(`${p}: image and images[] together → 422 prohibits on both; either alone is fine`, async () => {
      const both = await call(p, { method: 'POST', body: editForm([['image', png()], ['images[]', png()], ...EDIT]) });
      assert.equal(both.status, 422);
      assert.deepEqual(await both.json(), {
        message: 'The image field prohibits images from being present. (and 1 more error)',
        errors: { image: ['The image field prohibits images from being present.'], images: ['The images field prohibits image from being present.'] },
      });
      assert.equal((await call(p, { method: 'POST', body: editForm([['image', png()], ...EDIT]) })).status, 200);
      assert.equal((await call(p, { method: 'POST', body: editForm([['images[]', png()], ['images[]', png()], ...EDIT]) })).status, 200);
      const none = await call(p, { method: 'POST', body: editForm(EDIT) });
      assert.deepEqual((await none.json()).errors, { image: ['The image field is required when images is not present.'] });
    });
  }

  for (const p of ['/api/v2/audio/transcriptions', '/api/v1/client/transcribe']) {
    it(`${p}: source_url and source_file together → 422 prohibits on both; neither keeps required_without`, async () => {
      const fd = new FormData();
      fd.append('source_url', 'https://www.youtube.com/watch?v=abc');
      fd.append('source_file', new Blob([new Uint8Array(100)], { type: 'audio/mpeg' }), 'talk.mp3');
      fd.append('include_ts', '1');
      fd.append('model', 'WhisperLargeV3');
      const both = await call(p, { method: 'POST', body: fd });
      assert.equal(both.status, 422);
      assert.deepEqual(await both.json(), {
        message: 'The source url field prohibits source file from being present. (and 1 more error)',
        errors: { source_url: ['The source url field prohibits source file from being present.'],
          source_file: ['The source file field prohibits source url from being present.'] },
      });
      const none = await call(p, { method: 'POST', json: { include_ts: true, model: 'WhisperLargeV3' } });
      assert.deepEqual((await none.json()).errors, { source_url: ['The source url field is required when source file is not present.'] });
      assert.equal((await call(p, { method: 'POST', json: { source_url: 'https://www.youtube.com/watch?v=abc', include_ts: true, model: 'WhisperLargeV3' } })).status, 200);
    });
  }
});

describe('embeddings: one vector per input item (deapi-api.md §2.3)', () => {
  const embed = async (input, v = 'v2', extra = { return_result_in_response: true }) => {
    const r = await call(v === 'v2' ? '/api/v2/embeddings' : '/api/v1/client/txt2embedding', { method: 'POST', json: { input, model: 'Bge_M3_FP16', ...extra } });
    assert.equal(r.status, 200, await r.clone().text());
    const id = (await r.json()).data.request_id;
    let s;
    for (let i = 0; i < 5; i++) s = await poll(id, v);
    assert.equal(s.status, 'done');
    return { id, s };
  };
  const isUnitVector = (vec) => {
    assert.ok(Array.isArray(vec) && vec.length === 1024, `length ${vec?.length}`);
    assert.ok(vec.every((x) => typeof x === 'number' && Number.isFinite(x)));
    assert.ok(Math.abs(Math.hypot(...vec) - 1) < 1e-4);
  };

  it('a string gives one 1024-dim vector; an array gives one per item, in order; same text → same vector', async () => {
    const one = (await embed('the quick brown fox')).s.result;
    assert.equal(one.length, 1);
    isUnitVector(one[0]);
    const { id, s } = await embed(['alpha', 'the quick brown fox', 'gamma']);
    assert.equal(s.result.length, 3);
    s.result.forEach(isUnitVector);
    assert.deepEqual(s.result[1], one[0], 'deterministic per text');
    assert.notDeepEqual(s.result[0], s.result[2]);
    assert.equal(s.result_url, `${mock.url}/results/${id}.json`);
    const file = await fetch(s.result_url);
    assert.equal(file.headers.get('content-type'), 'application/json');
    assert.deepEqual(await file.json(), s.result, 'result_url holds the same vectors');
    const v1 = (await embed(['alpha', 'beta'], 'v1')).s.result;
    assert.equal(v1.length, 2);
    assert.deepEqual(v1[0], s.result[0]);
  });

  it('without return_result_in_response the vectors are only in result_url', async () => {
    const { s } = await embed(['a', 'b'], 'v2', {});
    assert.equal(s.result, null);
    const vecs = await (await fetch(s.result_url)).json();
    assert.equal(vecs.length, 2);
    vecs.forEach(isUnitVector);
  });

  it('input: at most 2048 items, each a string', async () => {
    const post = (input) => call('/api/v2/embeddings', { method: 'POST', json: { input, model: 'Bge_M3_FP16' } });
    assert.equal((await post(Array.from({ length: 2048 }, (_, i) => `t${i}`))).status, 200);
    const over = await post(Array.from({ length: 2049 }, (_, i) => `t${i}`));
    assert.equal(over.status, 422);
    assert.deepEqual((await over.json()).errors, { input: ['The input field must not have more than 2048 items.'] });
    assert.deepEqual((await (await post(['ok', 5, ''])).json()).errors, { 'input.1': ['The input.1 field must be a string.'], 'input.2': ['The input.2 field is required.'] });
    assert.deepEqual((await (await post([])).json()).errors, { input: ['The input field is required.'] });
    assert.deepEqual((await (await post({ a: 'b' })).json()).errors, { input: ['The input field must be a string or an array of strings.'] });
    const price = await call('/api/v2/embeddings/price', { method: 'POST', json: { input: Array(2049).fill('x'), model: 'Bge_M3_FP16' } });
    assert.equal(price.status, 422);
  });
});

describe('other fidelity rules (deapi-api.md §2–§4)', () => {
  const post = async (p, json) => {
    const r = await call(p, { method: 'POST', json });
    return { status: r.status, body: await r.json() };
  };

  it('balance below $0.49 rejects new jobs (422 errors.balance) but still prices them', async () => {
    await control('/__mock/config', 'POST', { balance: 0.48 });
    const r = await post('/api/v2/images/generations', FLUX);
    assert.deepEqual(r, { status: 422, body: { message: 'Not enough balance.', errors: { balance: ['Not enough balance.'] } } });
    assert.equal((await post('/api/v1/client/txt2img', FLUX)).status, 422);
    assert.equal((await post('/api/v2/prompts/enhancements', { prompt: 'a fox', type: 'images.generations', model_slug: 'Flux1schnell' })).status, 422);
    assert.equal((await post('/api/v2/images/generations/price', FLUX)).status, 200);
    assert.equal((await post('/api/v2/images/generations', {})).body.errors.prompt[0], 'The prompt field is required.', 'validation comes first');
    await control('/__mock/config', 'POST', { balance: 0.49 });
    assert.equal((await post('/api/v2/images/generations', FLUX)).status, 200);
  });

  it('text to speech: the field each mode needs', async () => {
    const TTS = { text: 'hi', model: 'Kokoro', lang: 'en-us', speed: 1, format: 'mp3', sample_rate: 24000 };
    assert.deepEqual((await post('/api/v2/audio/speech', { ...TTS, mode: 'custom_voice' })).body.errors, { voice: ['The voice field is required when mode is custom_voice.'] });
    assert.deepEqual((await post('/api/v2/audio/speech', { ...TTS, mode: 'voice_design' })).body.errors, { instruct: ['The instruct field is required when mode is voice_design.'] });
    assert.deepEqual((await post('/api/v1/client/txt2audio', { ...TTS, mode: 'voice_clone' })).body.errors, { ref_audio: ['The ref audio field is required when mode is voice_clone.'] });
    assert.equal((await post('/api/v2/audio/speech', { ...TTS, mode: 'custom_voice', voice: 'af_sky' })).status, 200);
    assert.equal((await post('/api/v2/audio/speech/price', { ...TTS, mode: 'custom_voice' })).status, 200, 'price does not need the voice');
  });

  it('text to music: timesignature is one of 2, 3, 4, 6', async () => {
    const M = { caption: 'c', model: 'AceStep_1_5_Turbo', lyrics: '[Instrumental]', duration: 30, inference_steps: 8, guidance_scale: 1, seed: -1, format: 'mp3' };
    assert.deepEqual((await post('/api/v2/audio/music', { ...M, timesignature: 5 })).body.errors, { timesignature: ['The selected timesignature is invalid.'] });
    assert.deepEqual((await post('/api/v2/audio/music', { ...M, timesignature: '4/4' })).body.errors, { timesignature: ['The timesignature field must be an integer.'] });
    assert.equal((await post('/api/v2/audio/music', { ...M, timesignature: 6 })).status, 200);
  });

  it('video upscale: fixed-scale models reject scale; price duration is at least 0.1', async () => {
    const fd = (model) => {
      const f = new FormData();
      f.append('video', new Blob([new Uint8Array(64)], { type: 'video/mp4' }), 'v.mp4');
      f.append('model', model);
      f.append('scale', '2');
      return f;
    };
    const fixed = await call('/api/v2/videos/upscales', { method: 'POST', body: fd('RealESRGAN_Vid_x2') });
    assert.deepEqual((await fixed.json()).errors, { scale: ['The scale field is prohibited.'] });
    assert.equal((await call('/api/v2/videos/upscales', { method: 'POST', body: fd('FlashVSR_Tiny') })).status, 200);
    const price = { model: 'RealESRGAN_Vid_x2', width: 1280, height: 720 };
    assert.deepEqual((await post('/api/v2/videos/upscales/price', { ...price, duration: 0.05 })).body.errors, { duration: ['The duration field must be at least 0.1.'] });
    assert.deepEqual((await post('/api/v2/videos/upscales/price', price)).body, { data: { price: 0 } }, 'no duration → price 0');
  });

  it('video replace: width and height come together', async () => {
    const fd = (extra) => {
      const f = new FormData();
      f.append('video', new Blob([new Uint8Array(64)], { type: 'video/mp4' }), 'v.mp4');
      f.append('ref_image', new Blob([solidPng(2, 2, [0, 0, 0])], { type: 'image/png' }), 'r.png');
      f.append('model', 'Wan2_2_Animate_14B_INT8');
      for (const [k, v] of Object.entries(extra)) f.append(k, v);
      return f;
    };
    assert.deepEqual((await (await call('/api/v2/videos/replacements', { method: 'POST', body: fd({ width: '832' }) })).json()).errors,
      { height: ['The height field is required when width is present.'] });
    assert.deepEqual((await (await call('/api/v1/client/videos/replace', { method: 'POST', body: fd({ height: '480' }) })).json()).errors,
      { width: ['The width field is required when height is present.'] });
    assert.equal((await call('/api/v2/videos/replacements', { method: 'POST', body: fd({ width: '832', height: '480' }) })).status, 200);
  });

  it('transcription: lang ≤ 16 chars; an audio source_file ≤ 20 MB (video 50 MB)', async () => {
    const T = { source_url: 'https://www.youtube.com/watch?v=abc', include_ts: true, model: 'WhisperLargeV3' };
    assert.deepEqual((await post('/api/v2/audio/transcriptions', { ...T, lang: 'x'.repeat(17) })).body.errors, { lang: ['The lang field must not be greater than 16 characters.'] });
    assert.equal((await post('/api/v2/audio/transcriptions', { ...T, lang: 'en' })).status, 200);
    const big = new Uint8Array(20480 * 1024 + 1);
    for (const [type, status] of [['audio/mpeg', 422], ['video/mp4', 200]]) {
      const f = new FormData();
      f.append('source_file', new Blob([big], { type }), 'big');
      f.append('include_ts', '0');
      f.append('model', 'WhisperLargeV3');
      const r = await call('/api/v2/audio/transcriptions', { method: 'POST', body: f });
      assert.equal(r.status, status, type);
      if (status === 422) assert.deepEqual((await r.json()).errors, { source_file: ['The source file field must not be greater than 20480 kilobytes.'] });
    }
  });

  it('transcription price: word timestamps or diarize ×1.5, metadata +0.005 after the multiplier (v2 only)', async () => {
    const P = { duration_seconds: 100, include_ts: true, model: 'WhisperLargeV3Ct2' };
    const price = async (extra, p = '/api/v2/audio/transcriptions/price') => (await post(p, { ...P, ...extra })).body.data.price;
    assert.equal(await price({}), 0.01);
    assert.equal(await price({ ts_level: 'segment' }), 0.01);
    assert.equal(await price({ ts_level: 'word' }), 0.015);
    assert.equal(await price({ diarize: true }), 0.015);
    assert.equal(await price({ ts_level: 'word', include_metadata: true }), 0.02);
    assert.equal(await price({ ts_level: 'word', include_metadata: true }, '/api/v1/client/transcribe/price-calculation'), 0.01, 'v1 ignores v2-only fields');
  });

  it('v2 transcription jobs carry `transcription` and, with include_metadata, `metadata` (null for uploads)', async () => {
    const r = await post('/api/v2/audio/transcriptions', { source_url: 'https://www.youtube.com/watch?v=abc123', include_ts: true, model: 'WhisperLargeV3Ct2',
      ts_level: 'word', diarize: true, include_metadata: true, return_result_in_response: true });
    const id = r.body.data.request_id;
    const first = await poll(id);
    assert.equal(first.transcription, null);
    assert.equal(first.metadata, null);
    let s;
    for (let i = 0; i < 4; i++) s = await poll(id);
    assert.equal(s.status, 'done');
    assert.deepEqual(s.transcription, { language: 'en', ts_level: 'word', diarization_available: true, structured: false });
    assert.deepEqual(Object.keys(s.metadata), ['id', 'title', 'description', 'channel', 'duration_seconds', 'extractor', 'view_count', 'like_count']);
    assert.equal(s.metadata.id, 'abc123');
    assert.equal(s.metadata.extractor, 'youtube');
    assert.equal(s.price.amount, 0.014, '60 s default × 1e-4 × 1.5 + 0.005');
    const v1 = await poll(id, 'v1');
    assert.ok(!('transcription' in v1) && !('metadata' in v1), 'v1 has the core subset only');

    const f = new FormData();
    f.append('source_file', new Blob([new Uint8Array(10)], { type: 'audio/mpeg' }), 'a.mp3');
    f.append('include_ts', '1');
    f.append('model', 'WhisperLargeV3');
    f.append('include_metadata', '1');
    const up = (await (await call('/api/v2/audio/transcriptions', { method: 'POST', body: f })).json()).data.request_id;
    for (let i = 0; i < 5; i++) s = await poll(up);
    assert.equal(s.metadata, null);
    assert.deepEqual(s.transcription, { language: 'en', ts_level: 'segment', diarization_available: false, structured: false });
    const img = await submit();
    for (let i = 0; i < 5; i++) s = await poll(img);
    assert.ok(!('transcription' in s) && !('metadata' in s), 'only transcription jobs');
  });

  it('partner models: price adds is_estimated: true; the job price is estimated first, then settled', async () => {
    const GPT = { prompt: 'a fox', model: 'GptImage1', width: 1024, height: 1024, guidance: 0, steps: 1, seed: -1 };
    assert.deepEqual((await post('/api/v2/images/generations/price', GPT)).body, { data: { price: 0.00104858, is_estimated: true } });
    const id = await submit(GPT);
    let s;
    for (let i = 0; i < 5; i++) s = await poll(id);
    assert.deepEqual([s.status, s.price], ['done', { amount: 0.00104858, is_estimated: true }]);
    assert.deepEqual((await poll(id)).price, { amount: 0.00104858, is_estimated: false });
  });
});

describe("multipart boundaries keep their case", () => {
  it("parses a body whose boundary has capitals, as Chromium sends", async () => {
    const m = await startMock({ quiet: true });
    try {
      const b = "----WebKitFormBoundaryqBC70B0E5Irg0qTP";
      const body = `--${b}\r\nContent-Disposition: form-data; name="model"\r\n\r\nRealESRGAN_x4\r\n--${b}--\r\n`;
      const r = await fetch(`${m.url}/api/v2/images/upscales`, {
        method: "POST", body,
        headers: { authorization: "Bearer 1|abcdef123", accept: "application/json", "content-type": `multipart/form-data; boundary=${b}` },
      });
      const j = await r.json();
      assert.equal(r.status, 422);
      assert.deepEqual(Object.keys(j.errors), ["image"], "model was read; only the file is missing");
    } finally {
      await m.close();
    }
  });
});
