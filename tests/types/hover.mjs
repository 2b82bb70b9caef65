// What an editor shows on hover, asked of TypeScript's LanguageService (`getQuickInfoAtPosition`, as
// VS Code's tsserver does) in a consumer file that imports "deapi-wasm" (js/index.d.ts + js/spec/
// staged as the package): `deapi.images.generate` must show a doc, and its fields the descriptions
// that deAPI's spec (tests/spec/openapi-v2.json, read here) gives them.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ts = createRequire(import.meta.url)(join(root, "node_modules", "typescript"));

const CONSUMER = `import { DeapiClient } from "deapi-wasm";
const deapi = new DeapiClient({ apiKey: "1|x" });
export const job = deapi.images.generate({ prompt: "a fox", model: "Flux1schnell", width: 512, height: 512, guidance: 3.5, steps: 4, seed: -1 });
`;

/** The hover text (documentation and tags) at the first `needle` of the consumer, after `from`. */
function hoverAt(service, file, needle, from = 0) {
  const at = CONSUMER.indexOf(needle, from);
  const info = service.getQuickInfoAtPosition(file, at);
  if (!info) return "";
  const doc = ts.displayPartsToString(info.documentation ?? []);
  const tags = (info.tags ?? []).map((t) => `@${t.name} ${ts.displayPartsToString(t.text ?? [])}`).join("\n");
  return `${doc}\n${tags}`.trim();
}

/** What is wrong with the hovers: [] when every one shows what it should. */
export function hoverProblems() {
  const spec = JSON.parse(readFileSync(join(root, "tests", "spec", "openapi-v2.json"), "utf8"));
  const fields = spec.components.schemas.Txt2ImgRequestBody.properties;
  const dir = mkdtempSync(join(tmpdir(), "deapi-hover-"));
  try {
    const pkg = join(dir, "node_modules", "deapi-wasm");
    mkdirSync(join(pkg, "dist", "spec"), { recursive: true });
    copyFileSync(join(root, "pkg", "package.json"), join(pkg, "package.json"));
    copyFileSync(join(root, "js", "index.d.ts"), join(pkg, "dist", "index.d.ts"));
    for (const f of ["deapi-v2.d.ts", "deapi-v1.d.ts"]) copyFileSync(join(root, "js", "spec", f), join(pkg, "dist", "spec", f));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    const file = join(dir, "consumer.ts");
    writeFileSync(file, CONSUMER);
    const options = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], types: [] };
    const host = {
      getScriptFileNames: () => [file],
      getScriptVersion: () => "1",
      getScriptSnapshot: (f) => (ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(f)) : undefined),
      getCurrentDirectory: () => dir,
      getCompilationSettings: () => options,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists, readFile: ts.sys.readFile, readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists, getDirectories: ts.sys.getDirectories, realpath: ts.sys.realpath,
    };
    const service = ts.createLanguageService(host, ts.createDocumentRegistry());
    const problems = [];
    const errors = service.getSemanticDiagnostics(file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    if (errors.length) problems.push(`the consumer does not compile: ${errors.join("; ")}`);
    const method = hoverAt(service, file, "generate(");
    if (method.length < 20) problems.push(`hovering deapi.images.generate shows no doc (got ${JSON.stringify(method)})`);
    const call = CONSUMER.indexOf("generate(");
    for (const name of ["prompt", "model", "steps", "seed"]) {
      const want = fields[name]?.description;
      if (!want) { problems.push(`the spec has no description for Txt2ImgRequestBody.${name}`); continue; }
      const got = hoverAt(service, file, `${name}:`, call);
      if (!got.includes(want)) problems.push(`hovering ${name} in images.generate({ … }) shows ${JSON.stringify(got)}, not the spec's ${JSON.stringify(want)}`);
    }
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = hoverProblems();
  for (const p of problems) console.log(`FAIL ${p}`);
  console.log(`hover: ${problems.length ? 0 : 1} passed, ${problems.length ? 1 : 0} failed`);
  process.exit(problems.length ? 1 : 0);
}
