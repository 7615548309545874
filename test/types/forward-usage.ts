/**
 * How a user's code type-checks against `jvp`, `hvp`, `hessian`, `hessianDiag` and `jacobian`
 * (checked by test/api-types.test.ts with tsc --strict and noUncheckedIndexedAccess). Never run.
 */
import { hessian, hessianDiag, hvp, jacobian, jvp, type Data } from "adgen";

declare function angle(theta0: number, length: number, dt: number, n: number): number;
declare function layer(w: Float64Array, x: number[], b: number): Float64Array;
declare function fit(w: Float64Array, b: number, xs: Data<Float64Array>): number;
declare function area(w: number, h: number): number;

const w = new Float64Array(6);
const xs = new Float64Array(3);

// Forward mode: tangents keyed by name (any name without wrt), a tangent shaped like the value.
const s = jvp(angle)(0.5, 1.2, 0.01, 100, { length: 1 });
const ds: number = s.tangent;
const sl = jvp(angle, { wrt: ["theta0", "length"] })(0.5, 1.2, 0.01, 100, { length: 1 });
// @ts-expect-error: with wrt, only its names are tangents
void jvp(angle, { wrt: ["theta0", "length"] })(0.5, 1.2, 0.01, 100, { lenght: 1 });
// @ts-expect-error: the tangents come after f's arguments
void jvp(angle)(0.5, 1.2, 0.01, 100);

const l = jvp(layer, { wrt: ["w", "x", "b"] })(w, [1, 2, 3], 0.1, { w, b: 1 });
const dl: Float64Array = l.tangent;
const vl: Float64Array = l.value;
// @ts-expect-error: an array result has an array tangent
const notNumber: number = l.tangent;
// @ts-expect-error: w's tangent is a Float64Array, as w is
void jvp(layer, { wrt: ["w", "x", "b"] })(w, [1, 2, 3], 0.1, { w: 1 });

// Hessian-vector products: v and H v keyed and shaped like the gradient; Data<T> parameters have none.
const h = hvp(fit, { wrt: ["w", "b"] })(w, 0.5, xs, { w });
const hw: Float64Array = h.hvp.w;
const hb: number = h.hvp.b;
const gw: Float64Array = h.grad.w;
const any = hvp(area)(2, 3, { w: 1 }).hvp;
const ah: number | undefined = any.h;
// @ts-expect-error: hvp is for functions returning a number
void hvp(layer);

// Hessians and Jacobians: matrices of numbers.
const H: number[][] = hessian(area)(2, 3).hessian;
const hg: number = hessian(area, { wrt: ["w", "h"] })(2, 3).grad.h;
const d: number[] = hessianDiag(fit, { wrt: ["w"] })(w, 0.5, xs).diag;
const dg: Float64Array = hessianDiag(fit, { wrt: ["w"] })(w, 0.5, xs).grad.w;
const J = jacobian(layer)(w, [1, 2, 3], 0.1);
const Jrows: number[][] = J.jacobian;
const Jvalue: Float64Array = J.value;
// @ts-expect-error: hessian is for functions returning a number
void hessian(layer);
// A number's Jacobian is one row.
const Jarea: number = jacobian(area)(2, 3).value;
// @ts-expect-error: a Hessian is a matrix, not a record
void hessian(area)(2, 3).hessian.w;

export { ah, d, dg, dl, ds, gw, H, hb, hg, hw, Jarea, Jrows, Jvalue, notNumber, sl, vl };
