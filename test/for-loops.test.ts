/**
 * Loops over a counter stay `for` loops, and their reverse runs the counter back from its last
 * value: these pin the shape, and the gradient where the last value is easy to get wrong (a bound
 * that is not an integer, a loop that runs zero times, counting down, `<=`, a break).
 */
import { describe, expect, it } from "vitest";
import { Tape } from "../src/gates/index.js";
import { compileSync } from "../src/index.js";

function build(source: string) {
  const { code, diagnostics } = compileSync(source, { language: "js" });
  expect(diagnostics).toEqual([]);
  const body = code.replace(/^export /gm, "").replace(/^import .*$/gm, "");
  const name = /function (\w+_grad)\(/.exec(body)![1]!;
  const fGrad = new Function("Tape", `${body}\nreturn ${name};`)(Tape) as (...xs: number[]) => {
    value: number;
    grad: Record<string, number>;
  };
  return { code: body, fGrad };
}

/** The sum of `i` over the integers the loop visits: the exact gradient of `s += x * i` in x. */
const sumOf = (visited: number[]) => visited.reduce((a, b) => a + b, 0);
const range = (from: number, test: (i: number) => boolean, step: number) => {
  const out: number[] = [];
  for (let i = from; test(i); i += step) out.push(i);
  return out;
};

describe("for loops over a counter", () => {
  it("counts up to a bound that may not be an integer: back from Math.ceil(n) - 1", () => {
    const { code, fGrad } = build(`export function f(x: number, n: number): number {
      let s = 0;
      for (let i = 0; i < n; i++) s += x * (i + 1);
      return s;
    }`);
    expect(code).toContain("for (let i = 0; i < n; i++)");
    expect(code).toContain("for (let i = Math.ceil(n) - 1; i >= 0; i--)");
    expect(code).not.toContain("trips");
    for (const n of [3, 2.5, 0.2, 0, -1.5])
      expect(fGrad(2, n).grad.x).toBe(sumOf(range(0, (i) => i < n, 1).map((i) => i + 1)));
  });

  it("counts up to an array's length, an integer: back from a.length - 1", () => {
    const { code, fGrad } = build(`export function f(a: Float64Array, x: number): number {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i] * x;
      return s;
    }`);
    expect(code).toContain("for (let i = a.length - 1; i >= 0; i--)");
    expect(
      (fGrad as unknown as (a: Float64Array, x: number) => { grad: { x: number } })(Float64Array.from([1, 2, 4]), 3)
        .grad.x,
    ).toBe(7);
  });

  it("counts down with >, and up with <=, to bounds that may not be integers", () => {
    const down = build(`export function f(x: number, m: number): number {
      let s = 0;
      for (let i = 5; i > m; i--) s += x * i;
      return s;
    }`);
    expect(down.code).toContain("for (let i = Math.floor(m) + 1; i <= 5; i++)");
    for (const m of [1, 1.5, -0.5, 5, 7.2]) expect(down.fGrad(2, m).grad.x).toBe(sumOf(range(5, (i) => i > m, -1)));
    const up = build(`export function f(x: number, m: number): number {
      let s = 0;
      for (let i = 1; i <= m; i++) s += x * i;
      return s;
    }`);
    expect(up.code).toContain("for (let i = Math.floor(m); i >= 1; i--)");
    for (const m of [4, 3.7, 0.5, -2]) expect(up.fGrad(2, m).grad.x).toBe(sumOf(range(1, (i) => i <= m, 1)));
  });

  it("runs back over the trip count when a break may end the loop (the counter steps only if it did not)", () => {
    const { code, fGrad } = build(`export function f(x: number, n: number): number {
      let s = 0;
      for (let i = 0; i < n; i++) {
        s += x * i;
        if (s > 10) break;
      }
      return s;
    }`);
    expect(code).toContain("for (let it = trips; it > 0; it--)");
    // x = 2: s = 0, 2, 6, 12 (break after i = 3): the gradient is 0 + 1 + 2 + 3.
    expect(fGrad(2, 10).grad.x).toBe(6);
    expect(fGrad(2, 2.5).grad.x).toBe(3);
  });

  it("keeps a counter read after the loop in a while loop", () => {
    const { code, fGrad } = build(`export function f(x: number, n: number): number {
      let s = 0;
      let i = 0;
      while (i < n) {
        s += x;
        i++;
      }
      return s * i;
    }`);
    expect(code).toContain("while (i < n)");
    // s = n' x and i = n' after n' = ceil(n) trips: f = n'^2 x.
    expect(fGrad(2, 2.5).grad.x).toBe(9);
    expect(fGrad(2, 2.5).value).toBe(18);
  });
});
