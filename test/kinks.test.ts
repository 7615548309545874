/**
 * The table of docs/KINKS.md, row by row: what each rule gives at its kinks, in every mode.
 * Each case is compiled with f_grad, f_jvp and f_hvp and evaluated at the kink: the gradient,
 * the tangent along each unit direction, and f_hvp along each unit direction (its `grad` must be
 * f_grad's, its `hvp` the Hessian's column). Where a subgradient exists and the value is finite,
 * no mode may give NaN; where the derivative is infinite or does not exist, the table pins what
 * adgen gives (Infinity, or NaN) so that a change is seen.
 */
import { describe, expect, it } from "vitest";
import * as gates from "../src/gates/index.js";
import { compileSync } from "../src/index.js";

interface Kink {
  /** The body of `f(x, y, z)`; the parameters it names are differentiated. */
  body: string;
  at: number[];
  value: number;
  grad: number[];
  /** Tangent along each unit direction; the gradient's entry when omitted. */
  jvp?: number[];
  /** f_hvp's `hvp` along each unit direction (a Hessian column each). */
  hvp: number[][];
  /** Whether a subgradient exists there: then no mode may give NaN. */
  subgradient: boolean;
}

const I = Infinity;

export const kinks: Record<string, Kink> = {
  "abs at 0": { body: "return Math.abs(x);", at: [0], value: 0, grad: [0], hvp: [[0]], subgradient: true },
  "abs at 0, times y": {
    body: "return Math.abs(x) * y;",
    at: [0, 1],
    value: 0,
    grad: [0, 0],
    hvp: [
      [0, 0],
      [0, 0],
    ],
    subgradient: true,
  },
  "max at a tie: the first operand": {
    body: "return Math.max(x * x, y);",
    at: [1, 1],
    value: 1,
    grad: [2, 0],
    hvp: [
      [2, 0],
      [0, 0],
    ],
    subgradient: true,
  },
  "min at a tie: the first operand": {
    body: "return Math.min(x, y * y);",
    at: [1, 1],
    value: 1,
    grad: [1, 0],
    hvp: [
      [0, 0],
      [0, 0],
    ],
    subgradient: true,
  },
  "hypot at the zero vector": {
    body: "return Math.hypot(x, y);",
    at: [0, 0],
    value: 0,
    grad: [0, 0],
    hvp: [
      [0, 0],
      [0, 0],
    ],
    subgradient: true,
  },
  "hypot of three at the zero vector, times z": {
    body: "return Math.hypot(x, y, z) * z + x;",
    at: [0, 0, 0],
    value: 0,
    grad: [1, 0, 0],
    hvp: [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ],
    subgradient: true,
  },
  "hypot at the zero vector inside a sum of squares": {
    body: "const r = Math.hypot(x, y); return r * r + x;",
    at: [0, 0],
    value: 0,
    grad: [1, 0],
    hvp: [
      [0, 0],
      [0, 0],
    ],
    subgradient: true,
  },
  "x ** y at x = 0, y = 2": {
    body: "return x ** y;",
    at: [0, 2],
    value: 0,
    grad: [0, 0],
    hvp: [
      [2, 0],
      [0, 0],
    ],
    subgradient: true,
  },
  "0 ** 0 (x ** y)": {
    body: "return x ** y;",
    at: [0, 0],
    value: 1,
    grad: [0, 0],
    hvp: [
      [0, 0],
      [0, 0],
    ],
    subgradient: true,
  },
  "0 ** 0 (Math.pow)": {
    body: "return Math.pow(x, y);",
    at: [0, 0],
    value: 1,
    grad: [0, 0],
    hvp: [
      [0, 0],
      [0, 0],
    ],
    subgradient: true,
  },
  "x ** y at x = 0, y = 1": {
    body: "return x ** y;",
    at: [0, 1],
    value: 0,
    grad: [1, 0],
    // ∂/∂y (y x^(y-1)) = 1 at x = 0 by the rule ∂/∂y x^(y-1) = 0 there; ∂/∂x of the chosen ∂/∂y = 0 is 0.
    hvp: [
      [0, 1],
      [0, 0],
    ],
    subgradient: true,
  },
  "constant powers at 0": {
    body: "return x ** 2 + x ** 0 + Math.pow(x, 3) + x ** 1;",
    at: [0],
    value: 1,
    grad: [1],
    hvp: [[2]],
    subgradient: true,
  },
  "x ** 0.5 at 0: infinite slope": {
    body: "return x ** 0.5;",
    at: [0],
    value: 0,
    grad: [I],
    hvp: [[-I]],
    subgradient: false,
  },
  "sqrt at 0: infinite slope": {
    body: "return Math.sqrt(x);",
    at: [0],
    value: 0,
    grad: [I],
    hvp: [[-I]],
    subgradient: false,
  },
  "sqrt at 0 beside y: a zero tangent times an infinite slope": {
    body: "return Math.sqrt(x) + y;",
    at: [0, 0],
    value: 0,
    grad: [I, 1],
    jvp: [I, NaN],
    hvp: [
      [-I, 0],
      [NaN, 0],
    ],
    subgradient: false,
  },
  "cbrt at 0: infinite slope": {
    body: "return Math.cbrt(x);",
    at: [0],
    value: 0,
    grad: [I],
    hvp: [[NaN]],
    subgradient: false,
  },
  "acos at 1: infinite slope": {
    body: "return Math.acos(x);",
    at: [1],
    value: 0,
    grad: [-I],
    hvp: [[-I]],
    subgradient: false,
  },
  "asin at -1: infinite slope": {
    body: "return Math.asin(x);",
    at: [-1],
    value: -Math.PI / 2,
    grad: [I],
    hvp: [[-I]],
    subgradient: false,
  },
  "acosh at 1: infinite slope": {
    body: "return Math.acosh(x);",
    at: [1],
    value: 0,
    grad: [I],
    hvp: [[NaN]],
    subgradient: false,
  },
  "atan2 at the origin: no derivative (a jump)": {
    body: "return Math.atan2(y, x);",
    at: [0, 0],
    value: 0,
    grad: [NaN, NaN],
    hvp: [
      [NaN, -I],
      [I, NaN],
    ],
    subgradient: false,
  },
  "steps at their jumps: 0": {
    body: "return Math.floor(x) + Math.ceil(x) + Math.round(x + 0.5) + Math.sign(x) + Math.trunc(x) + x * y;",
    at: [0, 1],
    value: 1,
    grad: [1, 0],
    hvp: [
      [0, 1],
      [1, 0],
    ],
    subgradient: true,
  },
  "% where a is a multiple of b": {
    body: "return x % y;",
    at: [4, 2],
    value: 0,
    grad: [1, -2],
    hvp: [
      [0, 0],
      [0, 0],
    ],
    subgradient: true,
  },
  "relu at 0": {
    body: "return relu(x) * y;",
    at: [0, 1],
    value: 0,
    grad: [0, 0],
    hvp: [
      [0, 0],
      [0, 0],
    ],
    subgradient: true,
  },
  "a branch boundary: the arm taken": {
    body: "return x > 0 ? x * x : -x;",
    at: [0],
    value: -0,
    grad: [-1],
    hvp: [[0]],
    subgradient: true,
  },
};

const PARAMS = ["x", "y", "z"];

type Modes = {
  grad: (...xs: number[]) => { value: number; grad: Record<string, number> };
  jvp: (...xs: [...number[], Record<string, number>]) => { value: number; tangent: number };
  hvp: (...xs: [...number[], Record<string, number>]) => {
    value: number;
    grad: Record<string, number>;
    hvp: Record<string, number>;
  };
};

function compiled(kink: Kink): Modes {
  const params = PARAMS.slice(0, kink.at.length);
  const source =
    'import { relu } from "adgen/gates";\n' +
    `export function f(${params.map((p) => `${p}: number`).join(", ")}): number { ${kink.body} }`;
  const { code, diagnostics } = compileSync(source, { language: "js", modes: ["grad", "jvp", "hvp"] });
  expect(diagnostics).toEqual([]);
  const body = code.replace(/^export /gm, "").replace(/^import .*$/gm, "");
  return new Function("Tape", "relu", `${body}\nreturn { grad: f_grad, jvp: f_jvp, hvp: f_hvp };`)(
    gates.Tape,
    gates.relu,
  ) as Modes;
}

/** Equal as numbers, NaN included, 0 and -0 alike; exact. */
const same = (actual: number, expected: number) =>
  Number.isNaN(expected) ? Number.isNaN(actual) : actual === expected;

describe.each(Object.entries(kinks))("%s", (_, kink) => {
  const params = PARAMS.slice(0, kink.at.length);
  const unit = (j: number) => Object.fromEntries(params.map((p, i) => [p, i === j ? 1 : 0]));

  it("f_grad, f_jvp and f_hvp give the table's values", () => {
    const f = compiled(kink);
    const seen: number[] = [];
    const expectSame = (what: string, actual: number, expected: number) => {
      seen.push(actual);
      expect(same(actual, expected), `${what}: ${actual}, expected ${expected}`).toBe(true);
    };
    const g = f.grad(...kink.at);
    expectSame("value", g.value, kink.value);
    params.forEach((p, i) => expectSame(`grad ${p}`, g.grad[p] ?? 0, kink.grad[i]!));
    params.forEach((p, j) => {
      const t = f.jvp(...kink.at, unit(j));
      expectSame(`value (jvp along ${p})`, t.value, kink.value);
      expectSame(`jvp along ${p}`, t.tangent, (kink.jvp ?? kink.grad)[j]!);
      const h = f.hvp(...kink.at, unit(j));
      expectSame(`value (hvp along ${p})`, h.value, kink.value);
      params.forEach((q, i) => {
        expectSame(`hvp along ${p}: grad ${q}`, h.grad[q] ?? 0, kink.grad[i]!);
        expectSame(`hvp along ${p}: (H e_${p})_${q}`, h.hvp[q] ?? 0, kink.hvp[j]![i]!);
      });
    });
    if (kink.subgradient) expect(seen.filter(Number.isNaN)).toEqual([]);
  });
});

it("the table's cases with a subgradient expect no NaN anywhere", () => {
  for (const [name, k] of Object.entries(kinks))
    if (k.subgradient)
      expect([k.value, ...k.grad, ...(k.jvp ?? []), ...k.hvp.flat()].some(Number.isNaN), `${name} expects a NaN`).toBe(
        false,
      );
});

it("reluArray at a zero element: 0 in its backward and its tangent", () => {
  const a = new Float64Array([-1, 0, 2]);
  const out = gates.reluArray(a);
  expect([...gates.reluArray.backward(new Float64Array([1, 1, 1]), out, a)[0]]).toEqual([0, 0, 1]);
  expect([...gates.reluArray.tangent(out, a, new Float64Array([1, 1, 1]))]).toEqual([0, 0, 1]);
});
