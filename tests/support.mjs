// Helpers shared by the test levels, importable from anywhere under tests/ (and bench/): loading this
// file loads neither the package nor the mock nor a browser — `requirePackage()` and `openChromium()`
// do, when called.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The package under test: `PKG` (a package directory), by default the repository's `pkg/`. */
export const pkgDir = resolve(process.env.PKG || join(root, "pkg"));
/** The built package's files (`pkg/dist`; the browser tests serve it). */
export const dist = join(root, "pkg", "dist");

/** Builds the package (`node scripts/build.mjs`) unless `pkg/dist/<file>` is already there. */
export function ensureBuilt(file = "browser.js") {
  if (!existsSync(join(dist, file))) execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "inherit" });
}

/** The package at `pkgDir` as `require` loads it (its CommonJS entry: Node's). */
export const requirePackage = () => createRequire(import.meta.url)(pkgDir);

/** `images.generate` params the mock accepts, with `over` merged in. */
export const validImage = (over = {}) => ({
  prompt: "a red fox", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: -1, ...over,
});

/** Headless Chromium (tests/chromium.mjs: Debian's chromium through playwright-core) with one browser
 * context whose waits time out after `timeout` ms. → `{ browser, context, newPage(ignore?), close() }`;
 * `newPage` opens a page whose uncaught errors and console errors are recorded in `page.problems`,
 * except those matching `ignore` (favicon 404s always). */
export async function openChromium({ viewport, timeout = 60_000 } = {}) {
  const { launchChromium } = await import("./chromium.mjs");
  const browser = await launchChromium();
  const context = await browser.newContext(viewport ? { viewport } : {});
  context.setDefaultTimeout(timeout);
  return {
    browser, context,
    async newPage(ignore) {
      const page = await context.newPage();
      page.problems = watchPage(page, ignore);
      return page;
    },
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
    },
  };
}

/** Records a page's uncaught errors and console errors (favicon 404s and lines matching `ignore`
 * left out) into the array it returns. */
export function watchPage(page, ignore) {
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const text = m.text();
    if (/favicon/.test(`${text} ${m.location()?.url ?? ""}`) || ignore?.test(text)) return;
    problems.push(`console: ${text}`);
  });
  return problems;
}

/** Resolves with `cond()`'s value once it is truthy (polled every 10 ms); fails after `ms` naming
 * `what`. A guard that turns a hang into a failure, not a timing claim. */
export async function until(cond, what, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Ends a server a test spawned, for certain: SIGTERM to it (to its whole process group when `group`:
 * spawned with `detached: true`), SIGKILL after `graceMs` if it has not exited, then its pipes are
 * destroyed and it is unref'd. A child, or a grandchild holding its pipes (workerd under wrangler),
 * that outlives its test must not keep the test file's process, and so `node --test`, alive. */
export async function stop(child, { group = false, graceMs = 5_000 } = {}) {
  const signal = (sig) => { try { process.kill(group ? -child.pid : child.pid, sig); } catch { /* gone */ } };
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", () => resolve("exited")));
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(() => resolve("late"), graceMs); });
    signal("SIGTERM");
    if (await Promise.race([exited, late]) === "late") signal("SIGKILL");
    clearTimeout(timer);
  }
  if (group) signal("SIGKILL"); // the leader has exited; what it started may not have
  for (const s of [child.stdin, child.stdout, child.stderr]) s?.destroy();
  child.unref();
}

/** Runs `code` (`node -e`) in a child process; resolves with `{ status, out }` (its stdout) once it
 * exits by itself, rejects naming `what` if it still runs after `ms` (then it is killed). Pick `ms`
 * shorter than every timer the code under test could leave behind, so that one left makes it fail. */
export function exitsByItself(code, what, ms = 12_000) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => { out += d; });
    const guard = setTimeout(() => { p.kill(); reject(new Error(`the child (${what}) did not exit by itself; it printed: ${out}`)); }, ms);
    p.on("exit", (status) => { clearTimeout(guard); resolve({ status, out }); });
  });
}
