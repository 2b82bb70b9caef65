// A real redis-server for the tests (Debian's package, installed by scripts/setup.sh): started on a unix
// socket in a temp dir, no persistence, no TCP port; stopped by its PID. `startRedis()` resolves with
// `{ skip }` (the reason) where the binary is not installed, so a test can skip and say why.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";

/** The redis-server binary, or null. */
export function redisServerPath() {
  for (const p of ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]) if (existsSync(p)) return p;
  const w = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  return w.status === 0 && w.stdout.trim() ? w.stdout.trim() : null;
}

/** Resolves true once `PING` on the socket answers `+PONG`. */
export function ping(socket, ms = 1000) {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    const done = (ok) => { clearTimeout(t); c.destroy(); resolve(ok); };
    const t = setTimeout(() => done(false), ms);
    c.on("error", () => done(false));
    c.on("connect", () => c.write("PING\r\n"));
    c.on("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

/**
 * Starts redis-server on `socket` (default: redis.sock in a fresh /tmp/fleet-redis-XXXXXX dir; a given
 * socket's dir is made if missing: a restart on the same path). Resolves with `{ socket, pid, stop(keep),
 * kill(keep) }` (`stop`: SIGTERM, then SIGKILL after 3 s; `kill`: SIGKILL at once, as a crash; both
 * resolve when the process has exited and remove its /tmp/fleet-redis-* dir unless `keep`/`keepDir`), or
 * with `{ skip }` when redis-server is not installed.
 */
export async function startRedis({ socket, keepDir = false } = {}) {
  const bin = redisServerPath();
  if (!bin) return { skip: "redis-server is not installed (scripts/setup.sh installs Debian's redis-server with apt-get)" };
  const dir = socket ? dirname(socket) : mkdtempSync("/tmp/fleet-redis-");
  if (socket) mkdirSync(dir, { recursive: true });
  const sock = socket ?? join(dir, "redis.sock");
  const child = spawn(bin, [
    "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
    "--dir", dir, "--daemonize", "no", "--loglevel", "warning",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const end = Date.now() + 10_000;
  while (!(await ping(sock, 200))) {
    if (child.exitCode !== null || Date.now() > end) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not start on ${sock}: ${stderr.trim() || "no answer within 10 s"}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const finish = async (signal, keep = keepDir) => {
    if (child.exitCode === null && child.signalCode === null) {
      try { process.kill(child.pid, signal); } catch { /* gone */ }
      let timer;
      const late = new Promise((r) => { timer = setTimeout(() => r("late"), 3000); });
      if (await Promise.race([exited, late]) === "late") {
        try { process.kill(child.pid, "SIGKILL"); } catch { /* gone */ }
        await exited;
      }
      clearTimeout(timer);
    }
    child.stderr.destroy();
    child.unref();
    if (!keep && dir.startsWith("/tmp/fleet-redis-")) rmSync(dir, { recursive: true, force: true });
  };
  return { socket: sock, pid: child.pid, dir, stop: (keep) => finish("SIGTERM", keep), kill: (keep) => finish("SIGKILL", keep) };
}
