/**
 * Checks of `f_hessian` and `f_hessian_diag` (test/hvp.test.ts runs them on every fixture of a
 * function returning a number, in the module it compiles for `f_hvp`): the Hessian is symmetric,
 * its row k is `f_hvp` along the k-th unit vector of the flattened inputs, it agrees with
 * differences of `f_grad` (up to 6 columns per function, to keep the test fast), and the diagonal
 * is its diagonal; `value` is `f`'s and `grad` is `f_grad`'s.
 */
import { expect } from "vitest";
import type { GeneratedFunction } from "../../src/index.js";
import type { Fixture } from "./fixtures.js";
import { close, finiteDifference, rng } from "./numeric.js";
import { copy, flatten, paramNames, samplePoint, type Fn, type GradFn, type Value } from "./points.js";
import { flatInputs, unitDirection } from "./flat.js";

type HessianFn = (...xs: Value[]) => { value: number; grad: Record<string, Value>; hessian: number[][] };
type DiagFn = (...xs: Value[]) => { value: number; grad: Record<string, Value>; diag: number[] };
type HvpFn = (...xs: Value[]) => { hvp: Record<string, Value> };

export function checkHessians(
  fixture: Fixture,
  input: Record<string, unknown>,
  generated: Record<string, unknown>,
  functions: GeneratedFunction[],
): void {
  const names = Object.keys(generated).filter((k) => k.endsWith("_hessian"));
  expect(names.length).toBeGreaterThan(0);
  const seeded = rng(0x4e55);
  for (const name of names) {
    const base = name.slice(0, -"_hessian".length);
    const f = input[base] as Fn;
    const hessian = generated[name] as HessianFn;
    const diagOf = generated[`${base}_hessian_diag`] as DiagFn;
    const hvp = generated[`${base}_hvp`] as HvpFn;
    const fGrad = generated[`${base}_grad`] as GradFn;
    const params = paramNames(f);
    // The flattened inputs: the companion's differentiated parameters (not `Data<T>` ones).
    const fields = functions.find((g) => g.name === `${base}_hvp`)!.params.at(-1)!.fields ?? [];
    const wrt = params.filter((p) => fields.some((q) => (q.path?.[0] ?? q.name) === p));
    const tol = Math.max(fixture.options.tolerance ?? 1e-6, 1e-5);
    const xs = samplePoint(fixture, params, seeded, input);
    const inputs = flatInputs(fixture, params, wrt, xs);
    const n = inputs.length;
    const r = hessian(...xs.map(copy));
    const d = diagOf(...xs.map(copy));
    expect(r.value, `${name} value`).toEqual(f(...xs.map(copy)));
    expect(d.value).toEqual(r.value);
    const g = fGrad(...xs.map(copy)).grad;
    expect(r.grad).toEqual(g);
    expect(d.grad).toEqual(g);
    expect(r.hessian.length, `${name}: one row per input`).toBe(n);
    expect(d.diag.length).toBe(n);
    for (let k = 0; k < n; k++) {
      expect(r.hessian[k]!.length).toBe(n);
      expect(d.diag[k], `${name} diag[${k}]`).toBe(r.hessian[k]![k]);
      // Row k is H e_k, by f_hvp.
      const v = unitDirection(params, wrt, xs, k);
      const row = wrt.flatMap((p) => flatten(hvp(...xs.map(copy), v).hvp[p]!));
      expect(row, `${name} row ${k} is f_hvp along e_${k}`).toEqual(r.hessian[k]);
      for (let j = 0; j < k; j++)
        expect(
          close(r.hessian[k]![j]!, r.hessian[j]![k]!, 1e-9),
          `${name} symmetric at (${k}, ${j}): ${r.hessian[k]![j]} and ${r.hessian[j]![k]}`,
        ).toBe(true);
    }
    // Some columns (every one for a small function) against differences of the gradient.
    const columns = inputs.map((_, k) => k).filter((k) => !inputs[k]!.fixed);
    const checked = columns.length <= 6 ? columns : columns.filter((_, i) => i % Math.ceil(columns.length / 6) === 0);
    for (const k of checked) {
      const moved = (e: number) => wrt.flatMap((p) => flatten(fGrad(...inputs[k]!.set(xs, e)).grad[p]!));
      for (let j = 0; j < n; j++) {
        if (inputs[j]!.fixed) continue;
        const fd = finiteDifference((es) => moved(es[0]!)[j]!, [inputs[k]!.value], 0, fixture.options.step);
        const ad = r.hessian[j]![k]!;
        expect(
          close(ad, fd, tol),
          `${name} H[${j}][${k}] at [${JSON.stringify(xs)}]: adgen ${ad}, differences ${fd}`,
        ).toBe(true);
      }
    }
  }
}
