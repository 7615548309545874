/**
 * The optimisations of the generated code, each on its own: constant folding, common
 * subexpressions, dead code, simplification, reuse of forward values, no redundant temporaries.
 * Every case is also run, so an optimisation that changed a number fails here too.
 */
import { describe, expect, it } from "vitest";
import { Tape } from "../src/gates/index.js";
import { compileSync } from "../src/index.js";
import { close, finiteDifference } from "./support/numeric.js";

/** Compiles a one-function module and returns its code and a callable f_grad. */
function build(source: string) {
  const { code, diagnostics } = compileSync(source, { language: "js" });
  expect(diagnostics).toEqual([]);
  const body = code.replace(/^export /gm, "").replace(/^import .*$/gm, "");
  const name = /function (\w+_grad)\(/.exec(body)![1]!;
  const fGrad = new Function("Tape", `${body}\nreturn ${name};`)(Tape) as (...xs: (number | Float64Array)[]) => {
    value: number;
    grad: Record<string, number>;
  };
  const [, backward = ""] = body.split(/\n\n(?=\s+const grad_)/);
  return { code: body, backward, fGrad };
}

/** f_grad agrees with finite differences of `f` at `xs`. */
function agrees(
  fGrad: (...xs: number[]) => { grad: Record<string, number> },
  f: (...xs: number[]) => number,
  xs: number[],
) {
  const { grad } = fGrad(...xs);
  Object.values(grad).forEach((g, i) =>
    expect(
      close(
        g,
        finiteDifference((ys) => f(...ys), xs, i),
      ),
    ).toBe(true),
  );
}

describe("constant folding", () => {
  it("folds arithmetic on literals, keeps named constants and ** symbolic", () => {
    const { code, fGrad } = build(
      "export function f(x: number) { return x * (2 * 3) + (1 / 4) * x + 2 ** 0.5 * x + 2 * Math.PI * x; }",
    );
    expect(code).toContain("x * 6");
    expect(code).toContain("0.25 * x");
    expect(code).not.toContain("2 * 3");
    expect(code).toContain("2 ** 0.5");
    expect(code).toContain("2 * Math.PI");
    agrees(fGrad, (x) => x * 6 + 0.25 * x + 2 ** 0.5 * x + 2 * Math.PI * x, [1.3]);
  });
});

describe("common subexpressions", () => {
  it("computes a repeated pure expression once", () => {
    const { code, fGrad } = build(
      "export function f(x: number, y: number) { return Math.sin(x * y) + Math.sin(x * y) * x; }",
    );
    expect(code.match(/Math\.sin\(/g)).toHaveLength(1);
    expect(code.match(/x \* y/g)).toHaveLength(1);
    agrees(fGrad, (x, y) => Math.sin(x * y) + Math.sin(x * y) * x, [0.7, -1.1]);
  });

  it("reads an array element again after it is written", () => {
    const { code, fGrad } = build(`export function f(x: number) {
      const b = new Float64Array(1);
      b[0] = x;
      const p = b[0];
      b[0] = 3 * x * x;
      return p * b[0];
    }`);
    expect(code.match(/= b\[0\];/g)).toHaveLength(2);
    agrees(fGrad, (x) => x * 3 * x * x, [0.9]);
  });

  it("does not reuse a read from before a loop that writes the array", () => {
    const { fGrad } = build(`export function f(x: number) {
      const b = new Float64Array(1);
      b[0] = x;
      let s = b[0];
      for (let i = 0; i < 3; i++) {
        b[0] = b[0] * x;
        s += b[0];
      }
      return s;
    }`);
    agrees(fGrad, (x) => x + x * x + x ** 3 + x ** 4, [1.2]);
  });
});

describe("dead code", () => {
  it("drops forward values the result does not need, and gradients nothing reads", () => {
    const { code, fGrad } = build(
      "export function f(x: number, y: number) { const unused = Math.exp(x); return 0 * y + x * x; }",
    );
    expect(code).not.toContain("Math.exp");
    expect(code).not.toContain("unused");
    expect(code).not.toMatch(/grad_t\d+ = grad_f;\n(?![\s\S]*grad_t\d+ \*)/);
    agrees(fGrad, (x, y) => 0 * y + x * x, [0.5, 2]);
  });
});

describe("simplification and reuse", () => {
  it("writes no * 1 and no + 0 in the backward pass", () => {
    const { backward } = build("export function f(a: number, b: number, c: number) { return (a + b) * c - a; }");
    expect(backward).not.toMatch(/\* 1\b|\+ 0\b|1 \*/);
  });

  it("reuses the forward value where the rule is written with the output (exp, sqrt, tanh, sigmoid)", () => {
    const { code } = build("export function f(x: number) { return Math.exp(x) + Math.sqrt(x) + Math.tanh(x); }");
    expect(code.match(/Math\.exp\(/g)).toHaveLength(1);
    expect(code.match(/Math\.sqrt\(/g)).toHaveLength(1);
    expect(code.match(/Math\.tanh\(/g)).toHaveLength(1);
  });

  it("names a pullback's result after the gradient it is, without a copy", () => {
    const { code } = build(
      "function g(a: number) { return a * a * a; }\nexport function f(x: number) { return g(x) + 1; }",
    );
    expect(code).toMatch(/const grad_x = g_pullback\(x, grad_t1\);/);
  });
});

describe("loop-invariant code motion", () => {
  // Before the first loop (a `for` over a counter, or a `while`).
  const firstLoop = (code: string) => code.search(/\b(?:while|for) \(/);
  const before = (code: string, text: string) => code.indexOf(text) < firstLoop(code);

  it("computes loop-invariant arithmetic once, before the loop", () => {
    const { code, fGrad } = build(`export function f(w: Float64Array, x: number, k: number) {
      let s = 0;
      for (let i = 0; i < 4; i++) s += w[i] * (x * k + 1);
      return s;
    }`);
    expect(before(code, "= x * k;")).toBe(true);
    const w = Float64Array.from([0.5, -1.5, 2, 1]);
    expect(close(fGrad(w, 0.7, 3).grad.x as number, 2 * 3)).toBe(true);
  });

  it("keeps reads and other operations in a loop that may not run (no 0 * NaN gradient)", () => {
    const { code, fGrad } = build(`export function f(x: number) {
      let s = x;
      let k = 0;
      while (k < 3 && x > 0) {
        s += Math.sqrt(x);
        k++;
      }
      return s;
    }`);
    expect(before(code, "Math.sqrt(x)")).toBe(false);
    expect(fGrad(-1).grad.x).toBe(1);
  });

  it("moves nothing out of a loop that may not run but under its entry condition (an overflow is no 0 * Infinity)", () => {
    // Found by review: t * t, moved before a loop that ran zero times, overflowed to Infinity and
    // its zero gradient became 0 * Infinity = NaN.
    const { code, fGrad } = build(`export function f(x: number, n: number, y: number) {
      let s = x;
      for (let i = 0; i < n; i++) { const t = x * y; s = s + t * t; }
      return s;
    }`);
    expect(code).toMatch(/if \(\w+_entry\)/);
    expect(fGrad(1e300, 0, 1e300).grad).toEqual({ x: 1, n: 0, y: 0 });
    expect(fGrad(1.5, 2, 0.5).grad.x).toBeCloseTo(1 + 2 * 2 * 1.5 * 0.25, 12);
    const product = build(`export function f(x: number, n: number, y: number) {
      let s = x;
      for (let i = 0; i < n; i++) s = s * (x * y);
      return s;
    }`);
    expect(product.fGrad(0.5, 0, Infinity).grad.x).toBe(1);
  });

  it("moves invariants without a guard when the loop certainly runs, or when they only index arrays", () => {
    const indices = build(`export function f(m: Float64Array, x: number, cols: number) {
      let s = 0;
      for (let r = 0; r < 2; r++) {
        for (let c = 0; c < cols; c++) s += m[r * cols + c] * x;
      }
      return s;
    }`);
    expect(indices.code).not.toContain("_entry");
    expect(indices.code.indexOf("r * cols")).toBeLessThan(indices.code.indexOf("for (let c = 0; c < cols; c++)"));
    const certain = build(`export function f(x: number) {
      let s = 0;
      for (let c = 0; c < 2; c++) s += Math.sin(s) * (x * x);
      return s;
    }`);
    expect(certain.code).not.toContain("_entry");
    expect(certain.code.indexOf("x * x")).toBeLessThan(firstLoop(certain.code));
  });

  it("keeps a read in the loop when the loop writes the array, or when it is inside a branch", () => {
    const { code } = build(`export function f(x: number) {
      const b = new Float64Array(2);
      let s = 0;
      for (let i = 0; i < 3; i++) {
        b[1] = b[0] + x;
        b[0] = b[1] * x;
        if (i > 0) s += Math.sin(x) * b[0];
      }
      return s;
    }`);
    expect(before(code, "= b[0];")).toBe(false);
    expect(before(code, "Math.sin(x)")).toBe(false);
  });
});

describe("copy propagation (src/simplify)", () => {
  it("reads a loop's carried adjoint by one name, and keeps a copy whose source changes before its last read", () => {
    const { backward, fGrad } = build(`export function f(x: number, y: number) {
      let a = x;
      let b = y;
      let s = 0;
      for (let i = 0; i < 3; i++) {
        s = s + a * b;
        const t = a;
        a = b;
        b = t * x;
      }
      return s + a;
    }`);
    // No copy of a let into a const and back: const grad_s_1 = grad_s_2; ... grad_s_2 = grad_s_1.
    expect(backward).not.toMatch(/const (grad_s\w*) = grad_s\w*;[^]*grad_s\w* = \1;/);
    const f = (x: number, y: number) => {
      let [a, b, s] = [x, y, 0];
      for (let i = 0; i < 3; i++) [s, a, b] = [s + a * b, b, a * x];
      return s + a;
    };
    agrees(fGrad, f, [0.7, -1.3]);
    agrees(fGrad, f, [1.1, 0.4]);
  });
});
