// Values at the JS boundary (src/wasm/convert.rs): params, options, ids and webhook options are
// read with js-sys (uploads, functions, signals); objects and arrays of data go through JSON.stringify
// (with a replacer that refuses functions and symbols) and serde_json. These tests pin
// what a user sees for values at the edge of JSON, through the public API, with an injected fetch
// that records what was sent.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sdk } from "./helpers.mjs";

const { DeapiClient, InvalidOptionsError, ValidationError, WebhookVerificationError, verifyWebhook } = sdk;

function recording() {
  const sent = [];
  const fetch = async (url, init) => {
    sent.push({ url, init });
    return new Response(JSON.stringify({ data: { request_id: "r-1", price: 0.25, balance: 1 } }), { status: 200 });
  };
  const c = new DeapiClient({ apiKey: "1|wiretestkey", baseUrl: "https://deapi.test", fetch, maxRetries: 0 });
  return { c, sent };
}

const rejection = (p) => p.then((v) => assert.fail(`resolved with ${JSON.stringify(v)}`), (e) => e);

describe("values at the edge of JSON", () => {
  it("a Date goes as its toJSON() text; undefined fields and null fields are left out", async () => {
    const { c, sent } = recording();
    await c.images.generatePrice({ prompt: "a", when: new Date(0), model: "m", skip: undefined, none: null });
    assert.equal(sent.length, 1);
    assert.deepEqual(JSON.parse(sent[0].init.body), { prompt: "a", when: "1970-01-01T00:00:00.000Z", model: "m" });
  });

  it("params with a cycle are refused before any request", async () => {
    const { c, sent } = recording();
    const params = { prompt: "a" };
    params.self = params;
    const e = await rejection(c.images.generatePrice(params));
    assert.ok(e instanceof InvalidOptionsError, String(e));
    assert.match(e.message, /`params`/);
    assert.equal(sent.length, 0);
  });

  it("params nested deeper than the JSON limit (64) are refused, not cut; 60 levels go as they are", async () => {
    const { c, sent } = recording();
    const nest = (n) => { let v = "leaf"; for (let i = 0; i < n; i++) v = i % 2 ? [v] : { v }; return v; };
    const e = await rejection(c.images.generatePrice({ prompt: "a", extra: nest(70) }));
    assert.ok(e instanceof InvalidOptionsError, String(e));
    assert.match(e.message, /`params`/);
    assert.equal(sent.length, 0);
    await c.images.generatePrice({ prompt: "a", extra: nest(60) });
    assert.deepEqual(JSON.parse(sent[0].init.body).extra, nest(60));
  });

  it("a function or symbol nested in an array is refused too (JSON.stringify would write null)", async () => {
    const { c, sent } = recording();
    for (const bad of [() => 1, Symbol("s")]) {
      const e = await rejection(c.images.generatePrice({ prompt: "a", extra: [1, { deep: [bad] }] }));
      assert.ok(e instanceof InvalidOptionsError, String(e));
    }
    assert.equal(sent.length, 0);
  });

  it("a non-finite number is a field error, as the server would report it", async () => {
    const { c, sent } = recording();
    for (const n of [NaN, Infinity, -Infinity]) {
      const e = await rejection(c.images.generatePrice({ prompt: "a", steps: n }));
      assert.ok(e instanceof ValidationError, String(e));
      assert.deepEqual(e.errors.map((x) => x.field), ["steps"]);
    }
    assert.equal(sent.length, 0);
  });

  it("an object shaped like an upload's description is data, never taken for an upload", async () => {
    const { c, sent } = recording();
    await c.images.generatePrice({ prompt: "a", extra: { "\u0000": "file", size: 1, type: "image/png" } });
    assert.equal(sent.length, 1);
    assert.equal(typeof sent[0].init.body, "string", "a JSON body, not multipart");
    assert.deepEqual(JSON.parse(sent[0].init.body).extra, { "\u0000": "file", size: 1, type: "image/png" });
  });
});

describe("options", () => {
  it("a signal must be an AbortSignal; a function where data goes names its option", async () => {
    const { c } = recording();
    const e1 = await rejection(c.account.balance({ signal: {} }));
    assert.ok(e1 instanceof InvalidOptionsError);
    assert.match(e1.message, /`signal`: must be an AbortSignal/);
    const e2 = await rejection(c.account.balance({ timeoutMs: () => 1 }));
    assert.match(e2.message, /`timeoutMs`: must be a plain value/);
    const e3 = await rejection(c.jobs.wait("r-1", { onProgress: "no" }));
    assert.match(e3.message, /`onProgress`: must be a function/);
  });

  it("client options that are not an object name their type; a nested function names its option", () => {
    for (const [value, type] of [["x", "string"], [Symbol("s"), "symbol"], [5n, "bigint"], [() => 1, "function"], [[1], "array"], [7, "number"]]) {
      assert.throws(() => new DeapiClient(value), (e) => e instanceof InvalidOptionsError && e.message === `DeapiClient options must be an object, got ${type}`);
    }
    assert.throws(() => new DeapiClient({ apiKey: "1|wiretestkey", headers: { "X-A": () => 1 } }),
      (e) => e instanceof InvalidOptionsError && /`headers`: must be a plain value/.test(e.message));
    assert.throws(() => new DeapiClient({ apiKey: "1|wiretestkey", onRetry: "log" }),
      (e) => e instanceof InvalidOptionsError && /`onRetry`: must be a function/.test(e.message));
  });

  it("a job id must be a non-empty string", async () => {
    const { c, sent } = recording();
    for (const id of [42, "", "   ", null, { id: "r-1" }]) {
      const e = await rejection(c.jobs.get(id));
      assert.ok(e instanceof InvalidOptionsError, String(id));
      assert.match(e.message, /`requestId`/);
    }
    assert.equal(sent.length, 0);
  });
});

describe("response objects as JSON.parse reads them", () => {
  const answering = (text) => new DeapiClient({ apiKey: "1|wiretestkey", baseUrl: "https://deapi.test", maxRetries: 0,
    fetch: async () => new Response(text, { status: 200 }) });

  it("a repeated key takes its first place and its last value, in a small object and past 256 keys", async () => {
    for (const n of [3, 300]) {
      const fields = Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",");
      const text = `{"data":{"status":"done","k1":"first",${fields},"k1":"last","k${n - 1}":{"x":1}}}`;
      const job = await answering(text).jobs.get("r-1");
      const want = JSON.parse(text).data;
      assert.equal(job.k1, "last", `${n} keys`);
      assert.deepEqual(job[`k${n - 1}`], { x: 1 });
      const own = (keys) => keys.filter((k) => k !== "request_id" && k !== "progress"); // (the two the SDK adds)
      assert.deepEqual(own(Object.keys(job)), own(Object.keys(want)));
    }
  });

  it("a __proto__ key in a result is an own property, not a prototype; one in params is sent", async () => {
    const job = await answering('{"data":{"status":"done","__proto__":{"polluted":true},"extra":{"__proto__":[1]}}}').jobs.get("r-1");
    assert.ok(Object.hasOwn(job, "__proto__"));
    assert.deepEqual(job.__proto__, { polluted: true }); // eslint-disable-line no-proto
    assert.equal(Object.getPrototypeOf(job), Object.prototype);
    assert.equal(job.polluted, undefined);
    assert.ok(Object.hasOwn(job.extra, "__proto__"));
    const { c, sent } = recording();
    await c.images.generatePrice(JSON.parse('{"prompt":"a","model":"m","__proto__":{"x":-0}}'));
    assert.deepEqual(JSON.parse(sent[0].init.body), JSON.parse('{"prompt":"a","model":"m","__proto__":{"x":0}}'));
    assert.match(sent[0].init.body, /"__proto__":\{"x":0\}/);
  });
});

describe("verifyWebhook's inputs", () => {
  it("a parsed body, a missing one, and options that are not an object are each explained", async () => {
    // headers well-formed and fresh: they are checked before the payload (which is then explained)
    const base = { secret: "whsec_0123456789abcdef0123456789abcdef", signature: `sha256=${"0".repeat(64)}`, timestamp: String(Math.floor(Date.now() / 1000)) };
    const parsed = await rejection(verifyWebhook({ ...base, payload: { event: "job.completed" } }));
    assert.ok(parsed instanceof WebhookVerificationError);
    assert.equal(parsed.reason, "bad_payload");
    assert.match(parsed.message, /parsed object, not the raw body/);
    const missing = await rejection(verifyWebhook({ ...base }));
    assert.match(missing.message, /`payload` is missing/);
    const notObject = await rejection(verifyWebhook("body"));
    assert.ok(notObject instanceof InvalidOptionsError);
    assert.match(notObject.message, /verifyWebhook takes one object/);
  });
});
