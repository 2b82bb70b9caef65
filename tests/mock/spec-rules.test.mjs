// The mock's validation rules come from deAPI's spec (spec-rules.mjs), not from the SDK: how a schema
// becomes rules, how corrections apply, and that a change to the spec changes what the mock answers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { applyCorrections, fieldsOf, rulesFor } from './spec-rules.mjs';

const spec = JSON.parse(readFileSync(new URL('../spec/openapi-v2.json', import.meta.url), 'utf8'));
const ops = JSON.parse(readFileSync(new URL('../spec/operations-v2.json', import.meta.url), 'utf8')).operations;

describe('rules read from the spec', () => {
  it('every POST of the v2 spec with a body has rules, in the spec\'s property order', () => {
    const posts = ops.filter((o) => o.method === 'POST');
    assert.equal(posts.length, 32);
    for (const o of posts) assert.ok(rulesFor(`POST ${o.path}`)?.fields.length, o.path);
    const gen = rulesFor('POST /api/v2/images/generations').fields;
    assert.deepEqual(gen.map((f) => f.name).slice(0, 5), ['prompt', 'negative_prompt', 'model', 'loras', 'width']);
    assert.deepEqual(gen.find((f) => f.name === 'steps'), { name: 'steps', type: 'integer', required: 'always', minimum: 1 });
  });

  it('oneOf branches: the largest own branch is required without the others, which are one of', () => {
    const s = { oneOf: [
      { required: ['image', 'model'], properties: { image: { type: 'string', format: 'binary' }, model: { type: 'string' } } },
      { required: ['width', 'height', 'model'], properties: { width: { type: 'integer' }, height: { type: 'integer' }, model: { type: 'string' } } },
    ] };
    assert.deepEqual(fieldsOf({}, s), [
      { name: 'image', type: 'file', required: 'one of' },
      { name: 'width', type: 'integer', required: { without: ['image'] } },
      { name: 'height', type: 'integer', required: { without: ['image'] } },
      { name: 'model', type: 'string', required: 'always' },
    ]);
    // a branch requiring nothing of its own leaves the other's field optional (the booster's image)
    const booster = fieldsOf({}, { oneOf: [{ required: ['prompt'], properties: { prompt: { type: 'string' } } },
      { required: ['prompt', 'image'], properties: { prompt: { type: 'string' }, image: { type: 'string', format: 'binary' } } }] });
    assert.deepEqual(booster.map((f) => [f.name, f.required]), [['prompt', 'always'], ['image', null]]);
  });

  it('corrections replace, add and remove what the spec says', () => {
    const fields = [{ name: 'format', type: 'string', required: 'always' }, { name: 'image', type: 'file', required: null }];
    const out = applyCorrections(fields, [
      { field: 'format', rule: 'enum', spec: null, sdk: ['mp3', 'wav'] },
      { field: 'image', rule: 'field', spec: 'file', sdk: null },
      { field: 'duration_seconds', rule: 'field', spec: null, sdk: 'number' },
    ]);
    assert.deepEqual(out, [{ name: 'format', type: 'string', required: 'always', enum: ['mp3', 'wav'] }, { name: 'duration_seconds', type: 'number', required: null }]);
    assert.deepEqual(fields[0], { name: 'format', type: 'string', required: 'always' }, 'the spec\'s fields are not changed');
  });

  it('a bound moved in the spec moves the mock\'s', () => {
    const changed = structuredClone(spec);
    const body = changed.paths['/api/v2/videos/upscales'].post.requestBody.content;
    const schema = Object.values(body)[0].schema;
    const target = schema.$ref ? schema.$ref.slice(2).split('/').reduce((o, k) => o[k], changed) : schema;
    assert.equal(fieldsOf(spec, target).find((f) => f.name === 'scale').maximum, 16);
    target.properties.scale.maximum = 32;
    assert.equal(fieldsOf(changed, target).find((f) => f.name === 'scale').maximum, 32);
  });
});
