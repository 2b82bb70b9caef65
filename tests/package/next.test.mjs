// Next.js 16 App Router: the packed package in an app with zero package-specific configuration (no
// next.config, no serverExternalPackages) — a client component that calls deAPI in the browser
// (keyless, through createProxy in a catch-all route handler) and a route handler that calls it on the server with a key — built
// with Turbopack (the default) and with `--webpack`, each started with `next start`: the page in
// Chromium, the route handler fetched from here; a call and a 422 with its fields in each.
// Next.js and React (pinned) come from the runtime cache of tests/package/support.mjs (skipped with
// the reason when they cannot be installed; a failure under CI=true).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { launchChromium } from "../chromium.mjs";
import { startMock } from "../mock/server.mjs";
import { freePort, installRuntime, installs, pack, sh, skipUnavailable } from "./support.mjs";
import { stop } from "../support.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sdk = createRequire(import.meta.url)(join(root, "pkg")); // the test's own client (the app installs the tarball)
const tmp = realpathSync(mkdtempSync(join(tmpdir(), "deapi-wasm-next-")));
let mock, tarball, browser, next, app, nextBin;

const BAD = `{ prompt: "a fox", model: "Flux1schnell", width: 100, height: 5000, guidance: 3.5, steps: 4, seed: 1 }`;
const FILES = {
  "app/layout.js": `export default function RootLayout({ children }) { return <html lang="en"><body>{children}</body></html>; }\n`,
  "app/page.js": `"use client";
import { useEffect, useState } from "react";
import { DeapiClient, ValidationError } from "deapi-wasm";
export default function Page() {
  const [state, setState] = useState("loading");
  useEffect(() => {
    (async () => {
      const out = {};
      const client = new DeapiClient({ baseUrl: "/api/deapi" }); // keyless: the key stays in the proxy route
      out.balance = await client.account.balance();
      try { await client.images.generate(${BAD}); } catch (e) {
        out.error = { validation: e instanceof ValidationError, status: e.status, fields: e.errors.map((x) => x.field) };
      }
      window.__result = out;
      setState("done");
    })().catch((e) => { window.__result = { fatal: String((e && e.stack) || e) }; setState("failed"); });
  }, []);
  return <p id="state">{state}</p>;
}
`,
  // createProxy as the route handler itself: the key added on the server
  "app/api/deapi/[...path]/route.js": `import { createProxy } from "deapi-wasm";
export const dynamic = "force-dynamic";
const proxy = createProxy({ apiKey: process.env.DEAPI_KEY, baseUrl: process.env.MOCK_URL });
export const GET = (request) => proxy(request);
export const POST = (request) => proxy(request);
`,
  // the relay as a route handler (README: Realtime → Relay): one job's events as SSE
  "app/api/jobs/[id]/events/route.js": `import { DeapiClient } from "deapi-wasm";
export const dynamic = "force-dynamic";
const deapi = new DeapiClient({ apiKey: process.env.DEAPI_KEY, baseUrl: process.env.MOCK_URL });
export const GET = async (request, { params }) => deapi.realtime.relay((await params).id, { signal: request.signal, pollIntervalMs: 20 });
`,
  "app/api/check/route.js": `import { DeapiClient, ValidationError } from "deapi-wasm";
export const dynamic = "force-dynamic";
export async function GET() {
  const client = new DeapiClient({ apiKey: process.env.DEAPI_KEY, baseUrl: process.env.MOCK_URL, retryBaseDelayMs: 1 });
  const out = { balance: await client.account.balance() };
  try { await client.images.generate(${BAD}); } catch (e) {
    out.error = { validation: e instanceof ValidationError, status: e.status, fields: e.errors.map((x) => x.field) };
  }
  return Response.json(out);
}
`,
};

before(async () => {
  if (!existsSync(join(root, "pkg", "dist", "index.cjs"))) throw new Error("build the package first: node scripts/build.mjs");
  tarball = join(tmp, (await pack(join(root, "pkg"), tmp)).filename);
  mock = await startMock({ quiet: true, allowKeyless: true });
  next = await installRuntime("next16");
  if (next.skip) return;
  // The app: the tarball installed, then the cached Next.js + React copied beside it (Turbopack wants
  // node_modules inside the project; npm would prune packages its manifest does not name).
  app = join(tmp, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "matrix-next", private: true, type: "module" }));
  await sh("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", "--no-update-notifier", tarball], { cwd: app });
  cpSync(join(next.dir, "node_modules"), join(app, "node_modules"), { recursive: true, verbatimSymlinks: true });
  nextBin = join(app, "node_modules", "next", "dist", "bin", "next");
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(app, file)), { recursive: true });
    writeFileSync(join(app, file), text);
  }
});

after(async () => {
  installs.abort();
  await browser?.close();
  await mock?.close();
  if (process.env.KEEP_TMP) console.log(`# kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
});

describe("Next.js 16 App Router (zero configuration)", () => {
  for (const [label, flags] of [["Turbopack (the default)", []], ["webpack (--webpack)", ["--webpack"]]]) {
    it(`next build with ${label}: a client page in Chromium and a route handler on the server`, { timeout: 300_000 }, async (t) => {
      if (next.skip) return skipUnavailable(t, next.skip);
      const key = `8|Next${process.pid}${flags.length}`;
      const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NEXT_PUBLIC_MOCK_URL: mock.url, MOCK_URL: mock.url, DEAPI_KEY: key };
      rmSync(join(app, ".next"), { recursive: true, force: true });
      const built = await sh(process.execPath, [nextBin, "build", ...flags], { cwd: app, env, timeout: 240_000 });
      assert.match(built.stdout, /Compiled successfully|Compiled/);
      const port = await freePort();
      const server = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], { cwd: app, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
      let output = "";
      server.stdout.on("data", (d) => { output += d; });
      server.stderr.on("data", (d) => { output += d; });
      try {
        let api;
        for (let i = 0; i < 60 && api === undefined; i++) {
          try {
            api = await (await fetch(`http://127.0.0.1:${port}/api/check`)).json();
          } catch {
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        assert.ok(api, `no answer from next start:\n${output}`);
        assert.deepEqual(api, { balance: { balance: 19.72 }, error: { validation: true, status: 422, fields: ["width", "width", "height", "height"] } }, output);
        browser ??= await launchChromium();
        const page = await browser.newPage();
        try {
          await page.goto(`http://127.0.0.1:${port}/`);
          await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
          const result = await page.evaluate(() => window.__result);
          assert.equal(result.fatal, undefined, result.fatal);
          assert.deepEqual(result, { balance: { balance: 19.72 }, error: { validation: true, status: 422, fields: ["width", "width", "height", "height"] } });
        } finally {
          await page.close();
        }
        const log = mock.requests({ key }).map((r) => `${r.method} ${r.path}`);
        assert.deepEqual(log, ["GET /api/v2/account/balance", "POST /api/v2/images/generations", "GET /api/v2/account/balance", "POST /api/v2/images/generations"],
          "the route handler's calls, then the page's through the proxy route, carried the key");
        const forged = await fetch(`http://127.0.0.1:${port}/api/deapi/api/v2/images/generations`, {
          method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" }, body: "prompt=x" });
        assert.equal(forged.status, 403, "another site's form is refused by the proxy route");
        // the relay route: a job submitted through the proxy route, its events read back until done
        const viaProxy = new sdk.DeapiClient({ baseUrl: `http://127.0.0.1:${port}/api/deapi`, maxRetries: 0 });
        const job = await viaProxy.images.generate({ prompt: "a fox", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: 1 });
        const stream = await fetch(`http://127.0.0.1:${port}/api/jobs/${job.requestId}/events`, { signal: AbortSignal.timeout(60_000) });
        assert.equal(stream.headers.get("content-type"), "text/event-stream");
        const text = await stream.text();
        const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
        assert.equal(events.at(-1), "done", text);
        assert.ok(events.length >= 2 && events.slice(0, -1).every((e) => e === "status"), text);
        assert.equal(text.includes(key.split("|")[1]), false, "no key in the stream");
        console.log(`# next ${next.version} ${label}: route handler and client page OK`);
      } finally {
        await stop(server, { group: true });
      }
    });
  }
});
