/**
 * How a user's code type-checks against `grad` and `vjp` (checked by test/api-types.test.ts with
 * tsc --strict and noUncheckedIndexedAccess). Never run.
 */
import { grad, vjp } from "adgen";

declare function loss(w: number, b: number, xs: Float64Array, ys: Float64Array): number;
declare function model(ws: Float64Array, xs: number[], k: number): number;
declare function area(w: number, h: number): number;
declare function squares(x: Float64Array, k: number): Float64Array;

let w = 0.5;
let b = 0;
const xs = new Float64Array(3);
const ys = new Float64Array(3);

// Each parameter's gradient has that parameter's gradient type.
const g = grad(loss, { wrt: ["w", "b"] })(w, b, xs, ys).grad;
w -= 0.5 * g.w;
b -= 0.5 * g.b;
// @ts-expect-error: not a parameter
void g.typo;

const all = grad(loss, { wrt: ["w", "b", "xs", "ys"] })(w, b, xs, ys).grad;
const dxs: Float64Array = all.xs;
const dw: number = all.w;
// @ts-expect-error: ys's gradient is a Float64Array
const wrong: number = all.ys;

const m = grad(model, { wrt: ["ws", "xs"] })(xs, [1, 2], 3).grad;
const dws: Float64Array = m.ws;
const dxsArray: number[] = m.xs;

// Parameters all of one type: names in any order.
const a = grad(area, { wrt: ["h"] })(2, 3).grad;
const dh: number = a.h;
// @ts-expect-error: w was not asked for
void a.w;

const v = vjp(squares, { wrt: ["x", "k"] })(xs, 2, xs).grad;
const vx: Float64Array = v.x;
const vk: number = v.k;

// A record parameter's gradient is the record of its fields' gradients, without an index signature.
interface Vec3 {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}
interface Layer {
  weights: Float64Array;
  origin: Vec3;
}
declare function shade(n: Vec3, layer: Layer): number;
const r = grad(shade, { wrt: ["n", "layer"] })(
  { x: 1, y: 0, z: 0 },
  { weights: xs, origin: { x: 0, y: 0, z: 0 } },
).grad;
const dnx: number = r.n.x;
const dweights: Float64Array = r.layer.weights;
const doz: number = r.layer.origin.z;
// @ts-expect-error: Vec3 has no field w, nor its gradient
void r.n.w;
// @ts-expect-error: a field's gradient is a number, not an array
const notArray: Float64Array = r.n.y;

export { dh, dnx, doz, dw, dweights, dws, dxs, dxsArray, notArray, vk, vx, wrong };
