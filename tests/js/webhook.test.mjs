// verifyWebhook through the built package: deliveries signed here with node:crypto (independently of
// the Rust HMAC), every payload form (string, Buffer, Uint8Array, ArrayBuffer), every rejection reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { runInNewContext } from "node:vm";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pkgDir, sdk } from "./helpers.mjs";

const { verifyWebhook, WebhookVerificationError, DeapiError, InvalidOptionsError, isDeapiError } = sdk;

const SECRET = "whsec_Js7estS3cretValue_0123456789abcdef";
// As deAPI (PHP) sends it: slashes escaped as `\/`, non-ASCII text as UTF-8.
const BODY = String.raw`{"event":"job.completed","delivery_id":"5f0c6a2e-8d4b-4b8e-9f51-0a7c1e2d3b4f","timestamp":"2026-08-07T11:43:14+00:00","data":{"job_request_id":"c0ffee00-1111-2222-3333-444455556666","status":"done","previous_status":"processing","job_type":"txt2img","result_url":"https:\/\/storage.deapi.ai\/results\/fox.png?X-Amz-Signature=abc","note":"café 🦊"}}`;

const now = () => Math.floor(Date.now() / 1000);
const sign = (body, ts, secret = SECRET) =>
  "sha256=" + createHmac("sha256", secret).update(`${ts}.`).update(Buffer.from(body, "utf8")).digest("hex");

/** The same bytes in every accepted form. */
function forms(body) {
  const buf = Buffer.from(body, "utf8");
  const u8 = new Uint8Array(buf); // a copy, offset 0
  // a view into the middle of a larger buffer (as Node's pooled Buffers are)
  const big = new Uint8Array(buf.length + 16);
  big.set(buf, 7);
  const view = big.subarray(7, 7 + buf.length);
  const ab = u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength);
  // from another realm (vm context, some test runners): `instanceof Uint8Array` is false there
  const foreign = runInNewContext("Uint8Array.from(bytes)", { bytes: [...buf] });
  assert.ok(!(foreign instanceof Uint8Array));
  return { string: body, Buffer: buf, Uint8Array: u8, "Uint8Array view at an offset": view, ArrayBuffer: ab,
    DataView: new DataView(big.buffer, 7, buf.length), "Uint8Array from another realm": foreign };
}

function delivery(over = {}) {
  const ts = String(now());
  return { payload: BODY, signature: sign(BODY, ts), timestamp: ts, secret: SECRET, ...over };
}

/** Await a rejection and check what every verification failure must satisfy. */
async function rejected(options, reason) {
  const p = verifyWebhook(options);
  assert.ok(p instanceof Promise, "verifyWebhook returns a promise, also on failure");
  const e = await p.then(
    () => assert.fail(`expected a rejection (${reason})`),
    (err) => err,
  );
  assert.ok(e instanceof DeapiError && isDeapiError(e), String(e));
  if (reason === "invalid_options") {
    assert.ok(e instanceof InvalidOptionsError, `${e.name}: ${e.message}`);
  } else {
    assert.ok(e instanceof WebhookVerificationError, `${e.name}: ${e.message}`);
    assert.equal(e.name, "WebhookVerificationError");
    assert.equal(e.code, "webhook_verification");
    assert.equal(e.reason, reason, e.message);
    assert.deepEqual(e.body, { reason });
    assert.equal(JSON.parse(JSON.stringify(e)).reason, reason);
  }
  for (const [what, text] of [["message", e.message], ["stack", e.stack], ["JSON", JSON.stringify(e)], ["String", String(e)]]) {
    assert.ok(!text.includes(SECRET), `the secret leaked into ${what}`);
    assert.ok(!text.includes("Js7estS3cret"), `part of the secret leaked into ${what}`);
  }
  return e;
}

test("a valid delivery resolves to the parsed event, in every payload form", async () => {
  const ts = String(now());
  for (const [form, payload] of Object.entries(forms(BODY))) {
    const event = await verifyWebhook({ payload, signature: sign(BODY, ts), timestamp: ts, secret: SECRET });
    assert.deepEqual(event, JSON.parse(BODY), form);
    assert.equal(event.data.result_url, "https://storage.deapi.ai/results/fox.png?X-Amz-Signature=abc");
    assert.equal(event.data.note, "café 🦊");
  }
  // the timestamp as a number; headers with surrounding whitespace; toleranceSec given
  const event = await verifyWebhook({ payload: BODY, signature: ` ${sign(BODY, ts)} `, timestamp: Number(ts), secret: SECRET, toleranceSec: 60 });
  assert.equal(event.event, "job.completed");
});

test("escaped slashes: the raw bytes are what is signed, a re-serialised object is not", async () => {
  assert.ok(BODY.includes("\\/"));
  const ts = String(now());
  const reserialised = JSON.stringify(JSON.parse(BODY)); // `\/` → `/`
  for (const [form, payload] of Object.entries(forms(reserialised))) {
    const e = await rejected({ payload, signature: sign(BODY, ts), timestamp: ts, secret: SECRET }, "mismatch");
    assert.match(e.message, /raw/, form);
  }
  // and the parsed object itself is refused with advice to pass the raw body
  const e = await rejected({ payload: JSON.parse(BODY), signature: sign(BODY, ts), timestamp: ts, secret: SECRET }, "bad_payload");
  assert.match(e.message, /parsed object/);
  assert.match(e.message, /req\.text\(\)/);
  assert.match(e.message, /express\.raw/);
});

test("uppercase hex is accepted", async () => {
  const ts = String(now());
  const sig = "sha256=" + sign(BODY, ts).slice("sha256=".length).toUpperCase();
  assert.deepEqual(await verifyWebhook({ ...delivery(), signature: sig, timestamp: ts }), JSON.parse(BODY));
});

test("tampered body, wrong secret, changed timestamp → mismatch (every form)", async () => {
  const ts = String(now());
  const sig = sign(BODY, ts);
  const tampered = BODY.replace('"done"', '"dune"');
  for (const [form, payload] of Object.entries(forms(tampered))) {
    const e = await rejected({ payload, signature: sig, timestamp: ts, secret: SECRET }, "mismatch");
    assert.match(e.message, /does not match/, form);
  }
  for (const payload of Object.values(forms(BODY))) {
    await rejected({ payload, signature: sig, timestamp: ts, secret: SECRET + "x" }, "mismatch");
    await rejected({ payload, signature: sign(BODY, ts, "another-secret"), timestamp: ts, secret: SECRET }, "mismatch");
    await rejected({ payload, signature: sig, timestamp: String(Number(ts) - 1), secret: SECRET }, "mismatch");
  }
});

test("stale and future timestamps", async () => {
  // (the exact 300 s boundary is tested natively, with a fixed clock; here a margin keeps a second tick from flaking)
  for (const [offset, reason] of [[-1000, "stale"], [1000, "future"], [-310, "stale"], [310, "future"]]) {
    const ts = String(now() + offset);
    for (const payload of Object.values(forms(BODY))) {
      const e = await rejected({ payload, signature: sign(BODY, ts), timestamp: ts, secret: SECRET }, reason);
      assert.match(e.message, reason === "stale" ? /s old/ : /in the future/);
    }
  }
  // within the default 300 s either way
  for (const offset of [-290, 290]) {
    const ts = String(now() + offset);
    await verifyWebhook({ payload: BODY, signature: sign(BODY, ts), timestamp: ts, secret: SECRET });
  }
  // a custom tolerance
  const ts = String(now() - 120);
  await rejected({ payload: BODY, signature: sign(BODY, ts), timestamp: ts, secret: SECRET, toleranceSec: 60 }, "stale");
  await verifyWebhook({ payload: BODY, signature: sign(BODY, ts), timestamp: ts, secret: SECRET, toleranceSec: 600 });
});

test("missing, empty and malformed signatures", async () => {
  for (const signature of [undefined, null, "", "   "]) {
    const e = await rejected(delivery({ signature }), "missing_signature");
    assert.match(e.message, /unsigned/);
  }
  const d = delivery();
  const hex = d.signature.slice("sha256=".length);
  const e = await rejected({ ...d, signature: hex }, "malformed_signature");
  assert.match(e.message, /sha256=/);
  for (const signature of [`sha1=${hex}`, `SHA256=${hex}`, "sha256=", `sha256=${hex.slice(2)}`, `sha256=${hex}ab`,
    `sha256=${hex.slice(0, 62)}zz`, `sha256=${hex.slice(0, 63)}é`, 12345]) {
    await rejected({ ...d, signature }, "malformed_signature");
  }
});

test("missing or non-numeric timestamps", async () => {
  for (const timestamp of [undefined, null, "", "soon", "-5", "1.5", "1e9", "2026-08-07T11:43:14Z", 1.5, -1, NaN, Infinity, {}]) {
    await rejected(delivery({ timestamp }), "bad_timestamp");
  }
});

test("bad secret and bad toleranceSec", async () => {
  for (const secret of ["", undefined, null, 42]) {
    const e = await rejected(delivery({ secret }), "bad_secret");
    assert.match(e.message, /secret/);
  }
  for (const toleranceSec of [-1, NaN, Infinity, "300", null]) {
    const e = await rejected(delivery({ toleranceSec }), "invalid_options");
    assert.match(e.message, /toleranceSec/);
  }
  for (const options of [undefined, null, "x", 1]) await rejected(options, "invalid_options");
});

test("maxPayloadBytes: a payload past it is refused before it is copied into the module; the headers and freshness before that", async () => {
  // the package's own wasm instance (the Node glue, as the package loads it)
  const glue = createRequire(import.meta.url)(join(pkgDir, "dist", "node", "deapi_wasm.js"));
  const big = Buffer.alloc(48 << 20, 0x20); // 48 MiB
  const bigText = " ".repeat(48 << 20);
  const ts = String(now());
  const old = String(now() - 3600);
  const before = glue.__memoryBytes();
  let e = await rejected({ payload: big, signature: sign("{}", ts), timestamp: ts, secret: SECRET }, "payload_too_large");
  assert.match(e.message, /the payload is 50331648 bytes, more than maxPayloadBytes \(1048576\)/);
  e = await rejected({ payload: bigText, signature: sign("{}", ts), timestamp: ts, secret: SECRET }, "payload_too_large");
  assert.match(e.message, /at least 50331648 bytes/);
  // a replayed, malformed or unsigned delivery is refused before its payload is looked at
  await rejected({ payload: big, signature: sign("{}", old), timestamp: old, secret: SECRET }, "stale");
  await rejected({ payload: big, signature: "sha256=zz", timestamp: ts, secret: SECRET }, "malformed_signature");
  await rejected({ payload: bigText, timestamp: ts, secret: SECRET }, "missing_signature");
  // a header value of megabytes is not copied either
  await rejected({ payload: BODY, signature: "s".repeat(32 << 20), timestamp: ts, secret: SECRET }, "malformed_signature");
  const grown = glue.__memoryBytes() - before;
  assert.ok(grown < 8 << 20, `the wasm memory grew by ${grown} bytes: a payload was copied`);
  // a larger limit lets a larger delivery through; the option is bounded
  const body = JSON.stringify({ event: "job.completed", pad: "x".repeat(2 << 20) });
  assert.equal((await verifyWebhook({ payload: body, signature: sign(body, ts), timestamp: ts, secret: SECRET, maxPayloadBytes: 4 << 20 })).event, "job.completed");
  await rejected({ payload: body, signature: sign(body, ts), timestamp: ts, secret: SECRET }, "payload_too_large");
  for (const maxPayloadBytes of [0, 1.5, 2 ** 26 + 1, "1MiB", null]) {
    e = await rejected(delivery({ maxPayloadBytes }), "invalid_options");
    assert.match(e.message, /maxPayloadBytes/);
  }
  // toleranceSec is at most a day
  assert.equal((await verifyWebhook(delivery({ toleranceSec: 86400 }))).event, "job.completed");
  e = await rejected(delivery({ toleranceSec: 86401 }), "invalid_options");
  assert.match(e.message, /toleranceSec.*86400/);
});

test("bad payloads: missing, wrong type, not JSON after a valid signature", async () => {
  for (const payload of [undefined, null]) {
    const e = await rejected(delivery({ payload }), "bad_payload");
    assert.match(e.message, /missing/);
  }
  for (const payload of [42, true]) await rejected(delivery({ payload }), "bad_payload");
  for (const body of ["not json", "[1,2]", "null", '"text"', ""]) {
    const ts = String(now());
    for (const payload of Object.values(forms(body))) {
      const e = await rejected({ payload, signature: sign(body, ts), timestamp: ts, secret: SECRET }, "bad_payload");
      assert.match(e.message, /signature is valid/);
    }
  }
  // invalid UTF-8 bytes, validly signed
  const bytes = Buffer.from([0x7b, 0xff, 0x7d]);
  const ts = String(now());
  const sig = "sha256=" + createHmac("sha256", SECRET).update(`${ts}.`).update(bytes).digest("hex");
  await rejected({ payload: bytes, signature: sig, timestamp: ts, secret: SECRET }, "bad_payload");
});

test("WebhookVerificationError is exported, constructible, and carries reason through toJSON", () => {
  const e = new WebhookVerificationError({ message: "m", code: "webhook_verification", reason: "stale" });
  assert.ok(e instanceof DeapiError && e instanceof Error);
  assert.equal(e.name, "WebhookVerificationError");
  assert.equal(e.reason, "stale");
  assert.equal(e.toJSON().reason, "stale");
});
