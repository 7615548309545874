/**
 * The optimisation passes (src/optimise), each on its own: the graph the parser builds, then
 * the graph after the pass. test/passes.test.ts runs the same optimisations end to end.
 */
import { describe, expect, it } from "vitest";
import { printGraph } from "../src/emit/index.js";
import type { Graph } from "../src/ir.js";
import { eliminateCommonSubexpressions } from "../src/optimise/cse.js";
import { foldConstants } from "../src/optimise/fold.js";
import { optimise } from "../src/optimise/index.js";
import { hoistLoopInvariants } from "../src/optimise/licm.js";
import { parseProgram } from "../src/parser/index.js";
import { compileSync } from "../src/compile.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { passingFixtures } from "./support/fixtures.js";

function parsed(source: string) {
  const { program, sinks } = parseProgram(source, "input.ts", { readFile: () => undefined });
  expect(sinks.flatMap((s) => s.diagnostics)).toEqual([]);
  return program;
}

/** The graph as the parser builds it, and after `pass`. */
function beforeAfter(source: string, pass: (g: Graph) => void): { before: string; after: string } {
  const program = parsed(source);
  const before = printGraph(program);
  for (const g of program.entries) pass(g);
  return { before, after: printGraph(program) };
}

describe("constant folding", () => {
  it("folds chains of literal arithmetic, keeps named constants and ** as written", () => {
    const { before, after } = beforeAfter(
      "export function f(x: number) { const k = 2 * 3 + 1; return x * k + x * Math.PI * 2 + 2 ** 0.5; }",
      foldConstants,
    );
    expect(before).toContain("= mul 2 3");
    expect(after).not.toContain("mul 2 3");
    expect(after).toContain("mul x 7");
    expect(after).toContain("Math.PI");
    expect(after).toContain("pow 2 0.5");
  });

  it("applies the identities exact for every number (-0, infinities, NaN), and only those", () => {
    const source = `export function f(x: number, y: number) {
      const a = 1 * x; const b = y * 1; const c = x / 1; const d = y - 0;
      const e = -1 * x; const g = y * -1; const h = x + 0; const k = 0 - y; const m = x * 0;
      return a * b + c * d + e * g + h * k + m;
    }`;
    const { after } = beforeAfter(source, foldConstants);
    for (const gone of ["mul 1 x", "mul y 1", "div x 1", "sub y 0", "mul -1 x", "mul y -1"])
      expect(after).not.toContain(gone);
    expect(after.match(/= neg /g)).toHaveLength(2);
    // x + 0 is 0 at x = -0, 0 - y is 0 at y = 0, x * 0 is NaN at x = Infinity: kept.
    for (const kept of ["add x 0", "sub 0 y", "mul x 0"]) expect(after).toContain(kept);
    // The same values, folded or not, at the points where the identities that are not exact fail.
    const plain = compileSync(source, { passes: [] });
    const folded = compileSync(source, { passes: ["fold"] });
    expect(folded.code).not.toEqual(plain.code);
    const run = (code: string) =>
      new Function(`${code.replace(/export /g, "").replace(/: number/g, "")}; return f_grad;`)() as (
        x: number,
        y: number,
      ) => { value: number; grad: { x: number; y: number } };
    for (const [x, y] of [
      [-0, 0],
      [0, -0],
      [Infinity, 2],
      [NaN, 1],
      [3, -4],
    ] as const) {
      const [p, q] = [run(plain.code)(x, y), run(folded.code)(x, y)];
      expect(Object.is(q.value, p.value) && Object.is(q.grad.x, p.grad.x) && Object.is(q.grad.y, p.grad.y)).toBe(true);
    }
  });
});

describe("common-subexpression elimination", () => {
  it("merges the same operation on the same operands, and only forward in scope", () => {
    const { after } = beforeAfter(
      `export function f(x: number, y: number) {
        const a = Math.sin(x * y);
        let b = 0;
        if (x > 0) { b = Math.sin(x * y) * Math.cos(x); } else { b = Math.cos(x); }
        return a + b + Math.cos(x);
      }`,
      eliminateCommonSubexpressions,
    );
    expect(after.match(/= sin /g)).toHaveLength(1);
    // cos(x) in each arm is not visible after the branch: computed again there.
    expect(after.match(/= cos x/g)).toHaveLength(3);
  });

  it("does not reuse a read across a write to its array, or into a loop that writes it", () => {
    const { after } = beforeAfter(
      `export function f(x: Float64Array) {
        const a = x.slice();
        let s = a[0];
        a[0] = 2;
        s = s + a[0];
        for (let i = 0; i < 2; i++) { s = s + a[1]; a[1] = s; }
        return s + a[1];
      }`,
      eliminateCommonSubexpressions,
    );
    expect(after.match(/= index a 0/g)).toHaveLength(2);
    expect(after.match(/= index a 1/g)).toHaveLength(2);
  });

  it("never merges operations that make arrays", () => {
    const { after } = beforeAfter(
      "export function f(x: Float64Array) { const a = x.slice(); const b = x.slice(); b[0] = 1; return a[0] + b[0]; }",
      eliminateCommonSubexpressions,
    );
    expect(after.match(/= slice x/g)).toHaveLength(2);
  });
});

describe("loop-invariant code motion", () => {
  it("moves + - * of values from outside a loop before it, as far out as they stay invariant", () => {
    const { after } = beforeAfter(
      `export function f(x: number, k: number) {
        let s = 0;
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 2; j++) s = s + k * x + Math.sqrt(k * k + 1) + i * x;
        }
        return s;
      }`,
      hoistLoopInvariants,
    );
    const lines = after.split("\n");
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const outerLoop = at(/^ {2}loop$/);
    // k * x and k * k move before both loops; i * x only before the inner one; sqrt stays.
    expect(at(/= mul k x/)).toBeLessThan(outerLoop);
    expect(at(/= mul k k/)).toBeLessThan(outerLoop);
    expect(at(/= mul i x/)).toBeGreaterThan(outerLoop);
    expect(at(/= mul i x/)).toBeLessThan(at(/^ {4}loop$/));
    expect(at(/= sqrt /)).toBeGreaterThan(at(/^ {4}loop$/));
  });

  it("a loop inside a branch on its own entry condition needs no guard of its own", () => {
    const guards = (body: string) =>
      beforeAfter(
        `export function f(x: number, k: number, n: number, m: number) {
        let s = x;
        ${body}
        return s;
      }`,
        hoistLoopInvariants,
      ).after.match(/^ *if /gm)?.length ?? 0;
    // The user's branch and no other: the loop runs whenever the arm does.
    expect(guards("if (0 < n) { for (let i = 0; i < n; i++) s = s * (k * x); }")).toBe(1);
    // Another condition (m), or the else arm: the loop keeps its guard.
    expect(guards("if (0 < m) { for (let i = 0; i < n; i++) s = s * (k * x); }")).toBe(2);
    expect(guards("if (n <= 0) { s = 1; } else { for (let i = 0; i < n; i++) s = s * (k * x); }")).toBe(2);
  });

  it("a value moved out of a loop is reused after it (CSE runs again after LICM)", () => {
    const program = parsed(`export function f(x: number, k: number, d: number) {
      let s = 0;
      for (let i = 0; i < 3; i++) s = s + k * d * x;
      return s + k * d;
    }`);
    optimise(program);
    expect(printGraph(program).match(/= mul k d/g)).toHaveLength(1);
  });
});

/**
 * fixtures/passes/<case>/graph-before.txt and graph-after.txt: the parser's graph and the graph
 * after the passes the case's options name (`adgen input.ts --emit graph --passes none` and
 * `--passes <them>`), so a change to a pass shows as a change to these files.
 */
describe("each pass's graph before and after (fixtures/passes)", () => {
  const cases = passingFixtures().filter((f) => f.options.passes !== undefined);
  it("there are cases for every pass", () => {
    expect(new Set(cases.flatMap((f) => f.options.passes!))).toEqual(new Set(["fold", "cse", "licm"]));
  });
  it.each(cases.map((f) => [f.name, f] as const))("%s", async (_, f) => {
    const file = join(f.dir, "input.ts");
    const source = readFileSync(file, "utf8");
    const graph = (passes: string[]) => {
      const { code, diagnostics } = compileSync(source, { fileName: file, emit: "graph", passes });
      expect(diagnostics).toEqual([]);
      return code;
    };
    const before = graph([]);
    const after = graph(f.options.passes!);
    expect(after).not.toBe(before);
    await expect(before).toMatchFileSnapshot(join(f.dir, "graph-before.txt"));
    await expect(after).toMatchFileSnapshot(join(f.dir, "graph-after.txt"));
  });
});
