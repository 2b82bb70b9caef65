// createProxy (issue 25, part 1): the proxy users deploy to keep the key on a server. Every test runs
// the package's handler behind Node's http (toNodeListener) or calls it with a Request, in front of
// the mock deAPI or a hostile loopback upstream, and checks what reached the upstream.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { sdk, withMock, newKey, validImage, rejection } from "./helpers.mjs";

const { createProxy, toNodeListener, DeapiClient, InvalidOptionsError } = sdk;
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

/** An http server on a free loopback port; `close()` ends it and its sockets. */
async function serve(listener) {
  const server = http.createServer(listener);
  const sockets = new Set();
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, server, close: () => new Promise((ok) => { server.close(() => ok()); for (const s of sockets) s.destroy(); }) };
}

/** A raw request (no URL normalisation, any method and target): `{ status, headers, body }`. */
function raw(base, { method = "GET", path = "/", headers = {}, body } = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((ok, fail) => {
    const req = http.request({ hostname, port, method, path, headers, setHost: headers.host === undefined }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", fail);
    req.end(body);
  });
}

/** The paths the upstream mock saw (its request log). */
const seen = (mock) => mock.requests().map((r) => `${r.method} ${r.path}`);

describe("createProxy in front of the mock deAPI", () => {
  let mock, front, key, proxyUrl, events;
  before(async () => {
    mock = await withMock();
    key = newKey();
    events = [];
    const handler = createProxy({ apiKey: key, baseUrl: mock.url, onError: (e) => events.push(e) });
    front = await serve(toNodeListener(handler));
    proxyUrl = `${front.url}/api/deapi`;
  });
  after(async () => { await front.close(); await mock.close(); });

  it("a keyless client does everything through it, and deAPI gets the key, not the browser's headers", async () => {
    mock.reset();
    const c = new DeapiClient({ baseUrl: proxyUrl, retryBaseDelayMs: 1, headers: { Cookie: "session=browser" } });
    assert.deepEqual(await c.account.balance(), { balance: 19.72 });
    const job = await c.images.generate(validImage());
    assert.equal((await job.wait({ pollIntervalMs: 5 })).status, "done");
    assert.equal(typeof (await c.images.generatePrice(validImage())).price, "number");
    assert.ok((await c.models.all()).length > 50);
    const e = await rejection(c.images.generate(validImage({ width: 100 })));
    assert.equal(e.name, "ValidationError");
    assert.equal(e.status, 422);
    assert.deepEqual(e.fieldErrors.width, ["The width field must be at least 256.", "The width field must be a multiple of 16."]);
    const up = await c.images.upscale({ image: new Blob([PNG], { type: "image/png" }), model: "RealESRGAN_x4" });
    assert.match(up.requestId, /^[0-9a-f-]{36}$/);
    const v1 = new DeapiClient({ baseUrl: proxyUrl, apiVersion: "v1" });
    assert.deepEqual(await v1.account.balance(), { balance: 19.72 });
    const log = mock.requests();
    assert.ok(log.length >= 9);
    for (const r of log) {
      assert.equal(r.headers.authorization, `Bearer ${key}`, `${r.method} ${r.path}`);
      for (const h of ["cookie", "origin", "x-deapi-client", "sec-fetch-site"]) assert.equal(r.headers[h], undefined, `${h} on ${r.path}`);
    }
    assert.ok(log.some((r) => r.parts?.some((p) => p.name === "image" && p.size === PNG.length)), "the upload's bytes arrived");
    assert.deepEqual(events, []);
  });

  it("refuses what another website can make a visitor's browser send, before deAPI hears of it", async () => {
    mock.reset();
    const target = "/api/deapi/api/v2/images/generations";
    const form = "prompt=fox&model=Flux1schnell&width=512&height=512&guidance=3.5&steps=4&seed=-1";
    const cases = [
      // a cross-site <form method=POST>: urlencoded, no preflight needed
      [{ "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example", "sec-fetch-site": "cross-site" }, form, 403],
      // the same from a browser without fetch metadata (Origin only)
      [{ "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" }, form, 403],
      // a sibling subdomain is same-site, not same-origin
      [{ "content-type": "application/json", origin: "https://x.127.0.0.1.nip.io", "sec-fetch-site": "same-site" }, "{}", 403],
      // a multipart form (also preflight-free) without the SDK's header, even with no Origin at all
      [{ "content-type": "multipart/form-data; boundary=b" }, "--b\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nfox\r\n--b--\r\n", 403],
      // text/plain from the page itself: not a deAPI body
      [{ "content-type": "text/plain", "sec-fetch-site": "same-origin" }, form, 415],
    ];
    for (const [headers, body, status] of cases) {
      const r = await raw(front.url, { method: "POST", path: target, headers, body });
      assert.equal(r.status, status, JSON.stringify(headers));
      assert.equal(r.headers["content-type"], "application/json");
      assert.match(JSON.parse(r.body).message, /Forbidden|Unsupported Media Type/);
    }
    assert.deepEqual(seen(mock), [], "nothing reached deAPI");
    // the page itself (same-origin fetch with JSON) passes
    const ok = await raw(front.url, { method: "POST", path: target, headers: { "content-type": "application/json", "sec-fetch-site": "same-origin" }, body: JSON.stringify(validImage()) });
    assert.equal(ok.status, 200, ok.body);
    assert.deepEqual(seen(mock), ["POST /api/v2/images/generations"]);
  });

  it("forwards only deAPI's methods and paths, rebuilt from decoded segments, and survives HEAD", async () => {
    mock.reset();
    const cases = [
      ["HEAD", "/api/deapi/api/v2/account/balance", 405],
      ["PUT", "/api/deapi/api/v2/images/generations", 405],
      ["DELETE", "/api/deapi/api/v2/jobs/abc", 405],
      ["GET", "/api/deapi/api/v2/images/generations", 405],
      ["GET", "/api/deapi/__mock/requests", 404],
      ["POST", "/api/deapi/__mock/reset", 404],
      ["GET", "/api/deapi/api/v2/../../__mock/requests", 404], // normalised by the URL parser: not below the prefix
      ["GET", "/api/deapi/api/v2/jobs/%2e%2e/%2e%2e/__mock/requests", 404],
      ["GET", "/api/deapi/api/v2/jobs/..%2f..%2f__mock%2frequests", 400], // an encoded slash
      ["GET", "/api/deapi/api/v2/jobs/a%5c..", 400],
      ["GET", "/api/deapi/api/v2//account/balance", 400],
      ["GET", "http://127.0.0.1:1/api/deapi/api/v2/account/balance", 400], // an absolute-form target
      ["GET", "/elsewhere", 404],
    ];
    for (const [method, path, status] of cases) {
      const r = await raw(front.url, { method, path });
      assert.equal(r.status, status, `${method} ${path}: ${r.body}`);
      if (status === 405) assert.match(r.headers.allow, /GET|POST/);
    }
    assert.deepEqual(seen(mock), [], "nothing reached the upstream");
    // a request object whose URL was not normalised (any fetch-like framework) is refused too
    const handler = createProxy({ apiKey: key, baseUrl: mock.url });
    for (const url of ["http://app.test/api/deapi/api/v2/jobs/%2e%2e", "http://app.test/api/deapi/api/v2/jobs/./x", "http://app.test/api/deapi/api/v2/jobs/%2E."]) {
      const r = await handler({ method: "GET", url, headers: new Headers() });
      assert.equal(r.status, 400, url);
    }
    assert.deepEqual(seen(mock), []);
    // decoded once, a double-encoded id is "%2e%2e": not an id, so not forwarded either
    const r = await raw(front.url, { path: "/api/deapi/api/v2/jobs/%252e%252e" });
    assert.equal(r.status, 404);
    assert.match(JSON.parse(r.body).message, /not a deAPI operation/);
    assert.deepEqual(seen(mock), []);
    // the query is rebuilt too
    mock.reset();
    assert.equal((await raw(front.url, { path: "/api/deapi/api/v2/models?limit=2&page=1&filter[inference_types]=txt2img" })).status, 200);
    assert.deepEqual(mock.requests()[0].query, { limit: "2", page: "1", "filter[inference_types]": "txt2img" });
  });

  it("caps what it reads from the browser: Content-Length first, then while reading", async () => {
    mock.reset();
    const small = await serve(toNodeListener(createProxy({ apiKey: key, baseUrl: mock.url, maxRequestBytes: 1000 })));
    try {
      const big = JSON.stringify(validImage({ prompt: "x".repeat(2000) }));
      const announced = await raw(small.url, { method: "POST", path: "/api/deapi/api/v2/images/generations", headers: { "content-type": "application/json" }, body: big });
      assert.equal(announced.status, 413);
      assert.match(JSON.parse(announced.body).message, /maxRequestBytes \(1000 bytes\)/);
      // chunked: no Content-Length, counted while reading
      const chunked = await new Promise((ok, fail) => {
        const { port } = new URL(small.url);
        const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/api/deapi/api/v2/images/generations", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
          let b = "";
          res.on("data", (c) => (b += c));
          res.on("end", () => ok({ status: res.statusCode, body: b }));
        });
        req.on("error", fail);
        for (let i = 0; i < 20; i++) req.write("x".repeat(100));
        req.end();
      });
      assert.equal(chunked.status, 413);
      assert.deepEqual(seen(mock), []);
      // the server goes on
      assert.equal((await raw(small.url, { path: "/api/deapi/api/v2/account/balance" })).status, 200);
    } finally {
      await small.close();
    }
  });
});

describe("createProxy when deAPI fails or misbehaves", () => {
  it("answers 502/504 JSON for an upstream that is down, hangs or redirects — never a crash", async () => {
    const events = [];
    const gone = await serve(() => {});
    const closedUrl = gone.url;
    await gone.close(); // a free port nobody listens on
    const down = createProxy({ apiKey: newKey(), baseUrl: closedUrl, onError: (e) => events.push(e) });
    const r = await down(new Request("http://app.test/api/deapi/api/v2/account/balance"));
    assert.equal(r.status, 502);
    assert.match((await r.json()).message, /^Bad Gateway: the deAPI proxy could not reach deAPI/);
    assert.deepEqual(events.map((e) => e.stage), ["upstream"]);

    const hang = await serve(() => {}); // accepts, never answers
    const stolen = [];
    const elsewhere = await serve((req, res) => { stolen.push(req.headers.authorization); res.end("{}"); });
    const redirecting = await serve((req, res) => res.writeHead(307, { location: `${elsewhere.url}/steal` }).end());
    try {
      const slow = createProxy({ apiKey: newKey(), baseUrl: hang.url, timeoutMs: 50 });
      const t = await slow(new Request("http://app.test/api/deapi/api/v2/account/balance"));
      assert.equal(t.status, 504);
      assert.match((await t.json()).message, /did not answer within 50 ms/);
      // the browser goes away while deAPI is slow: the upstream request is cancelled, nothing reported
      const quiet = [];
      const patient = createProxy({ apiKey: newKey(), baseUrl: hang.url, onError: (e) => quiet.push(e) });
      const leaving = new AbortController();
      const pending = patient(new Request("http://app.test/api/deapi/api/v2/account/balance", { signal: leaving.signal }));
      setTimeout(() => leaving.abort(), 20);
      assert.equal((await pending).status, 502);
      assert.deepEqual(quiet, []);
      const redirect = createProxy({ apiKey: newKey(), baseUrl: redirecting.url });
      const post = new Request("http://app.test/api/deapi/api/v2/images/generations", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      const x = await redirect(post);
      assert.equal(x.status, 502);
      assert.match((await x.json()).message, /redirect/);
      assert.deepEqual(stolen, [], "the key and the body did not follow the redirect");
    } finally {
      await Promise.all([hang.close(), elsewhere.close(), redirecting.close()]);
    }
  });

  it("passes on deAPI's status, body and rate-limit headers only — and never the key, even echoed", async () => {
    const key = newKey();
    const hostile = await serve((req, res) => {
      res.writeHead(429, {
        "content-type": "application/json", "retry-after": "7", "x-ratelimit-limit": "3", "x-ratelimit-remaining": "0",
        "set-cookie": "upstream=1", server: "nginx/1.2", "x-powered-by": "PHP", "access-control-allow-origin": "*",
      });
      res.end(JSON.stringify({ message: `Too Many Attempts. You sent ${req.headers.authorization}`, key: key.split("|")[1] }));
    });
    try {
      const handler = createProxy({ apiKey: key, baseUrl: hostile.url });
      const r = await handler(new Request("http://app.test/api/deapi/api/v2/account/balance"));
      assert.equal(r.status, 429);
      assert.deepEqual([...r.headers.keys()].sort(), ["cache-control", "content-type", "retry-after", "x-ratelimit-limit", "x-ratelimit-remaining"]);
      const text = await r.text();
      assert.ok(!text.includes(key) && !text.includes(key.split("|")[1]), text);
      assert.match(text, /Bearer \[REDACTED\]/);
      // the browser client reads it as the RateLimitError it is
      const front = await serve(toNodeListener(handler));
      try {
        const e = await rejection(new DeapiClient({ baseUrl: `${front.url}/api/deapi`, maxRetries: 0 }).account.balance());
        assert.equal(e.name, "RateLimitError");
        assert.equal(e.retryAfter, 7);
      } finally {
        await front.close();
      }
    } finally {
      await hostile.close();
    }
  });
});

describe("createProxy: the app's own checks and other sites it allows", () => {
  let mock;
  before(async () => { mock = await withMock(); });
  after(() => mock.close());

  it("authorize sees the operation and decides: true forwards, false is a 403, a Response is the answer, a throw is a 500", async () => {
    mock.reset();
    const calls = [];
    const events = [];
    const perUser = new Map();
    const handler = createProxy({
      apiKey: newKey(), baseUrl: mock.url, onError: (e) => events.push(e),
      async authorize(request, info) {
        calls.push(info);
        const user = request.headers.get("x-user");
        if (user === "boom") throw new Error("session store down");
        if (user === "odd") return "yes";
        if (!user) return false;
        const n = (perUser.get(user) ?? 0) + 1;
        perUser.set(user, n);
        if (info.submission && n > 1) return new Response(JSON.stringify({ message: "Too many jobs for you" }), { status: 429, headers: { "retry-after": "30", "content-type": "application/json" } });
        return true;
      },
    });
    const post = (user) => new Request("http://app.test/api/deapi/api/v2/images/generations", {
      method: "POST", headers: { "content-type": "application/json", ...(user ? { "x-user": user } : {}) }, body: JSON.stringify(validImage()),
    });
    assert.equal((await handler(post("ann"))).status, 200);
    const limited = await handler(post("ann"));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "30");
    assert.equal((await handler(post(null))).status, 403);
    const boom = await handler(post("boom"));
    assert.equal(boom.status, 500);
    assert.doesNotMatch(await boom.text(), /session store/, "the app's error stays on the server");
    assert.equal((await handler(post("odd"))).status, 500);
    assert.deepEqual(events.map((e) => [e.stage, e.error.message]), [["authorize", "session store down"], ["authorize", "createProxy: authorize must return (or resolve to) true, false or a Response"]]);
    assert.deepEqual(calls[0], { operation: "images.generate", method: "POST", path: "/api/v2/images/generations", submission: true });
    assert.equal(mock.requests().length, 1, "only ann's first job reached deAPI");
    // GETs are asked about too
    await handler(new Request("http://app.test/api/deapi/api/v2/jobs/abc", { headers: { "x-user": "bob" } }));
    assert.deepEqual(calls.at(-1), { operation: "jobs.get", method: "GET", path: "/api/v2/jobs/abc", submission: false });
  });

  it("allowedOrigins: their preflights and calls pass with CORS headers, others get nothing", async () => {
    mock.reset();
    const handler = createProxy({ apiKey: newKey(), baseUrl: mock.url, allowedOrigins: ["https://app.example"] });
    const url = "http://api.app.test/api/deapi/api/v2/images/generations";
    const pre = await handler(new Request(url, { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-deapi-client" } }));
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "https://app.example");
    assert.equal(pre.headers.get("access-control-allow-headers"), "content-type,x-deapi-client");
    const evil = await handler(new Request(url, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } }));
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
    const call = await handler(new Request(url, { method: "POST", headers: { origin: "https://app.example", "sec-fetch-site": "cross-site", "content-type": "application/json" }, body: JSON.stringify(validImage()) }));
    assert.equal(call.status, 200);
    assert.equal(call.headers.get("access-control-allow-origin"), "https://app.example");
    assert.match(call.headers.get("access-control-expose-headers"), /Retry-After/);
    assert.equal(mock.requests().length, 1);
  });

  it("bad options throw an InvalidOptionsError naming them, without the key", () => {
    for (const [options, name] of [
      [undefined, "options"], [{}, "apiKey"], [{ apiKey: "1|proxyKey123", prefix: "api" }, "prefix"],
      [{ apiKey: "1|proxyKey123", allowedOrigins: ["*"] }, "allowedOrigins"], [{ apiKey: "1|proxyKey123", authorize: "yes" }, "authorize"],
      [{ apiKey: "1|proxyKey123", maxRequestBytes: 1.5 }, "maxRequestBytes"], [{ apiKey: "1|proxyKey123", apikey: "x" }, "apikey"],
      [{ apiKey: "1|proxy Key123" }, "apiKey"],
    ]) {
      assert.throws(() => createProxy(options), (e) => e instanceof InvalidOptionsError && e.message.includes(`\`${name}\``) && !e.message.includes("Key123"), name);
    }
    assert.throws(() => toNodeListener("nope"), TypeError);
  });
});
