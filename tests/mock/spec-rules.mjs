// The mock deAPI's validation rules, read from deAPI's published spec — tests/spec/openapi-v2.json for
// /api/v2/ paths, openapi-v1.json for /api/v1/ — plus tests/spec/corrections.json "rules" where deAPI
// does otherwise than its spec says. Not from the SDK's core::api: the spec is the oracle both are held to
// (tests/spec_rules.rs holds core::api to it; tests/js/validate.test.mjs holds the built client to this).
//
//   rulesFor('POST /api/v2/images/generations') → { fields: [{ name, type, required, minimum, maximum, enum,
//     minLength, maxLength, maxItems, requiredIf, requiredWith, prohibits, prohibitedUnless }, …] } | null
//
// Fields come in the spec's property order (deAPI reports errors in its rules' order). `required` is
// 'always', 'one of' (an alternative to another field) or { without: [...] } (Laravel required_without[_all]).
// oneOf branches: a field every branch requires is required; of the rest, the branch requiring the most
// fields (the first on a tie) makes each of its own required without the other branches' own fields, which
// become 'one of'; a branch requiring nothing of its own leaves the others optional. A field first seen in a
// later branch goes before the next field of its branch already placed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SPEC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'spec');
const RULES = ['minimum', 'maximum', 'enum', 'minLength', 'maxLength'];

const load = (file) => JSON.parse(readFileSync(join(SPEC_DIR, file), 'utf8'));

function deref(spec, v) {
  if (!v?.$ref) return v;
  return deref(spec, v.$ref.replace(/^#\//, '').split('/').reduce((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec));
}

function typeOf(spec, p) {
  const items = deref(spec, p.items);
  if (p.type === 'string' && p.format === 'binary') return 'file';
  if (p.type === 'array' && items?.format === 'binary') return 'files';
  if (!p.type && Array.isArray(p.oneOf)) return p.oneOf.map((o) => deref(spec, o).type).join('|');
  return p.type ?? 'string';
}

function fieldOf(spec, name, p) {
  p = deref(spec, p);
  const f = { name, type: typeOf(spec, p), required: null };
  for (const r of RULES) if (p[r] !== undefined) f[r] = p[r];
  return f;
}

/** The fields of one request schema, per the spec alone. */
export function fieldsOf(spec, schema) {
  schema = deref(spec, schema);
  const branches = (schema.oneOf ?? [schema]).map((b) => deref(spec, b));
  const byName = new Map();
  const order = [];
  const required = [];
  for (const b of branches) {
    const props = Object.entries(b.properties ?? {}).map(([n, p]) => [n.replace(/\[\]$/, ''), p]);
    props.forEach(([name, p], i) => {
      if (!byName.has(name)) byName.set(name, fieldOf(spec, name, p));
      if (order.includes(name)) return;
      const next = props.slice(i + 1).map(([n]) => order.indexOf(n)).find((at) => at >= 0);
      order.splice(next ?? order.length, 0, name);
    });
    required.push((b.required ?? []).map((n) => n.replace(/\[\]$/, '')));
  }
  const common = order.filter((f) => required.every((r) => r.includes(f)));
  for (const f of common) byName.get(f).required = 'always';
  const own = required.map((r) => r.filter((f) => !common.includes(f)));
  if (own.length > 1 && own.every((o) => o.length)) {
    const head = own.reduce((best, o, i) => (o.length > own[best].length ? i : best), 0);
    const others = [...new Set(own.filter((_, i) => i !== head).flat())].filter((f) => !own[head].includes(f));
    for (const f of own[head]) byName.get(f).required = { without: others };
    for (const f of others) if (byName.get(f)) byName.get(f).required = 'one of';
  }
  return order.map((n) => byName.get(n));
}

/** corrections.json "rules" entries that name `operation` (a list, or a prefix ending in `*`). */
function correctionsFor(list, operation) {
  return list.filter((c) => [c.operation].flat().some((o) => o === operation || (o.endsWith('*') && operation.startsWith(o.slice(0, -1)))));
}

/** The spec's fields of `operation` with the corrections applied. */
export function applyCorrections(fields, corrections) {
  const out = fields.map((f) => ({ ...f }));
  for (const c of corrections) {
    let f = out.find((x) => x.name === c.field);
    if (c.rule === 'field') {
      if (c.sdk === null) { if (f) out.splice(out.indexOf(f), 1); } else if (!f) out.push({ name: c.field, type: c.sdk, required: null });
      continue;
    }
    if (!f) continue;
    if (c.sdk === null) delete f[c.rule];
    else f[c.rule] = c.sdk;
  }
  return out;
}

const cache = new Map();
let corrections = null;

/** The rules the mock applies to `METHOD /path`, or null when the spec has no request body for it. */
export function rulesFor(operation) {
  if (cache.has(operation)) return cache.get(operation);
  corrections ??= load('corrections.json').rules ?? [];
  const [method, path] = operation.split(' ');
  const spec = load(path.startsWith('/api/v1/') ? 'openapi-v1.json' : 'openapi-v2.json');
  const content = spec.paths?.[path]?.[method.toLowerCase()]?.requestBody?.content;
  const schema = content && Object.values(content)[0]?.schema;
  const rules = schema ? { fields: applyCorrections(fieldsOf(spec, schema), correctionsFor(corrections, operation)) } : null;
  cache.set(operation, rules);
  return rules;
}
