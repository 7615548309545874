/**
 * Calls do not inline: a program that calls one helper N times generates the helper (its primal
 * copy and its pullback) once, plus a constant amount of code per call. The generated size is
 * linear in N, with a per-call increment far below the helper's own size.
 */
import { describe, expect, it } from "vitest";
import { compileSync } from "../src/index.js";
import { close, finiteDifference } from "./support/numeric.js";

/** A helper of about 30 operations: arithmetic, Math functions, fan-out. */
const HELPER = `function helper(a: number, b: number): number {
  const s = a * b + Math.sin(a) - Math.cos(b);
  const t = Math.exp(-s * s) + Math.log(1 + a * a);
  const u = Math.sqrt(1 + b * b) * t - s / (2 + Math.cos(a * b));
  const v = Math.tanh(u) * a + Math.atan(t - b) * s;
  const w = (v * v + u * t) / (1 + s * s) - Math.hypot(a, b, u);
  return w * 0.5 + v - Math.sinh(0.1 * t) + a * b * u;
}
`;

/** `f(x, y)` calling the helper `n` times, each on different arguments. */
function program(n: number): string {
  const lines = [HELPER, "export function f(x: number, y: number): number {", "  let acc = 0;"];
  for (let i = 0; i < n; i++) {
    lines.push(`  acc = acc + helper(x * ${(i % 7) + 1}, y - ${i}) / ${i + 2};`);
  }
  lines.push("  return acc;", "}", "");
  return lines.join("\n");
}

function compiled(n: number): string {
  const { code, diagnostics } = compileSync(program(n), { fileName: `size-${n}.ts` });
  expect(diagnostics).toEqual([]);
  return code;
}

/** The text of the generated functions whose names start with `helper`. */
function helperText(code: string): string {
  return code
    .split(/\n(?=(?:export )?function |\/\*\*)/)
    .filter((chunk) => /^(\/\*\*[^\n]*\n)?function helper/.test(chunk))
    .join("\n");
}

describe("a helper called N times", () => {
  const ns = [10, 20, 40, 80];
  const codes = new Map(ns.map((n) => [n, compiled(n)]));
  const size = (n: number) => codes.get(n)!.length;

  it("is emitted once, with its pullback, whatever N", () => {
    for (const code of codes.values()) {
      expect(code.match(/^function helper\(/gm)).toHaveLength(1);
      expect(code.match(/^function helper_pullback\(/gm)).toHaveLength(1);
      expect(code.match(/^function /gm)).toHaveLength(2);
    }
    const text = helperText(codes.get(10)!);
    expect(helperText(codes.get(80)!)).toBe(text);
  });

  it("grows the generated code linearly in N, by far less than the helper per call", () => {
    const d1 = size(40) - size(20);
    const d2 = size(80) - size(40);
    expect(d1).toBeGreaterThan(0);
    // Twice the calls, twice the growth (within 10%).
    expect(Math.abs(d2 - 2 * d1) / (2 * d1)).toBeLessThan(0.1);
    const perCall = d2 / 40;
    const helper = helperText(codes.get(10)!).length;
    // Each call adds a few lines (forward call, pullback call, accumulation), not a copy.
    expect(perCall).toBeLessThan(helper / 5);
    expect(perCall).toBeLessThan(500);
    expect(helper).toBeGreaterThan(2500); // the helper and its pullback were found
  });

  it("computes the right gradient (N = 10)", () => {
    const code = codes.get(10)!;
    const js = compileSync(program(10), { language: "js" }).code.replace(/^export /gm, "");
    expect(code).toContain("helper_pullback(");
    const fGrad = new Function(`"use strict";\n${js}\nreturn f_grad;`)() as (
      x: number,
      y: number,
    ) => { value: number; grad: { x: number; y: number } };
    const source = program(10)
      .replace(/^export /gm, "")
      .replace(/: number/g, "");
    const f = new Function(`"use strict";\n${source}\nreturn f;`)() as (x: number, y: number) => number;
    for (const xs of [
      [0.3, -0.4],
      [1.2, 0.7],
      [-0.8, 1.5],
    ]) {
      const { value, grad } = fGrad(xs[0]!, xs[1]!);
      expect(value).toBe(f(xs[0]!, xs[1]!));
      const fx = finiteDifference(([a, b]) => f(a!, b!), xs, 0);
      const fy = finiteDifference(([a, b]) => f(a!, b!), xs, 1);
      expect(close(grad.x, fx), `∂/∂x at [${xs}]: ${grad.x} vs ${fx}`).toBe(true);
      expect(close(grad.y, fy), `∂/∂y at [${xs}]: ${grad.y} vs ${fy}`).toBe(true);
    }
  });
});
