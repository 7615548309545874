/**
 * The forms of the gates linear or bilinear in their differentiated inputs (multilinear.ts): each
 * the pairing of the gate's output with an upstream gradient, `⟨c, f(a, b)⟩`, and its faces, the
 * gradients with respect to each slot. Face 0 is the gate's forward, the others its backward; the
 * gate's inputs (`gate`) give the sizes, the lengths and reluArray's mask. Every face returns a new
 * array (multilinear.ts adds into it).
 */
import { gemm, dotProduct, positivePart, product, scaled, total } from "./kernels.js";
import type { Family, Form } from "./multilinear.js";

type Value = Float64Array | number | undefined;
const A = (x: Value) => x as Float64Array;
const N = (x: Value) => x as number;

/** ⟨c, x w⟩, x of n×d and w of d×m (matmul's inputs: x, w, n, d, m). */
export const matmul: Form = {
  slots: ["array", "array", "array"],
  face(k, [c, x, w], [, , n, d, m]) {
    const [rows, inner, cols] = [N(n), N(d), N(m)];
    if (k === 0) {
      const y = new Float64Array(rows * cols);
      gemm(A(x), inner, 1, A(w), cols, 1, y, rows, inner, cols);
      return y;
    }
    if (k === 1) {
      const gx = new Float64Array(rows * inner);
      gemm(A(c), cols, 1, A(w), 1, cols, gx, rows, cols, inner);
      return gx;
    }
    const gw = new Float64Array(inner * cols);
    gemm(A(x), 1, inner, A(c), cols, 1, gw, inner, rows, cols);
    return gw;
  },
};

/** ⟨c, w x⟩, w of n×d and x of d (matvec's inputs: w, x, n, d). */
export const matvec: Form = {
  slots: ["array", "array", "array"],
  face(k, [c, w, x], [, , n, d]) {
    const [rows, cols] = [N(n), N(d)];
    if (k === 0) {
      const y = new Float64Array(rows);
      gemm(A(w), cols, 1, A(x), 1, 0, y, rows, cols, 1);
      return y;
    }
    if (k === 1) {
      const gw = new Float64Array(rows * cols);
      gemm(A(c), 1, 0, A(x), 0, 1, gw, rows, 1, cols);
      return gw;
    }
    const gx = new Float64Array(cols);
    gemm(A(c), 0, 1, A(w), cols, 1, gx, 1, rows, cols);
    return gx;
  },
};

/** c (a · b), c a number. */
export const dot: Form = {
  slots: ["number", "array", "array"],
  face: (k, [c, a, b]) =>
    k === 0 ? dotProduct(A(a), A(b), A(a).length) : k === 1 ? scaled(A(b), N(c)) : scaled(A(a), N(c)),
};

/** Σ c a b, elementwise. */
export const mul: Form = {
  slots: ["array", "array", "array"],
  face: (k, [c, a, b]) => (k === 0 ? product(A(a), A(b)) : k === 1 ? product(A(c), A(b)) : product(A(c), A(a))),
};

/** ⟨c, a⟩: add is a sum of two. */
export const identity: Form = {
  slots: ["array", "array"],
  face: (k, [c, a]) => (k === 0 ? A(a).slice() : A(c).slice()),
};

/** c Σ a, c a number (sum's input `a` gives the length). */
export const sum: Form = {
  slots: ["number", "array"],
  face: (k, [c, a], [input]) => (k === 0 ? total(A(a)) : new Float64Array(A(input).length).fill(N(c))),
};

/** ⟨c, x⟩ where reluArray's input `a` is positive: linear in c and x, `a` a mask. */
export const relu: Form = {
  slots: ["array", "array"],
  masks: [0],
  face: (k, [c, x], [a]) => positivePart(A(k === 0 ? x : c), A(a)),
};

/** The tangent of a gate of one array, `(out, a, da)`, and the part of its backward, `(grad, out, a)`. */
const TANGENT = { inputs: ["size", "array", "array"], gate: 1, like: 0, tangent: true } as const;
const PART = { gate: 2, like: 2 } as const;

/** sqnorm's tangent 2 a · da and its part 2 grad a: dot's form, scaled by 2. */
export const sqnormDerivatives: { tangent: Family; parts: Family[] } = {
  tangent: { ...TANGENT, output: "number", terms: [{ form: dot, slot: 0, args: [-1, 1, 2], scale: 2 }] },
  parts: [
    {
      ...PART,
      output: "array",
      inputs: ["number", "size", "array"],
      terms: [{ form: dot, slot: 1, args: [0, -1, 2], scale: 2 }],
    },
  ],
};

/** reluArray's tangent, da where a > 0, and its part, grad where a > 0: linear, `a` the mask. */
export const reluDerivatives: { tangent: Family; parts: Family[] } = {
  tangent: { ...TANGENT, output: "array", terms: [{ form: relu, slot: 0, args: [-1, 2] }] },
  parts: [
    {
      ...PART,
      output: "array",
      inputs: ["array", "size", "array"],
      terms: [{ form: relu, slot: 1, args: [0, -1] }],
    },
  ],
};
