/**
 * The table-driven check: every entry of the rule table, on its own. A differentiable rule's
 * formula is evaluated and compared with finite differences of the op's own `eval`; a
 * zero-derivative op must be flat; ops without a derivative must be listed here as internal.
 * A rule added without a way to check it fails this test.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { v } from "../src/rules/expr.js";
import { evaluate } from "../src/rules/evaluate.js";
import * as gates from "../src/gates/index.js";
import { rules } from "../src/rules/table.js";
import { fixturesDir } from "./support/fixtures.js";
import { close, finiteDifference, rng } from "./support/numeric.js";

/** The one non-boolean op without a derivative: the conditional that routes gradients. */
const ROUTING = new Set(["select"]);

/**
 * Array ops move gradients between elements and adjoint arrays; no formula to check on its own.
 * Each is checked element by element through a fixture whose generated code uses it.
 */
const MEMORY: Record<string, { fixture: string; prints: string }> = {
  index: { fixture: "loops/dot-product", prints: "a[i]" },
  length: { fixture: "loops/continue-and-branch", prints: "v.length" },
  newFloat64Array: { fixture: "arrays/write-then-read", prints: "new Float64Array(3)" },
  zeros: { fixture: "arrays/prefix-sums", prints: "new Array<number>(t1).fill(0)" },
  arrayOf: { fixture: "arrays/literal-and-slice", prints: "[x, y, t1]" },
  slice: { fixture: "arrays/literal-and-slice", prints: "p.slice()" },
  row: { fixture: "nested/quadratic-form", prints: "const row = A[i]!;" },
  rows: { fixture: "nested/array-from-matrix", prints: "const M = new Array<number[]>(t1);" },
  float64Rows: { fixture: "nested/gate-row-written-after", prints: "const M = new Array<Float64Array>(2);" },
  zerosLike: { fixture: "nested/quadratic-form", prints: "A.map((r) => new Array<number>(r.length).fill(0))" },
  float64ZerosLike: { fixture: "nested/float64-batch", prints: "X.map((r) => new Float64Array(r.length))" },
  column: { fixture: "record-arrays/optional-tangent", prints: "const dot_t_bodies_m = dot_t_bodies.map((e) => e.m);" },
  zeroRecords: {
    fixture: "record-arrays/optional-tangent",
    prints: "bodies: dot_bodies = bodies.map(() => ({ pos: { x: 0, y: 0 }, m: 0 })),",
  },
};

describe.each(Object.entries(rules))("rule %s", (name, rule) => {
  const arities = rule.arity === "variadic" ? [1, 2, 3] : [rule.arity];

  it("has a check", () => {
    if (rule.derivative.kind === "memory") {
      const check = MEMORY[name];
      expect(check, `${name} is an array op without a fixture that checks it`).toBeDefined();
      const output = readFileSync(join(fixturesDir, check!.fixture, "output.ts"), "utf8");
      expect(output, `${check!.fixture} no longer uses ${name}`).toContain(check!.prints);
    } else if (rule.derivative.kind === "none")
      expect(rule.boolean === true || ROUTING.has(name), `${name} has no derivative but is not a condition`).toBe(true);
    else expect(rule.domain, `${name} needs a domain to be checked on`).toBeDefined();
  });

  if (rule.derivative.kind === "none" || rule.derivative.kind === "memory") return;

  it.each(arities)("matches finite differences with %i operand(s)", (arity) => {
    const [lo, hi] = rule.domain!;
    const random = rng(name.length * 7919 + arity);
    for (let k = 0; k < 20; k++) {
      const xs = Array.from({ length: arity }, () => lo + (hi - lo) * random());
      const f = (ys: number[]) => rule.eval(...ys);
      for (let i = 0; i < arity; i++) {
        const fd = finiteDifference(f, xs, i, 1e-4);
        let ad = 0;
        if (rule.derivative.kind === "rule") {
          const env = new Map<string, number>([
            ["grad", 1],
            ["out", f(xs)],
            ...xs.map((x, j) => [`a${j}`, x] as [string, number]),
          ]);
          const args = xs.map((_, j) => v(`a${j}`));
          const ctx = { grad: v("grad"), out: v("out"), args, x: args[0]!, y: args[1] ?? v("a0") };
          ad = evaluate(rule.derivative.d(ctx, i), env);
        }
        expect(
          close(ad, fd, rule.tolerance ?? 1e-6),
          `${name}'(${xs})[${i}]: rule ${ad}, finite differences ${fd}`,
        ).toBe(true);
      }
    }
  });

  if (rule.derivative.kind === "rule") {
    it("scales with the upstream gradient", () => {
      // A contribution must be linear in `grad`: checked with grad = 2.5 against grad = 1.
      const [lo, hi] = rule.domain!;
      const xs =
        arities[arities.length - 1] === 1
          ? [(lo + hi) / 2.3]
          : Array.from({ length: arities[arities.length - 1]! }, (_, j) => lo + ((hi - lo) * (j + 1)) / 4.1);
      const args = xs.map((_, j) => v(`a${j}`));
      const at = (g: number, i: number) => {
        const env = new Map<string, number>([
          ["grad", g],
          ["out", rule.eval(...xs)],
          ...xs.map((x, j) => [`a${j}`, x] as [string, number]),
        ]);
        const ctx = { grad: v("grad"), out: v("out"), args, x: args[0]!, y: args[1] ?? v("a0") };
        return evaluate((rule.derivative as { d: Function }).d(ctx, i), env) as number;
      };
      for (let i = 0; i < xs.length; i++) expect(close(at(2.5, i), 2.5 * at(1, i), 1e-12)).toBe(true);
    });
  }
});

/** Conditions compute what JavaScript's operators compute (as 1 and 0). */
describe("conditions", () => {
  const pairs = [
    [1, 2],
    [2, 1],
    [2, 2],
    [-0, 0],
    [NaN, 1],
  ] as const;
  const expected: Record<string, (x: number, y: number) => boolean> = {
    lt: (x, y) => x < y,
    gt: (x, y) => x > y,
    le: (x, y) => x <= y,
    ge: (x, y) => x >= y,
    eq: (x, y) => x === y,
    ne: (x, y) => x !== y,
    and: (x, y) => Boolean(x && y),
    or: (x, y) => Boolean(x || y),
  };
  it.each(Object.entries(rules).filter(([, r]) => r.boolean && r.arity === 2))("%s", (name, rule) => {
    for (const [x, y] of pairs) expect(rule.eval(x, y)).toBe(Number(expected[name]!(x, y)));
  });
});

/** Built-in gates: each backward, called as the generated code calls it, against finite differences of forward. */
describe.each(Object.entries(gates).filter(([, g]) => typeof g === "function" && "backward" in g && !("inputs" in g)))(
  "gate %s",
  (name, g) => {
    const gate = g as gates.Gate<[number]>;
    it("backward matches finite differences of forward", () => {
      const random = rng(name.length * 31);
      for (let k = 0; k < 40; k++) {
        const x = -6 + 12 * random();
        const fd = finiteDifference(([y]) => gate.forward(y!), [x], 0, 1e-4);
        const ad = gate.backward(1, gate.forward(x), x) as number;
        expect(close(ad, fd, 1e-6), `${name}'(${x}): backward ${ad}, finite differences ${fd}`).toBe(true);
        expect(close(gate.backward(2.5, gate.forward(x), x) as number, 2.5 * ad, 1e-12)).toBe(true);
      }
    });
  },
);

/**
 * Extreme scales: a rule must not overflow or underflow where its derivative is an ordinary
 * number (`y / (x*x + y*y)` gives 0 at 1e300 and Infinity at 1e-300 for atan2, whose derivative
 * there is 1e-300 and 1e300). Each case: the op, its operands, the upstream gradient, and the
 * exact derivative of each operand.
 */
describe("extreme scales", () => {
  const local = (name: string, xs: number[], grad: number, i: number): number => {
    const rule = rules[name]!;
    const args = xs.map((_, j) => v(`a${j}`));
    const env = new Map<string, number>([
      ["grad", grad],
      ["out", rule.eval(...xs)],
      ...xs.map((x, j) => [`a${j}`, x] as [string, number]),
    ]);
    const ctx = { grad: v("grad"), out: v("out"), args, x: args[0]!, y: args[1] ?? v("a0") };
    return evaluate((rule.derivative as { d: Function }).d(ctx, i), env) as number;
  };
  const cases: [string, number[], number, number[]][] = [];
  for (const s of [1e-300, 1e-160, 1, 1e160, 1e300]) {
    // atan2(y, x) = atan2(3s, 4s): d/dy = x / (x² + y²) = 4 / (25 s), d/dx = -3 / (25 s).
    cases.push(["atan2", [3 * s, 4 * s], 1, [4 / 25 / s, -3 / 25 / s]]);
    // hypot(3s, 4s) = 5s: d/dx_i = x_i / 5s, whatever the scale and the upstream gradient.
    cases.push(["hypot", [3 * s, 4 * s], 1, [0.6, 0.8]]);
    cases.push(["hypot", [3 * s, 4 * s], 1e10, [0.6e10, 0.8e10]]);
    cases.push(["hypot", [-3 * s, 4 * s, 12 * s], 1, [-3 / 13, 4 / 13, 12 / 13]]);
  }
  for (const x of [1e200, -1e200, 1e-200]) {
    // asinh' = 1 / sqrt(x² + 1), acosh' = 1 / sqrt(x² - 1): 1 / |x| for large |x|.
    cases.push(["asinh", [x], 1, [Math.abs(x) > 1 ? 1 / Math.abs(x) : 1]]);
  }
  cases.push(["acosh", [1e200], 1, [1e-200]], ["acosh", [1e300], 1, [1e-300]]);
  cases.push(["pow", [1e-300, 2], 1, [2e-300, NaN]], ["pow", [1e150, 2], 1, [2e150, NaN]]);

  it.each(cases)("%s(%j) with upstream %d", (name, xs, grad, expected) => {
    expected.forEach((d, i) => {
      if (Number.isNaN(d)) return; // not checked (d/dy of x ** 2 is not this test's concern)
      const ad = local(name, xs, grad, i);
      expect(Math.abs(ad - d) <= 1e-12 * Math.abs(d), `∂${name}/∂#${i} at ${xs}: rule ${ad}, exact ${d}`).toBe(true);
    });
  });

  it("hypot at the zero vector: the subgradient 0, not NaN", () => {
    for (const xs of [[0], [0, 0], [0, -0, 0]]) xs.forEach((_, i) => expect(local("hypot", xs, 1, i)).toBe(0));
  });
});
