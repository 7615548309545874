/**
 * The playground end to end, in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core; .ci/run installs it): build the page, serve its files, and use it as a
 * person would. Records the page's JavaScript size and how long compile() takes in it, and keeps
 * a screenshot in test-artifacts/ (git-ignored).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium, type Browser, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "./support/fixtures.js";
import { serveStatic } from "./support/static-server.js";

const executablePath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].find((p) => p && existsSync(p));
if (!executablePath) {
  // CI installs Chromium (.ci/run): there a missing browser is a failure, not a skip.
  if (process.env.CI) throw new Error("Chromium is missing: .ci/run installs it (apt-get install chromium)");
  console.warn("test/playground.test.ts skipped: no Chromium at /usr/bin/chromium (apt-get install chromium)");
}

const outDir = join(root, ".vitest-tmp", "playground");
const artifacts = join(root, "test-artifacts");

describe.skipIf(!executablePath)("playground (headless Chromium)", () => {
  let browser: Browser;
  let page: Page;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  const errors: string[] = [];
  /** From navigation to the first generated module shown, and that first compile() alone (cold: it loads prettier). */
  let firstShown = 0;
  let firstCompile = 0;

  beforeAll(async () => {
    await build({
      configFile: join(root, "playground", "vite.config.ts"),
      build: { outDir },
      logLevel: "error",
    });
    server = await serveStatic(outDir);
    browser = await chromium.launch({ executablePath });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on("pageerror", (e) => errors.push(e.message));
    const start = Date.now();
    await page.goto(server.url);
    await page.waitForSelector("body[data-state]");
    firstShown = Date.now() - start;
    firstCompile = Number(await page.getAttribute("#status", "data-ms"));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const outputDoc = () => page.evaluate(() => (window as any).playground.output.state.doc.toString() as string);
  const pictureTexts = () => page.$$eval("#picture svg text", (texts) => texts.map((t) => t.textContent));
  const compiles = async () => Number(await page.getAttribute("body", "data-compiles"));
  /** Waits for a compile after `count`, and returns the page's state then. */
  const nextCompile = async (count: number) => {
    await page.waitForFunction((n) => Number(document.body.dataset.compiles) > n, count);
    return page.getAttribute("body", "data-state");
  };

  it("opens on the lecture's neuron and shows its gradient code, value and gradients", async () => {
    expect(await nextCompile(0)).toBe("compiled");
    const lecture = readFileSync(join(root, "fixtures/core/lecture/output.ts"), "utf8");
    // The same module as the compiler gives in Node, but for the file name in the header.
    expect(await outputDoc()).toBe(lecture.replace("fixtures/core/lecture/input.ts", "input.ts"));
    await expect.poll(() => page.textContent("#output")).toContain("const grad_s3 = grad_L * (1 - L) * L;");
    const grads = Object.fromEntries(
      await page.$$eval("#inputs tbody tr", (rows) =>
        rows.map((r) => [(r as HTMLElement).dataset.param, r.querySelector(".grad")!.textContent]),
      ),
    );
    expect(grads).toEqual({ w0: "-0.1966", x0: "0.3932", w1: "-0.3932", x1: "-0.5898", w2: "0.1966" });
    expect(await page.textContent("#inputs .value")).toBe("0.7311");
    // The lecture's picture: sigmoid's output 0.73, w0's gradient -0.20, x0's 0.39.
    await expect.poll(() => pictureTexts()).toEqual(expect.arrayContaining(["0.73", "-0.20", "0.39"]));
    // adgen check: f_grad against finite differences of f, at this point (the first) and two random ones.
    expect(await page.getAttribute("#check", "data-ok")).toBe("true");
    const report = await page.textContent("#check");
    expect(report).toMatch(
      /^f_grad against finite differences of f: 1 given point and 2 random points .*: ok \(15 checked\)/,
    );
    expect(report).toMatch(/^\s+1\s+w0\s+-0\.1966119332\s/m);
  });

  it("runs the function again when an input is edited", async () => {
    await page.fill('#inputs input[name="w2"]', "-2");
    // s = 2 * -1 + -3 * -2 - 2 = 2; sigmoid(2) = 0.8808, its local gradient 0.1050.
    await expect.poll(() => page.textContent("#inputs .value")).toBe("0.8808");
    expect(await page.textContent("#check")).toMatch(/^\s+1\s+w2\s+0\.1049935854\s/m);
    await expect.poll(() => pictureTexts()).toEqual(expect.arrayContaining(["0.88", "-2.00"]));
    await expect.poll(() => page.textContent('#inputs tr[data-param="w2"] .grad')).toBe("0.105");
    await page.fill('#inputs input[name="w2"]', "-3");
    await expect.poll(() => page.textContent("#inputs .value")).toBe("0.7311");
    await expect.poll(() => pictureTexts()).toContain("0.73");
  });

  it("shows a syntax error inline as it is typed, and the code again once it is fixed", async () => {
    const typed = "\nconst broken = ;";
    const before = await compiles();
    await page.click("#source .cm-content");
    await page.keyboard.press("Control+End");
    await page.keyboard.type(typed);
    await page.waitForSelector("body[data-state=diagnostics]");
    expect(await nextCompile(before)).toBe("diagnostics");
    await expect.poll(() => page.locator("#source .cm-lintRange-error").count()).toBe(1);
    // At the `;` where an expression was expected, on the typed line.
    const line = page.locator("#source .cm-line", { has: page.locator(".cm-lintRange-error") });
    expect(await line.textContent()).toBe("const broken = ;");
    expect(await page.textContent("#source .cm-lintRange-error")).toBe(";");
    await expect.poll(() => page.textContent("#diagnostics")).toContain("Expression expected");
    expect(await outputDoc()).not.toContain("grad_s3");
    expect(await page.textContent("#run-error")).toContain("diagnostics are fixed");
    await page.screenshot({ path: join(artifacts, "playground-diagnostic.png") });

    for (let i = 0; i < typed.length; i++) await page.keyboard.press("Backspace");
    await page.waitForSelector("body[data-state=compiled]");
    await expect.poll(() => page.locator("#source .cm-lintRange-error").count()).toBe(0);
    await expect.poll(() => page.locator("#diagnostics li").count()).toBe(0);
    expect(await outputDoc()).toContain("const grad_s3 = grad_L * (1 - L) * L;");
  });

  it.each([
    ["mlp", "net_grad", "c"],
    ["physics", "range_grad", "theta"],
    ["loop", "horner_grad", "c"],
  ])("opens the %s example and runs %s", async (id, name, param) => {
    const before = await compiles();
    await page.selectOption("#example", id);
    expect(await nextCompile(before)).toBe("compiled");
    expect(await page.inputValue("#function")).toBe(name);
    await expect.poll(() => page.textContent("#run-error")).toBe("");
    expect(Number(await page.textContent("#inputs .value"))).not.toBeNaN();
    expect(await page.textContent(`#inputs tr[data-param="${param}"] .grad`)).toMatch(/\d/);
    expect(await page.getAttribute("#check", "data-ok")).toBe("true");
    await expect.poll(() => page.locator("#picture svg").count()).toBe(1);
  });

  it("has no page errors, and records its size and compile times", async () => {
    await page.selectOption("#example", "neuron");
    mkdirSync(artifacts, { recursive: true });
    await page.waitForSelector("body[data-state=compiled]");
    await page.screenshot({ path: join(artifacts, "playground.png") });
    expect(errors).toEqual([]);

    // Warm compiles of the lecture's neuron: edit a comment in, out, and in again.
    const times: number[] = [];
    await page.click("#source .cm-content");
    for (let i = 0; i < 5; i++) {
      const before = await compiles();
      await page.keyboard.press("Control+End");
      await page.keyboard.type(" ");
      await nextCompile(before);
      times.push(Number(await page.getAttribute("#status", "data-ms")));
    }
    const js = readdirSync(join(outDir, "assets"))
      .filter((f) => f.endsWith(".js"))
      .map((f) => readFileSync(join(outDir, "assets", f)));
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(
      `playground: JavaScript ${kb(js.reduce((s, b) => s + b.length, 0))} (gzip ${kb(js.reduce((s, b) => s + gzipSync(b).length, 0))}) in ${js.length} files; ` +
        `the neuron's module shown ${firstShown} ms after navigation; compile() in the page: first ${firstCompile.toFixed(0)} ms, ` +
        `then median of 5 ${median(times).toFixed(1)} ms`,
    );
  });
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
