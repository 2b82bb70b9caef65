#!/usr/bin/env node
// deAPI's published OpenAPI specs (tests/spec/openapi-v2.json, openapi-v1.json) and what is derived
// from them: tests/spec/operations-v2.json (tests/spec/extract.mjs's operationsOf) and the generated
// types js/spec/deapi-v2.d.ts, js/spec/deapi-v1.d.ts (openapi-typescript, pinned in package.json;
// OPTIONS below), which js/index.d.ts aliases.
//
//   npm run spec:update -- path/to/openapi-v2.json [path/to/openapi-v1.json]
//       copy the spec(s) into tests/spec/, re-derive operations-v2.json, regenerate js/spec/*.d.ts;
//       then run the tests, which name every difference by operation and field
//   node scripts/spec.mjs generate   regenerate js/spec/*.d.ts from the committed specs
//   node scripts/spec.mjs check      exit 1 when a committed js/spec/*.d.ts differs from what the
//                                    generator makes of the committed spec (tests/types/check.mjs runs it)
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { operationsOf } from "../tests/spec/extract.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SPECS = [
  { version: "v2", spec: join(root, "tests", "spec", "openapi-v2.json"), types: join(root, "js", "spec", "deapi-v2.d.ts") },
  { version: "v1", spec: join(root, "tests", "spec", "openapi-v1.json"), types: join(root, "js", "spec", "deapi-v1.d.ts") },
];
const OPERATIONS = join(root, "tests", "spec", "operations-v2.json");

/** openapi-typescript's options: its defaults but for `defaultNonNullable` (default true: a field
 * with a `default` is typed as always present, right for responses, wrong for request bodies, where
 * deAPI applies the default to a field left out). The CLI's equivalent: `--default-non-nullable false`. */
export const OPTIONS = { defaultNonNullable: false };

/** The declarations openapi-typescript makes of one spec file (its Node API, as its CLI does), under
 * a header naming the source. */
export async function generate(specFile, version) {
  const { default: openapiTS, astToString, COMMENT_HEADER } = await import("openapi-typescript");
  const spec = JSON.parse(readFileSync(specFile, "utf8"));
  const ast = await openapiTS(spec, { ...OPTIONS, silent: true });
  const header = `// deAPI's ${version} API (tests/spec/openapi-${version}.json, info.version ${JSON.stringify(spec.info?.version ?? null)}).\n`
    + "// Regenerate with `node scripts/spec.mjs generate`, or `npm run spec:update -- <openapi-v2.json> [<openapi-v1.json>]`\n"
    + "// for a new spec; js/index.d.ts aliases these types (corrections: tests/spec/corrections.json \"types\").\n";
  return `${COMMENT_HEADER}${header}\n${astToString(ast)}`;
}

async function writeTypes() {
  for (const s of SPECS) {
    mkdirSync(dirname(s.types), { recursive: true });
    writeFileSync(s.types, await generate(s.spec, s.version));
    console.log(`wrote ${s.types.slice(root.length + 1)}`);
  }
}

/** The committed generated files that differ from a fresh generation (relative paths). */
export async function drift() {
  const stale = [];
  for (const s of SPECS) {
    const fresh = await generate(s.spec, s.version);
    if (!existsSync(s.types) || readFileSync(s.types, "utf8") !== fresh) stale.push(s.types.slice(root.length + 1));
  }
  return stale;
}

async function update(v2, v1) {
  if (!v2) throw new Error("usage: npm run spec:update -- path/to/openapi-v2.json [path/to/openapi-v1.json]");
  for (const [src, s] of [[v2, SPECS[0]], [v1, SPECS[1]]]) {
    if (!src) continue;
    const parsed = JSON.parse(readFileSync(src, "utf8"));
    if (!parsed.openapi || !parsed.paths) throw new Error(`${src} is not an OpenAPI document (no "openapi" or "paths")`);
    if (resolve(src) !== s.spec) copyFileSync(src, s.spec);
    console.log(`copied ${src} → ${s.spec.slice(root.length + 1)}`);
  }
  const spec = JSON.parse(readFileSync(SPECS[0].spec, "utf8"));
  const previous = existsSync(OPERATIONS) ? JSON.parse(readFileSync(OPERATIONS, "utf8")) : {};
  // What changed, by operation and field: the operation list, and the SDK operations' generated types.
  const opKey = (o) => `${o.method} ${o.path} (${o.operationId})`;
  const oldOps = new Set((previous.operations ?? []).map(opKey));
  const newOps = new Set(operationsOf(spec).map(opKey));
  const changes = [...newOps].filter((o) => !oldOps.has(o)).map((o) => `+ operation ${o}`)
    .concat([...oldOps].filter((o) => !newOps.has(o)).map((o) => `- operation ${o}`));
  if (existsSync(SPECS[0].types)) {
    const { specSurface } = await import("../tests/types/spec-types.mjs");
    const before = specSurface(readFileSync(SPECS[0].types, "utf8"));
    const after = specSurface(await generate(SPECS[0].spec, "v2"));
    for (const [k, v] of after) if (before.get(k) !== v) changes.push(before.has(k) ? `~ ${k}: ${before.get(k)} → ${v}` : `+ ${k}: ${v}`);
    for (const [k, v] of before) if (!after.has(k)) changes.push(`- ${k}: ${v}`);
  }
  console.log(changes.length ? `What the new v2 spec changes (the types of the SDK's operations; bounds, formats and
prose are the validation rules' to check):\n  ${changes.join("\n  ")}` : "The SDK's operations' types are unchanged.");
  const out = { source: previous.source ?? "deapi-ai/mintlify-docs openapi-v2.json", specVersion: spec.info?.version ?? null, operations: operationsOf(spec) };
  writeFileSync(OPERATIONS, JSON.stringify(out, null, 2) + "\n");
  console.log(`wrote tests/spec/operations-v2.json (${out.operations.length} operations)`);
  await writeTypes();
  // The validation rules against the new spec, both ways (tests/spec_rules.rs): each difference by
  // operation and field. Its failure is this command's: the rules or the corrections need work.
  console.log("\nThe validation rules (src/core/api.rs) against the new spec (cargo test --test spec_rules):");
  const rules = spawnSync("cargo", ["test", "--quiet", "--test", "spec_rules", "--", "--nocapture", "--exact", "the_rules_match_the_spec_both_ways"], { cwd: root, stdio: "inherit", env: { ...process.env, RUST_BACKTRACE: "0" } });
  console.log(`
${rules.status === 0 ? "The rules agree with the new spec." : "The rules differ from the new spec where named above: follow the spec in src/core/api.rs, or add (or delete) an entry of tests/spec/corrections.json \"rules\" saying why not."}
Then the types: each check names what changed, by operation and field:
  node tests/types/check.mjs              the generated types against js/index.d.ts and the corrections
                                          (tests/spec/corrections.json "types"; it builds the package)
  bash scripts/test.sh                    everything
Update tests/spec/operations-v2.json's "source" to the spec's origin and commit.`);
  if (rules.status !== 0) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === "update") await update(...rest);
  else if (cmd === "generate") await writeTypes();
  else if (cmd === "check") {
    const stale = await drift();
    for (const f of stale) console.log(`FAIL ${f} differs from what openapi-typescript makes of the committed spec: node scripts/spec.mjs generate`);
    console.log(`spec drift: ${SPECS.length - stale.length} passed, ${stale.length} failed`);
    process.exit(stale.length ? 1 : 0);
  } else {
    console.error("usage: node scripts/spec.mjs update <openapi-v2.json> [<openapi-v1.json>] | generate | check");
    process.exit(2);
  }
}
