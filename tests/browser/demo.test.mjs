// The demo (scripts/demo-server.mjs + www/) in headless Chromium, driven like a user, against the
// embedded mock deAPI; a screenshot of each state goes to tests/out/demo-*.png (not committed).
// Also the demo server on its own: static files, the keyless proxy (the key is added on the server),
// the real-deAPI mode (against a second mock standing in for api.deapi.ai) and the CLI line.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startDemo, DEMO_MOCK_KEY } from "../../scripts/demo-server.mjs";
import { startMock } from "../mock/server.mjs";
import { MODELS, supportsType } from "../mock/models.mjs";
import { solidPng } from "../mock/png.mjs";
import { ensureBuilt, openChromium, root, until as untilFor } from "../support.mjs";

const out = join(root, "tests", "out");
const TIMEOUT = 60_000;
const T2I_FIELDS = ["model", "prompt", "negative_prompt", "width", "height", "steps", "guidance", "seed"];
const GEN = "/api/v2/images/generations";
/** Where the page's client sends its calls: the demo's createProxy, in front of deAPI's paths. */
const API = "/api/deapi";
const slugs = (type) => MODELS.filter((m) => supportsType(m, type)).map((m) => m.slug);

before(() => {
  ensureBuilt();
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(out)) if (/^demo-.*\.png$/.test(f)) rmSync(join(out, f), { force: true });
});

/** Polls a Node-side condition; only a guard against hanging. */
const until = (cond, what) => untilFor(cond, what, TIMEOUT);

/** A multipart request as the mock logged it, checked from the raw body (independent of the mock's parser). */
function assertRawFilePart(req, { name, filename, type, size }) {
  const ct = req.headers["content-type"];
  assert.match(ct, /^multipart\/form-data; boundary=/);
  const boundary = /boundary=(.+)$/.exec(ct)[1];
  assert.ok(req.body.startsWith(`--${boundary}\r\n`), "the body starts with the header's boundary (untouched)");
  assert.ok(req.body.includes(`Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n\ufffdPNG`), // 0x89 is not UTF-8
    "the file part with its name, filename and type, then the PNG bytes");
  assert.ok(req.bodySize > size, `${req.bodySize} bytes for a ${size}-byte file`);
}

describe("the demo server (scripts/demo-server.mjs)", () => {
  let demo;
  before(async () => { demo = await startDemo({ port: 0, upstream: "mock" }); });
  after(() => demo?.close());

  it("serves www/ at / and the package at /pkg/ with the right MIME types, and nothing outside them", async () => {
    const get = (p) => fetch(demo.url + p);
    const index = await get("/");
    assert.equal(index.status, 200);
    assert.match(index.headers.get("content-type"), /^text\/html/);
    assert.match(await index.text(), /<script type="module" src="app.js">/);
    assert.match((await get("/app.js")).headers.get("content-type"), /^text\/javascript/);
    assert.match((await get("/style.css")).headers.get("content-type"), /^text\/css/);
    assert.match((await get("/pkg/browser.js")).headers.get("content-type"), /^text\/javascript/);
    const wasm = await get("/pkg/web/deapi_wasm_bg.wasm");
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    assert.deepEqual([...new Uint8Array(await wasm.arrayBuffer()).subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);
    for (const p of ["/nope.html", "/%2e%2e/package.json", "/pkg/%2e%2e%2f%2e%2e%2fpackage.json", "/..%2fREADME.md"]) {
      const r = await get(p);
      assert.equal(r.status, 404, p);
      await r.body?.cancel();
    }
  });

  it("forwards /api/deapi/* to the embedded mock with the demo key, never the browser's Authorization", async () => {
    demo.mock.reset();
    const r = await fetch(`${demo.url}${API}/api/v2/account/balance`, { headers: { Accept: "application/json", Authorization: "Bearer 1|browserKey1", Cookie: "a=b" } });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { data: { balance: 19.72 } });
    const [req] = demo.mock.requests({ path: "/api/v2/account/balance" });
    assert.equal(req.key, DEMO_MOCK_KEY);
    assert.equal(req.headers.authorization, `Bearer ${DEMO_MOCK_KEY}`);
    assert.equal(req.headers.cookie, undefined);
    assert.equal(req.headers.accept, "application/json");
  });

  it("passes back status, body, Content-Type, Retry-After and X-RateLimit-* (a 429 fault)", async () => {
    demo.mock.reset();
    demo.mock.addFaults({ key: DEMO_MOCK_KEY, path: GEN, responses: [{ preset: "rate429", retryAfter: 30 }] });
    const r = await fetch(demo.url + API + GEN, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get("content-type"), "application/json");
    assert.equal(r.headers.get("retry-after"), "30");
    assert.equal(r.headers.get("x-ratelimit-type"), "minute");
    assert.equal(r.headers.get("x-ratelimit-remaining"), "0");
    assert.equal(r.headers.get("x-ratelimit-source"), "images/generations");
    assert.deepEqual(await r.json(), { message: "Too Many Attempts." });
  });

  it("passes a multipart body through untouched (same bytes, same boundary)", async () => {
    demo.mock.reset();
    const png = solidPng(8, 8, [1, 2, 3]);
    const form = new FormData();
    form.append("model", "RealESRGAN_x4");
    form.append("image", new Blob([png], { type: "image/png" }), "tiny.png");
    const sent = new Request("http://x/", { method: "POST", body: form });
    const type = sent.headers.get("content-type");
    const bytes = Buffer.from(await sent.arrayBuffer());
    // (an upload carries the SDK's X-Deapi-Client header: the proxy refuses a multipart body without it)
    const r = await fetch(`${demo.url}${API}/api/v2/images/upscales`, { method: "POST", headers: { "Content-Type": type, "X-Deapi-Client": "deapi-wasm" }, body: bytes });
    assert.equal(r.status, 200, await r.clone().text());
    const [req] = demo.mock.requests({ path: "/api/v2/images/upscales" });
    assert.equal(req.headers["content-type"], type);
    assert.equal(req.bodySize, bytes.length);
    assert.equal(req.body, bytes.toString("utf8"));
    assert.deepEqual(req.parts, [
      { name: "model", filename: null, contentType: null, value: "RealESRGAN_x4" },
      { name: "image", filename: "tiny.png", contentType: "image/png", size: png.length },
    ]);
  });

  it("result files point back at the demo and are served through it; /__mock/* reaches the mock", async () => {
    demo.mock.reset();
    const sub = await fetch(demo.url + API + GEN, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ prompt: "a fox", model: "Flux1schnell", width: 512, height: 256, guidance: 0, steps: 4, seed: 1 }) });
    const { data: { request_id: id } } = await sub.json();
    let status;
    do status = (await (await fetch(`${demo.url}${API}/api/v2/jobs/${id}`)).json()).data; while (status.status !== "done");
    assert.equal(status.result_url, `${demo.url}/results/${id}.png`);
    const png = await fetch(status.result_url);
    assert.equal(png.headers.get("content-type"), "image/png");
    assert.equal(Buffer.from(await png.arrayBuffer()).readUInt32BE(16), 512);
    const log = await (await fetch(`${demo.url}/__mock/requests?key=${encodeURIComponent(DEMO_MOCK_KEY)}&method=POST`)).json();
    assert.deepEqual(log.requests.map((q) => q.path), [GEN]);
  });

  it("with a real upstream: adds that key, keeps the upstream's Host, and exposes no /__mock/ or /results/", async () => {
    const upstream = await startMock({ quiet: true });
    const real = await startDemo({ port: 0, upstream: { baseUrl: upstream.url, apiKey: "7|liveKey42" } });
    try {
      assert.equal(real.mock, null);
      assert.equal(real.upstream, upstream.url);
      const r = await fetch(`${real.url}${API}/api/v2/account/balance`);
      assert.deepEqual(await r.json(), { data: { balance: 19.72 } });
      const [req] = upstream.requests({ path: "/api/v2/account/balance" });
      assert.equal(req.headers.authorization, "Bearer 7|liveKey42");
      assert.equal(req.headers.host, new URL(upstream.url).host);
      for (const p of ["/__mock/requests", "/results/00000000-0000-4000-8000-000000000000.png"]) {
        const x = await fetch(real.url + p);
        assert.equal(x.status, 404, p);
        await x.body?.cancel();
      }
      assert.equal(upstream.requests().length, 1);
    } finally {
      await real.close();
      await upstream.close();
    }
  });

  it("refuses other sites (Origin, Sec-Fetch-Site) and other host names (DNS rebinding): the key's credit is the page's only", async () => {
    demo.mock.reset();
    const port = new URL(demo.url).port;
    const send = (headers) => new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, method: "POST", path: API + GEN, headers: { "Content-Type": "application/json", ...headers } }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d)).on("end", () => resolve({ status: res.statusCode, body }));
      });
      req.on("error", reject);
      req.end("{}");
    });
    for (const headers of [{ Origin: "http://evil.example" }, { Origin: `http://localhost:${port}`, Host: `127.0.0.1:${port}` },
      { Host: `evil.example:${port}` }, { "Sec-Fetch-Site": "cross-site" }]) {
      const r = await send(headers);
      assert.equal(r.status, 403, JSON.stringify(headers));
      assert.match(JSON.parse(r.body).message, /^Forbidden: /);
    }
    assert.equal(demo.mock.requests().length, 0, "nothing reached the upstream");
    for (const headers of [{}, { Origin: `http://127.0.0.1:${port}` }, { Host: `localhost:${port}`, Origin: `http://localhost:${port}` }]) {
      assert.equal((await send(headers)).status, 422, JSON.stringify(headers));
    }
  });

  it("closes the holes of the hand-written proxy: methods, raw targets, prefixes, rebinding on 0.0.0.0, open redirects", async () => {
    const raw = (base, method, path, headers = {}) => new Promise((resolve, reject) => {
      const { port } = new URL(base);
      const req = http.request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d)).on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end();
    });
    // a real upstream whose address has a path prefix, and a recorder of everything that reaches it
    const seen = [];
    const upstream = http.createServer((req, res) => { seen.push(`${req.method} ${req.url}`); res.writeHead(200, { "content-type": "application/json" }).end('{"data":{"balance":1}}'); });
    await new Promise((ok) => upstream.listen(0, "127.0.0.1", ok));
    const base = `http://127.0.0.1:${upstream.address().port}/deapi`;
    const any = await startDemo({ port: 0, host: "0.0.0.0", upstream: { baseUrl: base, apiKey: "7|liveKey42" } });
    try {
      const demoUrl = `http://127.0.0.1:${any.port}`;
      for (const [method, path, headers, status] of [
        // DNS rebinding: a name of the attacker's, resolved to this machine (bound to every interface)
        ["GET", `${API}/api/v2/account/balance`, { host: `rebind.evil.example:${any.port}` }, 403],
        // any method, an absolute-form target, dot segments out of the upstream's /deapi prefix
        ["DELETE", `${API}/api/v2/jobs/abc`, {}, 405],
        ["GET", `http://127.0.0.1:1${API}/api/v2/account/balance`, {}, 400],
        ["GET", `${API}/api/../../../admin`, {}, 404],
        ["GET", `${API}/api/v2/%2e%2e/%2e%2e/%2e%2e/admin`, {}, 404],
        ["GET", `${API}/api/v2/jobs/..%2f..%2f..%2fadmin`, {}, 400],
        // the static server's directory redirect, to another site
        ["GET", "/.//evil.example/", {}, 400],
      ]) {
        const r = await raw(demoUrl, method, path, headers);
        assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(headers)}: ${r.body}`);
        assert.ok(!String(r.headers.location ?? "").includes("evil.example"));
      }
      assert.deepEqual(seen, [], "nothing reached the upstream");
      // an IP address (which cannot be rebound) and the page's own calls work
      assert.equal((await raw(demoUrl, "GET", `${API}/api/v2/account/balance`)).status, 200);
      assert.deepEqual(seen, ["GET /deapi/api/v2/account/balance"]);
    } finally {
      await any.close();
      await new Promise((ok) => upstream.close(ok));
    }
  });

  it("an upstream that does not answer: a 502 JSON answer from the proxy (the SDK's ServerError, retried), and the demo goes on", async () => {
    demo.mock.reset();
    demo.mock.addFaults({ key: DEMO_MOCK_KEY, path: "/api/v2/account/balance", responses: [{ preset: "reset" }] });
    const r = await fetch(`${demo.url}${API}/api/v2/account/balance`);
    assert.equal(r.status, 502);
    assert.match((await r.json()).message, /^Bad Gateway: the deAPI proxy could not reach deAPI/);
    assert.equal((await fetch(`${demo.url}${API}/api/v2/account/balance`)).status, 200);
  });

  it("the CLI prints one line with the URL and the upstream (the mock, or DEAPI_BASE_URL when DEAPI_API_KEY is set)", async () => {
    const line = (env) => new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["scripts/demo-server.mjs", "--port", "0"], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      child.stdout.on("data", (d) => {
        text += d;
        if (text.includes("\n")) { child.kill("SIGTERM"); resolve(text); }
      });
      child.on("exit", () => resolve(text));
      child.on("error", reject);
    });
    const noKey = { DEAPI_API_KEY: "", DEAPI_BASE_URL: "" };
    assert.match(await line(noKey), /^deapi-wasm demo: http:\/\/127\.0\.0\.1:\d+\/ \(upstream: embedded mock deAPI\)\n$/);
    assert.match(await line({ DEAPI_API_KEY: "1|someKey99", DEAPI_BASE_URL: "https://example.invalid" }),
      /^deapi-wasm demo: http:\/\/127\.0\.0\.1:\d+\/ \(upstream: https:\/\/example\.invalid\)\n$/);
    assert.match(await line({ DEAPI_API_KEY: "1|someKey99", DEAPI_BASE_URL: "" }), /\(upstream: https:\/\/api\.deapi\.ai\)\n$/);
  });

  it("a DEAPI_BASE_URL over plain http to another host is refused before the key is sent anywhere", async () => {
    const e = await startDemo({ port: 0, upstream: { baseUrl: "http://deapi.example.test", apiKey: "1|someKey99" } }).then(() => null, (x) => x);
    assert.equal(e?.name, "InvalidOptionsError");
    assert.match(e.message, /`baseUrl`.*http/);
    assert.ok(!e.message.includes("someKey99"));
    const child = spawn(process.execPath, ["scripts/demo-server.mjs", "--port", "0"], { cwd: root,
      env: { ...process.env, DEAPI_API_KEY: "1|someKey99", DEAPI_BASE_URL: "http://deapi.example.test" }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise((ok) => child.on("exit", ok));
    assert.equal(code, 1);
    assert.match(stderr, /^deapi-wasm demo: .*`baseUrl`/);
    // loopback over http stays fine (a local deAPI stand-in)
    const local = await startDemo({ port: 0, upstream: { baseUrl: "http://127.0.0.1:9", apiKey: "1|someKey99" } });
    await local.close();
  });
});

describe("the demo page in Chromium (www/ through the demo server)", () => {
  let demo, mock, chromium, page, problems;
  let serverErrors; // the server's 422 for the invalid text-to-image submit, as the browser received it
  const shot = (name) => page.screenshot({ path: join(out, `demo-${name}.png`), fullPage: true });
  const text = (sel) => page.locator(sel).textContent();
  const pageRequests = []; // what the page itself sent
  const posts = (path) => mock.requests({ key: DEMO_MOCK_KEY, path, method: "POST" }).filter((r) => r.path === path);
  // Chromium logs the 4xx/5xx answers and dropped connections the tests provoke; anything else is a bug.
  const unexpected = () => problems.filter((p) => !/Failed to load resource: (the server responded with a status of (401|422|429|500|502)|net::ERR_EMPTY_RESPONSE|net::ERR_CONNECTION_RESET)/.test(p));

  /** A response's JSON body as Chromium received it. DevTools sometimes no longer holds a body the
   * page read through its stream ("No data found for resource", intermittent): then the same request
   * is sent again from here (the same params get the same 422; the page's own display of the messages
   * is still checked against it). */
  async function bodyOf(res) {
    try {
      return await res.json();
    } catch (e) {
      if (!/No data found for resource/.test(e.message)) throw e;
      const req = res.request();
      return (await fetch(res.url(), { method: req.method(), headers: req.headers(), body: req.postDataBuffer() })).json();
    }
  }

  /** Each field's note, aria-invalid and aria-describedby. */
  const fieldState = (fields, prefix = "") => page.evaluate(([fields, prefix]) => Object.fromEntries(fields.map((f) => {
    const el = document.getElementById(`${prefix}${f}`);
    return [f, { error: document.getElementById(`${prefix}${f}-error`).textContent, invalid: el.getAttribute("aria-invalid"), describedBy: el.getAttribute("aria-describedby") }];
  })), [fields, prefix]);

  /** Asserts that each field's messages are under it (and nowhere else but the form alert), and that other fields are clean. */
  async function assertFieldMessages(fieldErrors, fields, prefix, alertId) {
    const state = await fieldState(fields, prefix);
    for (const f of fields) {
      if (fieldErrors[f]) {
        assert.deepEqual(state[f], { error: fieldErrors[f].join(" "), invalid: "true", describedBy: `${prefix}${f}-error` }, f);
      } else {
        assert.deepEqual(state[f], { error: "", invalid: null, describedBy: null }, f);
      }
    }
    // every message appears exactly once on the page outside the form alert: under its own field
    const counts = await page.evaluate(([messages, alertId]) => {
      const body = document.body.cloneNode(true);
      body.querySelector(`#${alertId}`).remove();
      body.querySelectorAll("script").forEach((s) => s.remove());
      const all = body.textContent;
      return messages.map(([f, m]) => [f, m, all.split(m).length - 1]);
    }, [Object.entries(fieldErrors).flatMap(([f, ms]) => ms.map((m) => [f, m])), alertId]);
    for (const [f, m, n] of counts) assert.equal(n, 1, `"${m}" (${f}) appears ${n} times outside the form alert`);
  }

  before(async () => {
    demo = await startDemo({ port: 0, upstream: "mock" });
    mock = demo.mock;
    chromium = await openChromium({ viewport: { width: 1000, height: 900 }, timeout: TIMEOUT });
    page = await chromium.newPage();
    problems = page.problems;
    page.on("request", (r) => pageRequests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  });
  after(async () => {
    await chromium?.close();
    await demo?.close();
  });

  it("loads without console errors: balance, the txt2img models, a live price, the upload form's models", async () => {
    await page.goto(`${demo.url}/`);
    await page.locator("#balance", { hasText: "$19.72" }).waitFor();
    await page.waitForFunction(() => !document.getElementById("model").disabled && !document.getElementById("up-model").disabled);
    assert.deepEqual(await page.locator("#model option").evaluateAll((os) => os.map((o) => o.value)), slugs("txt2img"));
    assert.equal(await page.locator("#model").inputValue(), "Flux1schnell");
    assert.deepEqual(await page.locator("#up-model option").evaluateAll((os) => os.map((o) => o.value)), slugs("img-upscale"));
    // 512 × 512 × 4 steps × 1e-9 $/px/step in the mock
    await page.locator("#price", { hasText: "Estimated price: $0.001049" }).waitFor();
    await page.locator("#up-price", { hasText: "choose an image" }).waitFor();
    assert.equal(await text("#banner"), "");
    assert.equal(await page.locator("#job").isHidden(), true);
    await page.fill("#width", "1024");
    await page.locator("#price", { hasText: "Estimated price: $0.002097" }).waitFor();
    await page.fill("#width", "512");
    await page.locator("#price", { hasText: "Estimated price: $0.001049" }).waitFor();
    for (const f of [...T2I_FIELDS.map((f) => `#${f}`), "#up-operation", "#up-model", "#up-image", "#validate"]) {
      assert.equal(await page.locator(f).evaluate((el) => !!el.labels?.[0]?.textContent.trim()), true, `${f} has a label`);
    }
    for (const m of mock.requests({ key: DEMO_MOCK_KEY })) assert.equal(m.headers.authorization, `Bearer ${DEMO_MOCK_KEY}`);
    await shot("01-loaded");
    assert.deepEqual(problems, []);
  });

  it("an invalid submit (width 100, height 5000, no steps) shows each server message under its field and nowhere else", async () => {
    await page.fill("#width", "100");
    await page.fill("#height", "5000");
    await page.fill("#steps", "");
    await page.locator("#price", { hasText: "check the fields" }).waitFor();
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === API + GEN && r.request().method() === "POST");
    await page.getByRole("button", { name: "Generate" }).click();
    const res = await answer;
    assert.equal(res.status(), 422);
    const body = await bodyOf(res);
    serverErrors = body.errors;
    assert.deepEqual(Object.keys(serverErrors), ["width", "height", "steps"]);
    await page.locator("#form-alert", { hasText: body.message }).waitFor();
    assert.equal(await text("#form-alert"), body.message);
    assert.equal(body.message, "The width field must be at least 256. (and 4 more errors)");
    await assertFieldMessages(serverErrors, T2I_FIELDS, "", "form-alert");
    assert.equal(await page.evaluate(() => document.activeElement.id), "width", "focus moves to the first invalid field");
    assert.equal(await text("#banner"), "");
    assert.equal(await page.locator("#job").isHidden(), true);
    assert.equal(await page.getByRole("button", { name: "Generate" }).isEnabled(), true);
    assert.deepEqual(JSON.parse(posts(GEN).at(-1).body), { model: "Flux1schnell", prompt: "a red fox in the snow, watercolor", width: 100, height: 5000, guidance: 0, seed: -1 });
    await shot("02-validation");
    assert.deepEqual(unexpected(), []);
  });

  it("fixing the fields and submitting clears the messages, shows progress with the preview, then the image — live, from the job's event stream", async () => {
    const sentBefore = pageRequests.length;
    await page.fill("#width", "512");
    await page.fill("#height", "512");
    await page.fill("#steps", "4");
    await page.getByRole("button", { name: "Generate" }).click();
    for (const s of Object.values(await fieldState(T2I_FIELDS))) assert.deepEqual(s, { error: "", invalid: null, describedBy: null });
    assert.equal(await text("#form-alert"), "");
    await page.locator("#progress").waitFor({ state: "visible" });
    await page.waitForFunction(() => {
      const p = document.getElementById("progress"), img = document.getElementById("preview");
      return p.position > 0 && p.value < 100 && !img.hidden && img.complete && img.naturalWidth > 0;
    });
    assert.match(await text("#job-status"), /^Processing… \d+%$/);
    assert.equal(await page.locator("#job-status").getAttribute("aria-live"), "polite");
    await shot("03-progress");
    await page.waitForFunction(() => {
      const img = document.getElementById("result");
      return !img.hidden && img.complete && img.naturalWidth > 0;
    });
    assert.equal(await page.locator("#progress").evaluate((p) => p.value), 100);
    assert.equal(await text("#job-status"), "Done");
    assert.equal(await page.locator("#preview").isHidden(), true);
    const img = await page.locator("#result").evaluate((i) => ({ src: i.src, alt: i.alt, w: i.naturalWidth, h: i.naturalHeight }));
    assert.match(img.src, new RegExp(`^${demo.url}/results/[0-9a-f-]{36}\\.png$`), "served through the demo server");
    assert.deepEqual([img.w, img.h], [512, 512]);
    assert.equal(img.alt, "Generated image: a red fox in the snow, watercolor");
    // the progress, the preview and the result came from the job's relay stream: the page made no status call
    const sent = pageRequests.slice(sentBefore);
    const id = img.src.split("/results/")[1].replace(/\.png$/, "");
    assert.ok(sent.includes(`GET /api/deapi/events/${id}`), sent.join("\n"));
    assert.deepEqual(sent.filter((r) => r.includes("/jobs/")), [], "no status GET from the page");
    assert.equal(await text("#job-mode"), "live");
    assert.deepEqual(JSON.parse(posts(GEN).at(-1).body), {
      model: "Flux1schnell", prompt: "a red fox in the snow, watercolor", width: 512, height: 512, steps: 4, guidance: 0, seed: -1,
    }, "numbers as numbers, the empty negative prompt left out");
    await shot("04-result");
    assert.deepEqual(unexpected(), []);
  });

  it("a 429 (Retry-After 3 s) shows a countdown that decreases, then 'You can try again now'", async () => {
    const before = posts(GEN).length;
    mock.addFaults({ key: DEMO_MOCK_KEY, path: GEN, method: "POST", responses: [{ preset: "rate429", retryAfter: 3 }] });
    await page.getByRole("button", { name: "Generate" }).click();
    const countdown = page.locator("#banner .countdown");
    await countdown.filter({ hasText: /try again in \d+ s/ }).waitFor();
    const first = await countdown.textContent();
    assert.match(await text("#banner"), /^Rate limit reached \(minute limit\)\. You can try again in [1-3] s\.$/);
    assert.equal(await page.locator("#banner").getAttribute("role"), "alert");
    assert.equal(await countdown.getAttribute("role"), "timer");
    await shot("05-rate-limit");
    await page.waitForFunction((first) => {
      const t = document.querySelector("#banner .countdown")?.textContent ?? "";
      return t !== first;
    }, first);
    const later = await text("#banner .countdown");
    const secs = (t) => Number(/in (\d+) s/.exec(t)?.[1] ?? 0);
    assert.ok(secs(later) < secs(first), `${later} after ${first}`);
    await page.locator("#banner", { hasText: "You can try again now." }).waitFor();
    assert.equal(await text("#banner"), "Rate limit reached (minute limit). You can try again now.");
    assert.equal(posts(GEN).length, before + 1, "a Retry-After above maxRetryAfterMs is not slept or retried");
    assert.equal(await text("#form-alert"), "");
    assert.equal(await page.locator("#job").isHidden(), true);
    await shot("06-rate-limit-over");
    assert.deepEqual(unexpected(), []);
  });

  it("4×500 shows the retries as they happen, then 'deAPI failed after 4 attempts'", async () => {
    const before = posts(GEN).length;
    mock.addFaults({ key: DEMO_MOCK_KEY, path: GEN, method: "POST", responses: Array(4).fill({ status: 500 }) });
    await page.getByRole("button", { name: "Generate" }).click();
    assert.equal(await text("#banner"), "", "the next submit clears the banner");
    await page.locator("#activity", { hasText: /deAPI answered HTTP 500 \(attempt \d of 4\); retrying in/ }).waitFor();
    await shot("07-retrying");
    await page.locator("#banner", { hasText: "after 4 attempts" }).waitFor();
    assert.equal(await text("#banner"), "deAPI failed after 4 attempts (HTTP 500: Server Error). Try again in a minute.");
    assert.equal(await text("#activity"), "");
    assert.deepEqual(posts(GEN).slice(before).map((r) => r.status), [500, 500, 500, 500]);
    await shot("08-server-error");
    assert.deepEqual(unexpected(), []);
  });

  it("a 401 shows that the server's key was rejected", async () => {
    mock.addFaults({ key: DEMO_MOCK_KEY, path: GEN, method: "POST", responses: [{ status: 401 }] });
    await page.getByRole("button", { name: "Generate" }).click();
    await page.locator("#banner", { hasText: "the server's key was rejected" }).waitFor();
    assert.match(await text("#banner"), /^Authentication failed: the server's key was rejected \(HTTP 401: Unauthenticated\.\)/);
    assert.equal(await page.locator("#banner").getAttribute("data-kind"), "auth");
    await shot("09-auth");
    assert.deepEqual(unexpected(), []);
  });

  it("deAPI out of reach (connection reset behind the proxy) shows the proxy's 502 after the retries", async () => {
    mock.addFaults({ key: DEMO_MOCK_KEY, path: GEN, method: "POST", responses: Array(4).fill({ preset: "reset" }) });
    await page.getByRole("button", { name: "Generate" }).click();
    await page.locator("#banner", { hasText: "Bad Gateway" }).waitFor();
    assert.match(await text("#banner"), /^deAPI failed after 4 attempts \(HTTP 502: Bad Gateway: the deAPI proxy could not reach deAPI/);
    await shot("10-network");
    mock.clearFaults(DEMO_MOCK_KEY);
    assert.deepEqual(unexpected(), []);
  });

  it("a failed job shows deAPI's error message in the banner", async () => {
    await page.fill("#prompt", "a fox [fail]");
    await page.getByRole("button", { name: "Generate" }).click();
    await page.locator("#banner", { hasText: "The job failed" }).waitFor();
    assert.equal(await text("#banner"), "The job failed (you can try again): The worker failed to process the job. It was refunded.");
    assert.equal(await text("#job-status"), "Failed");
    await shot("11-job-failed");
    await page.fill("#prompt", "a red fox in the snow, watercolor");
    assert.deepEqual(unexpected(), []);
  });

  it("the upload form: no file → the server's message under the file input", async () => {
    const path = "/api/v2/images/upscales";
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === API + path && r.request().method() === "POST");
    await page.getByRole("button", { name: "Upload and run" }).click();
    const body = await bodyOf(await answer);
    assert.deepEqual(body.errors, { image: ["The image field is required."] });
    await page.locator("#up-image-error", { hasText: "The image field is required." }).waitFor();
    await assertFieldMessages(body.errors, ["model", "image"], "up-", "up-form-alert");
    assert.equal(await text("#up-form-alert"), "The image field is required.");
    assert.equal(await page.evaluate(() => document.activeElement.id), "up-image");
    assert.equal(await text("#form-alert"), "", "the other form is untouched");
    await shot("12-upload-validation");
    assert.deepEqual(unexpected(), []);
  });

  const png = solidPng(64, 48, [200, 60, 40]);
  const PHOTO = { name: "image", filename: "photo.png", type: "image/png", size: png.length };

  it("the upload form: a PNG chosen → its price, then a multipart upscale with the file → progress → the image", async () => {
    await page.setInputFiles("#up-image", { name: "photo.png", mimeType: "image/png", buffer: png });
    await until(() => posts("/api/v2/images/upscales/price").length === 1, "the upscale price request");
    assertRawFilePart(posts("/api/v2/images/upscales/price")[0], PHOTO);
    await page.locator("#up-price", { hasText: /^Estimated price: \$[\d.]+$/ }).waitFor();
    const [quote] = posts("/api/v2/images/upscales/price").slice(-1);
    assert.match(quote.headers["content-type"], /^multipart\/form-data; boundary=/);
    assert.deepEqual(quote.parts.find((p) => p.name === "image"), { name: "image", filename: "photo.png", contentType: "image/png", size: png.length });
    assert.equal(quote.parts.find((p) => p.name === "model")?.value, "RealESRGAN_x4");

    await page.getByRole("button", { name: "Upload and run" }).click();
    assert.equal(await text("#up-image-error"), "", "cleared on submit");
    await page.locator("#up-progress").waitFor({ state: "visible" });
    await page.waitForFunction(() => {
      const img = document.getElementById("up-result");
      return !img.hidden && img.complete && img.naturalWidth > 0;
    });
    const [req] = posts("/api/v2/images/upscales").slice(-1);
    assertRawFilePart(req, PHOTO);
    const file = req.parts.find((p) => p.name === "image");
    assert.deepEqual(file, { name: "image", filename: "photo.png", contentType: "image/png", size: png.length });
    assert.deepEqual(req.parts.find((p) => p.name === "model")?.value, "RealESRGAN_x4");
    assert.equal(await text("#up-job-status"), "Done");
    assert.equal(await page.locator("#up-result").getAttribute("alt"), "Upscaled image: photo.png");
    for (const s of Object.values(await fieldState(["model", "image"], "up-"))) assert.deepEqual(s, { error: "", invalid: null, describedBy: null });
    await shot("13-upload-result");
    assert.deepEqual(unexpected(), []);
  });

  it("the upload form: background removal lists img-rmbg models and sends the file to background-removals", async () => {
    await page.selectOption("#up-operation", "removeBackground");
    await page.waitForFunction((want) => [...document.querySelectorAll("#up-model option")].map((o) => o.value).join() === want, slugs("img-rmbg").join());
    await page.locator("#up-price", { hasText: /^Estimated price: \$[\d.]+$/ }).waitFor();
    await until(() => posts("/api/v2/images/background-removals/price").length === 1, "the background-removal price");
    await page.getByRole("button", { name: "Upload and run" }).click();
    await page.waitForFunction(() => {
      const img = document.getElementById("up-result");
      return img.alt.startsWith("Image without its background") && !img.hidden && img.complete && img.naturalWidth > 0;
    });
    assert.equal(await text("#up-job-status"), "Done");
    const [req] = posts("/api/v2/images/background-removals");
    assert.equal(req.parts.find((p) => p.name === "image")?.filename, "photo.png");
    assert.equal(req.parts.find((p) => p.name === "model")?.value, "Ben2");
    assert.equal(await page.locator("#up-result").getAttribute("alt"), "Image without its background: photo.png");
    await shot("14-background-removal");
    assert.deepEqual(unexpected(), []);
  });

  it("with 'Check fields in the browser' on, an invalid submit shows the same messages and sends nothing", async () => {
    assert.equal(await page.locator("#validate").isDisabled(), false, "the SDK's validate option is available");
    await page.check("#validate");
    await page.fill("#width", "100");
    await page.fill("#height", "5000");
    await page.fill("#steps", "");
    await page.waitForTimeout(400); // let the debounced price run (it is checked in the browser too)
    const seq = Math.max(0, ...mock.requests().map((r) => r.seq));
    await page.getByRole("button", { name: "Generate" }).click();
    await page.locator("#form-alert:not(:empty)").waitFor();
    await assertFieldMessages(serverErrors, T2I_FIELDS, "", "form-alert");
    assert.equal(await text("#form-alert"), "The width field must be at least 256. (and 4 more errors)");
    assert.deepEqual(mock.requests({ method: "POST" }).filter((r) => r.seq > seq), [], "no request reached the mock");
    await shot("15-validate-in-browser");
    await page.uncheck("#validate");
    assert.deepEqual(unexpected(), []);
  });

  it("the page logged no unexpected errors and the browser never sent a key", () => {
    assert.deepEqual(unexpected(), []);
    const seen = mock.requests().filter((r) => r.path.startsWith("/api/"));
    assert.ok(seen.length > 10);
    for (const r of seen) assert.equal(r.headers.authorization, `Bearer ${DEMO_MOCK_KEY}`, `${r.method} ${r.path}`);
  });
});
