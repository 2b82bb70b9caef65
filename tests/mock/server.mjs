// Mock deAPI HTTP server (node: built-ins; its realtime side, realtime.mjs, needs the `ws` package). Faithful to
// /work/shared/deapi-api.md: v1 + v2 routes over one job namespace, Laravel-shaped errors, per-key rate limits, CORS,
// deAPI's realtime WebSocket (/app/<key>, /broadcasting/auth; /work/shared/realtime.md), plus a /__mock/ control API
// for tests (fault injection, request log, reset, realtime controls). See README.md next to this file.
//
//   import { startMock } from './tests/mock/server.mjs';
//   const mock = await startMock({ quiet: true });   // → { url, port, close(), reset(), server, … }
//
//   node tests/mock/server.mjs [--port N] [--host H] [--static /=www] [--static /pkg/=pkg] [--allow-keyless]
//                              [--activity-timeout S] [--realtime-step-ms MS] [--rate-limit PER_WINDOW[,PER_DAY]]
//                              [--rate-limit-window-ms MS]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { MODELS, V1_HIDDEN, findModel, supportsType, limitsOf, feature } from './models.mjs';
import { solidPng, crc32 } from './png.mjs';
import { attachRealtime, REALTIME_DEFAULTS } from './realtime.mjs';
import { rulesFor } from './spec-rules.mjs';

export { MODELS } from './models.mjs';
export { clientIdOf, channelOf, signChannel, REALTIME_DEFAULTS } from './realtime.mjs';

export const KEY_RE = /^\d+\|[A-Za-z0-9]{6,}$/;
const EXPOSE = 'Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Daily-Limit, X-RateLimit-Daily-Remaining, X-RateLimit-Type, X-RateLimit-Source';
const DEFAULT_ALLOW_HEADERS = 'authorization, content-type, accept, x-requested-with';
const DEFAULTS = {
  port: 0, host: '127.0.0.1', staticDirs: {}, quiet: false, allowKeyless: false, balance: 19.72,
  jobSteps: { pending: 1, processing: 3 },
  rateLimit: { perMinute: 1000, perDay: 100000, windowMs: 60000, buckets: {} },
  maxBodyBytes: 75 * 1024 * 1024,
  realtime: REALTIME_DEFAULTS,
};

// ───────────────────────────── operations (deapi-api.md §2.1, §2.3) ─────────────────────────────
// Routes, model types, labels and prices. What each request's fields must be is not written here: it is read
// from deAPI's published spec plus tests/spec/corrections.json (spec-rules.mjs), and applied by `validate` below
// with what deAPI checks beyond its spec (the model catalogue's limits, file caps, webhook scheme).
// `multipleOf`: width/height must be multiples of the model's resolution_step. `cost(input, version)` is the
// USD price of a request.
const n = (inp, k, d) => (isNum(inp[k]) ? Number(inp[k]) : d);
const OPS = [
  { v2: 'images/generations', v1: 'txt2img', types: ['txt2img'], label: 'Text To Image', kind: 'image', multipleOf: true,
    cost: (i) => n(i, 'width', 0) * n(i, 'height', 0) * n(i, 'steps', 0) * 1e-9 },
  { v2: 'images/edits', v1: 'img2img', types: ['img2img'], label: 'Image To Image', kind: 'image',
    cost: (i) => n(i, 'width', 1024) * n(i, 'height', 1024) * n(i, 'steps', 1) * 1e-9 },
  { v2: 'images/upscales', v1: 'img-upscale', types: ['img-upscale'], label: 'Image Upscale', kind: 'image', cost: (i) => n(i, 'width', 1024) * n(i, 'height', 1024) * 2e-9 },
  { v2: 'images/background-removals', v1: 'img-rmbg', types: ['img-rmbg'], label: 'Image Background Removal', kind: 'image', cost: (i) => n(i, 'width', 1024) * n(i, 'height', 1024) * 1e-9 },
  { v2: 'images/ocr', v1: 'img2txt', types: ['img2txt'], label: 'Image To Text', kind: 'text',
    cost: () => 0.002 },
  { v2: 'audio/speech', v1: 'txt2audio', types: ['txt2audio'], label: 'Text To Audio', kind: 'audio',
    cost: (i) => n(i, 'count_text', String(i.text ?? '').length) * 7.7e-7 / n(i, 'speed', 1) },
  { v2: 'audio/music', v1: 'txt2music', types: ['txt2music'], label: 'Text To Music', kind: 'audio', cost: (i) => n(i, 'duration', 0) * 5e-4 },
  { v2: 'videos/generations', v1: 'txt2video', types: ['txt2video'], label: 'Text To Video', kind: 'video', cost: (i) => n(i, 'width', 768) * n(i, 'height', 512) * n(i, 'frames', 97) * n(i, 'steps', 1) * 1e-10 },
  { v2: 'videos/animations', v1: 'img2video', types: ['img2video'], label: 'Image To Video', kind: 'video', cost: (i) => n(i, 'width', 768) * n(i, 'height', 512) * n(i, 'frames', 97) * n(i, 'steps', 1) * 1e-10 },
  { v2: 'videos/audio-syncs', v1: 'aud2video', types: ['audio2video'], label: 'Audio To Video', kind: 'video', cost: (i) => n(i, 'width', 768) * n(i, 'height', 512) * n(i, 'frames', 97) * 1e-10 },
  { v2: 'videos/upscales', v1: 'vid-upscale', types: ['vid-upscale'], label: 'Video Upscale', kind: 'video',
    cost: (i) => n(i, 'width', 1280) * n(i, 'height', 720) * n(i, 'duration', 0) * 1e-8 },
  { v2: 'videos/background-removals', v1: 'vid-rmbg', types: ['vid-rmbg'], label: 'Video Background Removal', kind: 'video', cost: () => 0.01 },
  { v2: 'videos/replacements', v1: 'videos/replace', v1price: 'videos/replace/price', types: ['video-replace'], label: 'Video Replace', kind: 'video',
    cost: (i) => n(i, 'duration', 8) * 0.004 },
  { v2: 'audio/transcriptions', v1: 'transcribe', types: ['video2text', 'audio2text', 'video_file2text', 'audio_file2text'], label: 'Transcription', kind: 'text',
    // Segment timestamps are free; ts_level=word or diarize ×1.5; include_metadata +0.005 after the multiplier (URL sources; v2 fields).
    cost: (i, v) => n(i, 'duration_seconds', 60) * 1e-4 * (v === 'v2' && (i.ts_level === 'word' || truthy(i.diarize)) ? 1.5 : 1)
      + (v === 'v2' && truthy(i.include_metadata) && !filled(i.source_file) ? 0.005 : 0) },
  { v1: 'vid2txt', bucket: 'audio/transcriptions', types: ['video2text'], label: 'Video To Text', kind: 'text', cost: (i) => n(i, 'duration_seconds', 60) * 1e-4 },
  { v1: 'aud2txt', bucket: 'audio/transcriptions', types: ['audio2text'], label: 'Audio To Text', kind: 'text', cost: (i) => n(i, 'duration_seconds', 60) * 1e-4 },
  { v1: 'audiofile2txt', bucket: 'audio/transcriptions', types: ['audio_file2text'], label: 'Audio File To Text', kind: 'text', cost: (i) => n(i, 'duration_seconds', 60) * 1e-4 },
  { v1: 'videofile2txt', bucket: 'audio/transcriptions', types: ['video_file2text'], label: 'Video File To Text', kind: 'text', cost: (i) => n(i, 'duration_seconds', 60) * 1e-4 },
  { v2: 'embeddings', v1: 'txt2embedding', types: ['txt2embedding'], label: 'Text To Embedding', kind: 'embedding', cost: (i) => JSON.stringify(i.input ?? '').length * 1e-7 },
];

const FILE_KB = { video: 51200, source_file: 51200, audio: 20480 }; // everything else 10240 (images, ref audio)
const RESULT_EXT = { image: 'png', text: 'txt', audio: 'mp3', video: 'mp4', embedding: 'json' };
const TRANSCRIPTION_TYPES = new Set(['video2text', 'audio2text', 'video_file2text', 'audio_file2text']);
const EMBEDDING_DIM = 1024; // Bge_M3_FP16 (deapi-api.md §2.3); every embedding model in the mock uses it
const MIN_BALANCE = 0.49; // below this "new jobs are rejected until you top up" (deapi-api.md §2.5)

// ───────────────────────────── request bodies ─────────────────────────────
class UploadedFile {
  constructor(filename, contentType, data) { Object.assign(this, { filename, contentType, size: data.length }); Object.defineProperty(this, 'data', { value: data }); }
}
const isFile = (v) => v instanceof UploadedFile;

function parseMultipart(buf, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!m) return [];
  const delim = Buffer.from(`--${(m[1] ?? m[2]).trim()}`);
  const parts = [];
  for (let pos = buf.indexOf(delim); pos !== -1;) {
    let start = pos + delim.length;
    if (buf[start] === 0x2d && buf[start + 1] === 0x2d) break; // closing --boundary--
    if (buf[start] === 0x0d && buf[start + 1] === 0x0a) start += 2;
    const next = buf.indexOf(delim, start);
    if (next === -1) break;
    const end = buf[next - 2] === 0x0d && buf[next - 1] === 0x0a ? next - 2 : next;
    const part = buf.subarray(start, end);
    const sep = part.indexOf('\r\n\r\n');
    if (sep !== -1) {
      const head = part.subarray(0, sep).toString('utf8');
      const disp = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disp)?.[1];
      const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1] ?? null;
      const type = /content-type:\s*([^\r\n]*)/i.exec(head)?.[1].trim() ?? null;
      if (name !== undefined) parts.push({ name, filename, contentType: type, data: part.subarray(sep + 4) });
    }
    pos = next;
  }
  return parts;
}

// PHP bracket syntax: loras[0][name], images[] — then {0:…,1:…} objects become arrays.
function setPath(obj, key, value) {
  const m = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(key);
  const segs = m ? [m[1], ...[...m[2].matchAll(/\[([^\]]*)\]/g)].map((x) => x[1])] : [key];
  if (segs.some((s) => s === '__proto__' || s === 'constructor' || s === 'prototype')) return;
  let cur = obj;
  segs.forEach((s, i) => {
    if (s === '') s = String(Object.keys(cur).length);
    if (i === segs.length - 1) cur[s] = value;
    else cur = cur[s] = cur[s] && typeof cur[s] === 'object' && !isFile(cur[s]) ? cur[s] : {};
  });
}
function arrayify(v) {
  if (!v || typeof v !== 'object' || isFile(v)) return v;
  const keys = Object.keys(v);
  for (const k of keys) v[k] = arrayify(v[k]);
  return !Array.isArray(v) && keys.length && keys.every((k, i) => k === String(i)) ? keys.map((k) => v[k]) : v;
}
// Laravel's TrimStrings + ConvertEmptyStringsToNull middleware.
function normalize(v) {
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  if (v && typeof v === 'object' && !isFile(v)) for (const k of Object.keys(v)) v[k] = normalize(v[k]);
  return v;
}

/** → { input, parts } — query merged under the body like Laravel's $request->input(). Malformed JSON = empty. */
function parseInput(headers, buf, url) {
  const ct = String(headers['content-type'] ?? '').toLowerCase();
  const input = {};
  let parts = null;
  for (const [k, v] of url.searchParams) setPath(input, k, v);
  if (/[/+]json/.test(ct)) {
    try {
      const j = JSON.parse(buf.toString('utf8'));
      if (j && typeof j === 'object' && !Array.isArray(j)) for (const k of Object.keys(j)) if (k !== '__proto__') input[k] = j[k];
    } catch { /* Laravel treats an undecodable JSON body as empty input */ }
  } else if (ct.startsWith('multipart/form-data')) {
    parts = parseMultipart(buf, String(headers['content-type'] ?? '')); // the boundary is case-sensitive (Chromium's has capitals)
    for (const p of parts) {
      if (p.filename === null) setPath(input, p.name, p.data.toString('utf8'));
      else setPath(input, p.name, p.filename === '' && !p.data.length ? null : new UploadedFile(p.filename, p.contentType, p.data));
    }
  } else if (ct.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(buf.toString('utf8'))) setPath(input, k, v);
  }
  return { input: normalize(arrayify(input)), parts };
}

// ───────────────────────────── validation (Laravel rules and messages) ─────────────────────────────
const attr = (f) => f.replace(/_/g, ' ');
const isInt = (v) => (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^[+-]?\d+$/.test(v));
function isNum(v) { return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v)); }
const isBool = (v) => [true, false, 0, 1, '0', '1'].includes(v);
const truthy = (v) => v === true || v === 1 || v === '1';
const isObj = (v) => v !== null && typeof v === 'object' && !isFile(v);
const filled = (v) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '') && !(isObj(v) && !Object.keys(v).length);
const fmt = (x) => String(Number(x));

// Laravel's message templates (lang/en/validation.php), as deAPI words them (deapi-api.md §7.1).
const MESSAGES = {
  required: 'The :attribute field is required.',
  required_without: 'The :attribute field is required when :values is not present.',
  required_without_all: 'The :attribute field is required when none of :values are present.',
  required_with: 'The :attribute field is required when :values is present.',
  required_if: 'The :attribute field is required when :other is :value.',
  prohibits: 'The :attribute field prohibits :other from being present.',
  prohibited: 'The :attribute field is prohibited.',
  integer: 'The :attribute field must be an integer.',
  numeric: 'The :attribute field must be a number.',
  boolean: 'The :attribute field must be true or false.',
  string: 'The :attribute field must be a string.',
  file: 'The :attribute field must be a file.',
  array: 'The :attribute field must be an array.',
  in: 'The selected :attribute is invalid.',
  'min.numeric': 'The :attribute field must be at least :min.',
  'max.numeric': 'The :attribute field must not be greater than :max.',
  'min.string': 'The :attribute field must be at least :min characters.',
  'max.string': 'The :attribute field must not be greater than :max characters.',
  'max.array': 'The :attribute field must not have more than :max items.',
  'max.file': 'The :attribute field must not be greater than :max kilobytes.',
  multiple_of: 'The :attribute field must be a multiple of :value.',
  url: 'The :attribute field must be a valid URL.',
  starts_with: 'The :attribute field must start with one of the following: :values.',
};
/** A message: `key` of MESSAGES, `:attribute` and the other placeholders filled (field names as Laravel writes them). */
const say = (key, field, vals = {}) => MESSAGES[key].replace(/:(attribute|values|other|value|min|max)/g, (_, k) => (k === 'attribute' ? attr(field) : String(vals[k])));
/** The mock's one departure from a spec bound: a model's info.limits narrows it (min_<field>/max_<field>, deapi-api.md §2.3). */
const LIMIT_ALIAS = { inference_steps: 'steps', guidance_scale: 'guidance' };
const stricter = (a, b, low) => (typeof a !== 'number' ? b : typeof b !== 'number' ? a : low ? Math.max(a, b) : Math.min(a, b));

function laravel422(errors) {
  const all = Object.values(errors).flat();
  const more = all.length - 1;
  return { status: 422, body: { message: all[0] + (more ? ` (and ${more} more error${more > 1 ? 's' : ''})` : ''), errors } };
}

/** Validates `input` against the request's rules (spec + corrections); returns the Laravel `errors` object (empty when valid). */
function validate(op, input, { route }) {
  const errors = {};
  const add = (f, msg) => (errors[f] ??= []).push(msg);
  const rules = rulesFor(`POST ${route}`);
  const model = typeof input.model === 'string' ? findModel(input.model) : null;
  const usable = model && op.types?.some((t) => supportsType(model, t)) ? model : null;
  const lim = limitsOf(usable);
  for (const f of rules.fields) {
    const { name } = f;
    const v = input[name];
    if (!filled(v)) {
      const without = f.required?.without ?? [];
      const withOther = f.requiredWith?.find((o) => filled(input[o]));
      const [ifField, ifValue] = f.requiredIf ?? [];
      if (f.required === 'always') add(name, say('required', name));
      else if (without.length && !without.some((w) => filled(input[w]))) {
        add(name, say(without.length === 1 ? 'required_without' : 'required_without_all', name, { values: without.map(attr).join(' / ') }));
      } else if (withOther) add(name, say('required_with', name, { values: attr(withOther) }));
      else if (ifField && input[ifField] === ifValue) add(name, say('required_if', name, { other: attr(ifField), value: ifValue }));
      continue;
    }
    // Laravel `prohibits:other` (runs before the type rules of the same field, and does not stop them).
    const others = (f.prohibits ?? []).filter((o) => filled(input[o]));
    if (others.length) add(name, say('prohibits', name, { other: (f.prohibits ?? []).map(attr).join(' / ') }));
    if (f.prohibitedUnless && usable && !feature(usable, f.prohibitedUnless)) {
      add(name, say('prohibited', name));
      continue;
    }
    checkValue(op, f, v, { add, model, usable, lim });
  }
  return errors;
}

function checkValue(op, f, v, { add, model, usable, lim }) {
  const { name } = f;
  const fileOk = (key, file) => {
    if (!isFile(file)) return add(key, say('file', key));
    // source_file: audio ≤ 20 MB, video ≤ 50 MB (deapi-api.md §2.3)
    const kb = name === 'source_file' && /^audio\//i.test(file.contentType ?? '') ? FILE_KB.audio : FILE_KB[name] ?? 10240;
    if (file.size > kb * 1024) add(key, say('max.file', key, { max: kb }));
  };
  switch (f.type) {
    case 'file': return fileOk(name, v);
    case 'files': {
      if (!Array.isArray(v)) return add(name, say('array', name));
      const max = lim.max_input_images ?? 1;
      if (v.length > max) add(name, say('max.array', name, { max }));
      return v.forEach((file, i) => fileOk(`${name}.${i}`, file));
    }
    case 'array': { // a list of objects: loras [{name, weight}]
      if (!Array.isArray(v)) return add(name, say('array', name));
      const known = Array.isArray(model?.loras) ? model.loras.map((l) => l.name) : null;
      v.forEach((l, i) => {
        const nm = isObj(l) ? l.name : undefined, k = `${name}.${i}.name`;
        if (!filled(nm)) add(k, say('required', k));
        else if (typeof nm !== 'string') add(k, say('string', k));
        else if (known && !known.includes(nm)) add(k, say('in', k));
      });
      v.forEach((l, i) => {
        const w = isObj(l) ? l.weight : undefined, k = `${name}.${i}.weight`;
        if (!filled(w)) add(k, say('required', k));
        else if (!isNum(w)) add(k, say('numeric', k));
        else if (Number(w) < 0) add(k, say('min.numeric', k, { min: 0 }));
      });
      return;
    }
    case 'integer':
    case 'number': {
      const int = f.type === 'integer';
      if (int ? !isInt(v) : !isNum(v)) return add(name, say(int ? 'integer' : 'numeric', name));
      if (f.enum && !f.enum.includes(Number(v))) return add(name, say('in', name));
      const k = LIMIT_ALIAS[name] ?? name;
      const min = stricter(f.minimum, lim[`min_${k}`], true), max = stricter(f.maximum, lim[`max_${k}`], false);
      if (typeof min === 'number' && Number(v) < min) add(name, say('min.numeric', name, { min: fmt(min) }));
      if (typeof max === 'number' && Number(v) > max) add(name, say('max.numeric', name, { max: fmt(max) }));
      // NB deapi-api.md §2.3 says off-step sizes "may" be adjusted by the API; the mock (and the SDK's validator) reject them.
      const step = lim.resolution_step;
      if (op.multipleOf && (name === 'width' || name === 'height') && typeof step === 'number' && step > 0 && Number(v) % step !== 0) {
        add(name, say('multiple_of', name, { value: fmt(step) }));
      }
      return;
    }
    case 'boolean':
      if (!isBool(v)) return add(name, say('boolean', name));
      if (name === 'diarize' && truthy(v) && usable && !feature(usable, 'supports_diarization')) add(name, `Model '${usable.slug}' does not support diarization.`);
      return;
    case 'string|array': {
      if (typeof v === 'string') return;
      if (!Array.isArray(v)) return add(name, `The ${attr(name)} field must be a string or an array of strings.`);
      if (f.maxItems !== undefined && v.length > f.maxItems) add(name, say('max.array', name, { max: f.maxItems }));
      v.forEach((s, i) => {
        if (!filled(s)) add(`${name}.${i}`, say('required', `${name}.${i}`));
        else if (typeof s !== 'string') add(`${name}.${i}`, say('string', `${name}.${i}`));
      });
      return;
    }
    default: break;
  }
  if (typeof v !== 'string') return add(name, say('string', name));
  if (name === 'model') {
    if (!model) return add(name, 'The selected model does not exist.');
    if (!usable) return add(name, `The selected model does not support ${op.label}.`);
    return;
  }
  if (f.enum && !f.enum.includes(v)) return add(name, say('in', name));
  if (name === 'ts_level' && usable) {
    const levels = Array.isArray(lim.timestamp_levels) ? lim.timestamp_levels : ['segment'];
    if (!levels.includes(v)) add(name, `Model '${usable.slug}' does not support ts_level '${v}'. Supported levels: ${levels.join(', ')}.`);
  }
  if (name === 'webhook_url') { // the spec's format: uri; deAPI takes https only (deapi-api.md §2.3)
    let ok = false;
    try { ok = ['http:', 'https:'].includes(new URL(v).protocol); } catch { /* not a URL */ }
    if (!ok) add(name, say('url', name));
    else if (!v.startsWith('https://')) add(name, say('starts_with', name, { values: 'https://' }));
  }
  const chars = [...v].length;
  if (f.minLength !== undefined && chars < f.minLength) add(name, say('min.string', name, { min: f.minLength }));
  if (f.maxLength !== undefined && chars > f.maxLength) add(name, say('max.string', name, { max: f.maxLength }));
}

/** True when a test marker like "[fail]" appears in any string of the input. */
function mentions(v, marker) {
  if (typeof v === 'string') return v.includes(marker);
  return isObj(v) && Object.values(v).some((x) => mentions(x, marker));
}
const round8 = (x) => Math.round(x * 1e8) / 1e8;
const iso = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
const BALANCE_422 = { status: 422, body: { message: 'Not enough balance.', errors: { balance: ['Not enough balance.'] } } };
/** Partner ("external") models: status test_model / tag experimental (deapi-api.md §2.5); their prices are estimates. */
const isPartner = (m) => !!m && (m.status === 'test_model' || (Array.isArray(m.tags) && m.tags.includes('experimental')));
/** A deterministic unit vector for `text` (same model + text → same vector). */
function embedVector(model, text) {
  let s = crc32(Buffer.from(`${model}\n${text}`)) >>> 0;
  const v = new Array(EMBEDDING_DIM);
  let sq = 0;
  for (let i = 0; i < EMBEDDING_DIM; i++) { // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    v[i] = ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
    sq += v[i] * v[i];
  }
  const norm = Math.sqrt(sq) || 1;
  for (let i = 0; i < EMBEDDING_DIM; i++) v[i] = round8(v[i] / norm);
  return v;
}
/** What include_metadata returns for a URL source (the YouTube field set of deapi-api.md §3.2). */
function sourceMetadata(url) {
  let u = null;
  try { u = new URL(url); } catch { /* not a URL */ }
  const host = u?.hostname.replace(/^www\./, '') ?? '';
  const extractor = /youtu\.?be/.test(host) ? 'youtube' : /(^|\.)(x|twitter)\.com$/.test(host) ? 'twitter'
    : /twitch\.tv$/.test(host) ? 'twitch' : /kick\.com$/.test(host) ? 'kick' : /tiktok\.com$/.test(host) ? 'tiktok' : 'generic';
  const id = u?.searchParams.get('v') ?? u?.pathname.split('/').filter(Boolean).at(-1) ?? null;
  return { id, title: 'Mock source title', description: 'Mock source description.', channel: 'Mock Channel', duration_seconds: 60, extractor,
    view_count: 12345, like_count: 678 };
}

// ───────────────────────────── static files ─────────────────────────────
const MIME = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.cjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm', '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.ico': 'image/x-icon',
  '.mp3': 'audio/mpeg', '.wav': 'audio/wav', '.mp4': 'video/mp4', '.woff2': 'font/woff2', '.woff': 'font/woff',
};

/** Serves `pathname` from the longest matching prefix in staticDirs; false when nothing matched. */
async function serveStatic(staticDirs, pathname, req, res) {
  const prefixes = Object.keys(staticDirs).sort((a, b) => b.length - a.length);
  for (const prefix of prefixes) {
    if (prefix.endsWith('/') && pathname === prefix.slice(0, -1) && prefix !== '/') {
      res.writeHead(301, { Location: prefix }).end();
      return true;
    }
    if (!pathname.startsWith(prefix)) continue;
    const root = path.resolve(staticDirs[prefix]);
    let rel;
    try { rel = decodeURIComponent(pathname.slice(prefix.length)); } catch { continue; }
    if (rel.includes('\0')) continue;
    let file = path.resolve(root, `.${path.sep}${rel}`);
    if (file !== root && !file.startsWith(root + path.sep)) continue; // never escape the directory
    let st = await fs.promises.stat(file).catch(() => null);
    if (st?.isDirectory()) {
      if (!pathname.endsWith('/')) {
        res.writeHead(301, { Location: `${pathname}/` }).end();
        return true;
      }
      file = path.join(file, 'index.html');
      st = await fs.promises.stat(file).catch(() => null);
    }
    if (!st?.isFile()) continue;
    const data = await fs.promises.readFile(file);
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': data.length, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : data);
    return true;
  }
  return false;
}

// ───────────────────────────── faults ─────────────────────────────
const PRESETS = new Set(['html502', 'empty503', 'stale422', 'stale401', 'rate429', 'hang', 'reset', 'delay', 'resetMidBody', 'slowBody']);
/** What `resetMidBody` and `slowBody` send when the fault gives no body: a valid balance envelope. */
const DEFAULT_STREAM_BODY = { data: { balance: 19.72 } };
const SAMPLE_422 = { message: 'The prompt field is required. (and 1 more error)',
  errors: { prompt: ['The prompt field is required.'], width: ['The width field must be at least 256.'] } };
const FAULT_BODIES = {
  401: { message: 'Unauthenticated.' }, 403: { message: 'This action is unauthorized.' },
  404: { message: 'No query results for the requested resource.' }, 413: { message: 'Payload Too Large' }, 422: SAMPLE_422,
  429: { message: 'Too Many Attempts.' }, 500: { message: 'Server Error' }, 502: { message: 'Bad Gateway' },
  503: { message: 'Service Unavailable' }, 504: { message: 'Gateway Timeout' },
};
const HTML_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n';

function checkFault(f, where) {
  if (!isObj(f) || Array.isArray(f)) throw new Error(`${where}: a fault must be an object`);
  if (f.preset !== undefined && !PRESETS.has(f.preset)) throw new Error(`${where}: unknown preset ${JSON.stringify(f.preset)}`);
  if (f.preset === undefined && !(Number.isInteger(f.status) && f.status >= 100 && f.status <= 599)) throw new Error(`${where}: needs "preset" or an integer "status"`);
  if (f.then !== undefined) checkFault(f.then, `${where}.then`);
  if (f.bodyBase64 !== undefined && !(typeof f.bodyBase64 === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(f.bodyBase64))) throw new Error(`${where}: "bodyBase64" must be a base64 string`);
  if ([f.body, f.rawBody, f.bodyBase64].filter((b) => b !== undefined).length > 1) throw new Error(`${where}: give only one of "body", "rawBody", "bodyBase64"`);
  if (f.chunkBytes !== undefined && !(Number.isInteger(f.chunkBytes) && f.chunkBytes >= 1)) throw new Error(`${where}: "chunkBytes" must be a positive integer`);
  if (f.intervalMs !== undefined && !(Number.isFinite(f.intervalMs) && f.intervalMs >= 0)) throw new Error(`${where}: "intervalMs" must be a number ≥ 0`);
}

/** The bytes and Content-Type of a fault's body: `bodyBase64` (raw bytes, e.g. invalid UTF-8), `rawBody` (text),
 * `body` (JSON, PHP-encoded), else `fallback` (JSON). `contentType` overrides the type. */
function payloadOf(f, fallback) {
  if (f.bodyBase64 !== undefined) return { buf: Buffer.from(f.bodyBase64, 'base64'), type: f.contentType ?? 'application/json' };
  if (f.rawBody !== undefined) return { buf: Buffer.from(String(f.rawBody), 'utf8'), type: f.contentType ?? 'text/plain' };
  return { buf: Buffer.from(phpJson(f.body !== undefined ? f.body : fallback), 'utf8'), type: f.contentType ?? 'application/json' };
}

// ───────────────────────────── the server ─────────────────────────────
/** PHP's json_encode defaults: escaped slashes and \u-escaped non-ASCII. */
const phpJson = (v) => JSON.stringify(v).replace(/\//g, '\\/').replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const safeDecode = (s) => { try { return decodeURIComponent(s); } catch { return s; } };
const sleep = (ms, timers) => new Promise((resolve) => { const t = setTimeout(() => { timers.delete(t); resolve(); }, ms); timers.add(t); });
/** slowBody's pause between chunks: unref'd (a test counting its own pending timers does not see the mock's),
 * and cut short when the client goes away. */
const drip = (ms, res, timers) => new Promise((resolve) => {
  const done = () => { clearTimeout(t); timers.delete(t); res.off('close', done); resolve(); };
  const t = setTimeout(done, ms);
  t.unref();
  timers.add(t);
  res.once('close', done);
});

export async function startMock(opts = {}) {
  const initial = {
    ...DEFAULTS, ...opts,
    jobSteps: { ...DEFAULTS.jobSteps, ...opts.jobSteps },
    rateLimit: { ...DEFAULTS.rateLimit, ...opts.rateLimit, ...(opts.rateLimitWindowMs !== undefined && { windowMs: opts.rateLimitWindowMs }) },
    realtime: { ...DEFAULTS.realtime, ...opts.realtime },
    staticDirs: { ...opts.staticDirs },
  };
  delete initial.rateLimitWindowMs;
  const state = { config: structuredClone(initial), jobs: new Map(), faults: [], log: [], preflights: [], rates: new Map(), seq: 0 };
  const sockets = new Set();
  const timers = new Set();
  const pngCache = new Map();
  const embedCache = new Map();

  // ── routes ──
  const routes = new Map(); // exact path → { methods: {GET|POST: handler}, bucket, version }
  const paramRoutes = []; // [regex, route]
  const addRoute = (p, method, bucket, version, handler) => {
    const r = routes.get(p) ?? { methods: {}, bucket, version };
    r.methods[method] = handler;
    if (p.includes('{')) paramRoutes.push([new RegExp(`^${p.replace(/\{\w+\}/g, '([^/]+)')}$`), r]);
    else routes.set(p, r);
  };
  for (const op of OPS) {
    for (const version of ['v2', 'v1']) {
      const base = version === 'v2' ? op.v2 && `/api/v2/${op.v2}` : `/api/v1/client/${op.v1}`;
      if (!base) continue;
      const pricePath = version === 'v2' ? `${base}/price` : `/api/v1/client/${op.v1price ?? `${op.v1}/price-calculation`}`;
      for (const p of [base, pricePath]) if (!rulesFor(`POST ${p}`)) throw new Error(`deAPI's spec has no request body for POST ${p}`);
      addRoute(base, 'POST', op.bucket ?? op.v2, version, (ctx) => submit(op, ctx));
      addRoute(pricePath, 'POST', 'price', version, (ctx) => priceOf(op, ctx));
    }
  }
  addRoute('/api/v2/prompts/enhancements', 'POST', 'prompts/enhancements', 'v2', (ctx) => enhance(ctx, false));
  addRoute('/api/v2/prompts/enhancements/price', 'POST', 'price', 'v2', (ctx) => enhance(ctx, true));
  for (const b of ['image', 'video', 'speech', 'image2image']) {
    for (const p of [`/api/v1/client/prompt/${b}`, `/api/v1/client/prompt/${b}/price-calculation`]) {
      addRoute(p, 'POST', null, 'v1', () => ({ status: 410, body: { message: 'This endpoint has been removed. Use POST /api/v2/prompts/enhancements instead.' },
        headers: { Deprecation: 'true', Link: '<https://api.deapi.ai/api/v2/prompts/enhancements>; rel="successor-version"' } }));
    }
  }
  addRoute('/api/v2/jobs/{id}', 'GET', 'jobs', 'v2', (ctx, [id]) => jobStatus(ctx, id));
  addRoute('/api/v1/client/request-status/{id}', 'GET', 'jobs', 'v1', (ctx, [id]) => jobStatus(ctx, id));
  addRoute('/api/v2/models', 'GET', null, 'v2', (ctx) => listModels(ctx));
  addRoute('/api/v1/client/models', 'GET', null, 'v1', (ctx) => listModels(ctx));
  addRoute('/api/v2/account/balance', 'GET', null, 'v2', () => ({ body: { data: { balance: state.config.balance } } }));
  addRoute('/api/v1/client/balance', 'GET', null, 'v1', () => ({ body: { data: { balance: state.config.balance } } }));
  // the realtime side's auth route (deAPI's lives at the API root): realtime.mjs
  addRoute('/broadcasting/auth', 'POST', null, 'v2', (ctx) => rt.auth(ctx));

  const matchRoute = (p) => {
    if (routes.has(p)) return { route: routes.get(p), params: [] };
    for (const [re, route] of paramRoutes) {
      const m = re.exec(p);
      if (m) return { route, params: m.slice(1).map(safeDecode) };
    }
    return null;
  };

  // ── handlers ──
  function submit(op, ctx) {
    const errors = validate(op, ctx.input, ctx);
    if (Object.keys(errors).length) return laravel422(errors);
    if (mentions(ctx.input, '[balance]') || state.config.balance < MIN_BALANCE) return BALANCE_422;
    const inp = ctx.input;
    const id = randomUUID();
    const model = findModel(inp.model);
    const type = op.types.length === 1 ? op.types[0]
      : filled(inp.source_file) ? (/^video\//.test(inp.source_file.contentType ?? '') ? 'video_file2text' : 'audio_file2text')
        : /spaces/i.test(inp.source_url ?? '') ? 'audio2text' : 'video2text';
    state.jobs.set(id, {
      id, operation: op.v2 ?? op.v1, type, kind: op.kind, version: ctx.version, key: ctx.key, model: inp.model,
      status: 'pending', progress: 0, polls: 0,
      fail: mentions(inp, '[fail]'), enhance: ctx.version === 'v2' && truthy(inp.enhance_prompt), returnResult: truthy(inp.return_result_in_response),
      price: round8(op.cost(inp, ctx.version)), partner: isPartner(model), settled: false,
      width: n(inp, 'width', 1024), height: n(inp, 'height', 1024),
      prompt: typeof inp.prompt === 'string' ? inp.prompt : null,
      embedInputs: op.kind === 'embedding' ? (Array.isArray(inp.input) ? inp.input : [inp.input]) : null,
      transcription: TRANSCRIPTION_TYPES.has(type) ? {
        tsLevel: ctx.version === 'v2' && typeof inp.ts_level === 'string' ? inp.ts_level : 'segment',
        diarize: ctx.version === 'v2' && truthy(inp.diarize),
        metadata: ctx.version === 'v2' && truthy(inp.include_metadata),
        sourceUrl: [inp.source_url, inp.video_url, inp.audio_url].find((x) => typeof x === 'string') ?? null,
      } : null,
      createdAt: iso(), updatedAt: iso(), failedAt: null, base: ctx.base, live: false,
      input: JSON.parse(JSON.stringify(inp)), // files appear as { filename, contentType, size }
    });
    // realtime: the job may go live (events on the mock's clock), or run its timeline before this answer
    const delayMs = rt.onSubmit(state.jobs.get(id));
    return { body: { data: { request_id: id } }, delayMs };
  }

  function priceOf(op, ctx) {
    const errors = validate(op, ctx.input, ctx);
    if (Object.keys(errors).length) return laravel422(errors);
    const data = { price: round8(op.cost(ctx.input, ctx.version)) };
    if (isPartner(findModel(ctx.input.model))) data.is_estimated = true; // deapi-api.md §2.2
    return { body: { data } };
  }

  function enhance(ctx, price) {
    const inp = ctx.input;
    const errors = validate({ types: [] }, inp, ctx);
    if (['images.edits', 'videos.animations'].includes(inp.type) && !filled(inp.image)) (errors.image ??= []).push(`The image field is required when type is ${inp.type}.`);
    if (Object.keys(errors).length) return laravel422(errors);
    if (price) return { body: { price: round8(inp.prompt.length * 1e-6) } };
    if (mentions(inp, '[balance]') || state.config.balance < MIN_BALANCE) return BALANCE_422;
    return { body: { prompt: `${inp.prompt}, highly detailed, soft cinematic lighting`, negative_prompt: filled(inp.negative_prompt) ? `${inp.negative_prompt}, blurry, low quality` : null } };
  }

  function advance(job) {
    job.polls++;
    if (job.status === 'done' || job.status === 'error') return;
    const { pending, processing } = state.config.jobSteps;
    if (job.polls <= pending) Object.assign(job, { status: 'pending', progress: 0 });
    else if (job.polls <= pending + processing) {
      job.status = 'processing';
      job.progress = Math.round((10000 * (job.polls - pending)) / (processing + 1)) / 100;
    } else if (job.fail) Object.assign(job, { status: 'error', failedAt: iso() });
    else Object.assign(job, { status: 'done', progress: 100 });
    job.updatedAt = iso();
  }

  function jobStatus(ctx, id) {
    const job = state.jobs.get(id);
    if (!job || job.key !== ctx.key) return { status: 404, body: { message: 'No query results for the requested resource.' } };
    if (!job.live) advance(job); // a live job moves on the mock's clock (realtime.mjs), a GET only reads it
    const done = job.status === 'done', err = job.status === 'error';
    const file = `${ctx.base}/results/${job.id}`;
    const ext = RESULT_EXT[job.kind];
    const preview = job.status === 'processing' && job.kind === 'image' ? `${file}-preview.png` : null;
    const result = done && job.returnResult ? (job.kind === 'embedding' ? embeddings(job) : transcript(job)) : null;
    const resultUrl = done ? `${file}.${ext}` : null;
    if (ctx.version === 'v1') {
      const data = { status: job.status, progress: job.progress, preview, result_url: resultUrl, result };
      if (err) data.error = 'The worker failed to process the job.';
      return { body: { data } };
    }
    const data = {
      status: job.status, progress: job.progress, preview, result_url: resultUrl,
      results_alt_formats: done && job.kind === 'image' ? { jpg: `${file}.jpg`, webp: `${file}.webp` } : null,
      result,
      error_code: err ? 'PROCESSING_ERROR' : null, error_message: err ? 'The worker failed to process the job.' : null,
      error_reason: err ? 'PROCESSING_FAILED' : null, retryable: err ? true : null, refunded: err ? true : null,
      failed_at: err ? job.failedAt : null,
      // Partner models: the first `done` answer shows an estimate, later ones the settled price (deapi-api.md §3.2).
      price: done ? { amount: job.price, is_estimated: job.partner && !job.settled } : err ? { amount: 0, is_estimated: false } : null,
    };
    if (done) job.settled = true;
    if (job.transcription) {
      const t = job.transcription;
      data.transcription = done ? { language: 'en', ts_level: t.tsLevel, diarization_available: t.diarize, structured: false } : null;
      if (t.metadata) data.metadata = done && t.sourceUrl ? sourceMetadata(t.sourceUrl) : null;
    }
    if (job.enhance) {
      data.prompt_boosted = true;
      data.prompt_boost = job.status === 'pending' ? null
        : { prompt: `${job.prompt}, highly detailed, soft cinematic lighting`, prompt_original: job.prompt, negative_prompt: null, negative_prompt_original: null };
    }
    return { body: { data } };
  }

  const transcript = (job) => (job.kind === 'text' ? `Mock transcript for job ${job.id}.` : null);
  /** One vector per input item (a string input is one item). */
  function embeddings(job) {
    if (!embedCache.has(job.id)) embedCache.set(job.id, job.embedInputs.map((text) => embedVector(job.model, text)));
    return embedCache.get(job.id);
  }

  function listModels(ctx) {
    const q = ctx.url.searchParams;
    let limit = 25;
    const l = (q.get('limit') ?? '').trim();
    if (l !== '') {
      if (!isInt(l)) return laravel422({ limit: ['The limit field must be an integer.'] });
      if (Number(l) < 1) return laravel422({ limit: ['The limit field must be at least 1.'] });
      limit = Math.min(50, Number(l));
    }
    const page = isInt(q.get('page') ?? '') && Number(q.get('page')) >= 1 ? Number(q.get('page')) : 1;
    const types = (q.get('filter[inference_types]') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    let list = ctx.version === 'v2' ? MODELS : MODELS.filter((m) => !V1_HIDDEN.has(m.slug));
    if (types.length) list = list.filter((m) => types.some((t) => supportsType(m, t)));
    const total = list.length, last = Math.max(1, Math.ceil(total / limit));
    const slice = list.slice((page - 1) * limit, page * limit);
    const data = ctx.version === 'v2' ? slice : slice.map(({ tags, status, ...m }) => m);
    const p = `${ctx.base}${ctx.url.pathname}`;
    const link = (i) => `${p}?page=${i}`;
    const pageLinks = Array.from({ length: last }, (_, i) => ({ url: link(i + 1), label: String(i + 1), active: i + 1 === page }));
    return { body: {
      data,
      links: { first: link(1), last: link(last), prev: page > 1 ? link(page - 1) : null, next: page < last ? link(page + 1) : null },
      meta: {
        current_page: page, from: slice.length ? (page - 1) * limit + 1 : null, last_page: last,
        links: [{ url: page > 1 ? link(page - 1) : null, label: '&laquo; Previous', active: false }, ...pageLinks,
          { url: page < last ? link(page + 1) : null, label: 'Next &raquo;', active: false }],
        path: p, per_page: limit, to: slice.length ? (page - 1) * limit + slice.length : null, total,
      },
    } };
  }

  function serveResult(ctx) {
    const m = /^\/results\/([0-9a-f-]{36})(-preview)?\.(png|jpg|webp|txt|mp3|mp4|json)$/.exec(ctx.path);
    const job = m && state.jobs.get(m[1]);
    if (!job || (m[3] !== RESULT_EXT[job.kind] && !(job.kind === 'image' && ['jpg', 'webp'].includes(m[3])))) {
      return sendJson(ctx, 404, { message: 'Not Found' });
    }
    let body, type;
    if (job.kind === 'image') {
      const key = job.id + (m[2] ?? '');
      if (!pngCache.has(key)) {
        const scale = Math.min(1, 512 / Math.max(job.width, job.height)) / (m[2] ? 4 : 1);
        const c = crc32(Buffer.from(job.id));
        const rgb = [c & 255, (c >>> 8) & 255, (c >>> 16) & 255].map((x) => (m[2] ? 128 + (x >> 1) : x));
        pngCache.set(key, solidPng(Math.max(1, Math.round(job.width * scale)), Math.max(1, Math.round(job.height * scale)), rgb));
      }
      [body, type] = [pngCache.get(key), 'image/png']; // jpg/webp alternates are served as PNG bytes
    } else if (job.kind === 'text') [body, type] = [Buffer.from(transcript(job)), 'text/plain; charset=utf-8'];
    else if (job.kind === 'embedding') [body, type] = [Buffer.from(JSON.stringify(embeddings(job))), 'application/json'];
    else if (job.kind === 'audio') [body, type] = [Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000mock-audio', 'latin1'), 'audio/mpeg'];
    else [body, type] = [Buffer.from('\u0000\u0000\u0000\u0018ftypmp42\u0000\u0000\u0000\u0000mp42isom', 'latin1'), 'video/mp4'];
    ctx.res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length });
    ctx.res.end(ctx.method === 'HEAD' ? undefined : body);
  }

  // ── rate limits (per key per bucket), as Laravel's throttle answers them: a fixed window anchored at the
  // bucket's first hit (its length `windowMs`, `rateLimitWindowMs`), a hit past the limit is refused without
  // being counted, 429 + Retry-After until the window is over; the daily count resets at midnight UTC ──
  const limitsFor = (bucket) => ({ ...state.config.rateLimit, ...state.config.rateLimit.buckets?.[bucket] });
  function hit(key, bucket) {
    const rl = limitsFor(bucket);
    const now = Date.now(), dayStart = Math.floor(now / 864e5) * 864e5;
    const id = `${key}\n${bucket}`;
    let c = state.rates.get(id);
    if (!c) state.rates.set(id, (c = { winStart: now, minute: 0, dayStart, day: 0 }));
    if (now - c.winStart >= rl.windowMs) Object.assign(c, { winStart: now, minute: 0 });
    if (c.dayStart !== dayStart) Object.assign(c, { dayStart, day: 0 });
    const daily = c.day >= rl.perDay;
    if (daily || c.minute >= rl.perMinute) {
      const retry = daily ? Math.ceil((dayStart + 864e5 - now) / 1000) : Math.max(1, Math.ceil((c.winStart + rl.windowMs - now) / 1000));
      return { ok: false, headers: {
        'Retry-After': String(retry), 'X-RateLimit-Limit': String(rl.perMinute), 'X-RateLimit-Remaining': '0',
        'X-RateLimit-Daily-Limit': String(rl.perDay), 'X-RateLimit-Daily-Remaining': String(Math.max(0, rl.perDay - c.day)),
        'X-RateLimit-Type': daily ? 'daily' : 'minute', 'X-RateLimit-Source': bucket,
      } };
    }
    c.minute++;
    c.day++;
    return { ok: true, headers: { 'X-RateLimit-Limit': String(rl.perMinute), 'X-RateLimit-Remaining': String(rl.perMinute - c.minute), 'X-RateLimit-Source': bucket } };
  }

  // ── responses ──
  function sendJson(ctx, status, body, headers = {}, php = false) {
    const text = php ? phpJson(body) : JSON.stringify(body);
    ctx.res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
    ctx.res.end(ctx.method === 'HEAD' ? undefined : text);
  }
  const sendApi = (ctx, status, body, headers) => sendJson(ctx, status, body, headers, true);

  // ── faults ──
  function addFaults(spec) {
    if (!isObj(spec) || !Array.isArray(spec.responses) || !spec.responses.length) throw new Error('"responses" must be a non-empty array');
    spec.responses.forEach((f, i) => checkFault(f, `responses[${i}]`));
    const entry = { id: randomUUID(), key: spec.key ?? null, path: spec.path ?? null, method: spec.method?.toUpperCase() ?? null, responses: structuredClone(spec.responses) };
    state.faults.push(entry);
    return { ok: true, id: entry.id };
  }
  function takeFault(ctx) {
    const i = state.faults.findIndex((s) => (s.key === null || s.key === ctx.key) && (!s.path || ctx.path.includes(s.path)) && (!s.method || s.method === ctx.method));
    if (i === -1) return null;
    const f = state.faults[i].responses.shift();
    if (!state.faults[i].responses.length) state.faults.splice(i, 1);
    return f;
  }
  /** Answers with fault `f`; false means "carry on with normal handling" (after a bare delay). */
  async function applyFault(f, ctx) {
    const { res } = ctx;
    switch (f.preset) {
      case 'delay': {
        await sleep(f.ms ?? 0, timers);
        if (res.destroyed || res.headersSent) return true;
        const next = f.then ?? (f.status !== undefined ? { ...f, preset: undefined } : null);
        return next ? applyFault(next, ctx) : false;
      }
      case 'hang': return true;
      case 'reset': {
        const s = ctx.req.socket;
        if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy(); else s.destroy();
        return true;
      }
      case 'resetMidBody': {
        // Headers (with the full Content-Length) and the first half of the body, then the connection is closed.
        const { buf, type } = payloadOf(f, DEFAULT_STREAM_BODY);
        res.writeHead(f.status ?? 200, { 'Content-Type': type, 'Content-Length': buf.length, ...f.headers });
        res.write(buf.subarray(0, Math.max(1, Math.floor(buf.length / 2))));
        await sleep(20, timers); // let the half reach the client before the close
        ctx.req.socket.destroy();
        return true;
      }
      case 'slowBody': {
        // Headers at once, then the body `chunkBytes` at a time every `intervalMs`.
        const { buf, type } = payloadOf(f, DEFAULT_STREAM_BODY);
        const chunk = f.chunkBytes ?? 1, every = f.intervalMs ?? 50;
        res.writeHead(f.status ?? 200, { 'Content-Type': type, 'Content-Length': buf.length, ...f.headers });
        res.flushHeaders();
        for (let i = 0; i < buf.length; i += chunk) {
          await drip(every, res, timers);
          if (res.destroyed || ctx.req.socket.destroyed) return true;
          res.write(buf.subarray(i, i + chunk));
        }
        res.end();
        return true;
      }
      case 'html502':
        res.writeHead(502, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(HTML_502), ...f.headers }).end(HTML_502);
        return true;
      case 'empty503':
        res.writeHead(503, { 'Content-Length': '0', ...f.headers }).end();
        return true;
      case 'stale422':
        sendApi(ctx, 422, { data: null, message: 'The prompt field is required.', errors: [{ field: 'prompt', messages: ['The prompt field is required.'] }], statusCode: 422 }, f.headers);
        return true;
      case 'stale401':
        sendApi(ctx, 401, { data: null, message: 'Unauthenticated.', errors: [], statusCode: 401 }, f.headers);
        return true;
      case 'rate429': {
        const ra = f.retryAfter ?? 60, daily = ra >= 3600;
        const bucket = matchRoute(ctx.path.replace(/\/+$/, ''))?.route.bucket ?? 'global';
        const rl = limitsFor(bucket);
        sendApi(ctx, 429, { message: 'Too Many Attempts.' }, {
          'Retry-After': f.retryAfterHttpDate ? new Date(Date.now() + ra * 1000).toUTCString() : String(ra),
          'X-RateLimit-Limit': String(rl.perMinute), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Daily-Limit': String(rl.perDay),
          'X-RateLimit-Daily-Remaining': daily ? '0' : String(rl.perDay - 1), 'X-RateLimit-Type': daily ? 'daily' : 'minute',
          'X-RateLimit-Source': bucket, ...f.headers,
        });
        return true;
      }
      default:
        if (f.rawBody !== undefined || f.bodyBase64 !== undefined) {
          const { buf, type } = payloadOf(f);
          res.writeHead(f.status, { 'Content-Type': type, 'Content-Length': buf.length, ...f.headers }).end(buf);
        } else {
          sendApi(ctx, f.status, f.body !== undefined ? f.body : FAULT_BODIES[f.status] ?? { message: http.STATUS_CODES[f.status] ?? 'Error' }, f.headers);
        }
        return true;
    }
  }

  // ── request log ──
  function requests({ key, path: p, method } = {}) {
    return state.log.filter((r) => (key == null || r.key === key) && (!p || r.path.includes(p)) && (!method || r.method === method.toUpperCase()));
  }
  const preflightCount = ({ path: p } = {}) => state.preflights.filter((x) => !p || x.includes(p)).length;
  function reset() {
    for (const t of timers) clearTimeout(t);
    timers.clear();
    rt.reset();
    Object.assign(state, { config: structuredClone(initial), faults: [], log: [], preflights: [], rates: new Map() });
    state.jobs.clear();
    pngCache.clear();
    embedCache.clear();
  }

  // ── /__mock/ control API ──
  function control(ctx) {
    const { method, url } = ctx;
    const sub = ctx.path.slice('/__mock'.length).replace(/\/+$/, '');
    const body = () => { try { return JSON.parse(ctx.raw.toString('utf8') || '{}'); } catch { return null; } };
    const q = Object.fromEntries(url.searchParams);
    if (sub === '/faults' && method === 'POST') {
      try { return sendJson(ctx, 200, addFaults(body())); } catch (e) { return sendJson(ctx, 400, { message: e.message }); }
    }
    if (sub === '/faults' && method === 'GET') return sendJson(ctx, 200, { faults: state.faults });
    if (sub === '/faults' && method === 'DELETE') {
      state.faults = q.key !== undefined ? state.faults.filter((s) => s.key !== q.key) : [];
      return sendJson(ctx, 200, { ok: true });
    }
    if (sub === '/requests' && method === 'GET') return sendJson(ctx, 200, { requests: requests(q), preflights: preflightCount(q) });
    if (sub === '/requests' && method === 'DELETE') {
      state.log = [];
      state.preflights = [];
      return sendJson(ctx, 200, { ok: true });
    }
    if (sub === '/realtime' || sub.startsWith('/realtime/')) return rt.control(ctx, sub, body, sendJson);
    if (sub === '/reset' && method === 'POST') {
      reset();
      return sendJson(ctx, 200, { ok: true });
    }
    if (sub === '/config' && method === 'GET') return sendJson(ctx, 200, publicConfig());
    if (sub === '/config' && method === 'POST') {
      const b = body();
      if (!isObj(b)) return sendJson(ctx, 400, { message: 'expected a JSON object' });
      configure(b);
      return sendJson(ctx, 200, publicConfig());
    }
    if (sub === '/jobs' && method === 'GET') return sendJson(ctx, 200, { jobs: [...state.jobs.values()] });
    const jm = /^\/jobs\/([^/]+)$/.exec(sub);
    if (jm && method === 'GET') {
      const job = state.jobs.get(safeDecode(jm[1]));
      return job ? sendJson(ctx, 200, job) : sendJson(ctx, 404, { message: 'No such job.' });
    }
    return sendJson(ctx, 404, { message: `Unknown mock control route ${method} ${ctx.path}` });
  }
  const publicConfig = () => {
    const { staticDirs, port, host, ...rest } = state.config;
    return rest;
  };
  function configure(b) {
    const c = state.config;
    if (isObj(b.jobSteps)) Object.assign(c.jobSteps, b.jobSteps);
    if (isObj(b.rateLimit)) Object.assign(c.rateLimit, b.rateLimit);
    if (b.rateLimitWindowMs !== undefined) c.rateLimit.windowMs = b.rateLimitWindowMs;
    if (isObj(b.realtime)) Object.assign(c.realtime, b.realtime);
    for (const k of ['balance', 'allowKeyless', 'maxBodyBytes']) if (b[k] !== undefined) c[k] = b[k];
  }

  // ── main handler ──
  function readBody(req) {
    return new Promise((resolve) => {
      const chunks = [];
      let size = 0;
      req.on('data', (c) => { size += c.length; if (size <= state.config.maxBodyBytes) chunks.push(c); });
      const done = () => resolve({ raw: Buffer.concat(chunks), size, tooLarge: size > state.config.maxBodyBytes });
      req.on('end', done);
      req.on('error', done);
    });
  }

  function authOf(req) {
    const h = req.headers.authorization;
    if (h === undefined) return { key: 'keyless', authed: !!state.config.allowKeyless };
    const key = /^Bearer\s+(\S+)\s*$/i.exec(h)?.[1] ?? null;
    return { key, authed: key !== null && KEY_RE.test(key) };
  }

  async function handle(req, res) {
    let url;
    try { url = new URL(`http://mock.invalid${req.url.startsWith('/') ? '' : '/'}${req.url}`); } catch {
      res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"message":"Bad Request"}');
      return;
    }
    const p = url.pathname;
    const isControl = p === '/__mock' || p.startsWith('/__mock/');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', EXPOSE);
    if (req.method === 'OPTIONS') {
      req.resume();
      if (!isControl) state.preflights.push(p);
      res.writeHead(204, {
        'Access-Control-Allow-Methods': isControl ? 'GET, POST, DELETE, OPTIONS' : 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || DEFAULT_ALLOW_HEADERS,
        'Access-Control-Max-Age': '600',
      }).end();
      return;
    }
    const { raw, size, tooLarge } = await readBody(req);
    // X-Forwarded-Host: the address a proxy in front was called at (the demo's createProxy sends it),
    // so the result URLs written here point back at that proxy
    const fwd = req.headers['x-forwarded-host'];
    const host = typeof fwd === 'string' && /^[A-Za-z0-9.\-:[\]]+$/.test(fwd) ? fwd : req.headers.host ?? hostPort;
    const ctx = { req, res, url, path: p, method: req.method, raw, base: `http://${host}`, ...authOf(req) };
    if (isControl) return control(ctx);
    const isApi = p.startsWith('/api/') || p === '/api' || p.startsWith('/results/') || p.startsWith('/broadcasting/');
    if (!isApi && (req.method === 'GET' || req.method === 'HEAD') && await serveStatic(state.config.staticDirs, p, req, res)) return;

    const { input, parts } = tooLarge ? { input: {}, parts: null } : parseInput(req.headers, raw, url);
    const entry = {
      seq: ++state.seq, method: req.method, path: p, query: Object.fromEntries(url.searchParams), headers: { ...req.headers },
      body: raw.subarray(0, 262144).toString('utf8'), bodySize: size, key: ctx.key, time: new Date().toISOString(), status: null, fault: null,
    };
    if (size > 262144) entry.bodyTruncated = true;
    if (parts) entry.parts = parts.map(({ name, filename, contentType, data }) => (filename === null ? { name, filename, contentType, value: data.toString('utf8') } : { name, filename, contentType, size: data.length }));
    state.log.push(entry);
    res.on('finish', () => { entry.status = res.statusCode; entry.answeredAt = performance.now(); });
    ctx.input = input;

    const fault = takeFault(ctx);
    if (fault) {
      entry.fault = fault;
      if (await applyFault(fault, ctx)) return;
    }
    if (tooLarge) return sendApi(ctx, 413, { message: 'Payload Too Large' });
    if (p.startsWith('/results/')) return serveResult(ctx);

    const rp = p.replace(/\/+$/, '') || '/';
    const match = matchRoute(rp);
    if (!match) return sendApi(ctx, 404, { message: `The route ${rp.slice(1)} could not be found.` });
    const handler = match.route.methods[req.method === 'HEAD' ? 'GET' : req.method];
    if (!handler) {
      const supported = Object.keys(match.route.methods).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
      return sendApi(ctx, 405, { message: `The ${req.method} method is not supported for route ${rp.slice(1)}. Supported methods: ${supported}.` }, { Allow: supported });
    }
    if (!ctx.authed) return sendApi(ctx, 401, { message: 'Unauthenticated.' });
    let rlHeaders = {};
    if (match.route.bucket) {
      const r = hit(ctx.key, match.route.bucket);
      if (!r.ok) return sendApi(ctx, 429, { message: 'Too Many Attempts.' }, r.headers);
      rlHeaders = r.headers;
    }
    ctx.version = match.route.version;
    ctx.route = rp;
    const out = handler(ctx, match.params);
    if (out.delayMs) await sleep(out.delayMs, timers);
    if (res.destroyed) return;
    sendApi(ctx, out.status ?? 200, out.body, { ...rlHeaders, ...out.headers });
  }

  const server = http.createServer((req, res) => {
    const started = Date.now();
    if (!state.config.quiet) res.on('close', () => process.stderr.write(`[mock] ${req.method} ${req.url} → ${res.headersSent ? res.statusCode : '(no response)'} ${Date.now() - started}ms\n`));
    handle(req, res).catch((err) => {
      process.stderr.write(`[mock] internal error: ${err.stack}\n`);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'Server Error' }));
      }
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const rt = await attachRealtime(server, {
    state, timers, advance, addFaults, quiet: () => state.config.quiet,
    describe: (job) => ({
      resultUrl: `${job.base}/results/${job.id}.${RESULT_EXT[job.kind]}`,
      previewDataUri: job.kind === 'image' ? previewDataUri(job) : null,
    }),
  });
  /** A small PNG as a base64 data URI: the socket's `preview` (REST's is a URL). */
  function previewDataUri(job) {
    const c = crc32(Buffer.from(job.id));
    return `data:image/png;base64,${solidPng(8, 8, [c & 255, (c >>> 8) & 255, (c >>> 16) & 255]).toString('base64')}`;
  }
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(initial.port, initial.host, () => { server.off('error', reject); resolve(); });
  });
  const { port } = server.address();
  const h = initial.host;
  const hostPort = `${h === '0.0.0.0' ? '127.0.0.1' : h === '::' ? '[::1]' : h.includes(':') ? `[${h}]` : h}:${port}`;
  const url = `http://${hostPort}`;
  let closing = null;
  return {
    url, port, server,
    close() {
      closing ??= new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        rt.close();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
    reset,
    requests,
    preflights: preflightCount,
    addFaults,
    clearFaults(key) { state.faults = key === undefined ? [] : state.faults.filter((s) => s.key !== key); },
    job: (id) => state.jobs.get(id) ?? null,
    configure,
    /** The realtime side's controls (realtime.mjs): dropNext, closeSockets, silence, refuseAuth, refuseConnections,
     *  earlyEvents, emit, sockets, events, sign, clientIdOf, channelOf. */
    realtime: rt.controls,
    /** The Pusher app URL of this mock, for the SDK's `realtime.url`. */
    get realtimeUrl() { return `ws://${hostPort}/app/${state.config.realtime.appKey}`; },
    get config() { return publicConfig(); },
  };
}

// ───────────────────────────── CLI ─────────────────────────────
async function main(argv) {
  const opts = { staticDirs: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { const v = argv[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    if (a === '--port') opts.port = Number(val());
    else if (a === '--host') opts.host = val();
    else if (a === '--static') {
      const v = val(), eq = v.indexOf('=');
      if (eq < 1) throw new Error(`--static expects PREFIX=DIR, got ${v}`);
      opts.staticDirs[v.slice(0, eq)] = v.slice(eq + 1);
    } else if (a === '--allow-keyless') opts.allowKeyless = true;
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--activity-timeout') opts.realtime = { ...opts.realtime, activityTimeout: Number(val()) };
    else if (a === '--realtime-step-ms') opts.realtime = { ...opts.realtime, stepMs: Number(val()) };
    else if (a === '--rate-limit-window-ms') opts.rateLimitWindowMs = Number(val());
    else if (a === '--rate-limit') {
      const [perMinute, perDay] = val().split(',').map(Number);
      opts.rateLimit = { ...opts.rateLimit, perMinute, ...(perDay && { perDay }) };
    }
    else if (a === '--job-steps') {
      const [pending, processing] = val().split(',').map(Number);
      opts.jobSteps = { pending, processing };
    } else throw new Error(`unknown argument ${a}`);
  }
  const mock = await startMock(opts);
  process.stdout.write(`MOCK_URL=${mock.url}\n`);
  const stop = () => mock.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`mock: ${e.message}\n`);
    process.exit(2);
  });
}
