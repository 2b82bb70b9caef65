// A small local stand-in for Upstash's REST API, so @upstash/redis can be tested offline: `POST /` with a
// JSON command array (`["EVALSHA", sha, "2", k1, k2, …]`) and `Authorization: Bearer <token>` is forwarded
// to a real redis-server (an ioredis connection on its unix socket) and answered `{ result }` or, with
// status 400, `{ error }` — string results base64-encoded when the client sends `Upstash-Encoding: base64`,
// as Upstash does; `POST /pipeline` (the client's auto-pipelining) runs a list of them. No /multi-exec.
import http from "node:http";
import { Redis } from "ioredis";

const encode = (v) => (typeof v === "string" ? Buffer.from(v).toString("base64") : Array.isArray(v) ? v.map(encode) : v);

/** Starts the endpoint on 127.0.0.1 → `{ url, token, commands, close() }` (`commands`: the names received). */
export async function startUpstashRest({ socket, token = "local-test-token" }) {
  const redis = new Redis({ path: socket, maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on("error", () => {}); // a killed redis-server: each command answers an error
  const commands = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const send = (status, body) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: "Unauthorized" });
      let body;
      try { body = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { return send(400, { error: "ERR failed to parse command" }); }
      const b64 = req.headers["upstash-encoding"] === "base64";
      const run = async (cmd) => {
        if (!Array.isArray(cmd) || !cmd.length) return { error: "ERR command must be an array" };
        commands.push(String(cmd[0]).toUpperCase());
        try {
          const result = await redis.call(String(cmd[0]), ...cmd.slice(1).map(String));
          return { result: b64 ? encode(result) : result };
        } catch (e) {
          return { error: e.message };
        }
      };
      if (req.url === "/pipeline") { // the client's auto-pipelining: [[cmd…], …] → [{ result } | { error }, …]
        if (!Array.isArray(body)) return send(400, { error: "ERR a pipeline is an array of commands" });
        const out = [];
        for (const cmd of body) out.push(await run(cmd));
        return send(200, out);
      }
      const one = await run(body);
      send(one.error ? 400 : 200, one);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`, token, commands,
    close: () => new Promise((resolve) => { redis.disconnect(); server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
