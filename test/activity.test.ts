/**
 * Activity analysis through branches and calls: a parameter that only reaches conditions, or
 * nothing, gets an exact zero and costs nothing (no `grad_<p>` variable, no pullback called for
 * it), and `wrt` keeps pruning what is not asked for.
 */
import { describe, expect, it } from "vitest";
import { compileSync } from "../src/index.js";
import { close, finiteDifference } from "./support/numeric.js";

type GradFn = (...xs: number[]) => { value: number; grad: Record<string, number> };

/** Compiles `source` to plain JavaScript and returns its generated code and `<name>_grad`. */
function build(source: string, name: string, wrt?: string[]): { code: string; fGrad: GradFn } {
  const result = compileSync(source, { language: "js", ...(wrt ? { wrt } : {}) });
  expect(result.diagnostics).toEqual([]);
  expect(result.code).not.toMatch(/^import /m); // no gates: the module runs on its own
  const body = result.code.replace(/^export /gm, "");
  const fGrad = new Function(`"use strict";\n${body}\nreturn ${name}_grad;`)() as GradFn;
  return { code: result.code, fGrad };
}

/** The text of one generated function, from its `function` line to the next top-level one. */
function functionText(code: string, name: string): string {
  const start = code.search(new RegExp(`^(export )?function ${name}\\(`, "m"));
  expect(start, `no function ${name} in the generated code`).toBeGreaterThanOrEqual(0);
  const next = code.slice(start + 1).search(/^(export )?function /m);
  return next < 0 ? code.slice(start) : code.slice(start, start + 1 + next);
}

/** Evaluates `f` (the source's exported function) for finite differences. */
function primal(source: string, name: string): (...xs: number[]) => number {
  const js = source.replace(/^export /gm, "").replace(/: number/g, "");
  return new Function(`"use strict";\n${js}\nreturn ${name};`)() as (...xs: number[]) => number;
}

function checkAgainstFiniteDifferences(source: string, name: string, fGrad: GradFn, points: number[][]) {
  const f = primal(source, name);
  for (const xs of points) {
    const { value, grad } = fGrad(...xs);
    expect(value).toBe(f(...xs));
    Object.keys(grad).forEach((p, i) => {
      const fd = finiteDifference((ys) => f(...ys), xs, i);
      expect(close(grad[p]!, fd), `∂/∂${p} at [${xs}]: ${grad[p]} vs ${fd}`).toBe(true);
    });
  }
}

describe("a parameter that only reaches conditions", () => {
  const source = `export function f(x: number, t: number): number {
  if (t > 0) return x * x;
  return 3 * x;
}
`;

  it("gets an exact 0 on both sides of the branch, and no grad_t variable", () => {
    const { code, fGrad } = build(source, "f");
    for (const t of [-2, 2]) {
      const { grad } = fGrad(1.5, t);
      expect(Object.is(grad.t, 0), `grad.t at t = ${t} is ${grad.t}`).toBe(true);
    }
    expect(code).not.toMatch(/\bgrad_t\b/);
    expect(code).toMatch(/\bt: 0\b/);
    checkAgainstFiniteDifferences(source, "f", fGrad, [
      [1.5, 2],
      [1.5, -2],
    ]);
  });

  it("through && / || / ! and a boolean local", () => {
    const src = `export function f(x: number, lo: number, hi: number): number {
  const inside = x > lo && !(x > hi);
  if (inside || lo > hi) return Math.sin(x);
  return x * x;
}
`;
    const { code, fGrad } = build(src, "f");
    for (const xs of [
      [0.5, 0, 1],
      [2, 0, 1],
      [-1, 0, 1],
      [0.5, 2, 1],
    ]) {
      const { grad } = fGrad(...xs);
      expect(Object.is(grad.lo, 0) && Object.is(grad.hi, 0), `at [${xs}]: ${JSON.stringify(grad)}`).toBe(true);
    }
    expect(code).not.toMatch(/\bgrad_(lo|hi)\b/);
    checkAgainstFiniteDifferences(src, "f", fGrad, [
      [0.5, 0, 1],
      [2, 0, 1],
    ]);
  });

  it("through a helper called only for the decision: no pullback is called", () => {
    const src = `function energy(a: number, b: number): number {
  return a * a + b * b;
}

export function f(x: number, t: number, limit: number): number {
  return energy(t, limit) > 1 ? 2 * x : x * x;
}
`;
    const { code, fGrad } = build(src, "f");
    for (const xs of [
      [0.5, 2, 0],
      [0.5, 0.1, 0.1],
    ]) {
      const { grad } = fGrad(...xs);
      expect(Object.is(grad.t, 0) && Object.is(grad.limit, 0), `at [${xs}]: ${JSON.stringify(grad)}`).toBe(true);
    }
    expect(code).not.toMatch(/\bgrad_(t|limit)\b/);
    expect(code).not.toMatch(/energy_pullback/);
    checkAgainstFiniteDifferences(src, "f", fGrad, [
      [0.5, 2, 0],
      [0.5, 0.1, 0.1],
    ]);
  });

  it("a branch that only picks constants adds nothing to the backward pass", () => {
    const src = `export function f(x: number, t: number): number {
  const sign = t > 0 ? 1 : -1;
  return x * x + sign;
}
`;
    const { code, fGrad } = build(src, "f");
    const backward = functionText(code, "f_grad").split(/\n\s*\n/)[1] ?? "";
    expect(backward).not.toMatch(/\bcond\b|\bif\b/);
    expect(code).not.toMatch(/\bgrad_(t|sign)\b/);
    expect(Object.is(fGrad(1, 1).grad.t, 0)).toBe(true);
  });
});

describe("a parameter that reaches nothing", () => {
  it("gets an exact 0 and is not read by the gradient", () => {
    const src = `export function f(x: number, unused: number): number {
  return x > 1 ? Math.log(x) : x - 1;
}
`;
    const { code, fGrad } = build(src, "f");
    expect(Object.is(fGrad(2, 5).grad.unused, 0)).toBe(true);
    expect(Object.is(fGrad(0.5, 5).grad.unused, 0)).toBe(true);
    expect(code).not.toMatch(/\bgrad_unused\b/);
    // Only the signature mentions it.
    expect(code.match(/\bunused\b/g)).toHaveLength(2); // `f_grad(x, unused)` and `unused: 0`
  });

  it("in a helper: the pullback returns a literal 0 for it", () => {
    const src = `function scale(x: number, ignored: number): number {
  return 3 * x;
}

export function f(x: number): number {
  return scale(x, x * x);
}
`;
    const { code, fGrad } = build(src, "f");
    expect(functionText(code, "scale_pullback")).toMatch(/return \[grad_x, 0\];/);
    checkAgainstFiniteDifferences(src, "f", fGrad, [[0.7], [-1.3]]);
  });
});

describe("wrt keeps pruning through branches and calls", () => {
  const source = `function g(a: number, b: number): number {
  return a * Math.exp(b);
}

export function f(x: number, y: number): number {
  const p = g(y, 2);
  let z: number;
  if (x > y) {
    z = g(x, y) + p;
  } else {
    z = x * p;
  }
  return z * y;
}
`;

  it("with wrt x, nothing is computed for y in the entry", () => {
    const { code, fGrad } = build(source, "f", ["x"]);
    const entry = functionText(code, "f_grad");
    expect(entry).not.toMatch(/\bgrad_y\b|\bgrad_p\b/);
    // g(y, 2) does not depend on x: its pullback is never called.
    expect(entry).not.toMatch(/g_pullback\(y, 2/);
    for (const xs of [
      [2, 0.5],
      [0.1, 0.5],
    ])
      expect(Object.keys(fGrad(...xs).grad)).toEqual(["x"]);
    const f = primal(source, "f");
    for (const xs of [
      [2, 0.5],
      [0.1, 0.5],
    ]) {
      const fd = finiteDifference((ys) => f(...ys), xs, 0);
      expect(close(fGrad(...xs).grad.x!, fd)).toBe(true);
    }
  });

  it("with every parameter, y gets its gradient from both arms and both calls", () => {
    const { code, fGrad } = build(source, "f");
    expect(functionText(code, "f_grad")).toMatch(/\bgrad_y\b/);
    checkAgainstFiniteDifferences(source, "f", fGrad, [
      [2, 0.5],
      [0.1, 0.5],
    ]);
  });
});
