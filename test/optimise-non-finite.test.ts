/**
 * The optimiser must not change a gradient, not even where a parameter is infinite or a value
 * overflows: each program's gradient with the passes run equals the unoptimised one (`passes:
 * []`), NaN for NaN. Each case is a value computed where the program as written does not
 * differentiate it (a loop that runs zero times, an arm not taken), next to a twin that gets no
 * adjoint (it only decides a condition): merging the two would give the twin the inner value's
 * adjoint, 0, times an infinite partial.
 */
import { describe, expect, it } from "vitest";
import { Tape } from "../src/gates/index.js";
import { compileSync } from "../src/index.js";

type GradFn = (...xs: number[]) => { value: number; grad: Record<string, number> };

function gradOf(source: string, passes?: string[]): GradFn {
  const { code, diagnostics } = compileSync(source, { language: "js", passes });
  expect(diagnostics).toEqual([]);
  const body = code.replace(/^export /gm, "").replace(/^import .*$/gm, "");
  const name = /function (\w+_grad)\(/.exec(body)![1]!;
  return new Function("Tape", `${body}\nreturn ${name};`)(Tape) as GradFn;
}

/** Checks that every pass list gives the unoptimised result at every point. */
function sameAsUnoptimised(source: string, points: number[][], passLists: (string[] | undefined)[]) {
  const reference = gradOf(source, []);
  for (const passes of passLists) {
    const f = gradOf(source, passes);
    for (const xs of points) expect(f(...xs), `passes ${passes ?? "all"} at [${xs}]`).toEqual(reference(...xs));
  }
}

const ALL = [undefined, ["licm"], ["licm", "cse"], ["cse"]];

describe("optimised gradients at infinite and overflowing values", () => {
  it("LICM: a value moved out of a loop that runs zero times, compared again after it", () => {
    const source = `export function f(k: number, d: number, n: number): number {
      let s = 1;
      for (let i = 0; i < n; i++) s += k * k * d;
      return k * k * d > 0 ? s : -s;
    }`;
    // f(1e200, 3, 0) = 1 and is flat in d: k * k overflows, but no gradient meets it.
    expect(gradOf(source, [])(1e200, 3, 0)).toEqual({ value: 1, grad: { k: 0, d: 0, n: 0 } });
    sameAsUnoptimised(
      source,
      [
        [1e200, 3, 0],
        [Infinity, 3, 0],
        [1, Infinity, 0],
        [2, 3, 4],
      ],
      ALL,
    );
  });

  it("LICM: a twin through a piecewise-constant op, and in an enclosing loop", () => {
    sameAsUnoptimised(
      `export function f(k: number, d: number, n: number): number {
        let s = 0;
        for (let i = 0; i < n; i++) s += k * d * i;
        return s + Math.sign(k * d);
      }`,
      [
        [Infinity, 3, 0],
        [1, -Infinity, 0],
        [2, 3, 4],
      ],
      ALL,
    );
    sameAsUnoptimised(
      `export function f(k: number, d: number, n: number, m: number): number {
        let s = 1;
        for (let j = 0; j < m; j++) {
          for (let i = 0; i < n; i++) s += k * d * i;
          s += k * d > 0 ? 1 : 0;
        }
        return s + (k * d > 0 ? 1 : 0);
      }`,
      [
        [Infinity, 3, 0, 2],
        [Infinity, 3, 0, 0],
        [Infinity, 3, 2, 0],
        [1, Infinity, 0, 2],
        [2, 3, 4, 2],
      ],
      ALL,
    );
  });

  it("LICM alone (no CSE after it): the twin a moved value replaces gives it its adjoint", () => {
    // With --passes licm, the twin after the loop was left in place: the moved value's adjoint
    // was 0 and met k = Infinity (0 * Infinity), where the program as written gives Infinity.
    sameAsUnoptimised(
      `export function f(k: number, d: number, n: number): number {
        let s = 0;
        for (let i = 0; i < n; i++) s += k * d * i;
        return s + k * d;
      }`,
      [
        [Infinity, 3, 0],
        [0, Infinity, 0],
        [2, 3, 4],
      ],
      ALL,
    );
  });

  it("LICM: a twin replaced counts as a use of the moved value when an enclosing loop moves it", () => {
    // k * d moves out of the inner loop (where it only indexes) and replaces its twin after it,
    // a value that gets an adjoint; moving it out of the outer loop, which may not run, needs a
    // guard then. (Replacing the twin only at the end of the pass left it unguarded: NaN.)
    sameAsUnoptimised(
      `export function f(k: number, d: number, n: number, m: number, xs: Float64Array): number {
        let s = 1;
        for (let j = 0; j < m; j++) {
          for (let i = 0; i < n; i++) s += xs[k * d]! * (k + d);
          s += k * d;
        }
        return s;
      }`,
      [
        [Infinity, 3, 0, 0],
        [1, Infinity, 0, 0],
        [0, 1, 1, 2],
      ].map((xs) => [...xs, new Float64Array([1, 2, 3])] as never),
      ALL,
    );
  });

  it("CSE: a value in an arm not taken is not merged into a comparison before the branch", () => {
    const source = `export function f(k: number, d: number, c: number): number {
      const pos = k * d > 0;
      const r = c > 0 ? k * d : 1;
      return pos ? r : -r;
    }`;
    expect(gradOf(source)(Infinity, 3, -1)).toEqual({ value: 1, grad: { k: 0, d: 0, c: 0 } });
    sameAsUnoptimised(
      source,
      [
        [Infinity, 3, -1],
        [1, Infinity, -1],
        [2, 3, 1],
      ],
      ALL,
    );
  });

  it("CSE: a value in a loop that runs zero times is not merged into a comparison before it", () => {
    sameAsUnoptimised(
      `export function f(k: number, d: number, n: number): number {
        const pos = k * d > 0;
        let s = 1;
        for (let i = 0; i < n; i++) s += k * d * i;
        return pos ? s : -s;
      }`,
      [
        [Infinity, 3, 0],
        [1, Infinity, 0],
        [2, 3, 4],
      ],
      ALL,
    );
  });
});
