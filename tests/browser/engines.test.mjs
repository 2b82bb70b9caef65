// Every engine (issue 24): the built package in Firefox ESR and WebKitGTK (tests/engines.mjs: Debian's
// packages, puppeteer-core over WebDriver BiDi and WebKitWebDriver over classic WebDriver), the same
// scenarios in each, one browser session per engine:
//   - the plain page (tests/browser/page.html): a keyless call, a 422's ValidationError and its fields
//     (instanceof checked in the page), an upload (a File and a Blob as multipart), cancel (AbortController),
//     the realtime socket (deapi-wasm/realtime: a keyed page whose wait() is driven by the socket's events)
//   - the demo (www/ through scripts/demo-server.mjs): an invalid submit puts the server's messages under
//     the fields, a valid one ends with the image and the "live" badge (the job's relay stream read with
//     the engine's EventSource), the upload form sends its file
// Chromium runs the full set (browser.test.mjs, demo.test.mjs, realtime.test.mjs). An engine whose
// Debian package is missing is skipped with the reason in the output.
// The demo is driven through the DOM (values set with input events, button.click()): what is under test
// is the package and the page in each engine, not each driver's input synthesis.
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { launch, unavailable, FIREFOX_PATH } from "../engines.mjs";
import { startMock } from "../mock/server.mjs";
import { startDemo, DEMO_MOCK_KEY } from "../../scripts/demo-server.mjs";
import { solidPng } from "../mock/png.mjs";
import { dist, ensureBuilt, root, until, validImage } from "../support.mjs";
import { keyedRealtimeWait } from "./scenarios.mjs";

const KEY = "31|BrowserRealtimeSecret";
const GEN = "/api/v2/images/generations";
const UPSCALE = "/api/v2/images/upscales";
const png = solidPng(64, 48, [200, 60, 40]);
const image = validImage();
// the mock's 422 for width 100, height 5000 and no steps (as browser.test.mjs and demo.test.mjs check it)
const FIELD_ERRORS = {
  width: ["The width field must be at least 256.", "The width field must be a multiple of 16."],
  height: ["The height field must not be greater than 2048.", "The height field must be a multiple of 16."],
  steps: ["The steps field is required."],
};
const T2I_FIELDS = ["model", "prompt", "negative_prompt", "width", "height", "steps", "guidance", "seed"];

/** The engine's version as its package says it, for the suite's name. */
function versionOf(id) {
  try {
    if (id === "firefox") return execFileSync(FIREFOX_PATH, ["--version"], { encoding: "utf8", timeout: 20_000 }).trim().replace(/^Mozilla Firefox /, "");
    return execFileSync("dpkg-query", ["-W", "-f=${Version}", "libwebkit2gtk-4.1-0"], { encoding: "utf8" }).replace(/-.*$/, "");
  } catch {
    return "version unknown";
  }
}

let mock, demo;
before(async () => {
  ensureBuilt("browser-realtime.js");
  mock = await startMock({ quiet: true, allowKeyless: true, realtime: { stepMs: 20 },
    staticDirs: { "/pkg/": dist, "/test/": join(root, "tests", "browser") } });
  demo = await startDemo({ port: 0, upstream: "mock" });
});
after(async () => {
  await demo?.close();
  await mock?.close();
});

const api = (path, method, key = "keyless") => mock.requests({ key, path, method }).filter((r) => r.path === path);

for (const [id, label] of [["firefox", "Firefox ESR"], ["webkit", "WebKitGTK"]]) {
  const skip = unavailable(id);
  if (skip) {
    console.log(`!! ${label}: skipped: ${skip}`);
    it(`${label}: the plain page, the demo and the realtime socket`, { skip }, () => {}); // counted as skipped
    continue;
  }
  describe(`${label} ${versionOf(id)}`, () => {
    let b;
    before(async () => {
      const t = Date.now();
      b = await launch[id]();
      console.log(`${b.name} ${b.version}: started in ${Date.now() - t} ms`);
    });
    after(() => b?.close());

    describe("the plain page (tests/browser/page.html)", () => {
      before(async () => {
        await b.goto(`${mock.url}/test/page.html`);
        await b.waitFor(() => window.testReady === true, null, "the page's module");
        // the opt-in realtime entry, as `import … from "deapi-wasm/realtime"` resolves in a browser
        await b.evaluate(async () => { window.rt = await import("/pkg/browser-realtime.js"); window.rtClients = []; });
      });
      beforeEach(() => mock.reset());

      it("a keyless call resolves (account.balance through the same-origin proxy, no Authorization)", async () => {
        const r = await b.evaluate(() => capture(() => new sdk.DeapiClient({ baseUrl: location.origin }).account.balance()));
        assert.deepEqual(r, { ok: true, value: { balance: 19.72 } });
        const [req] = api("/api/v2/account/balance", "GET");
        assert.equal(req.headers.authorization, undefined);
      });

      it("a 422 rejects with a ValidationError (instanceof in the page) whose fields are the server's", async () => {
        const r = await b.evaluate(() => capture(() => new sdk.DeapiClient({ baseUrl: location.origin })
          .images.generate({ prompt: "a fox", model: "Flux1schnell", width: 100, height: 5000, guidance: 3.5, seed: 1 })));
        assert.equal(r.ok, false);
        const e = r.error;
        assert.equal(e.name, "ValidationError");
        assert.deepEqual(e.instanceOf.sort(), ["DeapiError", "Error", "ValidationError"]);
        assert.equal(e.isValidationError, true);
        assert.equal(e.status, 422);
        assert.deepEqual(Object.keys(e.fieldErrors), ["width", "height", "steps"], "server order");
        assert.deepEqual(e.fieldErrors, FIELD_ERRORS);
        assert.deepEqual(e.errors, Object.entries(FIELD_ERRORS).flatMap(([field, ms]) => ms.map((message) => ({ field, message }))));
        assert.equal(e.message, "The width field must be at least 256. (and 4 more errors)");
        assert.equal(api(GEN, "POST").length, 1, "422 is not retried");
      });

      it("an upload: a File as multipart (upscale → wait → the image loads) and a Blob (its price)", async () => {
        const r = await b.evaluate((bytes) => capture(async () => {
          const c = new sdk.DeapiClient({ baseUrl: location.origin });
          const data = new Uint8Array(bytes);
          const quote = await c.images.upscalePrice({ model: "RealESRGAN_x4", image: new Blob([data], { type: "image/png" }) });
          const job = await c.images.upscale({ model: "RealESRGAN_x4", image: new File([data], "photo.png", { type: "image/png" }) });
          const done = await job.wait({ pollIntervalMs: 1 });
          return { price: typeof quote.price, status: done.status, img: await loadImage(done.result_url) };
        }), [...png]);
        assert.equal(r.ok, true, JSON.stringify(r.error));
        assert.equal(r.value.price, "number");
        assert.equal(r.value.status, "done");
        assert.equal(r.value.img.loaded, true);
        const [quote] = api(`${UPSCALE}/price`, "POST");
        assert.deepEqual(quote.parts.find((p) => p.name === "image"), { name: "image", filename: "image.png", contentType: "image/png", size: png.length });
        const [req] = api(UPSCALE, "POST");
        assert.match(req.headers["content-type"], /^multipart\/form-data; boundary=/);
        const boundary = /boundary=(.+)$/.exec(req.headers["content-type"])[1];
        assert.ok(req.body.startsWith(`--${boundary}\r\n`), "the body starts with the header's boundary");
        assert.deepEqual(req.parts, [
          { name: "model", filename: null, contentType: null, value: "RealESRGAN_x4" },
          { name: "image", filename: "photo.png", contentType: "image/png", size: png.length },
        ]);
      });

      it("cancel: AbortController.abort() during a hanging request rejects with AbortError (not retried)", async () => {
        mock.addFaults({ key: "keyless", path: "/api/v2/account/balance", responses: [{ preset: "hang" }] });
        await b.evaluate(() => {
          const ac = new AbortController();
          const c = new sdk.DeapiClient({ baseUrl: location.origin });
          window.pending.abort = { ac, result: capture(() => c.account.balance({ signal: ac.signal })) };
        });
        await until(() => api("/api/v2/account/balance", "GET").length === 1, "the request to reach the mock", 30_000);
        const r = await b.evaluate(() => {
          window.pending.abort.ac.abort(new Error("user left"));
          return window.pending.abort.result;
        });
        assert.equal(r.ok, false);
        assert.equal(r.error.name, "AbortError");
        assert.ok(r.error.instanceOf.includes("AbortError") && r.error.instanceOf.includes("DeapiError"));
        assert.equal(r.error.code, "aborted");
        assert.deepEqual(r.error.cause, { name: "Error", message: "user left" });
        assert.equal(api("/api/v2/account/balance", "GET").length, 1, "an abort is not retried");
      });

      it("the realtime socket (deapi-wasm/realtime, the engine's WebSocket): a keyed page subscribes, wait() is driven by events", async () => {
        await keyedRealtimeWait((fn, arg) => b.evaluate(fn, arg), { mock, key: KEY });
      });

      it("the plain page logged no uncaught errors", async () => {
        assert.deepEqual(await b.evaluate(() => window.pageErrors), []);
        assert.deepEqual(b.problems, []);
      });
    });

    describe("the demo (www/ through the demo server)", () => {
      const posts = (path) => demo.mock.requests({ key: DEMO_MOCK_KEY, path, method: "POST" }).filter((r) => r.path === path);
      const text = (id) => b.evaluate((id) => document.getElementById(id).textContent, id);
      /** Sets inputs as typing would end (value, then input and change events). */
      const fill = (values) => b.evaluate((values) => {
        for (const [id, v] of Object.entries(values)) {
          const el = document.getElementById(id);
          el.value = v;
          el.dispatchEvent(new Event("input", { bubbles: true }));
          el.dispatchEvent(new Event("change", { bubbles: true }));
        }
      }, values);
      const click = (id) => b.evaluate((id) => document.getElementById(id).click(), id);
      const fieldState = (fields, prefix = "") => b.evaluate(([fields, prefix]) => Object.fromEntries(fields.map((f) => {
        const el = document.getElementById(`${prefix}${f}`);
        return [f, { error: document.getElementById(`${prefix}${f}-error`).textContent, invalid: el.getAttribute("aria-invalid"), describedBy: el.getAttribute("aria-describedby") }];
      })), [fields, prefix]);
      const imageShown = (id) => b.waitFor((id) => {
        const img = document.getElementById(id);
        return !img.hidden && img.complete && img.naturalWidth > 0;
      }, id, `#${id} to show its image`);

      before(async () => {
        demo.mock.reset();
        await b.goto(`${demo.url}/`);
        await b.evaluate(() => {
          window.pageErrors = [];
          addEventListener("error", (e) => pageErrors.push(`error: ${e.message}`));
          addEventListener("unhandledrejection", (e) => pageErrors.push(`unhandledrejection: ${e.reason?.message ?? e.reason}`));
        });
        await b.waitFor(() => document.body.dataset.ready === "true" && !document.getElementById("model").disabled
          && !document.getElementById("up-model").disabled && /^Estimated price: \$/.test(document.getElementById("price").textContent),
        null, "the demo to load its models and a price");
      });

      it("an invalid submit (width 100, height 5000, no steps) shows the server's messages under the fields", async () => {
        await fill({ width: "100", height: "5000", steps: "" });
        await click("generate");
        await b.waitFor(() => document.getElementById("form-alert").textContent !== "", null, "the form alert");
        assert.equal(await text("form-alert"), "The width field must be at least 256. (and 4 more errors)");
        const state = await fieldState(T2I_FIELDS);
        for (const f of T2I_FIELDS) {
          assert.deepEqual(state[f], FIELD_ERRORS[f]
            ? { error: FIELD_ERRORS[f].join(" "), invalid: "true", describedBy: `${f}-error` }
            : { error: "", invalid: null, describedBy: null }, f);
        }
        assert.equal(await b.evaluate(() => document.activeElement.id), "width", "focus on the first invalid field");
        assert.equal(await text("banner"), "");
        assert.equal(posts(GEN).at(-1).status, 422);
      });

      it("a valid submit clears them and ends with the image, live from the job's relay stream (EventSource)", async () => {
        await fill({ width: "512", height: "512", steps: "4" });
        await click("generate");
        await imageShown("result");
        for (const s of Object.values(await fieldState(T2I_FIELDS))) assert.deepEqual(s, { error: "", invalid: null, describedBy: null });
        assert.equal(await text("form-alert"), "");
        assert.equal(await text("job-status"), "Done");
        assert.equal(await text("job-mode"), "live", "no status GET from the page: progress came from the stream");
        const img = await b.evaluate(() => { const i = document.getElementById("result"); return { src: i.src, w: i.naturalWidth, h: i.naturalHeight }; });
        assert.match(img.src, new RegExp(`^${demo.url}/results/[0-9a-f-]{36}\\.png$`));
        assert.deepEqual([img.w, img.h], [512, 512]);
        assert.equal(posts(GEN).at(-1).status, 200);
      });

      it("the upload form: a PNG chosen → its price → a multipart upscale with the file → the image", async () => {
        await b.evaluate((bytes) => {
          const input = document.getElementById("up-image");
          const dt = new DataTransfer();
          dt.items.add(new File([new Uint8Array(bytes)], "photo.png", { type: "image/png" }));
          input.files = dt.files;
          input.dispatchEvent(new Event("change", { bubbles: true }));
        }, [...png]);
        await b.waitFor(() => /^Estimated price: \$[\d.]+$/.test(document.getElementById("up-price").textContent), null, "the upload's price");
        await click("up-submit");
        await imageShown("up-result");
        assert.equal(await text("up-job-status"), "Done");
        const [req] = posts(UPSCALE).slice(-1);
        assert.deepEqual(req.parts.find((p) => p.name === "image"), { name: "image", filename: "photo.png", contentType: "image/png", size: png.length });
        assert.equal(req.parts.find((p) => p.name === "model")?.value, "RealESRGAN_x4");
      });

      it("the demo logged no uncaught errors and no banner", async () => {
        assert.deepEqual(await b.evaluate(() => window.pageErrors), []);
        assert.deepEqual(b.problems, []);
        assert.equal(await text("banner"), "");
        assert.equal(await text("up-banner"), "");
      });
    });
  });
}
