#!/usr/bin/env node
// The public params and result types of js/index.d.ts against the types openapi-typescript generated
// from deAPI's spec (js/spec/deapi-v2.d.ts), field by field, with TypeScript's checker.
//
// For each operation (SUBJECTS: the SDK's name → the spec's operationId) and each field of either
// side, the field's shape — required / optional (`undefined` dropped) / absent, and its type, per
// member of a union — is compared with a strict type equality. Every field that differs must be an
// entry of tests/spec/corrections.json "types" whose `spec` and `sdk` texts are what this prints;
// an entry whose field no longer differs (the spec was fixed, or the SDK now takes the spec's type)
// fails too: delete it. So a new spec names each change by operation and field.
//
// Usage: node tests/types/spec-types.mjs [--print]   (--print: every difference as a ready entry)
// Last line: `spec types: N passed, M failed`.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const ts = createRequire(import.meta.url)(join(root, "node_modules", "typescript"));

/** The SDK's operations (OperationParams keys) and their v2 operationIds. Which path each method
 * really reaches is tested by behaviour in tests/spec/coverage.mjs. */
export const PARAMS = {
  "images.generate": "generateImage", "images.generatePrice": "estimateImagePrice",
  "images.edit": "editImage", "images.editPrice": "estimateImageEditPrice",
  "images.upscale": "upscaleImage", "images.upscalePrice": "estimateImageUpscalePrice",
  "images.removeBackground": "removeImageBackground", "images.removeBackgroundPrice": "estimateImageBackgroundRemovalPrice",
  "images.ocr": "extractImageText", "images.ocrPrice": "estimateImageOcrPrice",
  "videos.generate": "generateVideo", "videos.generatePrice": "estimateVideoPrice",
  "videos.animate": "animateImage", "videos.animatePrice": "estimateVideoAnimationPrice",
  "videos.audioSync": "syncVideoAudio", "videos.audioSyncPrice": "estimateVideoAudioSyncPrice",
  "videos.upscale": "upscaleVideo", "videos.upscalePrice": "estimateVideoUpscalePrice",
  "videos.removeBackground": "removeVideoBackground", "videos.removeBackgroundPrice": "estimateVideoBackgroundRemovalPrice",
  "videos.replace": "replaceVideoCharacter", "videos.replacePrice": "estimateVideoReplacementPrice",
  "audio.speech": "generateSpeech", "audio.speechPrice": "estimateSpeechPrice",
  "audio.music": "generateMusic", "audio.musicPrice": "estimateMusicPrice",
  "audio.transcribe": "createTranscription", "audio.transcribePrice": "estimateTranscriptionPrice",
  "embeddings.create": "createEmbedding", "embeddings.createPrice": "estimateEmbeddingPrice",
  "prompts.enhance": "clientBoostPromptV2", "prompts.enhancePrice": "clientCalculateBoostPriceV2",
};
/** Result types: the public name → the spec's 200 answer (the SDK resolves with its `data` where it has one). */
export const RESULTS = {
  JobStatus: { operation: "jobs.get", spec: `Data<Ok<"getJob">>` },
  PriceResult: { operation: "images.generatePrice", spec: `Data<Ok<"estimateImagePrice">>` },
  BalanceResult: { operation: "account.balance", spec: `Data<Ok<"getAccountBalance">>` },
  EnhanceResult: { operation: "prompts.enhance", spec: `Ok<"clientBoostPromptV2">` },
  Model: { operation: "models.list", spec: `V2C["schemas"]["ClientDiffusionModelResource"]` },
};

const PRELUDE = `import type * as Sdk from "./index.js";
import type { operations as V2, components as V2C } from "./spec/deapi-v2.js";
type Body<Op extends keyof V2> = V2[Op] extends { requestBody?: { content: infer C } } ? C[keyof C] : never;
type Ok<Op extends keyof V2> = V2[Op] extends { responses: { 200: { content: infer C } } } ? C[keyof C] : never;
type Data<T> = T extends { data?: infer D } ? NonNullable<D> : never;
type Eq<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
/** How a field is present in each member of T (a union of literals, so members that agree collapse). */
/** \`K?: never\` (a member of an SDK union forbidding the other member's field) counts as absent. */
type Presence<T, K extends PropertyKey> = T extends unknown
  ? K extends keyof T ? ({} extends Pick<T, K> ? ([Exclude<T[K], undefined>] extends [never] ? "absent" : "optional") : "required") : "absent"
  : never;
/** The field's type over T's members (\`undefined\` of an optional field dropped). */
type Value<T, K extends PropertyKey> = T extends unknown ? K extends keyof T ? Exclude<T[K], undefined> : never : never;
`;

function subjects() {
  const list = [];
  for (const [op, id] of Object.entries(PARAMS)) list.push({ of: "params", operation: op, sdk: `Sdk.OperationParams["${op}"]`, spec: `Body<"${id}">`, label: op });
  for (const [name, r] of Object.entries(RESULTS)) list.push({ of: "result", operation: r.operation, sdk: `Sdk.${name}`, spec: r.spec, label: `${r.operation} → ${name}` });
  return list;
}

/** A program over a temporary copy of js/index.d.ts + js/spec/ and one extra file. */
function program(dir, text) {
  writeFileSync(join(dir, "compare.ts"), text);
  const options = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], types: [] };
  const p = ts.createProgram([join(dir, "compare.ts")], options);
  const file = p.getSourceFile(join(dir, "compare.ts"));
  const checker = p.getTypeChecker();
  const aliases = new Map();
  for (const st of file.statements) if (ts.isTypeAliasDeclaration(st)) aliases.set(st.name.text, checker.getTypeAtLocation(st.name));
  const diagnostics = ts.getPreEmitDiagnostics(p).filter((d) => d.file === file);
  return { checker, aliases, diagnostics };
}

const PRINT = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;
/** "required: T", "optional: T", "absent", or e.g. "required or absent: T" over a union's members. */
function shape(r, suffix) {
  const presence = r.aliases.get(`N${suffix}`);
  const value = r.aliases.get(`V${suffix}`);
  const ways = (presence.isUnion() ? presence.types : [presence]).map((t) => t.value).sort().reverse();
  if (ways.length === 1 && ways[0] === "absent") return "absent";
  const text = `${ways.join(" or ")}: ${r.checker.typeToString(value, undefined, PRINT)}`;
  // A long type (an object of the spec) as its start and a digest of the whole: still exact.
  return text.length <= 160 ? text : `${text.slice(0, 100)}… (sha256 ${createHash("sha256").update(text).digest("hex").slice(0, 12)})`;
}

/** Every field that differs: [{ of, operation, field, spec, sdk }]; throws on a compile error. */
export function differences() {
  const dir = mkdtempSync(join(tmpdir(), "deapi-spec-types-"));
  try {
    mkdirSync(join(dir, "spec"));
    copyFileSync(join(root, "js", "index.d.ts"), join(dir, "index.d.ts"));
    for (const f of ["deapi-v2.d.ts", "deapi-v1.d.ts"]) copyFileSync(join(root, "js", "spec", f), join(dir, "spec", f));
    writeFileSync(join(dir, "package.json"), "{}");
    const subs = subjects();
    // 1. The fields of each side (every member of a union).
    let text = PRELUDE + subs.map((s, i) => `type S${i} = ${s.spec};\ntype P${i} = ${s.sdk};\n`).join("");
    let r = program(dir, text);
    if (r.diagnostics.length) throw new Error(ts.formatDiagnostics(r.diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => "\n" }));
    const keys = (t) => new Set((t.isUnion() ? t.types : [t]).flatMap((m) => r.checker.getPropertiesOfType(m).map((p) => p.name)));
    const fields = subs.map((s, i) => {
      const spec = r.aliases.get(`S${i}`);
      const sdk = r.aliases.get(`P${i}`);
      if (spec.flags & ts.TypeFlags.Never) throw new Error(`${s.label}: the spec side ${s.spec} is never (operationId gone?)`);
      return [...new Set([...keys(spec), ...keys(sdk)])].sort();
    });
    // 2. Each field's shape on both sides, and whether they are the same type.
    text += subs.flatMap((s, i) => fields[i].map((f, j) =>
      `type NS${i}_${j} = Presence<S${i}, ${JSON.stringify(f)}>;\ntype NP${i}_${j} = Presence<P${i}, ${JSON.stringify(f)}>;\n`
      + `type VS${i}_${j} = Value<S${i}, ${JSON.stringify(f)}>;\ntype VP${i}_${j} = Value<P${i}, ${JSON.stringify(f)}>;\n`
      + `type E${i}_${j} = \`\${Eq<NS${i}_${j}, NP${i}_${j}>} \${Eq<VS${i}_${j}, VP${i}_${j}>}\`;\n`)).join("");
    r = program(dir, text);
    if (r.diagnostics.length) throw new Error(ts.formatDiagnostics(r.diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => "\n" }));
    const out = [];
    let compared = 0;
    subs.forEach((s, i) => fields[i].forEach((f, j) => {
      compared++;
      const eq = r.checker.typeToString(r.aliases.get(`E${i}_${j}`));
      if (eq === '"true true"') return;
      if (!/^"(true|false) (true|false)"$/.test(eq)) throw new Error(`${s.label}.${f}: equality is ${eq}`);
      out.push({ of: s.of, operation: s.operation, field: f, spec: shape(r, `S${i}_${j}`), sdk: shape(r, `P${i}_${j}`) });
    }));
    return { compared, differences: out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The corrections check: [{ ok, name, detail }]. */
export function checkCorrections() {
  const { compared, differences: diffs } = differences();
  const listed = JSON.parse(readFileSync(join(root, "tests", "spec", "corrections.json"), "utf8")).types;
  const id = (e) => `${e.of} ${e.operation} ${e.field}`;
  const results = [];
  const byId = new Map(listed.map((e) => [id(e), e]));
  for (const d of diffs) {
    const e = byId.get(id(d));
    if (!e) results.push({ ok: false, name: `${d.operation} (${d.of}) ${d.field}: differs from the spec with no entry in corrections.json "types"`, detail: d });
    else if (e.spec !== d.spec || e.sdk !== d.sdk) results.push({ ok: false, name: `${d.operation} (${d.of}) ${d.field}: the entry's texts are not what the types say now`, detail: { listed: { spec: e.spec, sdk: e.sdk }, now: { spec: d.spec, sdk: d.sdk } } });
    else if (!e.why || e.why.length < 10) results.push({ ok: false, name: `${d.operation} (${d.of}) ${d.field}: the entry gives no reason`, detail: e });
    else results.push({ ok: true, name: `${d.operation} (${d.of}) ${d.field}: listed correction` });
  }
  const seen = new Set(diffs.map(id));
  for (const e of listed) if (!seen.has(id(e))) results.push({ ok: false, name: `${e.operation} (${e.of}) ${e.field}: listed in corrections.json but no longer differs from the spec (delete the entry)`, detail: e });
  const dupes = listed.length - byId.size;
  if (dupes) results.push({ ok: false, name: `corrections.json "types" has ${dupes} duplicate entr${dupes === 1 ? "y" : "ies"}` });
  return { compared, results, diffs };
}

/** The spec side alone: "operation (params|result) field" → its shape, for the generated v2 types in
 * `dtsText`, over the same operations. `npm run spec:update` prints what a new spec changed with it. */
export function specSurface(dtsText) {
  const dir = mkdtempSync(join(tmpdir(), "deapi-spec-surface-"));
  try {
    mkdirSync(join(dir, "spec"));
    writeFileSync(join(dir, "spec", "deapi-v2.d.ts"), dtsText);
    writeFileSync(join(dir, "package.json"), "{}");
    const subs = subjects();
    const prelude = PRELUDE.replace(/^import type \* as Sdk.*\n/, "");
    let text = prelude + subs.map((s, i) => `type S${i} = ${s.spec};\n`).join("");
    let r = program(dir, text);
    const fields = subs.map((s, i) => {
      const t = r.aliases.get(`S${i}`);
      if (!t || t.flags & ts.TypeFlags.Never) return null;
      return [...new Set((t.isUnion() ? t.types : [t]).flatMap((m) => r.checker.getPropertiesOfType(m).map((p) => p.name)))].sort();
    });
    text += subs.flatMap((s, i) => (fields[i] ?? []).map((f, j) =>
      `type NS${i}_${j} = Presence<S${i}, ${JSON.stringify(f)}>;\ntype VS${i}_${j} = Value<S${i}, ${JSON.stringify(f)}>;\n`)).join("");
    r = program(dir, text);
    const out = new Map();
    subs.forEach((s, i) => {
      if (!fields[i]) out.set(`${s.operation} (${s.of})`, `no ${s.spec} in the spec (PARAMS/RESULTS here and js/index.d.ts name it)`);
      else fields[i].forEach((f, j) => out.set(`${s.operation} (${s.of}) ${f}`, shape(r, `S${i}_${j}`)));
    });
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { compared, results, diffs } = checkCorrections();
  if (process.argv.includes("--print")) {
    console.log(JSON.stringify(diffs.map((d) => ({ ...d, why: "" })), null, 2));
  }
  for (const r of results) if (!r.ok) console.log(`FAIL ${r.name}\n     ${JSON.stringify(r.detail)}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${compared} fields compared, ${diffs.length} differ`);
  console.log(`spec types: ${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
