// Cloudflare Workers: the packed package in a Worker under `wrangler dev` (local workerd, no account,
// nothing but loopback), with zero package-specific configuration — a wrangler.toml with a name, a
// main and a compatibility date. The Worker is the kind of small server-side proxy this package is
// used for: a call, a 422 with its fields (`instanceof ValidationError` inside the Worker), and a call
// the client retries after a 500. wrangler (pinned) and Node 22 (wrangler 4 needs it) come from the
// runtime cache of tests/package/support.mjs; each is skipped with its reason when it cannot be installed
// (a failure under CI=true).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMock } from "../mock/server.mjs";
import { createRequire } from "node:module";
const { DeapiClient } = createRequire(import.meta.url)("../../pkg");
import { freePort, installRuntime, installs, pack, sh, skipUnavailable } from "./support.mjs";
import { stop } from "../support.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tmp = realpathSync(mkdtempSync(join(tmpdir(), "deapi-wasm-workers-")));
let mock, tarball;


const WORKER = `import { DeapiClient, ValidationError, verifyWebhook, createProxy } from "deapi-wasm";
let proxy;
export default {
  async fetch(request, env) {
    // createProxy is a Worker's fetch handler as it is
    // (with realtime: GET /api/deapi/events/{requestId} is the relay, one job's events as SSE)
    if (new URL(request.url).pathname.startsWith("/api/deapi/")) return (proxy ??= createProxy({ apiKey: env.DEAPI_KEY, baseUrl: env.MOCK_URL,
      realtime: { clientId: env.DEAPI_KEY.split("|")[0], url: env.MOCK_RT_URL } }))(request);
    const client = new DeapiClient({ apiKey: env.DEAPI_KEY, baseUrl: env.MOCK_URL, retryBaseDelayMs: 1 });
    const out = { retries: [] };
    try {
      const retrying = new DeapiClient({ apiKey: env.DEAPI_KEY, baseUrl: env.MOCK_URL, retryBaseDelayMs: 1,
        onRetry: (ev) => out.retries.push([ev.attempt, ev.reason, ev.error.status]) });
      out.balance = await retrying.account.balance(); // the mock answers its first attempt with a 500
      await client.images.generate({ prompt: "a fox", model: "Flux1schnell", width: 100, height: 5000, guidance: 3.5, steps: 4, seed: 1 });
      out.error = null;
    } catch (e) {
      out.error = { validation: e instanceof ValidationError, error: e instanceof Error, name: e.name, status: e.status,
        fields: (e.errors || []).map((x) => x.field), message: e.message };
    }
    // verifyWebhook is in the server module the Worker entry loads (not in the browser's)
    const delivery = { payload: env.HOOK_BODY, timestamp: env.HOOK_TS, signature: env.HOOK_SIG, secret: env.HOOK_SECRET };
    out.webhook = await verifyWebhook(delivery).then((event) => ({ event }), (e) => ({ name: e.name, message: e.message }));
    out.forged = await verifyWebhook({ ...delivery, signature: "sha256=" + "0".repeat(64) }).then(() => null, (e) => ({ name: e.name, reason: e.reason }));
    return Response.json(out);
  },
};
`;

// A webhook delivery signed here with node:crypto (X-DeAPI-Signature: sha256=HMAC(secret, "ts.body")).
const HOOK = (() => {
  const body = JSON.stringify({ event: "job.completed", data: { status: "done" } });
  const ts = String(Math.floor(Date.now() / 1000)); // wrangler starts well within the default tolerance (300 s)
  const secret = "whsec_worker_test";
  return { body, ts, secret, sig: "sha256=" + createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex") };
})();

before(async () => {
  if (!existsSync(join(root, "pkg", "dist", "workerd.js"))) throw new Error("build the package first: node scripts/build.mjs");
  tarball = join(tmp, (await pack(join(root, "pkg"), tmp)).filename);
  mock = await startMock({ quiet: true });
});

after(async () => {
  installs.abort();
  await mock?.close();
  if (process.env.KEEP_TMP) console.log(`# kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
});

describe("Cloudflare Workers (wrangler dev, local workerd)", () => {
  it("a Worker imports the package by name (the workerd entry): a call, a 422 with its fields, a retried 500", { timeout: 300_000 }, async (t) => {
    const node22 = await installRuntime("node22");
    if (node22.skip) return skipUnavailable(t, node22.skip);
    const wrangler = await installRuntime("wrangler");
    if (wrangler.skip) return skipUnavailable(t, wrangler.skip);
    const dir = join(tmp, "worker");
    mkdirSync(join(dir, "src"), { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "matrix-worker", private: true, type: "module" }));
    await sh("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", "--no-update-notifier", tarball], { cwd: dir });
    writeFileSync(join(dir, "src", "index.js"), WORKER);
    writeFileSync(join(dir, "wrangler.toml"), `name = "deapi-wasm-matrix"\nmain = "src/index.js"\ncompatibility_date = "2025-06-01"\n`);
    const key = `9|Worker${process.pid}`;
    mock.addFaults({ key, path: "/account/balance", responses: [{ status: 500 }] });
    const port = await freePort();
    const dev = spawn(node22.bin, [wrangler.bin, "dev", "--port", String(port), "--ip", "127.0.0.1",
      "--var", `DEAPI_KEY:${key}`, "--var", `MOCK_URL:${mock.url}`, "--var", `MOCK_RT_URL:${mock.realtimeUrl}`,
      "--var", `HOOK_BODY:${HOOK.body}`, "--var", `HOOK_TS:${HOOK.ts}`, "--var", `HOOK_SIG:${HOOK.sig}`, "--var", `HOOK_SECRET:${HOOK.secret}`], {
      cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_UPDATE_NOTIFIER: "1", HOME: join(tmp, "home") },
    });
    let output = "";
    dev.stdout.on("data", (d) => { output += d; });
    dev.stderr.on("data", (d) => { output += d; });
    try {
      let out;
      for (let i = 0; i < 120 && out === undefined; i++) {
        if (dev.exitCode !== null) throw new Error(`wrangler dev exited ${dev.exitCode}:\n${output}`);
        try {
          const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(30_000) });
          out = await r.json();
        } catch {
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      assert.ok(out, `no answer from the Worker:\n${output}`);
      console.log(`# worker (${wrangler.version}, Node ${node22.version}): ${JSON.stringify(out)}`);
      assert.deepEqual(out.balance, { balance: 19.72 });
      assert.deepEqual(out.retries, [[1, "server_error", 500]], "the 500 was retried once");
      assert.equal(out.error.validation, true, JSON.stringify(out.error));
      assert.equal(out.error.error, true);
      assert.equal(out.error.name, "ValidationError");
      assert.equal(out.error.status, 422);
      assert.deepEqual([...new Set(out.error.fields)], ["width", "height"]);
      assert.deepEqual(out.webhook, { event: { event: "job.completed", data: { status: "done" } } }, "a signed delivery verifies in the Worker");
      assert.deepEqual(out.forged, { name: "WebhookVerificationError", reason: "mismatch" });
      // the proxy in the Worker: a keyless client's call goes through with the key; another site's form does not
      const viaProxy = new DeapiClient({ baseUrl: `http://127.0.0.1:${port}/api/deapi`, maxRetries: 0 });
      assert.deepEqual(await viaProxy.account.balance(), { balance: 19.72 });
      const forged = await fetch(`http://127.0.0.1:${port}/api/deapi/api/v2/images/generations`, {
        method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" }, body: "prompt=x" });
      assert.equal(forged.status, 403);
      const log = mock.requests({ key }).map((r) => `${r.method} ${r.path} ${r.status}`);
      assert.deepEqual(log, ["GET /api/v2/account/balance 500", "GET /api/v2/account/balance 200", "POST /api/v2/images/generations 422", "GET /api/v2/account/balance 200"]);
      // the relay in the Worker: a job submitted through the proxy, its events read back as SSE until done
      mock.configure({ jobSteps: { pending: 0, processing: 1 } });
      const job = await viaProxy.images.generate({ prompt: "a fox", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: 1 });
      const stream = await fetch(`http://127.0.0.1:${port}/api/deapi/events/${job.requestId}`, { signal: AbortSignal.timeout(60_000) });
      assert.equal(stream.headers.get("content-type"), "text/event-stream");
      const text = await stream.text();
      const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
      console.log(`# worker relay: ${events.join(", ")}; the Worker's socket: ${mock.realtime.sockets().length ? "connected" : "none"}`);
      assert.equal(events.at(-1), "done", text);
      assert.ok(events.slice(0, -1).every((e) => e === "status"), text);
      assert.match(text, new RegExp(`"request_id":"${job.requestId}"`));
      assert.equal(text.includes(key.split("|")[1]), false, "no key in the stream");
    } finally {
      await stop(dev, { group: true });
    }
  });
});
