/**
 * `adgen check`: run in-process with captured output. It passes on adgen's own output for every
 * fixture (no false mismatches, kinks included), fails on a hand-broken companion
 * (examples/check/model.grad.ts), and exits 0 / 1 / 2 as documented.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../cli/run.js";
import { compileSync } from "../src/index.js";
import { passingFixtures, root, type Fixture } from "./support/fixtures.js";
import { rng } from "./support/numeric.js";
import { specOf } from "./support/points.js";

async function adgen(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: root });
  return { code, stdout, stderr };
}

const LECTURE = "fixtures/core/lecture/input.ts";
const MODEL = "examples/check/model.ts";
const BROKEN = "examples/check/model.grad.ts";

describe("adgen check", () => {
  it("--help shows the options, examples and exit codes; adgen --help mentions it", async () => {
    const r = await adgen("check", "--help");
    expect(r.code).toBe(0);
    for (const text of ["--at <point>", "--points <n>", "--seed <n>", "--companion <file>", "Exit codes: 0 all ok"])
      expect(r.stdout).toContain(text);
    expect((await adgen("--help")).stdout).toContain("adgen check model.ts");
  });

  it("passes the lecture: a table per function, exit 0", async () => {
    const r = await adgen("check", LECTURE);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^f_grad against finite differences of f: 5 random points \(seed 1\), tolerance 1e-6: ok \(25 checked\)\n/,
    );
    expect(r.stdout).toMatch(/^ {2}point {2}parameter {2}adgen +finite diff +rel\. error {2}verdict$/m);
    expect(r.stdout).toMatch(/^ {2}1 {6}w0 +-?\d\S* +-?\d\S* +\d\S* +ok$/m);
    expect(r.stderr).toBe("adgen check: 1 function ok.\n");
  });

  it("checks forward mode's f_jvp with --mode jvp (and both with grad,jvp); refuses an unknown mode", async () => {
    const r = await adgen("check", LECTURE, "--mode", "grad,jvp", "--points", "2");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^f_grad against finite differences of f/m);
    expect(r.stdout).toMatch(/^f_jvp against finite differences of f: J·v along a random v/m);
    expect(r.stderr).toBe("adgen check: 2 functions ok.\n");
    const bad = await adgen("check", LECTURE, "--mode", "hvp");
    expect(bad.code).toBe(2);
  });

  it("checks f_hessian against differences of f_grad with --mode hessian, and finds a wrong one", async () => {
    const rosenbrock = "fixtures/second-order/rosenbrock/input.ts";
    const r = await adgen("check", rosenbrock, "--mode", "hessian", "--points", "2");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^rosenbrock_hessian against finite differences of rosenbrock_grad: .*: ok \(4 checked\)$/m,
    );
    expect(r.stderr).toBe("adgen check: 2 functions ok.\n");
    // A Hessian whose second column is twice what it should be.
    const dir = mkdtempSync(join(tmpdir(), "adgen-hessian-"));
    try {
      const broken = join(dir, "rosenbrock.grad.ts");
      const code = readFileSync(join(root, "fixtures/second-order/rosenbrock/output.ts"), "utf8");
      expect(code).toContain("hessian.push([hvp.x, hvp.y]);");
      writeFileSync(broken, code.replace("hessian.push([hvp.x, hvp.y]);", "hessian.push([hvp.x, 2 * hvp.y]);"));
      const w = await adgen("check", rosenbrock, "--mode", "hessian", "--points", "2", "--companion", broken);
      expect(w.code).toBe(1);
      expect(w.stdout).toMatch(/^rosenbrock_hessian against .*MISMATCH/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("checks f_hessian of a matrix parameter (its rows flattened in order, as f_hessian's columns are)", async () => {
    // The gradient's rows were flattened as whole arrays: every check of a number[][] or
    // Float64Array[] parameter's f_hessian said "returns NaN" and "returns no number for A".
    const r = await adgen("check", "fixtures/nested/quadratic-form/input.ts", "--mode", "hessian", "--points", "2");
    expect(r.stdout).toMatch(
      /^quadraticForm_hessian against finite differences of quadraticForm_grad: .*: ok \(4 checked\)$/m,
    );
    expect(r.code).toBe(0);
  });

  it("checks the same points for the same seed, others for another", async () => {
    const a = await adgen("check", LECTURE, "--points", "2");
    const b = await adgen("check", LECTURE, "--points", "2");
    const c = await adgen("check", LECTURE, "--points", "2", "--seed", "2");
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).not.toBe(a.stdout);
  });

  it("checks at given points, and a printed point checks again when given back with --at", async () => {
    const r = await adgen("check", LECTURE, "--at", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1 given point, tolerance 1e-6: ok (5 checked)");
    expect(r.stdout).toMatch(/^ {2}1 {6}w0 +-0\.1966119332 +-0\.1966119332 /m);
    const random = await adgen("check", LECTURE, "--points", "1");
    const point = /^ {4}1 {2}(\S+)$/m.exec(random.stdout)![1]!;
    const again = await adgen("check", LECTURE, "--at", point);
    const rows = (out: string) => out.split("\n").filter((l) => /^ {2}1 /.test(l));
    expect(rows(again.stdout)).toEqual(rows(random.stdout));
  });

  it("finds the hand-broken companion: MISMATCH rows for w and x, not b; exit 1", async () => {
    const r = await adgen("check", MODEL, "--companion", BROKEN);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^loss_grad .*: 30 MISMATCHES \(5 ok\)$/m);
    expect(r.stdout).toMatch(/^ {2}1 {6}w\[0\] .* MISMATCH$/m);
    expect(r.stdout).toMatch(/^ {2}1 {6}x\[2\] .* MISMATCH$/m);
    expect(r.stdout).toMatch(/^ {2}1 {6}b .* ok$/m);
    expect(r.stdout).toMatch(/^distance_grad .*: ok/m);
    expect(r.stderr).toBe("adgen check: 1 of 2 functions failed: loss_grad\n");
    // The same source compiled afresh passes.
    expect((await adgen("check", MODEL)).code).toBe(0);
  });

  it("skips a point at a kink and says so, exit 0", async () => {
    const r = await adgen("check", MODEL, "--function", "distance", "--at", "a=1,b=1", "--at", "a=0.5,b=-1");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}1 {6}a .* skipped \(kink or jump nearby\)$/m);
    expect(r.stdout).toMatch(/^ {2}2 {6}a .* ok$/m);
    expect(r.stderr).toBe("adgen check: 1 function ok (2 comparisons skipped, as the tables say).\n");
  });

  it("fixes the parameters --at names and draws the others, arrays of --length", async () => {
    const r = await adgen("check", MODEL, "--function", "loss", "--at", "b=0.5", "--length", "2", "--points", "2");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {4}1 {2}w=\[\S+,\S+\],x=\[\S+,\S+\],b=0\.5$/m);
    expect(r.stdout).toMatch(/^ {4}2 {2}w=.*,b=0\.5$/m);
  });

  it("reports a companion missing from --companion's file", async () => {
    const r = await adgen("check", LECTURE, "--companion", BROKEN);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("examples/check/model.grad.ts has no function f_grad");
  });

  it("says when no random point can be evaluated, and fails", async () => {
    // Math.log of a negative number is NaN.
    const bad = await adgen("check", "fixtures/core/math-exp-log/input.ts", "--range", "-3,-2", "--points", "1");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/NOT CHECKED/);
    expect(bad.stdout).toMatch(/note: random point 1: no arguments out of 20 drawn where \w+ is defined and finite/);
  });

  it("runs the file: a private function is checked, a file that throws as it loads is reported", async () => {
    const dir = mkdtempSync(join(tmpdir(), "adgen-check-"));
    try {
      writeFileSync(join(dir, "private.ts"), "function sq(x: number): number {\n  return x * x;\n}\n");
      const ok = await adgen("check", join(dir, "private.ts"), "--points", "1");
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^sq_grad against finite differences of sq: .*: ok \(1 checked\)$/m);
      writeFileSync(
        join(dir, "throws.ts"),
        'export function sq(x: number): number {\n  return x * x;\n}\nthrow new Error("no data");\n',
      );
      const bad = await adgen("check", join(dir, "throws.ts"));
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^adgen check: running .*throws\.ts failed: no data\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints diagnostics as adgen does, exit 1", async () => {
    const r = await adgen("check", "fixtures/_error_/math-random/input.ts");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^fixtures\/_error_\/math-random\/input\.ts:3:10 - error ADG3003: /);
    expect(r.stderr).toMatch(/nothing was checked\.\n$/);
  });

  it.each([
    [["check"], "missing required argument 'file'"],
    [["check", "nope.ts"], "cannot read 'nope.ts': no such file"],
    [
      ["check", LECTURE, "--at", "q=1"],
      "--at names 'q', which are not all parameters of one function (f(w0, x0, w1, x1, w2))",
    ],
    [["check", LECTURE, "--at", "w0=[1,2]"], "--at gives w0=[1,2], but f's 'w0' is a number"],
    [["check", LECTURE, "--at", "w0=oops"], "--at 'w0=oops': 'oops' is neither a number nor JSON"],
    [["check", LECTURE, "--points", "-1"], "--points must be a whole number, got '-1'"],
    [["check", LECTURE, "--range", "2,1"], "--range takes lo,hi with lo < hi"],
    [["check", LECTURE, "--length", "w0=x"], "--length takes n or name=n,..."],
    [["check", LECTURE, "--companion", "nope.grad.ts"], "cannot read 'nope.grad.ts': no such file"],
  ])("usage error %j: exit 2", async (argv, message) => {
    const r = await adgen(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

/** `--at` points for a fixture whose options.json gives shapes, sizes, domains or points. */
function fixturePoints(fixture: Fixture, params: { name: string; type: string }[]): string[] {
  const o = fixture.options;
  if (!o.params && !o.domain && !o.at) return [];
  const random = rng(0x5eed);
  const draw = (name: string) => {
    const [lo, hi] = Array.isArray(o.domain) ? o.domain : (o.domain?.[name] ?? [-2, 2]);
    return Math.round((lo + (hi - lo) * random()) * 1000) / 1000;
  };
  const value = (name: string) => {
    const spec = o.params?.[name];
    if (typeof spec === "number") return String(spec);
    // An array of arrays, rows of the lengths its spec gives (`number[][](2,3,1)`).
    const shape = specOf(spec);
    if (shape && "rows" in shape)
      return `[${shape.lengths.map((n) => `[${Array.from({ length: n }, () => draw(name)).join(",")}]`).join(",")}]`;
    const m = typeof spec !== "string" ? null : /\((\d+)\)$/.exec(spec);
    return m ? `[${Array.from({ length: Number(m[1]) }, () => draw(name)).join(",")}]` : String(draw(name));
  };
  const random3 = Array.from({ length: 3 }, () => params.map((p) => `${p.name}=${value(p.name)}`).join(","));
  const given = (o.at ?? [])
    .filter((xs) => xs.length === params.length)
    .map((xs) => xs.map((x, i) => `${params[i]!.name}=${typeof x === "number" ? x : JSON.stringify(x)}`).join(","));
  return [...given, ...random3];
}

describe("adgen check draws record parameters from their types", () => {
  // A record, a class instance (made one, so f can call its methods), an array of records, a
  // tuple and an array of tuples, a record of matrices: each drawn at random, no --at needed.
  it.each([
    "fixtures/records/lambert/input.ts",
    "fixtures/classes/orbit/input.ts",
    "fixtures/record-arrays/line-fit/input.ts",
    "fixtures/tuples/polygon-area/input.ts",
    "fixtures/nested/mlp-record/input.ts",
  ])("%s", async (file) => {
    const r = await adgen("check", file, "--points", "2");
    expect(r.stdout, "some derivative is compared").toMatch(/ ok$/m);
    expect(r.stderr + r.stdout).not.toMatch(/MISMATCH|NOT CHECKED|\[object Object\]/);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe("adgen check on every fixture: no false mismatch", () => {
  const suites = ["core", "branches", "loops", "arrays", "calls", "gates", "matrix", "passes", "nested"];
  // `adgen check` draws numbers and arrays, not records (a record parameter's points are given with
  // --at as JSON; the records suites are checked by test/fixtures.test.ts).
  const hasRecord = (f: Fixture) =>
    Object.values(f.options.params ?? {}).some((s) => typeof s === "object" && s !== null && !Array.isArray(s));
  const fixtures = passingFixtures().filter((f) => suites.includes(f.name.split("/")[0]!) && !hasRecord(f));
  it.each(fixtures.map((f) => [f.name, f] as const))("%s", async (_, fixture) => {
    const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
    const { functions } = compileSync(source, {
      fileName: fixture.input,
      ...(fixture.options.wrt ? { wrt: fixture.options.wrt } : {}),
    });
    const argv = ["check", fixture.input, "--points", "3"];
    for (const c of functions.filter((f) => f.kind === "grad" || f.kind === "vjp")) {
      const params = c.kind === "vjp" ? c.params.slice(0, -1) : c.params;
      for (const point of fixturePoints(fixture, params)) argv.push("--at", point);
    }
    if (argv.includes("--at")) argv.splice(argv.indexOf("--points"), 2);
    if (fixture.options.wrt) argv.push("--wrt", fixture.options.wrt.join(","));
    if (fixture.options.step) argv.push("--step", String(fixture.options.step));
    if (fixture.options.tolerance) argv.push("--tolerance", String(fixture.options.tolerance));
    const r = await adgen(...argv);
    expect(r.stdout, "some derivative is compared").toMatch(/ ok$/m);
    expect(r.stderr + r.stdout, `adgen ${argv.join(" ")}`).not.toMatch(/MISMATCH|NOT CHECKED/);
    expect(r.code, r.stderr).toBe(0);
  });
});
