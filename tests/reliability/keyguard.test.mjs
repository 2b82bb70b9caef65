// Issue #6 part 5: the browser key guard, in real Chromium (a page and a dedicated module worker).
// A key without `dangerouslyAllowBrowser` is refused with a message that says why and what to do
// instead, never echoing the key; with the flag the client works (the key is then sent, by choice).
// (The Node-side guard, with a faked `document`, is in tests/js/client.test.mjs.)
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { KEY, SECRET, openBrowserPage } from "./support.mjs";

let b;
before(async () => { b = await openBrowserPage(); });
after(() => b?.close());

/** What the guard must say: that it refused, why, and the two ways forward. */
function assertGuardMessage(message) {
  assert.match(message, /`apiKey`/);
  assert.match(message, /refused in a browser/);
  assert.match(message, /anyone who opens the page can read the key/, "says why");
  assert.match(message, /proxy/, "points at keyless proxy mode");
  assert.match(message, /dangerouslyAllowBrowser: true/, "names the opt-in");
  assert.ok(!message.includes(KEY) && !message.includes(SECRET), "does not echo the key");
}

const construct = (opts) => {
  try {
    const c = new window.sdk.DeapiClient({ ...opts, baseUrl: location.origin });
    return { ok: true, namespaces: Object.keys(c).sort() };
  } catch (e) {
    return {
      ok: false, name: e.name, code: e.code, message: e.message, stack: String(e.stack), json: JSON.stringify(e),
      isInvalidOptions: e instanceof window.sdk.InvalidOptionsError, isDeapiError: e instanceof window.sdk.DeapiError,
    };
  }
};

describe("the browser key guard in Chromium", () => {
  it("refuses an apiKey without dangerouslyAllowBrowser, synchronously, saying why; nothing is sent", async () => {
    b.mock.reset();
    const r = await b.page.evaluate(construct, { apiKey: KEY });
    assert.equal(r.ok, false, "the constructor throws");
    assert.ok(r.isInvalidOptions && r.isDeapiError, r.name);
    assert.equal(r.name, "InvalidOptionsError");
    assert.equal(r.code, "invalid_options");
    assertGuardMessage(r.message);
    for (const text of [r.stack, r.json]) assert.ok(!text.includes(KEY) && !text.includes(SECRET));
    assert.equal(b.mock.requests().length, 0);
  });

  it("`dangerouslyAllowBrowser: false` is refused the same way", async () => {
    const r = await b.page.evaluate(construct, { apiKey: KEY, dangerouslyAllowBrowser: false });
    assert.equal(r.ok, false);
    assertGuardMessage(r.message);
  });

  it("allows the key with dangerouslyAllowBrowser: true, and the client works", async () => {
    b.mock.reset();
    const r = await b.page.evaluate(async (key) => {
      const c = new window.sdk.DeapiClient({ apiKey: key, baseUrl: location.origin, dangerouslyAllowBrowser: true });
      return c.account.balance();
    }, KEY);
    assert.deepEqual(r, { balance: 19.72 });
    const [req] = b.mock.requests({ key: KEY });
    assert.equal(req.headers.authorization, `Bearer ${KEY}`, "the opted-in key is sent");
  });

  it("an Authorization in headers is a key: refused the same way, and sent with the opt-in (issue 25)", async () => {
    b.mock.reset();
    const r = await b.page.evaluate(construct, { headers: { Authorization: `Bearer ${KEY}` } });
    assert.equal(r.ok, false, "the constructor throws");
    assert.ok(r.isInvalidOptions, r.name);
    assert.match(r.message, /`headers`: sets Authorization, a key: refused in a browser/);
    assert.match(r.message, /anyone who opens the page can read the key/);
    assert.match(r.message, /dangerouslyAllowBrowser: true/);
    for (const text of [r.message, r.stack, r.json]) assert.ok(!text.includes(KEY) && !text.includes(SECRET));
    const ok = await b.page.evaluate(async (key) => {
      const c = new window.sdk.DeapiClient({ baseUrl: location.origin, headers: { Authorization: `Bearer ${key}` }, dangerouslyAllowBrowser: true });
      return c.account.balance();
    }, KEY);
    assert.deepEqual(ok, { balance: 19.72 });
    assert.equal(b.mock.requests().length, 1, "nothing sent by the refused client");
  });

  it("keyless proxy mode needs no opt-in", async () => {
    const r = await b.page.evaluate(construct, {});
    assert.equal(r.ok, true);
    assert.ok(r.namespaces.includes("images") && r.namespaces.includes("account"));
  });

  it("refuses the key in a dedicated module worker too", async () => {
    const r = await b.page.evaluate(async (key) => {
      const src = `
        const sdk = await import(${JSON.stringify(location.origin + "/pkg/browser.js")});
        const out = {};
        try { new sdk.DeapiClient({ apiKey: ${JSON.stringify(key)}, baseUrl: ${JSON.stringify(location.origin)} }); out.refused = false; }
        catch (e) { Object.assign(out, { refused: true, name: e.name, code: e.code, message: e.message, isInvalidOptions: e instanceof sdk.InvalidOptionsError }); }
        const c = new sdk.DeapiClient({ apiKey: ${JSON.stringify(key)}, baseUrl: ${JSON.stringify(location.origin)}, dangerouslyAllowBrowser: true });
        out.allowed = await c.account.balance();
        postMessage(out);`;
      const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
      const w = new Worker(url, { type: "module" });
      try {
        return await new Promise((resolve, reject) => {
          w.onmessage = (ev) => resolve(ev.data);
          w.onerror = (ev) => reject(new Error(`worker error: ${ev.message}`));
          setTimeout(() => reject(new Error("worker timed out")), 30_000);
        });
      } finally {
        w.terminate();
        URL.revokeObjectURL(url);
      }
    }, KEY);
    assert.equal(r.refused, true, "refused in the worker");
    assert.ok(r.isInvalidOptions);
    assert.equal(r.code, "invalid_options");
    assertGuardMessage(r.message);
    assert.deepEqual(r.allowed, { balance: 19.72 });
  });

  it("no page error or console error", () => {
    assert.deepEqual(b.problems, []);
  });
});
