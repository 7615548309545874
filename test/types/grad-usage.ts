/**
 * How a user's code type-checks against `grad` and `vjp` (checked by test/api-types.test.ts with
 * tsc --strict and noUncheckedIndexedAccess). Never run.
 */
import { grad, vjp, type Data, type GradOf } from "adgen";

declare function loss(w: number, b: number, xs: Float64Array, ys: Float64Array): number;
declare function model(ws: Float64Array, xs: number[], k: number): number;
declare function area(w: number, h: number): number;
declare function squares(x: Float64Array, k: number): Float64Array;
declare function fit(w: Float64Array, xs: Data<number[]>, ys: Data<Float64Array>, scale: Data<number>): number;
declare function fit2(w: number, b: number, xs: Data<Float64Array>): number;

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

// Data<T> parameters get no gradient: without them, fit's gradients are all Float64Arrays.
const f = grad(fit)(xs, [1, 2], ys, 2).grad;
const fw: Float64Array | undefined = f.w;
// @ts-expect-error: no gradient is a number[] (xs is data)
const fxs: number[] | undefined = f.xs;
const f2 = grad(fit2, { wrt: ["b"] })(1, 2, xs).grad;
const f2b: number = f2.b;
// A Data<T> is a T, and a T a Data<T>.
const data: Data<Float64Array> = xs;
const plain: Float64Array = data;
const scaled: number = (2 as Data<number>) * 3;

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

// A class instance's gradient is the plain record of its fields: its methods are not in it.
class Particle {
  constructor(
    public x: number,
    public v: Float64Array,
  ) {}
  energy(): number {
    return this.x * this.x;
  }
}
declare function settle(p: Particle, k: number): number;
const dpart = grad(settle, { wrt: ["p", "k"] })(new Particle(1, xs), 2).grad.p;
const dpx: number = dpart.x;
const dpv: Float64Array = dpart.v;
// @ts-expect-error: a method has no gradient
void dpart.energy;
const dpKeys: { x: number; v: Float64Array } = dpart;
// An array of instances' gradient is an array of those plain records.
declare function swarm(ps: Particle[]): number;
const dswarm: { x: number; v: Float64Array }[] = grad(swarm, { wrt: ["ps"] })([new Particle(1, xs)]).grad.ps;
// @ts-expect-error: an element's gradient has no methods either
void dswarm[0]?.energy;

// Arrays of arrays: the gradient has the parameter's kind, readonly stripped.
declare function quad(A: readonly (readonly number[])[], X: Float64Array[], R: ReadonlyArray<Float64Array>): number;
const q = grad(quad, { wrt: ["A", "X", "R"] })([[1]], [xs], [ys]).grad;
const dA: number[][] = q.A;
dA[0]![0] = 1;
const dX: Float64Array[] = q.X;
const dR: Float64Array[] = q.R;
dR.push(xs);
// @ts-expect-error: a matrix's gradient is a matrix, not a flat array
const flat: number[] = q.A;
declare function quad2(A: number[][], w: number): number;
const q2 = grad(quad2)([[1, 2]], 3).grad;
// @ts-expect-error: without wrt the names are unknown: each gradient is a number or a number[][]
const notMatrix: number[][] = q2.w;

// A tuple's gradient is a tuple of its length (readonly or not, named members or not); an array of
// records' gradient is an array of the records' gradients.
declare function polygon(
  poly: readonly (readonly [number, number])[],
  p: [x: number, y: number],
  samples: ReadonlyArray<Vec3>,
): number;
const pg = grad(polygon, { wrt: ["poly", "p", "samples"] })([[0, 1]], [1, 2], [{ x: 1, y: 0, z: 0 }]).grad;
const dpoly: [number, number][] = pg.poly;
const dp: [number, number] = pg.p;
dp[0] = 1;
const dsample: { x: number; y: number; z: number } | undefined = pg.samples[0];
pg.samples.push({ x: 0, y: 0, z: 0 });
// @ts-expect-error: the gradient of a pair is a pair
const dtriple: [number, number, number] = pg.p;
const tupleGrad: GradOf<readonly [number, number, number]> = [1, 2, 3];
// @ts-expect-error: a tuple's gradient has the tuple's length
const shortGrad: GradOf<readonly [number, number, number]> = [1, 2];
const mixedGrad: GradOf<[Vec3, number]> = [{ x: 1, y: 2, z: 3 }, 4];

export { dA, dR, dX, flat, notMatrix };
export {
  data,
  dp,
  dpKeys,
  dswarm,
  dpoly,
  dpv,
  dpx,
  dsample,
  dtriple,
  f2b,
  fw,
  fxs,
  mixedGrad,
  plain,
  scaled,
  shortGrad,
  tupleGrad,
};
export { dh, dnx, doz, dw, dweights, dws, dxs, dxsArray, notArray, vk, vx, wrong };
