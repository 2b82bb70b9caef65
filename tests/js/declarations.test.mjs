// js/index.d.ts (hand-written) against the module's own lists, so that neither can change alone:
// the operations (`operations()`: the `OperationParams` keys and the namespace interfaces), the error
// classes (`kinds()`: each `declare class` that extends DeapiError, and the `ErrorCode` union) and the
// reasons `onRetry` gives (`retryReasons()`: the `RetryEvent.reason` union). The declarations are
// read with the TypeScript compiler API (its parser: no type checking, no regexes).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pkgDir } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const ts = require("typescript");
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const glue = require(join(pkgDir, "dist", "node", "deapi_wasm.js"));

const dtsPath = join(root, "js", "index.d.ts");
const file = ts.createSourceFile(dtsPath, readFileSync(dtsPath, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);

/** The top-level declarations by name. */
const decls = new Map();
for (const s of file.statements) if (s.name && ts.isIdentifier(s.name)) decls.set(s.name.text, s);
const decl = (name) => {
  const d = decls.get(name);
  assert.ok(d, `index.d.ts declares ${name}`);
  return d;
};
/** A member's name as written: an identifier or a string literal (`"images.generate"`). */
const nameOf = (m) => (m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) ? m.name.text : undefined);
/** The property signatures/declarations of an interface or class, by name. */
const members = (d) => new Map(d.members.filter((m) => nameOf(m) !== undefined).map((m) => [nameOf(m), m]));
/** The string literals of a union type node (`"a" | "b"`). */
function literals(type) {
  const parts = ts.isUnionTypeNode(type) ? type.types : [type];
  return parts.map((t) => {
    assert.ok(ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal), `a string literal: ${t.getText()}`);
    return t.literal.text;
  });
}
const typeName = (t) => (t && ts.isTypeReferenceNode(t) ? t.typeName.getText() : t && t.getText());

const operations = glue.operations().split(",");
const kinds = glue.kinds().split(",").map((k) => k.split(":"));
const reasons = glue.retryReasons().split(",");

describe("index.d.ts says what the module does", () => {
  it("OperationParams: one key per operation and its price, no other", () => {
    const keys = [...members(decl("OperationParams")).keys()];
    assert.deepEqual(keys.slice().sort(), operations.flatMap((op) => [op, `${op}Price`]).sort());
  });

  it("the namespaces: DeapiClient's `readonly <ns>: <Ns>Api` has every operation (and its price) with OperationParams' params type", () => {
    const client = members(decl("DeapiClient"));
    const params = members(decl("OperationParams"));
    const namespaces = [...new Set(operations.map((op) => op.split(".")[0]))];
    for (const ns of namespaces) {
      const prop = client.get(ns);
      assert.ok(prop && ts.isPropertyDeclaration(prop), `DeapiClient.${ns}`);
      const api = members(decl(typeName(prop.type)));
      const expected = operations.filter((op) => op.startsWith(`${ns}.`)).flatMap((op) => [op, `${op}Price`]);
      assert.deepEqual([...api.keys()].sort(), expected.map((op) => op.split(".")[1]).sort(), `${typeName(prop.type)}'s methods`);
      for (const op of expected) {
        const method = api.get(op.split(".")[1]).type;
        assert.equal(typeName(method), "Method", `${op} is a Method<P, R>`);
        assert.equal(method.typeArguments[0].getText(), typeName(params.get(op).type), `${op}: the same params type as OperationParams["${op}"]`);
      }
    }
    // and no namespace of Method<…>s that the module does not have
    for (const [name, prop] of client) {
      const d = prop.type && decls.get(typeName(prop.type));
      if (!d || !ts.isInterfaceDeclaration(d)) continue;
      const all = [...members(d).values()];
      if (all.length > 0 && all.every((m) => m.type && typeName(m.type) === "Method")) assert.ok(namespaces.includes(name), `DeapiClient.${name} is an operation namespace the module lacks`);
    }
  });

  it("the error classes: one declared class per kind, extending its kind's parent; ErrorCode has every kind's code", () => {
    const declared = new Map();
    for (const [name, d] of decls) {
      if (!ts.isClassDeclaration(d)) continue;
      const ext = (d.heritageClauses || []).find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
      declared.set(name, ext ? ext.types[0].expression.getText() : undefined);
    }
    const isError = (name) => name === "DeapiError" || (declared.has(name) && isError(declared.get(name)));
    const errorClasses = [...declared.keys()].filter(isError);
    assert.deepEqual(errorClasses.sort(), kinds.map(([name]) => name).sort());
    for (const [name, , parent] of kinds) assert.equal(declared.get(name), parent || "Error", `${name} extends`);
    const codes = literals(decl("ErrorCode").type);
    for (const [name, code] of kinds) assert.ok(codes.includes(code), `ErrorCode has "${code}" (${name})`);
  });

  it("RetryEvent.reason: the reasons a retry is made for", () => {
    const reason = members(decl("RetryEvent")).get("reason");
    assert.ok(reason, "RetryEvent.reason");
    assert.deepEqual(literals(reason.type).sort(), reasons.slice().sort());
  });
});
