// Node's transport (scripts/build.mjs appends this to the Node entry only; browsers and workers use
// fetch). Node's fetch (undici) costs about 25 % more per loopback request than node:http, and a
// per-attempt AbortSignal adds 7 % more inside it; this transport does what the SDK needs from
// fetch — status, headers, the body as text, redirects, gzip/deflate/br bodies, FormData uploads —
// on node:http/https with keep-alive agents (the global ones: proxies installed there apply), and
// cancels an attempt by destroying its request.
// `fetch: …` in the client's options replaces it (test doubles, proxies, another runtime's fetch).
function nodeTransport() {
  "use strict";
  // Loaded on first use, one scheme at a time (https pulls in TLS: a cold start that makes no call,
  // or calls a plain-http proxy, never pays for it).
  const schemes = {};
  const scheme = (protocol) => {
    if (!schemes[protocol] && (protocol === "http:" || protocol === "https:")) {
      schemes[protocol] = { lib: require(protocol === "http:" ? "node:http" : "node:https"), own: null };
    }
    return schemes[protocol];
  };
  /** The scheme's global agent, read at each request: Node 19+'s keeps connections alive (closing
   * idle ones after 5 s, sooner on a server's Keep-Alive hint), and whatever an app installs there — a
   * proxy agent, Node's NODE_USE_ENV_PROXY — is what the SDK uses too. Only Node 18's plain default,
   * which opens a connection per request, is replaced by a keep-alive agent of the same settings.
   * Idle keep-alive sockets never keep the process running. */
  const agentFor = (via) => {
    const g = via.lib.globalAgent;
    if (g && !(g.constructor === via.lib.Agent && !g.keepAlive)) return g;
    return via.own || (via.own = new via.lib.Agent({ keepAlive: true, timeout: 5000 }));
  };
  const MAX_REDIRECTS = 20; // as fetch
  const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location"];

  /** A failure before a response, shaped like fetch's: `message`, and `cause` with the system error's
   * message and code only (Node's parser errors also carry the raw bytes received: never handed on). */
  const failure = (message, e) => new TypeError(message, e ? { cause: Object.assign(new Error(String(e.message)), { code: e.code }) } : undefined);

  /** `(url, { method, headers, body }, onCancel)` → `{ status, headers: { get }, text() }`.
   * `onCancel` receives the function that aborts the attempt (timeout or the caller's signal). */
  async function transport(url, init, onCancel) {
    let cancelled = null;
    let current = null;
    onCancel((reason) => {
      cancelled = reason || new Error("aborted");
      if (current) current.destroy(cancelled);
    });
    let method = init.method || "GET";
    let body = init.body;
    const headers = {};
    for (const k of Object.keys(init.headers || {})) headers[k.toLowerCase()] = init.headers[k];
    if (body !== undefined && body !== null && typeof body !== "string") {
      // FormData (uploads): the runtime's own multipart encoder, as fetch would send it.
      const encoded = new Response(body);
      headers["content-type"] = encoded.headers.get("content-type");
      body = Buffer.from(await encoded.arrayBuffer());
    }
    let target = new URL(url);
    for (let redirects = 0; ; redirects++) {
      if (cancelled) throw cancelled;
      const via = scheme(target.protocol);
      if (!via) throw failure(`unsupported URL scheme ${target.protocol}`);
      if (body !== undefined && body !== null) headers["content-length"] = String(Buffer.byteLength(body));
      const res = await new Promise((resolve, reject) => {
        const req = (current = via.lib.request(target, { method, headers, agent: agentFor(via) }, resolve));
        req.on("error", (e) => reject(e === cancelled ? e : failure(e.message || "request failed", e)));
        req.end(body === null ? undefined : body);
      });
      const status = res.statusCode;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && status !== 304 && typeof location === "string") {
        res.resume(); // drain, so that the connection can be reused
        if (redirects >= MAX_REDIRECTS) throw failure("redirect count exceeded");
        let next;
        try {
          next = new URL(location, target);
        } catch (e) {
          throw failure(`invalid redirect location ${JSON.stringify(location)}`, e);
        }
        // As fetch: 303 (and 301/302 after a POST) continue as a GET without the body.
        if ((status === 303 && method !== "GET" && method !== "HEAD") || ((status === 301 || status === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
          for (const h of BODY_HEADERS) delete headers[h];
        }
        // As fetch: credentials never follow a redirect to another origin.
        if (next.origin !== target.origin) {
          delete headers.authorization;
          delete headers.cookie;
          delete headers["proxy-authorization"];
        }
        target = next;
        continue;
      }
      return response(res);
    }
  }

  function response(res) {
    const h = res.headers;
    return {
      status: res.statusCode,
      headers: { get: (name) => { const v = h[name.toLowerCase()]; return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v; } },
      text: () => new Promise((resolve, reject) => {
        const coding = String(h["content-encoding"] || "").trim().toLowerCase();
        const zlib = coding ? require("node:zlib") : null;
        const decoder = coding === "gzip" || coding === "x-gzip" ? zlib.createGunzip() : coding === "deflate" ? zlib.createInflate()
          : coding === "br" ? zlib.createBrotliDecompress() : null;
        const stream = decoder ? res.pipe(decoder) : res;
        const chunks = [];
        // A body cut off before its end (or a cancelled attempt) errors the response stream.
        const fail = (e) => reject(e instanceof Error ? e : new Error("terminated"));
        res.on("error", fail);
        res.on("close", () => { if (!res.complete) fail(new Error("terminated")); });
        if (decoder) decoder.on("error", fail);
        stream.on("data", (c) => chunks.push(c));
        stream.on("end", () => {
          if (!res.complete) return fail(new Error("terminated"));
          const text = Buffer.concat(chunks).toString("utf8");
          resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text); // fetch's text() drops a BOM
        });
      }),
    };
  }
  return transport;
}
