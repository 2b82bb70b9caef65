// The error classes as the package ships them, built by js/facade.js from the module's list of kinds
// (`kinds()`: `name:code:parent`): in the Node entry (index.cjs) and in the minified, mangled
// browser entry (browser.js, whose list the build read from the module). Then errors the module
// makes through the one constructor (aborts, invalid options), a 404 from something that is not
// deAPI (a wrong `baseUrl`), and a 429's reset time under `rateLimitWindowMs`.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { client, newKey, pkgDir, rejection, sdk, withMock } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const dist = join(pkgDir, "dist");
/** The module's list, from the Node glue the package loads (the same instance as `sdk`'s). */
const KINDS = require(join(dist, "node", "deapi_wasm.js")).kinds().split(",").map((k) => k.split(":"));

// browser.js outside a browser: Node's fetch cannot read its file: URL, so its own load fails and
// its classes come from the list the build put in it; init(bytes) then loads the browser module.
const browser = await import(pathToFileURL(join(dist, "browser.js")).href);
const webBytes = readFileSync(join(dist, "web", "deapi_wasm_bg.wasm"));

let mock;
before(async () => { mock = await withMock(); });
after(() => mock.close());

/** The package's classes, checked against the module's list. */
function checkClasses(api, where) {
  const exported = Object.keys(api).filter((k) => /^[A-Z]\w*Error$/.test(k) && typeof api[k] === "function").sort();
  assert.deepEqual(exported, KINDS.map(([name]) => name).sort(), `${where}: one exported class per kind, no other`);
  assert.equal(KINDS.filter(([, , parent]) => !parent).length, 1, "one base");
  for (const [name, code, parent] of KINDS) {
    const C = api[name];
    assert.equal(C.name, name, `${where}: ${name}.name`);
    assert.equal(Object.getPrototypeOf(C), parent ? api[parent] : Error, `${where}: ${name} extends ${parent || "Error"}`);
    const e = new C({ message: "m", status: 400 });
    assert.equal(e.name, name, `${where}: the instance's name`);
    assert.equal(e.constructor, C);
    assert.equal(e.constructor.name, name);
    assert.equal(e.code, code, `${where}: ${name} made by hand has its kind's code`);
    assert.ok(e instanceof api.DeapiError && e instanceof Error && (!parent || e instanceof api[parent]));
    assert.ok(String(e.stack).startsWith(`${name}: m\n`), `${where}: ${name}'s stack starts with its name: ${e.stack}`);
    assert.deepEqual([e.toJSON().name, e.toJSON().code, e.toJSON().status], [name, code, 400]);
    assert.equal(JSON.parse(JSON.stringify(e)).name, name);
    assert.equal(Object.prototype.toString.call(e), "[object Error]");
    assert.equal(api.isDeapiError(e), true);
    const validation = C === api.ValidationError || C.prototype instanceof api.ValidationError;
    assert.equal(api.isValidationError(e), validation, `${where}: isValidationError(${name})`);
    assert.equal(typeof e.applyTo === "function", validation, `${where}: ${name} has the form adapters iff it is a ValidationError`);
    // a code given wins; a class of the user's own takes its nearest package class's code
    assert.equal(new C({ code: "other" }).code, "other");
    class Mine extends C {}
    assert.equal(new Mine({}).code, code);
  }
  assert.deepEqual(KINDS.find(([name]) => name === "InsufficientBalanceError"), ["InsufficientBalanceError", "insufficient_balance", "ValidationError"]);
}

/** Errors the module makes, with the package's classes. */
async function checkModuleErrors(api, where) {
  const c = new api.DeapiClient({ apiKey: newKey(), baseUrl: mock.url, retryBaseDelayMs: 1 });
  // an abort: the one constructor (code, attempts, errors, requestId) + the signal's reason as cause
  const why = new Error("user left");
  const aborted = await rejection(c.jobs.wait("job-1", { signal: AbortSignal.abort(why) }));
  assert.ok(aborted instanceof api.AbortError && aborted instanceof api.DeapiError, where);
  assert.deepEqual([aborted.name, aborted.code, aborted.message, aborted.attempts, aborted.requestId, aborted.cause],
    ["AbortError", "aborted", "The request was aborted", 0, "job-1", why]);
  assert.deepEqual(aborted.errors, []);
  assert.ok(String(aborted.stack).startsWith("AbortError: The request was aborted"), aborted.stack);
  assert.deepEqual(aborted.toJSON().cause, { name: "Error", message: "user left" });
  const reason = await rejection(c.account.balance({ signal: AbortSignal.abort("gone") }));
  assert.deepEqual([reason.name, reason.cause, reason.requestId], ["AbortError", "gone", undefined], "no requestId outside a job");
  // invalid options found in the binding (not by core): a listener that is no function
  assert.throws(() => c.realtime.subscribe(42), (e) => e instanceof api.InvalidOptionsError && e.name === "InvalidOptionsError"
    && e.code === "invalid_options" && e.attempts === 0 && Array.isArray(e.errors) && String(e.stack).startsWith("InvalidOptionsError: "));
  // a server 422: the subclass chain
  const v = await rejection(c.images.generate({ prompt: "" }));
  assert.ok(v instanceof api.ValidationError && api.isValidationError(v), `${where}: ${v.name}`);
}

describe("the error classes are the module's kinds", () => {
  it("index.cjs (Node)", () => checkClasses(sdk, "index.cjs"));
  it("browser.js (minified, mangled), before its module is loaded", () => checkClasses(browser, "browser.js"));
  it("the browser module leaves the lists out: browser.js carries the kinds the build read (cargo feature `lists`)", async () => {
    const glue = await import(`${pathToFileURL(join(dist, "web", "deapi_wasm.js"))}?kinds`);
    await glue.default({ module_or_path: webBytes });
    assert.equal(glue.kinds, undefined);
    assert.equal(glue.retryReasons, undefined);
    assert.equal(typeof glue.operations, "function", "the module is loaded");
  });
});

describe("errors the module makes go through the one constructor", () => {
  it("index.cjs", () => checkModuleErrors(sdk, "index.cjs"));
  it("browser.js after init(bytes)", async () => {
    await browser.init(webBytes);
    await checkModuleErrors(browser, "browser.js");
  });
});

describe("a 404 from something that is not deAPI names the request and baseUrl", () => {
  let server;
  let origin;
  before(async () => {
    // a server that is not deAPI: an empty 404, or an HTML one (a dev server without the proxy)
    server = createServer((req, res) => {
      if (req.url.includes("/html/")) {
        res.writeHead(404, { "content-type": "text/html" });
        res.end("<!DOCTYPE html><pre>Cannot GET</pre>");
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it("the method and URL, and what to check", async () => {
    const key = newKey();
    const c = new sdk.DeapiClient({ apiKey: key, baseUrl: origin, allowInsecureHttp: true });
    const e = await rejection(c.account.balance());
    assert.ok(e instanceof sdk.NotFoundError);
    assert.equal(e.status, 404);
    assert.equal(e.message, `deAPI request failed: HTTP 404 Not Found with an empty body for GET ${origin}/api/v2/account/balance: `
      + "check `baseUrl` (deAPI's is https://api.deapi.ai)");
    assert.ok(!JSON.stringify(e).includes(key.split("|")[1]));
    const post = await rejection(c.images.generate({ prompt: "a fox", model: "Flux1schnell", width: 512, height: 512, steps: 4, seed: 1 }));
    assert.match(post.message, new RegExp(`for POST ${origin}/api/v2/images/generations: check \`baseUrl\``));
  });

  it("a base URL's path is not written (a proxy's token may be there); an HTML page is said to be one", async () => {
    const c = new sdk.DeapiClient({ apiKey: newKey(), baseUrl: `${origin}/html/t0ken-in-path`, allowInsecureHttp: true });
    const e = await rejection(c.jobs.get("job-1"));
    assert.match(e.message, /^deAPI request failed: HTTP 404 Not Found with an HTML page/);
    assert.ok(e.message.includes(`for GET ${origin}/…/api/v2/jobs/job-1 (/…: baseUrl's path, not shown): check \`baseUrl\``), e.message);
    assert.ok(!e.message.includes("t0ken"), e.message);
  });

  it("deAPI's own 404 keeps deAPI's message", async () => {
    const { c } = client(mock);
    const e = await rejection(c.jobs.get("no-such-job"));
    assert.ok(e instanceof sdk.NotFoundError);
    assert.ok(!e.message.includes("baseUrl"), e.message);
  });
});

it("a 429 without Retry-After resets one rateLimitWindowMs from now (not a fixed minute)", async () => {
  const fetch = async () => new Response(JSON.stringify({ message: "Too Many Attempts." }), { status: 429, headers: { "content-type": "application/json" } });
  for (const windowMs of [5000, 60_000]) {
    const c = new sdk.DeapiClient({ apiKey: newKey(), baseUrl: "https://deapi.test", maxRetries: 0, rateLimitWindowMs: windowMs, fetch });
    const before = Date.now();
    const e = await rejection(c.account.balance());
    const afterMs = Date.now();
    assert.ok(e instanceof sdk.RateLimitError);
    assert.equal(e.rateLimit.type, "minute");
    const at = e.rateLimit.resetAt.getTime();
    assert.ok(at >= before + windowMs && at <= afterMs + windowMs, `${windowMs}: resetAt ${at - before} ms after the call`);
  }
});
