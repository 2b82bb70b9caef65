// The transport in Node: the Rust module calls the global fetch (src/wasm/transport.rs), as in
// browsers. What users rely on: compressed bodies, a BOM, redirects refused (never followed: no
// request reaches the Location), uploads as FormData, cancellation that really closes the request, HTTPS,
// keep-alive, and a process that can exit while keep-alive connections idle. (Redirect loops,
// cut bodies, resets, hangs and hostile sizes are in tests/reliability.)
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { client, newKey, pkgDir, rejection, sdk, validImage, withMock } from "./helpers.mjs";
import { solidPng } from "../mock/png.mjs";

const { DeapiClient, Job } = sdk;
const BALANCE = JSON.stringify({ data: { balance: 12.5 } });

/** A loopback server whose answer to each request is `handler(req, res, body)`; it records every request. */
async function server(handler) {
  const seen = [];
  const closed = [];
  const s = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
    res.on("close", () => closed.push({ url: req.url, finished: res.writableFinished }));
  });
  s.keepAliveTimeout = 60_000;
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${s.address().port}`;
  return { url, seen, closed, close: () => new Promise((r) => { s.closeAllConnections(); s.close(r); }) };
}
const json = (res, text, headers = {}) => {
  res.writeHead(200, { "content-type": "application/json", ...headers });
  res.end(text);
};

describe("fetch in Node: bodies", () => {
  let srv;
  before(async () => {
    srv = await server((req, res) => {
      const bytes = Buffer.from(BALANCE);
      switch (req.url.split("?")[0]) {
        case "/gzip/api/v2/account/balance": return json(res, gzipSync(bytes), { "content-encoding": "gzip" });
        case "/deflate/api/v2/account/balance": return json(res, deflateSync(bytes), { "content-encoding": "deflate" });
        case "/br/api/v2/account/balance": return json(res, brotliCompressSync(bytes), { "content-encoding": "br" });
        case "/badgzip/api/v2/account/balance": return json(res, Buffer.from("not gzip at all"), { "content-encoding": "gzip" });
        case "/bom/api/v2/account/balance": return json(res, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]));
        case "/chunked/api/v2/account/balance":
          res.writeHead(200, { "content-type": "application/json" });
          res.write(BALANCE.slice(0, 7));
          setImmediate(() => res.end(BALANCE.slice(7)));
          return undefined;
        default: res.writeHead(404); return res.end();
      }
    });
  });
  after(() => srv.close());

  for (const coding of ["gzip", "deflate", "br"]) {
    it(`decodes a ${coding} body`, async () => {
      const c = new DeapiClient({ apiKey: newKey(), baseUrl: `${srv.url}/${coding}` });
      assert.deepEqual(await c.account.balance(), { balance: 12.5 });
    });
  }
  it("fetch asks for compression, and the SDK reads the decoded body", async () => {
    const c = new DeapiClient({ apiKey: newKey(), baseUrl: `${srv.url}/gzip` });
    assert.deepEqual(await c.account.balance(), { balance: 12.5 });
    assert.match(srv.seen.at(-1).headers["accept-encoding"], /gzip/);
  });
  it("a body that does not decode is a ConnectionError (cut off), and the client goes on", async () => {
    const c = new DeapiClient({ apiKey: newKey(), baseUrl: `${srv.url}/badgzip`, maxRetries: 0 });
    const e = await rejection(c.account.balance());
    assert.equal(e.name, "ConnectionError");
    assert.match(e.message, /cut off/);
    const ok = new DeapiClient({ apiKey: newKey(), baseUrl: `${srv.url}/gzip` });
    assert.deepEqual(await ok.account.balance(), { balance: 12.5 });
  });
  it("drops a UTF-8 BOM, as fetch's text() does", async () => {
    const c = new DeapiClient({ apiKey: newKey(), baseUrl: `${srv.url}/bom` });
    assert.deepEqual(await c.account.balance(), { balance: 12.5 });
  });
  it("reads a chunked body whole", async () => {
    const c = new DeapiClient({ apiKey: newKey(), baseUrl: `${srv.url}/chunked` });
    assert.deepEqual(await c.account.balance(), { balance: 12.5 });
  });
});

describe("fetch in Node: redirects are not followed (redirect: \"manual\")", () => {
  let srv, other;
  before(async () => {
    // the other server: a redirect must never reach it (no Authorization, no body re-sent)
    other = await server((req, res) => json(res, BALANCE));
    srv = await server((req, res) => {
      const m = /^\/(30[12378])(\/.*)$/.exec(req.url.split("?")[0]);
      if (m) {
        res.writeHead(Number(m[1]), { location: `${other.url}/final${m[2]}` });
        return res.end("moved");
      }
      res.writeHead(404);
      return res.end();
    });
  });
  after(async () => { await srv.close(); await other.close(); });

  for (const viaFetch of [false, true]) {
    it(`301/302/303/307/308 on a POST and a GET: InvalidResponseError naming the Location, not retried, nothing sent elsewhere${viaFetch ? " (a fetch option)" : ""}`, async () => {
      for (const code of [301, 302, 303, 307, 308]) {
        const key = newKey();
        const c = new DeapiClient({ apiKey: key, baseUrl: `${srv.url}/${code}`, maxRetries: 3, retryBaseDelayMs: 1, ...(viaFetch ? { fetch: (url, init) => globalThis.fetch(url, init) } : {}) });
        const seen = srv.seen.length;
        for (const call of [() => c.images.generate(validImage()), () => c.account.balance()]) {
          const e = await rejection(call());
          assert.equal(e.name, "InvalidResponseError", `${code}: ${e.name}: ${e.message}`);
          assert.ok(e instanceof sdk.InvalidResponseError && e instanceof sdk.DeapiError);
          assert.equal(e.status, code);
          assert.equal(e.attempts, 1, "not retried");
          assert.ok(e.message.includes(`with a redirect to ${other.url}/final/api/v2/`), e.message);
          assert.match(e.message, /does not follow redirects/);
          assert.ok(!e.message.includes(key));
        }
        assert.equal(srv.seen.length - seen, 2, `${code}: one request per call`);
      }
      assert.deepEqual(other.seen, [], "no request reached the Location's server");
    });
  }
  it("the request carries redirect: \"manual\" (what a fetch option receives)", async () => {
    let init;
    const c = new DeapiClient({ apiKey: newKey(), baseUrl: srv.url, fetch: async (url, i) => { init = i; return new Response(BALANCE, { status: 200 }); } });
    assert.deepEqual(await c.account.balance(), { balance: 12.5 });
    assert.equal(init.redirect, "manual");
  });
});

describe("fetch in Node: uploads", () => {
  let mock;
  before(async () => { mock = await withMock(); });
  after(() => mock.close());

  it("sends FormData as multipart with a Content-Length, parts as the mock deAPI reads them", async () => {
    const { c, key } = client(mock);
    const png = solidPng(16, 8, [1, 2, 3]);
    const job = await c.images.upscale({ image: png, model: "RealESRGAN_x4" });
    assert.ok(job instanceof Job);
    const [r] = mock.requests({ key });
    assert.match(r.headers["content-type"], /^multipart\/form-data; boundary=/);
    assert.ok(Number(r.headers["content-length"]) > png.length);
    assert.equal(r.headers["transfer-encoding"], undefined);
    const image = r.parts.find((p) => p.name === "image");
    assert.equal(image.size, png.length);
    assert.equal(image.contentType, "image/png");
  });

  it("a 413 answered before the upload is written (a proxy's body limit) is a PayloadTooLargeError, not a cut connection — through the global fetch and a \`fetch\` option", { timeout: 30_000 }, async () => {
    // The server answers at once without reading the body, then drops the connection (nginx's
    // client_max_body_size does this), while the client is still writing 30 MiB.
    const s = createServer((req, res) => {
      const body = JSON.stringify({ message: "Payload Too Large" });
      res.writeHead(413, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close" });
      res.end(body);
      res.on("finish", () => req.socket.destroy());
    });
    await new Promise((r) => s.listen(0, "127.0.0.1", r));
    try {
      const big = new Uint8Array(30 << 20);
      big.set(solidPng(2, 2, [0, 0, 0]).subarray(0, 8)); // a PNG signature: the type is sniffed
      for (const viaFetch of [false, true]) {
        const c = new DeapiClient({ apiKey: newKey(), baseUrl: `http://127.0.0.1:${s.address().port}`, maxRetries: 0, ...(viaFetch ? { fetch: globalThis.fetch } : {}) });
        for (let i = 0; i < 3; i++) {
          const e = await rejection(c.images.removeBackground({ image: big, model: "Ben2" }));
          assert.equal(e.name, "PayloadTooLargeError", `${viaFetch ? "fetch option" : "global fetch"}, try ${i + 1}: ${e.name}: ${e.message}`);
          assert.equal(e.status, 413);
        }
      }
    } finally {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
});

describe("fetch in Node: cancellation closes the request", () => {
  let srv;
  before(async () => {
    srv = await server((req, res) => {
      if (req.url.startsWith("/hang/")) return undefined; // never answers
      if (req.url.startsWith("/half/")) {
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
        return res.write("{\"data\":"); // and never the rest
      }
      return json(res, BALANCE);
    });
  });
  after(() => srv.close());
  const closedFor = async (prefix) => {
    for (let i = 0; i < 200 && !srv.closed.some((x) => x.url.startsWith(prefix)); i++) await new Promise((r) => setTimeout(r, 10));
    return srv.closed.filter((x) => x.url.startsWith(prefix));
  };

  it("a timeout destroys the request: the server sees the connection close", { timeout: 15_000 }, async () => {
    const c = new DeapiClient({ apiKey: newKey(), baseUrl: `${srv.url}/hang`, timeoutMs: 100, maxRetries: 0 });
    const e = await rejection(c.account.balance());
    assert.equal(e.name, "RequestTimeoutError");
    const closed = await closedFor("/hang/");
    assert.equal(closed.length, 1);
    assert.equal(closed[0].finished, false);
  });
  it("an abort while the body streams closes it too, and rejects with AbortError", { timeout: 15_000 }, async () => {
    const ac = new AbortController();
    const c = new DeapiClient({ apiKey: newKey(), baseUrl: `${srv.url}/half` });
    const p = c.account.balance({ signal: ac.signal });
    for (let i = 0; i < 200 && !srv.seen.some((x) => x.url.startsWith("/half/")); i++) await new Promise((r) => setTimeout(r, 10));
    ac.abort(new Error("user left"));
    const e = await rejection(p);
    assert.equal(e.name, "AbortError");
    assert.equal((await closedFor("/half/")).length, 1);
  });
  it("the `fetch` option replaces the transport (and gets an AbortSignal per attempt)", async () => {
    const signals = [];
    const c = new DeapiClient({ apiKey: newKey(), baseUrl: srv.url, fetch: (u, init) => { signals.push(init.signal); return fetch(u, init); } });
    assert.deepEqual(await c.account.balance(), { balance: 12.5 });
    assert.equal(signals.length, 1);
    assert.ok(signals[0] instanceof AbortSignal);
  });
});

describe("fetch in Node: keep-alive", () => {
  it("keeps connections alive: 20 sequential calls reuse a few connections", async () => {
    const sockets = new Set();
    const srv = await server((req, res) => { sockets.add(`${req.socket.remotePort}`); json(res, BALANCE); });
    try {
      const c = new DeapiClient({ apiKey: newKey(), baseUrl: srv.url });
      for (let i = 0; i < 20; i++) await c.account.balance();
      // undici's pool may open a second connection while the first is being released
      assert.ok(sockets.size <= 3, `${sockets.size} connections for 20 calls`);
    } finally {
      await srv.close();
    }
  });
  it("the agent's 5 s keep-alive idle timeout never cuts a slow answer (a sync endpoint may think for seconds)", { timeout: 30_000 }, async () => {
    const srv = await server((req, res) => setTimeout(() => json(res, BALANCE), 5_500));
    try {
      const c = new DeapiClient({ apiKey: newKey(), baseUrl: srv.url, maxRetries: 0 });
      assert.deepEqual(await c.account.balance(), { balance: 12.5 });
      assert.equal(srv.seen.length, 1);
    } finally {
      await srv.close();
    }
  });
  it("an idle keep-alive connection does not keep the process running", async () => {
    const srv = await server((req, res) => json(res, BALANCE)); // keeps idle connections 60 s
    try {
      const code = `const { DeapiClient } = require(${JSON.stringify(pkgDir)});
        new DeapiClient({ apiKey: "1|exitTest", baseUrl: ${JSON.stringify(srv.url)} }).account.balance()
          .then((b) => console.log(JSON.stringify(b)), (e) => { console.error(e); process.exitCode = 3; });`;
      const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d) => { out += d; });
      // The child must end by itself, long before the server's 60 s keep-alive would let it go.
      const exit = await new Promise((resolve) => {
        const kill = setTimeout(() => { child.kill(); resolve("still running after 20 s"); }, 20_000);
        child.on("exit", (c) => { clearTimeout(kill); resolve(c); });
      });
      assert.equal(exit, 0);
      assert.equal(out.trim(), JSON.stringify({ balance: 12.5 }));
    } finally {
      await srv.close();
    }
  });
});

describe("fetch in Node: HTTPS (deAPI's own scheme)", () => {
  const fixture = (name) => new URL(`./fixtures/${name}`, import.meta.url);
  let srv, url;
  const seen = [];
  before(async () => {
    srv = createTlsServer({ cert: readFileSync(fixture("test-cert.pem")), key: readFileSync(fixture("test-key.pem")) }, (req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization });
      json(res, BALANCE);
    });
    await new Promise((r) => srv.listen(0, "127.0.0.1", r));
    url = `https://127.0.0.1:${srv.address().port}`;
  });
  after(() => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }));

  it("calls over TLS when the certificate is trusted (NODE_EXTRA_CA_CERTS in a child process)", async () => {
    const code = `const { DeapiClient } = require(${JSON.stringify(pkgDir)});
      new DeapiClient({ apiKey: "1|tlsTest", baseUrl: ${JSON.stringify(url)} }).account.balance()
        .then((b) => console.log(JSON.stringify(b)), (e) => { console.error(e.name, e.message); process.exitCode = 3; });`;
    const child = spawn(process.execPath, ["-e", code], {
      stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_EXTRA_CA_CERTS: fileURLToPath(fixture("test-cert.pem")) },
    });
    let out = "", err = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { err += d; });
    const exit = await new Promise((resolve) => child.on("exit", resolve));
    assert.equal(exit, 0, err);
    assert.equal(out.trim(), JSON.stringify({ balance: 12.5 }));
    assert.equal(seen.at(-1).authorization, "Bearer 1|tlsTest");
  });
  it("an untrusted certificate is a ConnectionError naming the TLS failure, and nothing is sent", async () => {
    const before = seen.length;
    const c = new DeapiClient({ apiKey: newKey(), baseUrl: url, maxRetries: 0 });
    const e = await rejection(c.account.balance());
    assert.equal(e.name, "ConnectionError");
    assert.match(e.message, /^Could not reach deAPI at https:\/\/127\.0\.0\.1:\d+: .*\(DEPTH_ZERO_SELF_SIGNED_CERT\)$/);
    assert.equal(e.cause.cause.code, "DEPTH_ZERO_SELF_SIGNED_CERT");
    assert.equal(seen.length, before);
  });
});
