/**
 * What README's "What adgen guarantees at non-differentiable points and for NaN and Infinity"
 * promises, pinned down case by case: the derivative each rule chooses at a kink, untaken
 * branches that never reach the gradient, and the 0 * NaN trap of values that are computed
 * but reach the result with a zero adjoint (documented, with its one-branch workaround).
 */
import { describe, expect, it } from "vitest";
import { Tape } from "../src/gates/index.js";
import * as gates from "../src/gates/index.js";
import { compileSync } from "../src/index.js";

type GradFn = (...xs: number[]) => { value: number; grad: Record<string, number> };

/** Compiles a module of one function and returns its f_grad. */
function gradOf(source: string): GradFn {
  const { code, diagnostics } = compileSync(source, { language: "js" });
  expect(diagnostics).toEqual([]);
  const body = code.replace(/^export /gm, "").replace(/^import .*$/gm, "");
  const name = /function (\w+_grad)\(/.exec(body)![1]!;
  return new Function("Tape", "relu", `${body}\nreturn ${name};`)(Tape, gates.relu) as GradFn;
}

describe("kinks: the derivative each rule chooses", () => {
  const at = (source: string, ...xs: number[]) => Object.values(gradOf(source)(...xs).grad);

  it("abs, floor and the other piecewise-constant ops, hypot at the zero vector: 0", () => {
    expect(at("export function f(x: number) { return Math.abs(x); }", 0)).toEqual([0]);
    expect(at("export function f(x: number) { return Math.floor(x) + Math.sign(x) + Math.round(x); }", 1)).toEqual([0]);
    expect(at("export function f(x: number, y: number) { return Math.hypot(x, y); }", 0, 0)).toEqual([0, 0]);
  });

  it("max and min: the whole gradient to the first operand on a tie", () => {
    expect(at("export function f(x: number, y: number) { return Math.max(x, y); }", 1, 1)).toEqual([1, 0]);
    expect(at("export function f(x: number, y: number) { return Math.min(x, y); }", 1, 1)).toEqual([1, 0]);
  });

  it("relu at 0: 0 (the left derivative)", () => {
    expect(at('import { relu } from "adgen/gates";\nexport function f(x: number) { return relu(x); }', 0)).toEqual([0]);
  });

  it("a branch boundary: the derivative of the branch the condition takes", () => {
    // x > 0 is false at 0: the else arm, -x, whose derivative is -1.
    expect(at("export function f(x: number) { return x > 0 ? x * x : -x; }", 0)).toEqual([-1]);
  });
});

describe("NaN and Infinity", () => {
  it("in an untaken branch, never reach the gradient", () => {
    const f = gradOf("export function f(x: number) { return x > 0 ? Math.sqrt(x) * Math.log(x) : 2 * x; }");
    expect(f(-1)).toEqual({ value: -2, grad: { x: 2 } });
  });

  it("in a value overwritten by a later iteration: the 0 * NaN trap (documented)", () => {
    // Iteration 0 computes sqrt(-0.5) = NaN, iteration 1 overwrites it with 1: f is 1, its
    // derivative 0. The overwritten value's adjoint is 0 at run time, and 0 * NaN is NaN.
    const f = gradOf(`export function f(y: number): number {
      let t = 0;
      for (let i = 0; i < 2; i++) t = Math.sqrt(1 - y * (1 - i));
      return t;
    }`);
    expect(f(0.5)).toEqual({ value: 1, grad: { y: 0 } });
    expect(f(1.5).value).toBe(1);
    expect(f(1.5).grad.y).toBeNaN();
  });

  it("behind a branch that guards the operation, do not arise: the one-branch workaround", () => {
    const f = gradOf(`export function f(y: number): number {
      let t = 0;
      for (let i = 0; i < 2; i++) {
        const a = 1 - y * (1 - i);
        t = a > 0 ? Math.sqrt(a) : 0;
      }
      return t;
    }`);
    expect(f(1.5)).toEqual({ value: 1, grad: { y: 0 } });
  });

  it("in an operand that max or min does not choose: the same trap", () => {
    // At x = 0, 1 / (x * x) is Infinity and min chooses 2: f is 2, flat around 0. The unchosen
    // operand's adjoint is 0, and its local derivative is -Infinity / 0.
    const f = gradOf("export function f(x: number) { return Math.min(1 / (x * x), 2); }");
    expect(f(0).value).toBe(2);
    expect(f(0).grad.x).toBeNaN();
    expect(f(3).grad.x).toBeCloseTo(-2 / 27, 12);
  });
});
