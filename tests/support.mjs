// Helpers shared by the test levels (no package, no mock: importable from anywhere under tests/).

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
