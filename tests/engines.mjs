// The browser engines besides Chromium (tests/chromium.mjs), from Debian's packages only (scripts/setup.sh
// installs them; nothing is downloaded):
//   firefox  firefox-esr, driven by puppeteer-core over WebDriver BiDi (headless)
//   webkit   WebKitGTK's MiniBrowser, driven by webkit2gtk-driver's WebKitWebDriver over classic WebDriver
//            HTTP (the small client below: a session, navigation, async scripts), under xvfb-run (the
//            MiniBrowser needs a display; it has no headless mode)
// Both are wrapped in one small interface so a test file runs the same scenarios in each:
//   goto(url), evaluate(fn, arg) (an async function run in the page; its JSON result comes back),
//   waitFor(fn, arg) (evaluate until truthy), version, close().
// `unavailable(name)` says why an engine cannot run here (its package is missing), or null.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";

export const FIREFOX_PATH = process.env.FIREFOX || "/usr/bin/firefox-esr";
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER || "/usr/bin/WebKitWebDriver";
// Debian's libwebkit2gtk-4.1-0 ships the MiniBrowser here (`dpkg -L libwebkit2gtk-4.1-0`); webkit2gtk-driver depends on it.
export const MINIBROWSER = process.env.MINIBROWSER || "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
export const XVFB_RUN = "/usr/bin/xvfb-run";
const TIMEOUT = 60_000;

const need = { firefox: [["firefox-esr", FIREFOX_PATH]], webkit: [["webkit2gtk-driver", WEBKIT_DRIVER], ["libwebkit2gtk-4.1-0", MINIBROWSER], ["xvfb", XVFB_RUN]] };

/** Why `name` cannot run on this machine (a Debian package missing), or null. */
export function unavailable(name) {
  const missing = need[name].filter(([, path]) => !existsSync(path));
  return missing.length ? `${missing.map(([pkg, path]) => `${path} (Debian ${pkg})`).join(", ")} not installed: run scripts/setup.sh` : null;
}

export const launch = { firefox: launchFirefox, webkit: launchWebKit };

/** An async function (arg) → JSON value, as a page script whose result is that JSON's text: both
 * protocols then return it alike (WebKitWebDriver's own serialization does not keep an object's key order). */
const asJson = (fn) => `async (arg) => JSON.stringify((await (${fn})(arg)) ?? null)`;

async function waitFor(engine, fn, arg, what = String(fn)) {
  const end = Date.now() + TIMEOUT;
  for (;;) {
    if (await engine.evaluate(fn, arg)) return;
    if (Date.now() > end) throw new Error(`${engine.name}: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function launchFirefox() {
  const { default: puppeteer } = await import("puppeteer-core");
  const browser = await puppeteer.launch({ browser: "firefox", executablePath: FIREFOX_PATH, headless: true, protocolTimeout: TIMEOUT });
  const page = await browser.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  const engine = {
    name: "Firefox ESR",
    version: (await browser.version()).replace(/^firefox\//, ""),
    problems,
    async goto(url) { await page.goto(url); },
    async evaluate(fn, arg) { return JSON.parse(await page.evaluate((src, arg) => (0, eval)(src)(arg), asJson(fn), arg ?? null)); },
    waitFor: (fn, arg, what) => waitFor(engine, fn, arg, what),
    async close() { await browser.close(); },
  };
  return engine;
}

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); }).on("error", reject);
});

async function launchWebKit() {
  const port = await freePort();
  // The driver says its pid (a shell that then becomes it): close() ends the driver (and so its
  // MiniBrowser), then xvfb-run stops its Xvfb and removes its temporary directory itself. Its own process
  // group, so that whatever is left after 5 s (or on a failed start) ends together.
  const child = spawn(XVFB_RUN, ["-a", "sh", "-c", `echo "$$"; exec "${WEBKIT_DRIVER}" --port=${port}`],
    { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "", stdout = "";
  child.stderr.on("data", (d) => { stderr += d; });
  child.stdout.on("data", (d) => { stdout += d; });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const killGroup = () => { try { process.kill(-child.pid, "SIGTERM"); } catch { /* gone */ } };
  const kill = async () => {
    const driver = Number(stdout.split("\n")[0]);
    try { if (driver > 0) process.kill(driver, "SIGTERM"); } catch { /* gone */ }
    const timer = setTimeout(killGroup, 5000);
    await exited;
    clearTimeout(timer);
  };
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const r = await fetch(base + path, { method, headers: { "Content-Type": "application/json" }, body: body && JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT + 5000) });
    const out = await r.json();
    if (!r.ok) throw new Error(`WebKitWebDriver ${method} ${path}: ${r.status} ${out.value?.error}: ${out.value?.message}`);
    return out.value;
  };
  try {
    const end = Date.now() + 20_000; // the driver's port opens once xvfb-run has a display
    for (;;) {
      try { await call("GET", "/status"); break; } catch (e) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`WebKitWebDriver did not start: ${e.message}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const session = await call("POST", "/session", { capabilities: { alwaysMatch: {
      "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] },
    } } });
    const s = `/session/${session.sessionId}`;
    await call("POST", `${s}/timeouts`, { script: TIMEOUT, pageLoad: TIMEOUT });
    const engine = {
      name: "WebKitGTK",
      version: session.capabilities.browserVersion,
      problems: [], // classic WebDriver has no console or error events: pages record their own
      async goto(url) { await call("POST", `${s}/url`, { url }); },
      async evaluate(fn, arg) {
        // The script is a function body: its last argument is the callback that ends the async script.
        const script = `const done = arguments[1];
          Promise.resolve().then(() => (${asJson(fn)})(arguments[0])).then(
            (v) => done({ ok: true, v }),
            (e) => done({ ok: false, e: String(e && e.stack ? e + "\\n" + e.stack : e) }));`;
        const out = await call("POST", `${s}/execute/async`, { script, args: [arg ?? null] });
        if (!out.ok) throw new Error(`in WebKitGTK: ${out.e}`);
        return JSON.parse(out.v);
      },
      waitFor: (fn, arg, what) => waitFor(engine, fn, arg, what),
      async close() {
        try { await call("DELETE", s); } finally { await kill(); }
      },
    };
    return engine;
  } catch (e) {
    killGroup();
    throw e;
  }
}
