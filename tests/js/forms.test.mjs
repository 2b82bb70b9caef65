// The form adapters of ValidationError (js/facade.js): applyTo(setError) for react-hook-form,
// toFormikErrors() (checked with Formik's own getIn/setIn), flatten() (zod's shape) and `issues`
// (Standard Schema), over real 422s from the mock deAPI and over errors built by hand.
// The real react-hook-form is exercised in Chromium: tests/browser/rhf.test.mjs.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { client, rejection, sdk, validImage, withMock } from "./helpers.mjs";

const { ValidationError, InsufficientBalanceError, DeapiError, RateLimitError } = sdk;
const { getIn, setIn } = createRequire(import.meta.url)("formik");

const BAD_IMAGE = { prompt: "a fox", model: "Flux1schnell", width: 100, height: 5000, guidance: 3.5, seed: 1 };
// The first message of each field (stable); whether width/height also get "must be a multiple of 16."
// depends on the mock's rules, so the full lists are read from the raw body the server sent.
const FIRST = { width: "The width field must be at least 256.", height: "The height field must not be greater than 2048.",
  steps: "The steps field is required." };

/** A recording stand-in for react-hook-form's setError: every call with all its arguments. */
function recorder() {
  const calls = [];
  const setError = (...args) => { calls.push(args); };
  return { calls, setError };
}

/** A hand-built error with dotted and numeric paths, in a chosen order. */
const dotted = () => new ValidationError({
  message: "The loras.0.weight field must be at least 0. (and 2 more errors)",
  code: "validation",
  status: 422,
  fieldErrors: {
    "loras.0.weight": ["The loras.0.weight field must be at least 0."],
    "images.1": ["The images.1 field must be an image.", "The images.1 field must not be greater than 10240 kilobytes."],
    prompt: ["The prompt field is required."],
  },
});

let mock;
before(async () => { mock = await withMock(); });
after(() => mock.close());

describe("a real 3-field 422 from the mock (images.generate: width 100, height 5000, no steps)", () => {
  let e, body, WIDTH, HEIGHT, STEPS, TOP;
  before(async () => {
    const { c } = client(mock);
    e = await rejection(c.images.generate(BAD_IMAGE));
    // The server's own body (e.body is the parsed response); expectations below are built from it
    // independently of fieldErrors/errors.
    body = structuredClone(e.body);
    ({ width: WIDTH, height: HEIGHT, steps: STEPS } = body.errors);
    TOP = body.message;
  });

  it("is the 422 the adapters are tested on: exactly width, height, steps, in that order", () => {
    assert.ok(e instanceof ValidationError);
    assert.equal(e.status, 422);
    assert.deepEqual(Object.keys(body.errors), ["width", "height", "steps"]);
    for (const f of Object.keys(FIRST)) assert.equal(body.errors[f][0], FIRST[f], f);
    assert.deepEqual(STEPS, [FIRST.steps]);
    assert.match(TOP, /^The width field must be at least 256\. \(and \d+ more errors?\)$/);
    assert.deepEqual(e.fieldErrors, body.errors);
  });

  it("applyTo(setError): one call per field in server order, then root.server; returns the names", () => {
    const { calls, setError } = recorder();
    const names = e.applyTo(setError);
    assert.deepEqual(names, ["width", "height", "steps"]);
    const server = (msgs) => (msgs.length === 1 ? msgs[0] : msgs);
    assert.deepEqual(calls, [
      ["width", { type: "server", message: FIRST.width, types: { server: server(WIDTH) } }],
      ["height", { type: "server", message: FIRST.height, types: { server: server(HEIGHT) } }],
      ["steps", { type: "server", message: FIRST.steps, types: { server: FIRST.steps } }],
      ["root.server", { type: "server", message: TOP }],
    ]);
    // Every call has exactly two arguments (no third `undefined` options argument).
    assert.deepEqual(calls.map((c) => c.length), [2, 2, 2, 2]);
  });

  it("applyTo(setError, { shouldFocus: true }) passes the focus option with the first field only", () => {
    const { calls, setError } = recorder();
    e.applyTo(setError, { shouldFocus: true });
    assert.deepEqual(calls.map((c) => [c[0], c.length, c[2]]), [
      ["width", 3, { shouldFocus: true }], ["height", 2, undefined], ["steps", 2, undefined], ["root.server", 2, undefined],
    ]);
  });

  it("applyTo(setError, { root: false }) leaves root.server alone; { shouldFocus: false } passes no option", () => {
    const { calls, setError } = recorder();
    assert.deepEqual(e.applyTo(setError, { root: false, shouldFocus: false }), ["width", "height", "steps"]);
    assert.deepEqual(calls.map((c) => [c[0], c.length]), [["width", 2], ["height", 2], ["steps", 2]]);
  });

  it("applyTo without a function throws a TypeError naming setError", () => {
    assert.throws(() => e.applyTo(), { name: "TypeError", message: /applyTo\(setError\)/ });
    assert.throws(() => e.applyTo({ setError() {} }), TypeError);
  });

  it("toFormikErrors(): one string per field, all its messages joined with a space", () => {
    assert.deepEqual(e.toFormikErrors(), { width: WIDTH.join(" "), height: HEIGHT.join(" "), steps: FIRST.steps });
  });

  it("flatten(): zod's shape, formErrors empty since fields carry the errors, fieldErrors a copy", () => {
    const flat = e.flatten();
    assert.deepEqual(flat, { formErrors: [], fieldErrors: { width: WIDTH, height: HEIGHT, steps: STEPS } });
    assert.deepEqual(Object.keys(flat.fieldErrors), ["width", "height", "steps"]);
    flat.fieldErrors.width.push("mutated");
    flat.fieldErrors.extra = ["x"];
    assert.deepEqual(e.fieldErrors.width, WIDTH, "the copy is deep enough: the error is unchanged");
    assert.equal(e.fieldErrors.extra, undefined);
  });

  it("issues: one Standard Schema issue per message, in server order", () => {
    const expected = Object.entries(body.errors).flatMap(([f, msgs]) => msgs.map((message) => ({ message, path: [f] })));
    assert.ok(expected.length >= 3);
    assert.deepEqual(e.issues, expected);
    assert.deepEqual(e.issues.map((i) => i.message), e.errors.map((x) => x.message), "same order as errors");
    assert.equal(Object.keys(e).includes("issues"), false, "a prototype getter, not an own property");
    assert.equal("issues" in e.toJSON(), false, "toJSON is unchanged");
  });
});

describe("dotted and numeric Laravel paths", () => {
  it("a real 422 from the mock with loras.0.name / loras.0.weight", async () => {
    const { c } = client(mock);
    const e = await rejection(c.images.generate(validImage({ loras: [{ name: "no-such-lora", weight: -1 }] })));
    assert.deepEqual(Object.keys(e.fieldErrors), ["loras.0.name", "loras.0.weight"]);
    const name = e.fieldErrors["loras.0.name"][0];
    const weight = e.fieldErrors["loras.0.weight"][0];
    assert.equal(weight, "The loras.0.weight field must be at least 0.");
    assert.deepEqual(e.toFormikErrors(), { loras: [{ name, weight }] });
    assert.deepEqual(e.issues, [{ message: name, path: ["loras", 0, "name"] }, { message: weight, path: ["loras", 0, "weight"] }]);
    const { calls, setError } = recorder();
    assert.deepEqual(e.applyTo(setError, { root: false }), ["loras.0.name", "loras.0.weight"], "names passed as they are");
    assert.deepEqual(calls[1], ["loras.0.weight", { type: "server", message: weight, types: { server: weight } }]);
  });

  it("applyTo: several messages go to types.server as an array (a copy), one message as a string", () => {
    const e = dotted();
    const { calls, setError } = recorder();
    assert.deepEqual(e.applyTo(setError, { shouldFocus: true }), ["loras.0.weight", "images.1", "prompt"]);
    const IMAGES_1 = ["The images.1 field must be an image.", "The images.1 field must not be greater than 10240 kilobytes."];
    assert.deepEqual(calls, [
      ["loras.0.weight", { type: "server", message: "The loras.0.weight field must be at least 0.",
        types: { server: "The loras.0.weight field must be at least 0." } }, { shouldFocus: true }],
      ["images.1", { type: "server", message: IMAGES_1[0], types: { server: IMAGES_1 } }],
      ["prompt", { type: "server", message: "The prompt field is required.", types: { server: "The prompt field is required." } }],
      ["root.server", { type: "server", message: "The loras.0.weight field must be at least 0. (and 2 more errors)" }],
    ]);
    calls[1][1].types.server.push("mutated");
    assert.deepEqual(e.fieldErrors["images.1"], IMAGES_1, "react-hook-form may keep the array: it is not the error's own");
  });

  it("toFormikErrors(): numeric segments make (sparse) arrays, like Formik's setIn", () => {
    const f = dotted().toFormikErrors();
    assert.deepEqual(f, {
      loras: [{ weight: "The loras.0.weight field must be at least 0." }],
      // eslint-disable-next-line no-sparse-arrays
      images: [, "The images.1 field must be an image. The images.1 field must not be greater than 10240 kilobytes."],
      prompt: "The prompt field is required.",
    });
    assert.ok(Array.isArray(f.loras) && Array.isArray(f.images));
    assert.equal(f.images.length, 2);
    assert.equal(0 in f.images, false, "index 0 is a hole, not an undefined entry");
  });

  it("toFormikErrors() agrees with Formik's own setIn, and Formik's getIn reads every message at its field", () => {
    const e = dotted();
    const f = e.toFormikErrors();
    let viaSetIn = {};
    for (const [field, msgs] of Object.entries(e.fieldErrors)) viaSetIn = setIn(viaSetIn, field, msgs.join(" "));
    assert.deepEqual(f, viaSetIn);
    for (const [field, msgs] of Object.entries(e.fieldErrors)) assert.equal(getIn(f, field), msgs.join(" "), field);
    assert.equal(getIn(f, "images.0"), undefined);
    assert.equal(getIn(f, "loras.1.weight"), undefined);
  });

  it("issues: paths split on dots, integer segments as numbers ('007' and '-1' stay strings)", () => {
    const e = new ValidationError({ message: "m", fieldErrors: { "a.007.b": ["x"], "a.-1": ["y"], "a.10.c.2": ["z"] } });
    assert.deepEqual(e.issues, [
      { message: "x", path: ["a", "007", "b"] }, { message: "y", path: ["a", "-1"] }, { message: "z", path: ["a", 10, "c", 2] },
    ]);
    assert.deepEqual(dotted().issues.map((i) => i.path), [["loras", 0, "weight"], ["images", 1], ["images", 1], ["prompt"]]);
  });

  it("a path that is both a leaf and a parent keeps the nesting and puts its own message under _error, in either order", () => {
    const parentFirst = new ValidationError({ message: "m", fieldErrors: {
      images: ["The images field must have at least 2 items."], "images.1": ["The images.1 field must be an image."],
      meta: ["The meta field must be an object."], "meta.size": ["bad size"] } });
    const childFirst = new ValidationError({ message: "m", fieldErrors: {
      "images.1": ["The images.1 field must be an image."], images: ["The images field must have at least 2 items."],
      "meta.size": ["bad size"], meta: ["The meta field must be an object."] } });
    for (const e of [parentFirst, childFirst]) {
      const f = e.toFormikErrors();
      assert.ok(Array.isArray(f.images));
      assert.equal(f.images[1], "The images.1 field must be an image.");
      assert.equal(f.images._error, "The images field must have at least 2 items.");
      assert.deepEqual(f.meta, { size: "bad size", _error: "The meta field must be an object." });
      assert.equal(getIn(f, "images.1"), "The images.1 field must be an image.");
      assert.equal(getIn(f, "meta._error"), "The meta field must be an object.");
    }
  });

  it("server-chosen field names cannot write to prototypes (__proto__, constructor)", () => {
    const e = new ValidationError({ message: "m", fieldErrors: JSON.parse(
      '{"__proto__":["x"],"__proto__.polluted":["p"],"constructor.prototype.polluted":["q"],"toString":["t"]}') });
    assert.deepEqual(Object.keys(e.fieldErrors), ["__proto__.polluted", "constructor.prototype.polluted", "toString"], "a given map is copied without the unsafe keys");
    const f = e.toFormikErrors();
    assert.equal({}.polluted, undefined);
    assert.equal(Object.prototype.polluted, undefined);
    assert.equal(Object.getPrototypeOf(f), Object.prototype);
    assert.deepEqual(Object.keys(f), ["toString"], "a path through __proto__ or constructor is left out of the nested object");
    assert.equal(f.toString, "t");
    const flat = e.flatten();
    assert.deepEqual(Object.keys(flat.fieldErrors), ["__proto__.polluted", "constructor.prototype.polluted", "toString"], "flat keys are whole names: plain data");
    assert.equal(Object.getPrototypeOf(flat.fieldErrors), Object.prototype);
  });

  it("a hostile 422 (issue 25): no object the adapters return has a __proto__, constructor or prototype key; errors keeps every message", async () => {
    // a loopback server of our own, answering every request with this 422 (raw text: a JS object
    // literal cannot hold an own `__proto__` key to stringify)
    const http = await import("node:http");
    const raw = '{"message":"Invalid. (and 5 more errors)","errors":{"__proto__":["proto message"],"constructor.name":["ctor message"],' +
      '"a.prototype.b":["prototype message"],"__proto__.polluted":["polluted message"],"prototype":["bare prototype message"],"width":["The width field must be at least 256."]}}';
    const server = http.createServer((req, res) => { req.resume(); res.writeHead(422, { "Content-Type": "application/json" }).end(raw); });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    try {
      const c = new sdk.DeapiClient({ apiKey: "1|formsHostile1", baseUrl: `http://127.0.0.1:${server.address().port}` });
      const e = await rejection(c.images.generate(validImage()));
      assert.ok(e instanceof ValidationError, e.name);
      assert.equal({}.polluted, undefined, "Object.prototype untouched");
      assert.equal(Object.prototype.polluted, undefined);
      // the raw data keeps every server message, in order
      assert.deepEqual(e.errors.map((x) => x.field), ["__proto__", "constructor.name", "a.prototype.b", "__proto__.polluted", "prototype", "width"]);
      assert.equal(e.issues.length, 6, "issues too: their paths are arrays");
      assert.deepEqual(e.issues[1].path, ["constructor", "name"]);
      const unsafe = ["__proto__", "constructor", "prototype"];
      /** Every own key of `o` and of the objects and arrays inside it, with where it was. */
      const ownKeys = (o, at, out = []) => {
        if (o === null || typeof o !== "object") return out;
        for (const k of Reflect.ownKeys(o)) {
          out.push(`${at}.${String(k)}`);
          if (unsafe.includes(k)) continue;
          ownKeys(o[k], `${at}.${String(k)}`, out);
        }
        return out;
      };
      const { calls, setError } = recorder();
      const names = e.applyTo(setError);
      const returned = { fieldErrors: e.fieldErrors, formik: e.toFormikErrors(), flatten: e.flatten(), issues: e.issues, applyTo: names, setErrorArgs: calls };
      for (const [what, o] of Object.entries(returned)) {
        const bad = ownKeys(o, what).filter((p) => unsafe.includes(p.slice(p.lastIndexOf(".") + 1)));
        assert.deepEqual(bad, [], `${what} has no unsafe own key`);
      }
      assert.deepEqual(Object.keys(e.fieldErrors), ["constructor.name", "a.prototype.b", "__proto__.polluted", "width"], "flat keys: only the exact names are dropped");
      assert.deepEqual(Object.keys(e.flatten().fieldErrors), ["constructor.name", "a.prototype.b", "__proto__.polluted", "width"]);
      assert.deepEqual(e.toFormikErrors(), { width: "The width field must be at least 256." }, "nested: a field with an unsafe segment is dropped");
      assert.deepEqual(names, ["width"], "setError writes names as paths: the same fields are left out");
      assert.deepEqual(calls.map((a) => a[0]), ["width", "root.server"]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe("errors built by users and subclasses", () => {
  it("new ValidationError({ message, errors }) without fieldErrors: every adapter derives the map from errors", () => {
    const e = new ValidationError({ message: "Check the form.", errors: [
      { field: "width", message: "Too small." }, { field: "loras.0.weight", message: "Negative." },
      { field: "width", message: "Not a multiple of 16." },
    ] });
    assert.deepEqual(e.fieldErrors, { width: ["Too small.", "Not a multiple of 16."], "loras.0.weight": ["Negative."] }, "the constructor derives it, in first-appearance order");
    const { calls, setError } = recorder();
    assert.deepEqual(e.applyTo(setError), ["width", "loras.0.weight"], "first-appearance order");
    assert.deepEqual(calls, [
      ["width", { type: "server", message: "Too small.", types: { server: ["Too small.", "Not a multiple of 16."] } }],
      ["loras.0.weight", { type: "server", message: "Negative.", types: { server: "Negative." } }],
      ["root.server", { type: "server", message: "Check the form." }],
    ]);
    assert.deepEqual(e.toFormikErrors(), { width: "Too small. Not a multiple of 16.", loras: [{ weight: "Negative." }] });
    assert.deepEqual(e.flatten(), { formErrors: [], fieldErrors: { width: ["Too small.", "Not a multiple of 16."], "loras.0.weight": ["Negative."] } });
    assert.deepEqual(e.issues, [
      { message: "Too small.", path: ["width"] }, { message: "Negative.", path: ["loras", 0, "weight"] },
      { message: "Not a multiple of 16.", path: ["width"] },
    ], "issues keep the order of the given errors; the other adapters group by field");
  });

  it("fieldErrors wins over errors when both are given; malformed entries are skipped", () => {
    const e = new ValidationError({ message: "m", fieldErrors: { a: ["from map"], b: "a bare string", c: [] },
      errors: [{ field: "z", message: "from list" }] });
    assert.deepEqual(e.flatten().fieldErrors, { a: ["from map"], b: ["a bare string"] });
    const f = new ValidationError({ message: "m", errors: [{ field: "a", message: "ok" }, { message: "no field" }, null, { field: "b" }] });
    assert.deepEqual(f.flatten().fieldErrors, { a: ["ok"] });
  });

  it("no field errors: flatten() puts the message in formErrors; applyTo sets root.server only", () => {
    const e = new ValidationError({ message: "Something is off." });
    assert.deepEqual(e.flatten(), { formErrors: ["Something is off."], fieldErrors: {} });
    assert.deepEqual(e.issues, []);
    assert.deepEqual(e.toFormikErrors(), {});
    const { calls, setError } = recorder();
    assert.deepEqual(e.applyTo(setError), []);
    assert.deepEqual(calls, [["root.server", { type: "server", message: "Something is off." }]]);
    const r = recorder();
    e.applyTo(r.setError, { root: false, shouldFocus: true });
    assert.deepEqual(r.calls, []);
  });

  it("a real InsufficientBalanceError (subclass) from the mock has every adapter", async () => {
    const { c } = client(mock);
    const e = await rejection(c.images.generate(validImage({ prompt: "pay me [balance]" })));
    assert.ok(e instanceof InsufficientBalanceError && e instanceof ValidationError);
    const { calls, setError } = recorder();
    assert.deepEqual(e.applyTo(setError, { shouldFocus: true }), ["balance"]);
    assert.deepEqual(calls, [
      ["balance", { type: "server", message: "Not enough balance.", types: { server: "Not enough balance." } }, { shouldFocus: true }],
      ["root.server", { type: "server", message: "Not enough balance." }],
    ]);
    assert.deepEqual(e.toFormikErrors(), { balance: "Not enough balance." });
    assert.deepEqual(e.flatten(), { formErrors: [], fieldErrors: { balance: ["Not enough balance."] } });
    assert.deepEqual(e.issues, [{ message: "Not enough balance.", path: ["balance"] }]);
  });

  it("the adapters are ValidationError's only: other errors do not have them", () => {
    for (const e of [new DeapiError({ message: "x" }), new RateLimitError({ message: "x" })]) {
      assert.equal(e.applyTo, undefined);
      assert.equal(e.toFormikErrors, undefined);
      assert.equal(e.flatten, undefined);
      assert.equal(e.issues, undefined);
    }
    const proto = ValidationError.prototype;
    for (const k of ["applyTo", "toFormikErrors", "flatten", "issues"]) {
      assert.equal(Object.getOwnPropertyDescriptor(proto, k).enumerable, false, `${k} is not enumerable, like class members`);
    }
    assert.equal(typeof Object.getOwnPropertyDescriptor(proto, "issues").get, "function");
  });
});
