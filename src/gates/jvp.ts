/**
 * Forward mode's fused products: `matmul.jvp` and `matvec.jvp` give the gate's value and its
 * tangent at once, `[y, dy]`, from one pass over each matrix (tangent-kernels.ts). f_jvp calls
 * them in place of the forward call followed by `gate.tangent(out, ...)` (src/simplify/fuse.ts),
 * which makes a pass over the shared operand per product: an MLP's f_jvp read its first layer's
 * weights once for the value and its data once more for the tangent.
 */
import { gemm } from "./kernels.js";
import { expectShape } from "./shapes.js";
import { gemmTangentAB, gemmTangentB } from "./tangent-kernels.js";

/**
 * y = A·B and dy = dA·B + A·dB, A of shape n×d and B of d×m (row-major); `undefined` is a zero
 * tangent. `gate` and the names (of A, B, dA, dB) are for the error messages.
 */
function productWithTangent(
  gate: string,
  names: [string, string, string, string],
  A: Float64Array,
  B: Float64Array,
  n: number,
  d: number,
  m: number,
  dA: Float64Array | undefined,
  dB: Float64Array | undefined,
): [Float64Array, Float64Array] {
  // matvec's B is a vector of d: its shape is named "d", not "d×1".
  const expectB = (name: string, b: Float64Array) =>
    gate === "matvec" ? expectShape(gate, name, b, "d", d) : expectShape(gate, name, b, "d×m", d, m);
  expectShape(gate, names[0], A, "n×d", n, d);
  expectB(names[1], B);
  if (dA) expectShape(gate, names[2], dA, "n×d", n, d);
  if (dB) expectB(names[3], dB);
  const y = new Float64Array(n * m);
  const dy = new Float64Array(n * m);
  if (dB && dA) gemmTangentAB(A, dA, B, dB, y, dy, n, d, m);
  else if (dB) gemmTangentB(A, B, dB, y, dy, n, d, m);
  else {
    gemm(A, d, 1, B, m, 1, y, n, d, m);
    if (dA) gemm(dA, d, 1, B, m, 1, dy, n, d, m);
  }
  return [y, dy];
}

/** `matmul(x, w, n, d, m)` and its tangent `dx w + x dw`. */
export function matmulJvp(
  x: Float64Array,
  w: Float64Array,
  n: number,
  d: number,
  m: number,
  dx?: Float64Array,
  dw?: Float64Array,
): [Float64Array, Float64Array] {
  return productWithTangent("matmul", ["x", "w", "dx", "dw"], x, w, n, d, m, dx, dw);
}

/** `matvec(w, x, n, d)` and its tangent `dw x + w dx` (w·x is an n×d by d×1 product). */
export function matvecJvp(
  w: Float64Array,
  x: Float64Array,
  n: number,
  d: number,
  dw?: Float64Array,
  dx?: Float64Array,
): [Float64Array, Float64Array] {
  return productWithTangent("matvec", ["w", "x", "dw", "dx"], w, x, n, d, 1, dw, dx);
}
