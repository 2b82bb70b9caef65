// Acceptance test of the form adapters with the REAL react-hook-form (npm, UMD build) and React 18 in
// headless Chromium: tests/browser/rhf.html renders a useForm() form whose submit calls
// deapi.images.generate(values) against the mock deAPI and, on a 422, e.applyTo(setError).
// "For a 422 with three field errors, react-hook-form's formState.errors after applyTo(setError) holds
// exactly those three fields with the server's messages" — plus root.server, focus, dotted names
// (loras.0.weight → RHF's nested errors), InsufficientBalanceError, and clearing on the next submit.
// And the same page without clearErrors() (rhf.html?noclear): the `balance` error then blocks the next submit.
// Screenshots: tests/out/rhf.png (the 422 state) and tests/out/rhf-submitted.png.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { startMock } from "../mock/server.mjs";
import { dist, ensureBuilt, openChromium, root } from "../support.mjs";

const out = join(root, "tests", "out");
const TIMEOUT = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FIELDS = ["prompt", "model", "width", "height", "steps", "guidance", "seed"];
// First message of each field of the 422 (the full lists are read from the server's body).
const FIRST = { width: "The width field must be at least 256.", height: "The height field must not be greater than 2048.",
  steps: "The steps field is required." };

let mock, chromium, page, problems;

before(async () => {
  ensureBuilt();
  for (const f of ["react/umd/react.development.js", "react-dom/umd/react-dom.development.js", "react-hook-form/dist/index.umd.js"]) {
    assert.ok(existsSync(join(root, "node_modules", f)), `node_modules/${f} is missing: run npm ci`);
  }
  mkdirSync(out, { recursive: true });
  mock = await startMock({
    quiet: true, allowKeyless: true,
    staticDirs: { "/pkg/": dist, "/test/": join(root, "tests", "browser"), "/node_modules/": join(root, "node_modules") },
  });
  chromium = await openChromium({ viewport: { width: 800, height: 640 }, timeout: TIMEOUT });
  page = await chromium.newPage();
  problems = page.problems;
});
after(async () => {
  await chromium?.close();
  await mock?.close();
});

const submits = () => mock.requests({ key: "keyless", path: "/api/v2/images/generations", method: "POST" })
  .filter((r) => r.path === "/api/v2/images/generations");
const rhf = () => page.evaluate(() => window.rhf);
/** Click Generate and wait until the submit handler has settled in `phase` (a new one each time). */
async function submit(phase) {
  const before = await page.evaluate(() => window.rhf.submitCount);
  await page.getByRole("button", { name: "Generate" }).click();
  await page.waitForFunction(([n, p]) => window.rhf.submitCount > n && window.rhf.status.phase === p, [before, phase]);
  return rhf();
}
const fieldState = () => page.evaluate((fields) => Object.fromEntries(fields.map((f) => [f, {
  invalid: document.getElementById(f).getAttribute("aria-invalid"), error: document.getElementById(`${f}-error`).textContent,
}])), FIELDS);
/** What react-hook-form must hold for one field after applyTo: type "server", first message, all in types.server. */
const rhfError = (msgs) => ({ type: "server", message: msgs[0], types: { server: msgs.length === 1 ? msgs[0] : msgs } });

describe("react-hook-form 7 (real package, UMD) + React 18 in Chromium: e.applyTo(setError)", () => {
  it("the page loads React 18, react-hook-form 7 and the package, and renders the form with no errors", async () => {
    mock.reset();
    await page.goto(`${mock.url}/test/rhf.html`);
    await page.waitForFunction(() => window.testReady === true && window.rhf !== undefined);
    const libs = await page.evaluate(() => ({ react: React.version, useForm: typeof ReactHookForm.useForm, applyTo: typeof sdk.ValidationError.prototype.applyTo }));
    assert.match(libs.react, /^18\./);
    assert.deepEqual([libs.useForm, libs.applyTo], ["function", "function"]);
    const s = await rhf();
    assert.deepEqual(s.errors, {});
    assert.deepEqual(s.status, { phase: "idle" });
    for (const [f, st] of Object.entries(await fieldState())) assert.deepEqual(st, { invalid: "false", error: "" }, f);
  });

  let server; // the 422 as the page received it: { message, fieldErrors, body }
  it("a 422 with three field errors: formState.errors holds exactly those three fields with the server's messages, and root.server", async () => {
    await page.fill("#width", "100");
    await page.fill("#height", "5000");
    await page.fill("#steps", "");
    const s = await submit("invalid");
    server = s.status.server;

    // What was sent, and what the server answered (its parsed body, independent of fieldErrors).
    const reqs = submits();
    assert.deepEqual(reqs.map((r) => r.status), [422]);
    assert.deepEqual(JSON.parse(reqs[0].body), { prompt: "a red fox in the snow", model: "Flux1schnell", width: 100, height: 5000, guidance: 3.5, seed: -1 });
    const body = server.body;
    assert.deepEqual(Object.keys(body.errors), ["width", "height", "steps"], "the mock's 422 has three fields");
    for (const f of Object.keys(FIRST)) assert.equal(body.errors[f][0], FIRST[f], f);
    assert.match(body.message, /^The width field must be at least 256\. \(and \d+ more errors?\)$/);
    assert.deepEqual(server.fieldErrors, body.errors);

    // react-hook-form's own state: exactly the three fields + root.server, with the server's messages.
    assert.deepEqual(s.status.names, ["width", "height", "steps"]);
    assert.deepEqual(Object.keys(s.errors).sort(), ["height", "root.server", "steps", "width"]);
    assert.deepEqual(s.errors, {
      width: rhfError(body.errors.width), height: rhfError(body.errors.height), steps: rhfError(body.errors.steps),
      "root.server": { type: "server", message: body.message },
    });
    // Read back through react-hook-form's API by name, too.
    const viaApi = await page.evaluate(() => ["width", "height", "steps", "prompt"].map((n) => form.getFieldState(n).error?.message ?? null));
    assert.deepEqual(viaApi, [FIRST.width, FIRST.height, FIRST.steps, null]);

    // The rendered form: messages under their fields, aria-invalid, the alert, focus on the first field.
    const fields = await fieldState();
    for (const f of FIELDS) {
      const msgs = body.errors[f];
      assert.deepEqual(fields[f], msgs ? { invalid: "true", error: msgs.join(" ") } : { invalid: "false", error: "" }, f);
    }
    assert.equal(await page.locator("#form-alert").textContent(), body.message);
    assert.equal(await page.locator("#form-alert").getAttribute("role"), "alert");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "width", "{ shouldFocus: true } focused the first field");
    await page.screenshot({ path: join(out, "rhf.png"), fullPage: true });
  });

  it("fixing the fields and submitting again clears every error and a Job id comes back", async () => {
    await page.fill("#width", "512");
    await page.fill("#height", "768");
    await page.fill("#steps", "4");
    const s = await submit("submitted");
    assert.deepEqual(s.errors, {});
    assert.match(s.status.requestId, UUID);
    const reqs = submits();
    assert.deepEqual(reqs.map((r) => r.status), [422, 200]);
    assert.deepEqual(JSON.parse(reqs[1].body), { prompt: "a red fox in the snow", model: "Flux1schnell", width: 512, height: 768, steps: 4, guidance: 3.5, seed: -1 });
    assert.ok(mock.job(s.status.requestId), "the mock knows the job");
    for (const [f, st] of Object.entries(await fieldState())) assert.deepEqual(st, { invalid: "false", error: "" }, f);
    assert.equal(await page.locator("#form-alert").count(), 0);
    assert.equal(await page.locator("#job").textContent(), `Job submitted: ${s.status.requestId}`);
    await page.screenshot({ path: join(out, "rhf-submitted.png"), fullPage: true });
  });

  it("dotted Laravel names: react-hook-form nests loras.0.weight and images.1 and reads them back by name", async () => {
    const IMAGES_1 = ["The images.1 field must be an image.", "The images.1 field must not be greater than 10240 kilobytes."];
    const names = await page.evaluate((IMAGES_1) => new sdk.ValidationError({
      message: "The loras.0.weight field must be at least 0. (and 2 more errors)",
      fieldErrors: { "loras.0.weight": ["The loras.0.weight field must be at least 0."], "images.1": IMAGES_1 },
    }).applyTo(form.setError), IMAGES_1);
    assert.deepEqual(names, ["loras.0.weight", "images.1"]);
    await page.waitForFunction(() => "images.1" in window.rhf.errors);
    const s = await rhf();
    assert.deepEqual(s.errors, {
      "loras.0.weight": rhfError(["The loras.0.weight field must be at least 0."]), "images.1": rhfError(IMAGES_1),
      "root.server": { type: "server", message: "The loras.0.weight field must be at least 0. (and 2 more errors)" },
    });
    // react-hook-form's own structure: numeric segments became arrays.
    const shape = await page.evaluate(() => {
      const t = window.rhf.tree;
      return { loras: Array.isArray(t.loras), images: Array.isArray(t.images), imagesLength: t.images?.length, hole: !(0 in (t.images ?? [])),
        weight: t.loras?.[0]?.weight?.message, image: t.images?.[1]?.message };
    });
    assert.deepEqual(shape, { loras: true, images: true, imagesLength: 2, hole: true,
      weight: "The loras.0.weight field must be at least 0.", image: IMAGES_1[0] });
    // And react-hook-form finds them by their dotted names.
    const byName = await page.evaluate(() => ["loras.0.weight", "images.1"].map((n) => form.getFieldState(n).error?.types?.server));
    assert.deepEqual(byName, ["The loras.0.weight field must be at least 0.", IMAGES_1]);
  });

  it("errors on names the form did not register do not block the next submit (clearErrors before handleSubmit)", async () => {
    const s = await submit("submitted");
    assert.deepEqual(s.errors, {});
    assert.deepEqual(submits().map((r) => r.status), [422, 200, 200]);
  });

  it("an InsufficientBalanceError: `balance` and root.server are set, and the next submit goes through", async () => {
    await page.fill("#prompt", "a red fox [balance]");
    const s = await submit("invalid");
    assert.deepEqual(s.status.server.body, { message: "Not enough balance.", errors: { balance: ["Not enough balance."] } });
    assert.deepEqual(s.errors, { balance: rhfError(["Not enough balance."]), "root.server": { type: "server", message: "Not enough balance." } });
    assert.equal(await page.locator("#form-alert").textContent(), "Not enough balance.");
    await page.fill("#prompt", "a red fox in the snow");
    const ok = await submit("submitted");
    assert.deepEqual(ok.errors, {});
    assert.match(ok.status.requestId, UUID);
    assert.deepEqual(submits().map((r) => r.status), [422, 200, 200, 422, 200]);
  });

  it("without clearErrors() before handleSubmit (rhf.html?noclear), the `balance` error silently blocks the next submit", async () => {
    const p = await chromium.newPage();
    try {
      await p.goto(`${mock.url}/test/rhf.html?noclear`);
      await p.waitForFunction(() => window.testReady === true && window.rhf !== undefined);
      const sent = submits().length;
      const submitOn = async (phase) => {
        const n = await p.evaluate(() => window.rhf.submitCount);
        await p.getByRole("button", { name: "Generate" }).click();
        await p.waitForFunction(([n, ph]) => window.rhf.submitCount > n && (ph === undefined || window.rhf.status.phase === ph), [n, phase]);
        return p.evaluate(() => window.rhf);
      };
      await p.fill("#prompt", "a red fox [balance]");
      const s = await submitOn("invalid");
      assert.deepEqual(Object.keys(s.errors).sort(), ["balance", "root.server"]);
      await p.fill("#prompt", "a red fox in the snow");
      // handleSubmit has settled once submitCount moved; onValid, had it run, would have set "submitting".
      const blocked = await submitOn();
      assert.equal(blocked.status.phase, "invalid", "onValid was not called");
      assert.deepEqual(Object.keys(blocked.errors), ["balance"], "the unregistered field's error stays (root.server is dropped)");
      assert.equal(submits().length, sent + 1, "nothing sent after the 422");
      assert.deepEqual(p.problems.filter((m) => !/status of 422/.test(m)), []);
    } finally {
      await p.close();
    }
  });

  it("the page logged no uncaught errors", () => {
    assert.deepEqual(problems.filter((p) => !/Failed to load resource: the server responded with a status of 422/.test(p)), []);
  });
});
