// The card, seen from JS: in Node, with no `fetch` option, a request reaches the mock deAPI through
// the global fetch *called from the wasm module*, the retry sleep is a timer set from the module,
// and a 422's error object is *constructed* there (V8 stack traces show `wasm://` frames).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { client, newKey, rejection, sdk, validImage, withMock } from "./helpers.mjs";
import { until } from "../support.mjs";

/** The garbage collector, without `--expose-gc` on the command line (the test command has none). */
function collector() {
  if (typeof globalThis.gc === "function") return globalThis.gc;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc");
}

const { DeapiClient, ValidationError } = sdk;
const fromWasm = (stack) => /wasm:\/\/|wasm-function\[/.test(stack);

describe("the engine is the Rust module", () => {
  let mock;
  before(async () => { mock = await withMock(); });
  after(() => mock.close());

  it("the global fetch is called from the wasm module, and the request reaches the mock", async () => {
    const original = globalThis.fetch;
    const stacks = [];
    globalThis.fetch = function spy(url, init) {
      stacks.push(new Error("fetch called").stack);
      return original(url, init);
    };
    try {
      const { c, key } = client(mock);
      assert.deepEqual(await c.account.balance(), { balance: 19.72 });
      assert.equal(stacks.length, 1, "one request, through the global fetch (no `fetch` option)");
      assert.ok(fromWasm(stacks[0]), `fetch was called from wasm:\n${stacks[0]}`);
      assert.equal(mock.requests({ key }).length, 1, "the mock got it");
    } finally {
      globalThis.fetch = original;
    }
  });

  it("a global fetch stubbed after the client was made is used (looked up per request)", async () => {
    const { c } = client(mock);
    const original = globalThis.fetch;
    let calls = 0;
    globalThis.fetch = async () => { calls += 1; return new Response(JSON.stringify({ data: { balance: 3 } }), { status: 200 }); };
    try {
      assert.deepEqual(await c.account.balance(), { balance: 3 });
      assert.equal(calls, 1);
    } finally {
      globalThis.fetch = original;
    }
  });

  it("a 422's ValidationError is constructed by the module", async () => {
    const { c } = client(mock);
    const e = await rejection(c.images.generate(validImage({ width: 100 })));
    assert.ok(e instanceof ValidationError);
    assert.equal(e.status, 422);
    assert.ok(e.errors.some((x) => x.field === "width"));
    assert.ok(fromWasm(e.stack), `constructed from wasm:\n${e.stack}`);
  });

  it("the backoff sleep is a timer set from the module", async () => {
    const { c, key } = client(mock, { retryBaseDelayMs: 5 });
    mock.addFaults({ key, responses: [{ status: 503 }] });
    const original = globalThis.setTimeout;
    const stacks = [];
    globalThis.setTimeout = function spy(fn, ms, ...rest) {
      if (ms === 5) stacks.push(new Error("setTimeout").stack);
      return original(fn, ms, ...rest);
    };
    try {
      assert.deepEqual(await c.account.balance(), { balance: 19.72 });
    } finally {
      globalThis.setTimeout = original;
    }
    assert.equal(stacks.length, 1, "one 5 ms backoff sleep");
    assert.ok(fromWasm(stacks[0]), `setTimeout was called from wasm:\n${stacks[0]}`);
  });

  it("64 concurrent calls on one client, and a client dropped while its calls are pending", async () => {
    const { c } = client(mock);
    const all = await Promise.all(Array.from({ length: 64 }, () => c.account.balance()));
    assert.equal(all.length, 64);
    assert.ok(all.every((b) => b.balance === 19.72));
    // the promises keep what they need alive; nothing holds the client object itself: the clients are
    // collected (and wasm-bindgen's finalizer frees their Rust side) while their calls are pending
    const gc = collector();
    const collected = [];
    const registry = new FinalizationRegistry((i) => collected.push(i));
    const slow = newKey();
    mock.addFaults({ key: slow, responses: Array.from({ length: 8 }, () => ({ preset: "delay", ms: 500 })) });
    let settled = 0;
    const pending = Array.from({ length: 8 }, (_, i) => {
      const c = new DeapiClient({ apiKey: slow, baseUrl: mock.url });
      registry.register(c, i);
      return c.account.balance().then((b) => { settled++; return b; });
    });
    await until(async () => {
      gc();
      await new Promise((r) => setTimeout(r, 10));
      return collected.length > 0;
    }, "a dropped client to be collected while its call is pending");
    assert.ok(settled < 8, `a client was collected while calls were pending (settled: ${settled})`);
    assert.ok((await Promise.all(pending)).every((b) => b.balance === 19.72));
  });
});
