#!/usr/bin/env node
// Derive the operation list (method, path, operationId) from deAPI's OpenAPI v2 spec
// (`openapi-v2.json` in the public repo deapi-ai/mintlify-docs) into operations-v2.json.
// Usage: node tests/spec/extract.mjs [path/to/openapi-v2.json] (default: the committed tests/spec/openapi-v2.json)
// coverage.mjs re-checks the committed list against the spec whenever a copy is at hand
// (DEAPI_OPENAPI=path, or ../shared/openapi-v2.json beside the repository).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function operationsOf(spec) {
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      if (["get", "post", "put", "patch", "delete"].includes(method)) ops.push({ method: method.toUpperCase(), path, operationId: op.operationId ?? null });
    }
  }
  return ops.sort((a, b) => (a.path + a.method).localeCompare(b.path + b.method));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const src = process.argv[2];
  if (!src) throw new Error("usage: node tests/spec/extract.mjs path/to/openapi-v2.json");
  const spec = JSON.parse(readFileSync(src, "utf8"));
  const out = { source: "deapi-ai/mintlify-docs openapi-v2.json", specVersion: spec.info?.version ?? null, operations: operationsOf(spec) };
  writeFileSync(join(dirname(fileURLToPath(import.meta.url)), "operations-v2.json"), JSON.stringify(out, null, 2) + "\n");
  console.log(`${out.operations.length} operations written`);
}
