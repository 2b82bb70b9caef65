#!/usr/bin/env node
// Coverage of deAPI's v2 operations: every operation of the spec (tests/spec/operations-v2.json,
// re-derived from the full spec when a copy is at hand) must be reachable through an SDK method,
// and that method must be named by at least one passing test in the node test log.
// Usage: node tests/spec/coverage.mjs <tap log of `node --test tests/js/`>
// Which method reaches which path is found by behaviour, not by a table: every method of a client
// is called with an injected fetch that records the URL.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { operationsOf } from "./extract.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const committed = JSON.parse(readFileSync(join(here, "operations-v2.json"), "utf8")).operations;
let problems = [];

// 1. The committed list still matches the spec, when a copy of it is available.
const specPath = process.env.DEAPI_OPENAPI || resolve(root, "..", "shared", "openapi-v2.json");
if (existsSync(specPath)) {
  const fresh = operationsOf(JSON.parse(readFileSync(specPath, "utf8")));
  if (JSON.stringify(fresh) !== JSON.stringify(committed)) problems.push(`tests/spec/operations-v2.json differs from ${specPath}: run tests/spec/extract.mjs`);
  else console.log(`spec: the committed list matches ${specPath}`);
} else {
  console.log(`spec: using the committed list (${committed.length} operations); no full spec at ${specPath}`);
}

// 2. Which path does each SDK method reach? Call them all with a recording fetch.
const sdk = createRequire(import.meta.url)(resolve(process.env.PKG || join(root, "pkg")));
const seen = [];
const fetch = async (url, init) => {
  const path = new URL(url).pathname;
  seen.at(-1).hits.push({ method: init.method, path });
  const body = path.includes("/jobs/") ? { data: { status: "done" } } : { data: { request_id: "r", price: 1, balance: 1 }, prompt: "p", price: 1 };
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
};
const client = new sdk.DeapiClient({ apiKey: "1|coverage", baseUrl: "https://deapi.test", fetch, maxRetries: 0 });
for (const [ns, methods] of Object.entries(client)) {
  if (!methods || typeof methods !== "object") continue;
  for (const [name, fn] of Object.entries(methods)) {
    if (typeof fn !== "function") continue;
    const rec = { method: `${ns}.${name}`, hits: [] };
    seen.push(rec);
    const arg = ns === "jobs" ? "00000000-0000-4000-8000-000000000000" : ns === "account" ? undefined : {};
    await Promise.resolve().then(() => fn(arg)).catch(() => {});
  }
}
const methodsFor = (op) => {
  const re = new RegExp(`^${op.path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
  return seen.filter((r) => r.hits.some((h) => h.method === op.method && re.test(h.path))).map((r) => r.method);
};

// 3. Which methods are named by a passing test?
const log = process.argv[2] ? readFileSync(process.argv[2], "utf8") : "";
if (!log) problems.push("no test log given: pass the TAP log of `node --test tests/js/`");
const passing = log.split("\n").filter((l) => /^\s*ok \d+ - /.test(l)).map((l) => l.replace(/^\s*ok \d+ - /, ""));
const testsNaming = (method) => passing.filter((t) => new RegExp(`(^|[^\\w.])${method.replace(".", "\\.")}(?![\\w])`).test(t)).length;

const rows = committed.map((op) => {
  const methods = methodsFor(op);
  const tests = methods.reduce((n, m) => n + testsNaming(m), 0);
  if (!methods.length) problems.push(`${op.method} ${op.path} (${op.operationId}): no SDK method reaches it`);
  else if (!tests) problems.push(`${op.method} ${op.path}: no passing test names ${methods.join(" / ")}`);
  return { op: `${op.method} ${op.path}`, methods: methods.join(", ") || "—", tests };
});
console.table(rows);
if (problems.length) {
  console.error(problems.map((p) => `!! ${p}`).join("\n"));
  console.log(`coverage: ${rows.length - problems.length} passed, ${problems.length} failed`);
  process.exit(1);
}
console.log(`coverage: ${rows.length} passed, 0 failed`);
