#!/usr/bin/env node
// The demo server (no dependencies): serves the demo page (www/) at / and the built package
// (pkg/dist) at /pkg/, and forwards /api/* to an upstream deAPI, adding the key on the way. The
// browser never sees a key: the page calls this server in keyless proxy mode
// (`new DeapiClient({ baseUrl: location.origin })`).
//
// Upstream:
//   default                 an embedded mock deAPI (tests/mock/server.mjs) on a free port, called with
//                           the mock key 1|demoKey123; /results/* (job files) and /__mock/* (its control
//                           API: faults, request log) are forwarded to it too.
//   DEAPI_API_KEY=…         the real deAPI (https://api.deapi.ai, or DEAPI_BASE_URL) with
//                           `Authorization: Bearer $DEAPI_API_KEY`.
//
//   node scripts/demo-server.mjs [--port N] [--host H]      (PORT env, default 8787; --port 0: a free port)
//
// For tests: `import { startDemo } from "./scripts/demo-server.mjs"`;
// `const demo = await startDemo({ port: 0 })` → `{ url, port, mock, upstream, close() }`.
import http from "node:http";
import https from "node:https";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DEMO_MOCK_KEY = "1|demoKey123";
const DEFAULT_PORT = 8787;

const MIME = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm", ".map": "application/json",
  ".ts": "text/plain; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
  ".ico": "image/x-icon", ".webp": "image/webp", ".txt": "text/plain; charset=utf-8",
};
/** Response headers of the upstream that reach the browser (besides the body's own framing). */
const KEEP_RESPONSE = new Set(["content-type", "content-length", "content-encoding", "retry-after", "deprecation", "link"]);
/** Request headers of the browser that reach the upstream. Never Authorization, cookies or Origin. */
const KEEP_REQUEST = ["accept", "content-type", "content-length"];

/**
 * Starts the demo server.
 *   port      default: $PORT or 8787; 0 = a free port
 *   host      default 127.0.0.1
 *   upstream  "mock" (default unless DEAPI_API_KEY is set) or { baseUrl, apiKey } for a real deAPI
 *   mockOptions  extra startMock options (mock mode)
 */
export async function startDemo({ port, host = "127.0.0.1", upstream, mockOptions = {}, www = join(ROOT, "www"), dist = join(ROOT, "pkg", "dist") } = {}) {
  port ??= process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT;
  upstream ??= process.env.DEAPI_API_KEY
    ? { baseUrl: process.env.DEAPI_BASE_URL || "https://api.deapi.ai", apiKey: process.env.DEAPI_API_KEY }
    : "mock";

  let mock = null, target, apiKey, label;
  if (upstream === "mock") {
    const { startMock } = await import(pathToFileURL(join(ROOT, "tests", "mock", "server.mjs")).href);
    mock = await startMock({ quiet: true, ...mockOptions });
    target = new URL(mock.url);
    apiKey = DEMO_MOCK_KEY;
    label = "embedded mock deAPI";
  } else {
    if (!upstream?.apiKey) throw new Error("startDemo: upstream needs an apiKey");
    target = new URL(upstream.baseUrl || "https://api.deapi.ai");
    apiKey = upstream.apiKey;
    label = target.origin;
  }
  const basePath = target.pathname.replace(/\/+$/, "");
  const statics = [["/pkg/", resolve(dist)], ["/", resolve(www)]]; // longest prefix first

  /** Forwards req to the upstream. `withKey`: add the Authorization header; `keepHost`: send the
   * browser's Host (mock mode, so the mock's result/preview URLs point back at this server). */
  function forward(req, res, { withKey, keepHost }) {
    const headers = { "user-agent": "deapi-wasm-demo" };
    for (const h of KEEP_REQUEST) if (req.headers[h] !== undefined) headers[h] = req.headers[h];
    if (withKey) headers.authorization = `Bearer ${apiKey}`;
    headers.host = keepHost && req.headers.host ? req.headers.host : target.host;
    const lib = target.protocol === "https:" ? https : http;
    const up = lib.request({
      protocol: target.protocol, hostname: target.hostname, port: target.port || undefined,
      method: req.method, path: basePath + req.url, headers,
    }, (upRes) => {
      const out = {};
      for (const [k, v] of Object.entries(upRes.headers)) if (KEEP_RESPONSE.has(k) || k.startsWith("x-ratelimit-")) out[k] = v;
      res.writeHead(upRes.statusCode ?? 502, out);
      upRes.pipe(res);
      upRes.on("error", () => res.destroy());
    });
    // No answer from the upstream (refused, reset, DNS): the browser gets no answer either, so the
    // page sees the same network failure (ConnectionError) it would see calling deAPI directly.
    up.on("error", () => res.destroy());
    res.on("close", () => { if (!res.writableFinished) up.destroy(); });
    req.pipe(up); // the body as is (JSON, multipart with its boundary, empty)
  }

  async function serveStatic(req, res, path) {
    const entry = statics.find(([prefix]) => path.startsWith(prefix));
    if (!entry) return false;
    const [prefix, dir] = entry;
    let rel;
    try { rel = decodeURIComponent(path.slice(prefix.length)); } catch { return false; }
    let file = resolve(dir, "." + sep + rel);
    if (file !== dir && !file.startsWith(dir + sep)) return false;
    let st = await stat(file).catch(() => null);
    if (st?.isDirectory()) {
      if (!path.endsWith("/")) {
        res.writeHead(301, { Location: path + "/" }).end();
        return true;
      }
      file = join(file, "index.html");
      st = await stat(file).catch(() => null);
    }
    if (!st?.isFile()) return false;
    res.writeHead(200, {
      "Content-Type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
      "Content-Length": st.size,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    });
    if (req.method === "HEAD") return res.end(), true;
    createReadStream(file).on("error", () => res.destroy()).pipe(res);
    return true;
  }

  const notFound = (res, message = "Not Found") => {
    const body = JSON.stringify({ message });
    res.writeHead(404, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
  };

  /**
   * The proxy spends the key's credit, so only this page may use it: a request from another site
   * (its Origin is sent on every cross-origin fetch and form post) or through a rebound DNS name
   * (a Host that is not this server's) is refused before it reaches the upstream.
   */
  let allowedHosts = new Set(); // filled in once the port is known
  const anyHost = host === "0.0.0.0" || host === "::"; // bound to every interface on purpose
  function refused(req) {
    const hostOk = typeof req.headers.host === "string" && (anyHost || allowedHosts.has(req.headers.host.toLowerCase()));
    if (!hostOk) return "this demo server answers only on its own address";
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) return "cross-origin requests are refused by the demo proxy";
    if (req.headers["sec-fetch-site"] === "cross-site") return "cross-site requests are refused by the demo proxy";
    return null;
  }

  const server = http.createServer(async (req, res) => {
    try {
      const path = new URL(req.url, "http://demo.invalid").pathname;
      const api = path === "/api" || path.startsWith("/api/");
      const toMock = mock && (path.startsWith("/results/") || path === "/__mock" || path.startsWith("/__mock/"));
      if (api || toMock) {
        const why = refused(req);
        if (why) {
          req.resume();
          const body = JSON.stringify({ message: `Forbidden: ${why}.` });
          return res.writeHead(403, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
        }
      }
      if (api) return forward(req, res, { withKey: true, keepHost: !!mock });
      if (toMock) return forward(req, res, { withKey: false, keepHost: true });
      req.resume();
      if ((req.method === "GET" || req.method === "HEAD") && await serveStatic(req, res, path)) return;
      if (path === "/favicon.ico") return res.writeHead(204).end();
      notFound(res);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`demo server error: ${e.message}`);
    }
  });
  const sockets = new Set();
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  try {
    await new Promise((ok, fail) => {
      server.once("error", fail);
      server.listen(port, host, () => { server.off("error", fail); ok(); });
    });
  } catch (e) {
    await mock?.close();
    throw e;
  }
  const actual = server.address().port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${actual}`;
  allowedHosts = new Set(["127.0.0.1", "localhost", "[::1]", host.includes(":") ? `[${host}]` : host].map((h) => `${h}:${actual}`.toLowerCase()));
  let closing;
  return {
    url, port: actual, mock, upstream: label, server,
    close() {
      closing ??= new Promise((ok) => {
        server.close(() => ok());
        for (const s of sockets) s.destroy();
      }).then(() => mock?.close());
      return closing;
    },
  };
}

async function main(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], val = () => {
      if (argv[i + 1] === undefined) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--port") opts.port = Number(val());
    else if (a === "--host") opts.host = val();
    else throw new Error(`unknown argument ${a} (usage: demo-server.mjs [--port N] [--host H])`);
  }
  if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port >= 0 && opts.port < 65536)) throw new Error("--port needs 0–65535");
  const demo = await startDemo(opts);
  process.stdout.write(`deapi-wasm demo: ${demo.url}/ (upstream: ${demo.upstream})\n`);
  const stop = () => demo.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`deapi-wasm demo: ${e.message}\n`);
    process.exit(1);
  });
}
