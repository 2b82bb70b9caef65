// Server entries only (scripts/build.mjs appends it to index.cjs, beside js/facade.js): Node's `http`
// adapter for a Web handler such as createProxy's. Browser and Worker entries get js/server-stub.js.
/**
 * Node's `http` listener `(req, res)` for a Web handler (createProxy's): the request becomes a
 * `Request` (body streamed, aborted when the client goes away), the `Response` is written back.
 * `http.createServer(toNodeListener(createProxy({ apiKey })))`.
 */
function nodeListener(handler) {
  if (typeof handler !== "function") throw new TypeError("toNodeListener(handler): pass the function createProxy returned");
  return (req, res) => {
    const fail = (status, message) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(status, { "content-type": "application/json", connection: "close" }).end(JSON.stringify({ message }));
    };
    let request;
    try {
      // an absolute-form target (`GET http://elsewhere/…`) is never a browser's
      if (typeof req.url !== "string" || !req.url.startsWith("/")) return fail(400, "Bad Request: the request target must be a path");
      const base = `${req.socket && req.socket.encrypted ? "https" : "http"}://${req.headers.host || "localhost"}`;
      const headers = new Headers();
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
      const gone = new AbortController();
      res.on("close", () => gone.abort());
      const it = req.method === "GET" || req.method === "HEAD" ? null : req[Symbol.asyncIterator]();
      const body = it && new ReadableStream({
        async pull(c) { const { value, done } = await it.next(); if (done) c.close(); else c.enqueue(value); },
        cancel() { req.resume(); }, // a refused body is drained, and the connection closed after the answer
      });
      request = new Request(new URL(req.url, base), { method: req.method, headers, body, duplex: "half", signal: gone.signal });
    } catch {
      return fail(400, "Bad Request");
    }
    Promise.resolve(handler(request)).then(async (response) => {
      const head = {};
      response.headers.forEach((value, name) => { head[name] = value; });
      if (!req.complete) head.connection = "close";
      res.writeHead(response.status, head);
      if (response.body && req.method !== "HEAD") for await (const chunk of response.body) res.write(chunk);
      res.end();
    }).catch(() => fail(500, "Internal Server Error"));
  };
}

