// Helpers shared by the test levels (no package, no mock: importable from anywhere under tests/).
import { spawn } from "node:child_process";

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
