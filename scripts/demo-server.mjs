#!/usr/bin/env node
// The demo server (no dependencies): serves the demo page (www/) at / and the built package
// (pkg/dist) at /pkg/, and answers /api/deapi/* with the package's own proxy (`createProxy`, the one
// README "Proxy mode" shows), which forwards deAPI's operations to an upstream deAPI with the key. The
// browser never sees a key: the page calls this server in keyless proxy mode
// (`new DeapiClient({ baseUrl: "/api/deapi" })`).
//
// Upstream:
//   default                 an embedded mock deAPI (tests/mock/server.mjs) on a free port, called with
//                           the mock key 1|demoKey123; /results/* (job files) and /__mock/* (its control
//                           API: faults, request log) are forwarded to it too.
//   DEAPI_API_KEY=…         the real deAPI (https://api.deapi.ai, or DEAPI_BASE_URL: https, or http to a
//                           loopback address) with `Authorization: Bearer $DEAPI_API_KEY`.
//
// Host names: the demo answers only requests addressed to it — its own address, localhost, IP
// addresses, and the names in DEMO_ALLOWED_HOSTS (comma-separated) — so a DNS-rebinding page cannot
// spend the key, on 0.0.0.0 too.
//
//   node scripts/demo-server.mjs [--port N] [--host H]      (PORT env, default 8787; --port 0: a free port)
//
// For tests: `import { startDemo } from "./scripts/demo-server.mjs"`;
// `const demo = await startDemo({ port: 0 })` → `{ url, port, mock, upstream, close() }`.
import http from "node:http";
import https from "node:https";
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import { isIP } from "node:net";
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
/** Where the page's client sends its calls (its `baseUrl`), and the proxy's `prefix`. */
export const API_PREFIX = "/api/deapi";
/** Response headers of the mock's /results/ and /__mock/ answers that reach the browser. */
const KEEP_RESPONSE = new Set(["content-type", "content-length", "content-encoding", "retry-after"]);
/** Request headers of the browser that reach the mock's /__mock/ control API. */
const KEEP_REQUEST = ["accept", "content-type", "content-length"];
/** The browser's Host during one proxied call (mock mode: the mock writes result URLs for it). */
const browserHost = new AsyncLocalStorage();

/**
 * Starts the demo server.
 *   port      default: $PORT or 8787; 0 = a free port
 *   host      default 127.0.0.1
 *   upstream  "mock" (default unless DEAPI_API_KEY is set) or { baseUrl, apiKey } for a real deAPI
 *   mockOptions  extra startMock options (mock mode)
 *   allowedHosts extra host names the demo answers to (default: $DEMO_ALLOWED_HOSTS)
 *   pkg       the package to take createProxy from (default: the built one, pkg/)
 */
/** The proxy's `realtime` (its relay serves the page's job streams at /api/deapi/events/{requestId}):
 * the embedded mock's socket, or deAPI's with DEAPI_CLIENT_ID (from the deAPI dashboard); without one
 * the relay path is a 404 and the page polls. Node 20 has no global WebSocket: the `ws` package. */
function realtimeOf(mock) {
  const clientId = mock ? DEMO_MOCK_KEY.split("|")[0] : process.env.DEAPI_CLIENT_ID;
  if (!clientId) return undefined;
  const WebSocket = globalThis.WebSocket ?? createRequire(import.meta.url)("ws").WebSocket;
  return { clientId, WebSocket, ...(mock ? { url: mock.realtimeUrl } : {}) };
}

export async function startDemo({ port, host = "127.0.0.1", upstream, mockOptions = {}, www = join(ROOT, "www"), dist = join(ROOT, "pkg", "dist"),
  allowedHosts: extraHosts = (process.env.DEMO_ALLOWED_HOSTS || "").split(",").map((h) => h.trim()).filter(Boolean), pkg = join(ROOT, "pkg") } = {}) {
  port ??= process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT;
  upstream ??= process.env.DEAPI_API_KEY
    ? { baseUrl: process.env.DEAPI_BASE_URL || "https://api.deapi.ai", apiKey: process.env.DEAPI_API_KEY }
    : "mock";
  const { createProxy, toNodeListener } = createRequire(import.meta.url)(pkg);

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
  // The package's proxy: only deAPI's operations, only from this site's pages, bodies a page cannot
  // forge, the key added; upstream failures become 502/504 JSON answers. A bad DEAPI_BASE_URL (plain
  // http to another host) is refused here, before the server starts. In mock mode the mock is told the
  // browser's Host (X-Forwarded-Host), so the result URLs it writes point back at this server.
  const forwardedFetch = (url, init) => fetch(url, { ...init, headers: { ...init.headers, "x-forwarded-host": browserHost.getStore() ?? "" } });
  let proxy;
  try {
    proxy = toNodeListener(createProxy({ apiKey, baseUrl: target.href.replace(/\/+$/, ""), prefix: API_PREFIX, fetch: mock ? forwardedFetch : undefined, realtime: realtimeOf(mock) }));
  } catch (e) {
    await mock?.close();
    throw e;
  }
  const statics = [["/pkg/", resolve(dist)], ["/", resolve(www)]]; // longest prefix first

  /** Forwards a GET of a mock result file or a call of the mock's control API (mock mode only), by its
   * normalised path and query, with no key. */
  function toMock(req, res, url) {
    const headers = { "user-agent": "deapi-wasm-demo", host: req.headers.host };
    for (const h of KEEP_REQUEST) if (req.headers[h] !== undefined) headers[h] = req.headers[h];
    const up = http.request({ hostname: target.hostname, port: target.port, method: req.method, path: url.pathname + url.search, headers }, (upRes) => {
      const out = {};
      for (const [k, v] of Object.entries(upRes.headers)) if (KEEP_RESPONSE.has(k)) out[k] = v;
      res.writeHead(upRes.statusCode ?? 502, out);
      upRes.pipe(res);
      upRes.on("error", () => res.destroy());
    });
    up.on("error", () => res.destroy());
    res.on("close", () => { if (!res.writableFinished) up.destroy(); });
    req.pipe(up);
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
        // a path of single slashes (checked below): the Location stays on this site
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

  const answer = (res, status, message) => {
    const body = JSON.stringify({ message });
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
  };

  /**
   * Only requests addressed to this server by a name it knows: a DNS-rebinding page (a name of the
   * attacker's, resolved to this machine) sends its own name as Host. IP addresses cannot be rebound.
   */
  let ownHosts = new Set(); // filled in once the port is known
  function hostAllowed(hostHeader) {
    if (typeof hostHeader !== "string") return false;
    const h = hostHeader.toLowerCase();
    if (ownHosts.has(h)) return true;
    const name = h.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
    return isIP(name) !== 0 || name === "localhost" || extraHosts.some((x) => x.toLowerCase() === name);
  }
  /** The mock's control API and files: this page's only (its Origin, or Sec-Fetch-Site: same-origin). */
  function crossSite(req) {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) return true;
    const site = req.headers["sec-fetch-site"];
    return site !== undefined && site !== "same-origin" && site !== "none";
  }

  const server = http.createServer(async (req, res) => {
    try {
      // an absolute-form target (`GET http://elsewhere/…`) or one with `//` or `\` is never the page's
      if (typeof req.url !== "string" || !req.url.startsWith("/") || /\/\/|\\/.test(req.url.split("?")[0])) {
        req.resume();
        return answer(res, 400, "Bad Request: the request target must be a plain path");
      }
      if (!hostAllowed(req.headers.host)) {
        req.resume();
        return answer(res, 403, "Forbidden: this demo server answers only on its own address (DEMO_ALLOWED_HOSTS adds names).");
      }
      const url = new URL(req.url, "http://demo.invalid");
      const path = url.pathname;
      if (path === API_PREFIX || path.startsWith(API_PREFIX + "/")) return browserHost.run(req.headers.host, () => proxy(req, res));
      const mockPath = mock && (path.startsWith("/results/") || path.startsWith("/__mock/"));
      if (mockPath) {
        const method = path.startsWith("/results/") ? ["GET", "HEAD"] : ["GET", "POST", "DELETE"];
        if (!method.includes(req.method)) return req.resume(), answer(res, 405, "Method Not Allowed");
        if (crossSite(req)) return req.resume(), answer(res, 403, "Forbidden: cross-site requests are refused by the demo.");
        return toMock(req, res, url);
      }
      req.resume();
      if ((req.method === "GET" || req.method === "HEAD") && await serveStatic(req, res, path)) return;
      if (path === "/favicon.ico") return res.writeHead(204).end();
      answer(res, 404, "Not Found");
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end("demo server error");
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
  ownHosts = new Set([host.includes(":") ? `[${host}]` : host].map((h) => `${h}:${actual}`.toLowerCase()));
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
