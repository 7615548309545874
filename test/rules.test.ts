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
