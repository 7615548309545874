/**
 * The `adgen` command. `run()` in-process with captured output for each behaviour (exit codes:
 * 0 success, 1 diagnostics, 2 usage), then the built CLI (`dist/`, from `npm run build`) as a
 * child process, the way a user runs it.
 */
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../cli/run.js";
import { root } from "./support/fixtures.js";

// Paths are given relative to the project root, as a user in the project would type them, so
// the generated header matches the committed fixtures byte for byte.
const LECTURE = "fixtures/core/lecture/input.ts";
const LECTURE_OUTPUT = readFileSync(join(root, "fixtures/core/lecture/output.ts"), "utf8");
const BAD = "fixtures/_error_/math-random/input.ts";
const BAD_ERROR = readFileSync(join(root, "fixtures/_error_/math-random/error.txt"), "utf8");
const VERSION = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;

/** Runs the CLI in-process; returns its exit code and everything it printed. */
async function adgen(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

beforeAll(() => {
  // The relative paths above resolve against the working directory.
  expect(process.cwd(), "run the tests from the project root").toBe(root.replace(/[\\/]$/, ""));
});

describe("run()", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "adgen-cli-"));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("prints the gradient module for the lecture and nothing else", async () => {
    const r = await adgen(LECTURE);
    expect(r).toEqual({ code: 0, stdout: LECTURE_OUTPUT, stderr: "" });
  });

  it("rejects a bad file with exit 1, the diagnostic on stderr and nothing on stdout", async () => {
    const r = await adgen(BAD);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^fixtures\/_error_\/math-random\/input\.ts:3:10 - error ADG3003: /);
    expect(r.stderr).toContain(BAD_ERROR);
    expect(r.stderr).toMatch(/1 error; nothing was generated\.\n$/);
  });

  it("-o writes the module to the file and prints nothing", async () => {
    const out = join(tmp, "lecture.grad.ts");
    const r = await adgen(LECTURE, "-o", out);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    // The header names the input relative to the output file.
    const header = relative(tmp, join(root, LECTURE)).split(sep).join("/");
    expect(readFileSync(out, "utf8")).toBe(LECTURE_OUTPUT.replace(LECTURE, header));
  });

  it("-o does not write a file when there are diagnostics", async () => {
    const out = join(tmp, "bad.grad.ts");
    const r = await adgen(BAD, "--out", out);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it("--wrt w0,x0 differentiates only those parameters", async () => {
    const r = await adgen(LECTURE, "--wrt", "w0,x0");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/grad: \{ w0: grad_w0, x0: grad_x0 \}/);
    expect(r.stdout).not.toMatch(/grad_w1|grad_x1|grad_w2/);
    // Spaces around the names are allowed.
    expect((await adgen(LECTURE, "--wrt", "w0, x0")).stdout).toBe(r.stdout);
  });

  it("--wrt naming something that is not a parameter is a diagnostic (exit 1)", async () => {
    const r = await adgen(LECTURE, "--wrt", "w0,bias");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^fixtures\/core\/lecture\/input\.ts:\d+:\d+ - error ADG1003: .*'bias'/);
  });

  it("--emit graph prints the SSA graph, one node per line", async () => {
    const r = await adgen(LECTURE, "--emit", "graph");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("graph f(w0, x0, w1, x1, w2)");
    expect(lines.at(-1)).toBe("  return L");
    const nodes = lines.slice(1, -1).map((l) => l.trim().replace(/\s+/g, " "));
    expect(nodes).toEqual(["s0 = mul w0 x0", "s1 = mul w1 x1", "s2 = add s0 s1", "s3 = add s2 w2", "L = sigmoid s3"]);
  });

  it("--version prints the version from package.json", async () => {
    expect(await adgen("--version")).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    expect((await adgen("-V")).stdout).toBe(`${VERSION}\n`);
  });

  it("--help prints usage and exits 0", async () => {
    const r = await adgen("--help");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^Usage: adgen /);
    for (const option of ["--out", "--wrt", "--emit", "--version", "--help"]) expect(r.stdout).toContain(option);
  });

  it("an unknown option is a usage error (exit 2)", async () => {
    const r = await adgen(LECTURE, "--frobnicate");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("--frobnicate");
  });

  it("a bad --emit kind and a missing file argument are usage errors (exit 2)", async () => {
    expect((await adgen(LECTURE, "--emit", "ast")).code).toBe(2);
    expect((await adgen()).code).toBe(2);
  });

  it("a file that does not exist is a usage error (exit 2)", async () => {
    const r = await adgen("fixtures/core/no-such-case/input.ts");
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: "adgen: cannot read 'fixtures/core/no-such-case/input.ts': no such file\n",
    });
  });
});

describe("the built CLI (node dist/cli/adgen.js)", () => {
  const bin = join(root, "dist", "cli", "adgen.js");

  /** Runs the built CLI from the project root; never throws on a non-zero exit. */
  async function spawn(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`npm run build\` first`);
    return promisify(execFile)(process.execPath, [bin, ...args], { cwd: root }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code ?? -1,
        stdout: e.stdout ?? "",
        stderr: e.stderr ?? "",
      }),
    );
  }

  /** Why the build's output might differ from the sources' (a hint for the failure message). */
  function staleness(): string {
    const newest = (dir: string): number =>
      readdirSync(dir, { withFileTypes: true }).reduce((t, d) => {
        const p = join(dir, d.name);
        return Math.max(t, d.isDirectory() ? newest(p) : statSync(p).mtimeMs);
      }, 0);
    const sources = Math.max(newest(join(root, "src")), newest(join(root, "cli")));
    return sources > statSync(bin).mtimeMs ? " (dist/ is older than src/ or cli/: run `npm run build`)" : "";
  }

  it("stops quietly when the reader of its output goes away (adgen --help | head -1)", async () => {
    const r = await promisify(execFile)("sh", ["-c", `"${process.execPath}" "${bin}" --help | head -1`], { cwd: root });
    expect(r.stdout).toMatch(/^Usage: adgen/);
    expect(r.stderr).toBe("");
  });

  it("prints the committed lecture output and exits 0", async () => {
    const r = await spawn(LECTURE);
    expect(r.stderr).toBe("");
    expect(r.stdout, `stdout differs from fixtures/core/lecture/output.ts${staleness()}`).toBe(LECTURE_OUTPUT);
    expect(r.code).toBe(0);
  });

  it("reports an error fixture on stderr without a stack trace, and prints nothing on stdout", async () => {
    const r = await spawn(BAD);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(BAD_ERROR);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/\b(Error|TypeError|ReferenceError):/);
  });
});

describe("output language and the output path", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "adgen-cli-lang-"));
    writeFileSync(join(tmp, "m.js"), "export function f(x, y) {\n  return x * y + Math.sin(x);\n}\n");
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("JavaScript in, JavaScript out: the -o .js module imports and runs under plain Node", async () => {
    const out = join(tmp, "m.grad.js");
    expect(await adgen(join(tmp, "m.js"), "-o", out)).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(readFileSync(out, "utf8")).not.toMatch(/: number/);
    // Node itself, not vitest (which would strip types): a type annotation is a SyntaxError there.
    const script = `const { f_grad } = await import(${JSON.stringify(pathToFileURL(out).href)});
      process.stdout.write(JSON.stringify(f_grad(2, 3)));`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script]);
    expect(JSON.parse(stdout)).toEqual({ value: 6 + Math.sin(2), grad: { x: 3 + Math.cos(2), y: 2 } });
  });

  it("the language follows -o's extension, else the input's; --lang overrides both", async () => {
    const types = /function f_grad\(x: number, y: number\)/;
    expect((await adgen(join(tmp, "m.js"))).stdout).not.toMatch(types);
    expect((await adgen(LECTURE)).stdout).toMatch(/: number/);
    expect((await adgen(join(tmp, "m.js"), "--lang", "ts")).stdout).toMatch(types);
    const mjs = join(tmp, "lecture.grad.mjs");
    expect((await adgen(LECTURE, "-o", mjs)).code).toBe(0);
    expect(readFileSync(mjs, "utf8")).not.toMatch(/: number/);
    const ts = join(tmp, "m.grad.ts");
    expect((await adgen(join(tmp, "m.js"), "-o", ts)).code).toBe(0);
    expect(readFileSync(ts, "utf8")).toMatch(types);
    expect((await adgen(LECTURE, "--lang", "py")).code).toBe(2);
  });

  it("a .cjs output is refused: the generated module is an ES module", async () => {
    const r = await adgen(join(tmp, "m.js"), "-o", join(tmp, "m.grad.cjs"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^adgen: .*ES module.*\.mjs/);
    expect(existsSync(join(tmp, "m.grad.cjs"))).toBe(false);
  });

  it("an anonymous default export is differentiated, named after the file", async () => {
    const file = join(tmp, "my-model.ts");
    writeFileSync(file, "export default function (x: number, y: number) {\n  return x * y;\n}\n");
    const r = await adgen(file);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^export function myModel_grad\(x: number, y: number\) \{$/m);
    const arrow = join(tmp, "2nd.ts");
    writeFileSync(arrow, "const x = 1;\nexport default (y: number) => y * y * x;\n");
    expect((await adgen(arrow)).stdout).toMatch(/^export function defaultExport_grad\(y: number\) \{$/m);
  });

  it("-o naming the input file is refused and the input is left as it was (tsc's TS5055)", async () => {
    const input = join(tmp, "calls.ts");
    const source = "export function f(x: number) {\n  return x * x;\n}\n";
    writeFileSync(input, source);
    for (const out of [input, join(tmp, ".", "calls.ts"), join(tmp, "sub", "..", "calls.ts")]) {
      const r = await adgen(input, "-o", out);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^adgen: cannot write .*: it is the input file/);
      expect(readFileSync(input, "utf8")).toBe(source);
    }
  });
});

describe("several files, --out-dir, --check, --function, stdin, JSON, watch", () => {
  let tmp: string;
  const model = "export function loss(w: number, b: number) {\n  return w * w + 3 * b;\n}\n";
  const other =
    "export function area(r: number) {\n  return Math.PI * r * r;\n}\n\nexport function g(x: number) {\n  return x * 2;\n}\n";
  const bad = "export function f(x: number) {\n  return Math.random() * x;\n}\n";
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "adgen-cli-many-"));
    mkdirSync(join(tmp, "src", "nested"), { recursive: true });
    writeFileSync(join(tmp, "src", "model.ts"), model);
    writeFileSync(join(tmp, "src", "nested", "other.ts"), other);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const inTmp = (...argv: string[]) => adgenIn(tmp, ...argv);

  it("globs and --out-dir: the folders mirrored, the missing folder created, a one-line summary", async () => {
    const r = await inTmp("src/**/*.ts", "--out-dir", "gen/deep");
    expect(r).toEqual({ code: 0, stdout: "", stderr: "adgen: 2 files written.\n" });
    const out = readFileSync(join(tmp, "gen", "deep", "nested", "other.grad.ts"), "utf8");
    expect(out).toMatch(/^\/\/ Generated by adgen .* from \.\.\/\.\.\/\.\.\/src\/nested\/other\.ts\. Do not edit\./);
    expect(out).toMatch(/export function area_grad/);
    // Byte-identical whatever the working directory.
    const again = await adgenIn(join(tmp, "src"), "nested/other.ts", "-o", "../gen/deep/nested/other.grad.ts");
    expect(again.code).toBe(0);
    expect(readFileSync(join(tmp, "gen", "deep", "nested", "other.grad.ts"), "utf8")).toBe(out);
    // adgen's own outputs are not inputs of a glob.
    expect((await inTmp("gen/**/*.ts")).stderr).toMatch(/^adgen: no file matches/);
  });

  it("several files without --out-dir: each beside its input", async () => {
    const r = await inTmp("src/model.ts", "src/nested/other.ts");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("adgen: 2 files written.\n");
    expect(readFileSync(join(tmp, "src", "model.grad.ts"), "utf8")).toMatch(/from model\.ts\. Do not edit/);
  });

  it("--check: 0 when the committed files are current, 1 naming those that are not", async () => {
    expect(await inTmp("src/model.ts", "src/nested/other.ts")).toMatchObject({ code: 0 });
    expect(await inTmp("src/model.ts", "src/nested/other.ts", "--check")).toEqual({
      code: 0,
      stdout: "",
      stderr: "adgen: 2 files up to date.\n",
    });
    writeFileSync(join(tmp, "src", "model.ts"), model.replace("3 * b", "4 * b"));
    const r = await inTmp("src/model.ts", "src/nested/other.ts", "--check");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^adgen: 1 of 2 files out of date: src\/model\.grad\.ts/);
    expect(readFileSync(join(tmp, "src", "model.grad.ts"), "utf8")).toContain("3"); // not rewritten
    writeFileSync(join(tmp, "src", "model.ts"), model);
  });

  it("--function picks functions; one that does not exist is a diagnostic", async () => {
    const r = await inTmp("src/nested/other.ts", "--function", "g");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/export function g_grad/);
    expect(r.stdout).not.toMatch(/area_grad/);
    const missing = await inTmp("src/nested/other.ts", "--function", "nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ADG1002: --function 'nope' is not a function of this file \('area', 'g'\)/);
  });

  it("reads standard input with -", async () => {
    const out = { stdout: "", stderr: "" };
    const code = await run(["-"], {
      stdout: (t) => (out.stdout += t),
      stderr: (t) => (out.stderr += t),
      stdin: async () => model,
      cwd: tmp,
    });
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/from <stdin>\. Do not edit[^]*export function loss_grad/);
  });

  it("--diagnostics json: code, severity, message, file, start, end and the code's page", async () => {
    writeFileSync(join(tmp, "bad.ts"), bad);
    const r = await inTmp("bad.ts", "--diagnostics", "json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toEqual([
      {
        code: "ADG3003",
        severity: "error",
        message: expect.stringContaining("'Math.random' is not supported"),
        file: "bad.ts",
        start: { line: 2, column: 10 },
        end: { line: 2, column: 21 },
        url: expect.stringMatching(/DIAGNOSTICS\.md#adg3003$/),
      },
    ]);
  });

  it("colours diagnostics on a terminal, links each code's page, and says 'adgen:' in its own messages", async () => {
    let stderr = "";
    const code = await run(["bad.ts"], { stdout: () => {}, stderr: (t) => (stderr += t), color: true, cwd: tmp });
    expect(code).toBe(1);
    expect(stderr).toContain("\u001b[31merror\u001b[39m");
    expect(stderr).toMatch(/DIAGNOSTICS\.md#adg3003/);
    expect(stderr).toMatch(/^adgen: 1 error; nothing was generated\.$/m);
    expect((await inTmp("bad.ts", "--no-color")).stderr).not.toContain("\u001b[");
  });

  it("a directory argument and bad combinations are usage errors with a hint", async () => {
    const dir = await inTmp("src");
    expect(dir).toEqual({
      code: 2,
      stdout: "",
      stderr: "adgen: 'src' is a directory; pass its files, or a glob such as 'src/**/*.ts'\n",
    });
    expect((await inTmp("src/model.ts", "src/nested/other.ts", "-o", "x.ts")).stderr).toMatch(
      /^adgen: -o takes one input/,
    );
    expect((await inTmp("--frobnicate", "x.ts")).stderr).toMatch(/^adgen: unknown option/);
  });

  it("formats with the project's prettier configuration", async () => {
    writeFileSync(join(tmp, ".prettierrc.json"), JSON.stringify({ useTabs: true, semi: false }));
    try {
      const r = await inTmp("src/model.ts", "-o", "src/model.grad.ts");
      expect(r.code).toBe(0);
      const out = readFileSync(join(tmp, "src", "model.grad.ts"), "utf8");
      expect(out).toMatch(/^\tconst /m);
      expect(out).not.toMatch(/;$/m);
    } finally {
      rmSync(join(tmp, ".prettierrc.json"));
    }
  });

  it("--watch compiles again when an input changes", async () => {
    const input = join(tmp, "watched.ts");
    writeFileSync(input, model);
    const controller = new AbortController();
    let stderr = "";
    const done = run(["watched.ts", "-o", "watched.grad.ts", "--watch"], {
      stdout: () => {},
      stderr: (t) => (stderr += t),
      cwd: tmp,
      signal: controller.signal,
    });
    const output = join(tmp, "watched.grad.ts");
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(ok()).toBe(true);
    };
    await until(() => existsSync(output) && stderr.includes("watching"));
    writeFileSync(input, model.replace("3 * b", "5 * b"));
    await until(() => readFileSync(output, "utf8").includes("5"));
    controller.abort();
    expect(await done).toBe(0);
  });

  it("--help shows examples, exit codes and where the diagnostics are documented", async () => {
    const r = await adgen("--help");
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toMatch(/Exit codes: 0 .*1 .*2 /);
    expect(r.stdout).toMatch(/Diagnostics: .*DIAGNOSTICS\.md/);
    for (const option of ["--out-dir", "--check", "--watch", "--function", "--diagnostics", "--lang"])
      expect(r.stdout).toContain(option);
  });
});

/** Runs the CLI in-process in `cwd`. */
async function adgenIn(cwd: string, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd });
  return { code, stdout, stderr };
}
