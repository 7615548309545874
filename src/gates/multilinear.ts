/**
 * Every derivative of a gate that is linear or bilinear in its differentiated inputs, as an array
 * gate, to any order. Generated code is valid input again, so adgen differentiates the calls it
 * generates: `matmul.tangent.backward[1](...)` (a part of a tangent's backward, reverse over
 * f_hvp), `dot.backward[0].backward[2](...)` (reverse over an f_grad that calls grad(g)), and so on.
 *
 * Such a gate is a sum of _terms_, each a _face_ of a _form_. A form is a multilinear function of
 * its slots, `⟨c, f(a, b)⟩` for matmul (slot 0 stands for the gate's output); its face `k` is its
 * gradient with respect to slot `k`, linear in each other slot: face 0 is `f(a, b)`, face 1 is
 * `ga(c, b)`, face 2 `gb(c, a)` (the gate's backward). A term says which face, scaled by what, and
 * which of the gate's arguments fill the other slots. Differentiating a term only moves arguments
 * between slots, so the derivatives of a sum of terms are sums of terms again:
 * - its backward for an argument `x` sitting in slot `j`: face `j` with the upstream gradient in
 *   the term's own slot; its parts are those sums, one per argument;
 * - its tangent: the term once per argument, with that argument's tangent in its place.
 * (`⟨u, ga(grad, b)⟩ = ⟨grad, f(u, b)⟩ = ⟨gb(grad, u), b⟩`.) Each derivative takes the arguments
 * of the one it derives from, so the gate's own inputs stay among them at a known offset: forms read
 * sizes, lengths and reluArray's mask from there. Derivatives are made when first read.
 *
 * test/matrix-gates.test.ts checks every derivative to three levels against finite differences.
 */
import { ZERO_GRADIENT } from "./tangent-backward.js";

type InputKind = "array" | "number" | "size";
type Value = Float64Array | number | undefined;

/** A multilinear function of its slots; `face(k, ...)` is its gradient with respect to slot `k`. */
export interface Form {
  /** Each slot's kind: slot 0 is the gate's output, then its differentiated inputs. */
  slots: readonly ("array" | "number")[];
  /** The gradient with respect to slot `k`, given the other slots (`xs[k]` unused) and the gate's inputs. */
  face(k: number, xs: readonly Value[], gate: readonly Value[]): Float64Array | number;
  /** The gate's inputs whose values (not only their lengths) the faces read: reluArray's mask. */
  masks?: readonly number[];
}

/** `scale` times face `slot` of `form`, its other slots filled by the arguments at `args` (-1 at `slot`). */
export interface Term {
  form: Form;
  slot: number;
  args: readonly number[];
  scale?: number;
}

/** A derivative: its input kinds, its output's kind, where the gate's own inputs start, its terms. */
export interface Family {
  inputs: readonly InputKind[];
  output: "array" | "number";
  /** The index of the gate's first input among the arguments. */
  gate: number;
  terms: readonly Term[];
  /** The argument whose shape a zero result has (the gradient's input, the tangent's `out`). */
  like: number;
  /** A tangent: partial, and declared to read every array (as arrays.ts's tangents are). */
  tangent?: true;
}

/** `s·v + acc`, in place when `acc` is an array made here. */
function accumulate(acc: Float64Array | number | undefined, v: Float64Array | number, s: number) {
  if (typeof v === "number") return ((acc as number | undefined) ?? 0) + s * v;
  if (acc === undefined) return s === 1 ? v : v.map((x) => s * x);
  const a = acc as Float64Array;
  for (let i = 0; i < a.length; i++) a[i]! += s * v[i]!;
  return a;
}

/** Zero shaped as `x`: 0 for a number, zeros of its length for an array. */
const zeroLike = (x: Value): Float64Array | number => (x instanceof Float64Array ? new Float64Array(x.length) : 0);

/** No contribution: an argument left out (a zero tangent) or given as an empty zero gradient. */
const vanishes = (x: Value) => x === undefined || (x instanceof Float64Array && x.length === 0);

/** Face `k` of term `t` with `xs` in its slots, or undefined when a slot's value vanishes. */
function face(t: Term, k: number, slots: Value[], gate: readonly Value[]) {
  if (slots.some((x, j) => j !== k && vanishes(x))) return undefined;
  return t.form.face(k, slots, gate);
}

/** The value of `f` at `xs`. */
function evaluate(f: Family, xs: readonly Value[]): Float64Array | number {
  const gate = xs.slice(f.gate);
  let acc: Float64Array | number | undefined;
  for (const t of f.terms) {
    const v = face(
      t,
      t.slot,
      t.args.map((p) => (p < 0 ? undefined : xs[p])),
      gate,
    );
    if (v !== undefined) acc = accumulate(acc, v, t.scale ?? 1);
  }
  return acc ?? zeroLike(xs[f.like]);
}

const differentiated = (inputs: readonly InputKind[]) => inputs.flatMap((k, i) => (k === "size" ? [] : [i]));

/**
 * `(u, out, ...xs, ...wanted)`: a gradient per argument, `undefined` for a size and an argument
 * left out, zeros for one `f` does not depend on, an empty array (0 for a number) for one not wanted.
 */
function backward(f: Family, u: Value, xs: readonly Value[], flags: readonly unknown[]): Value[] {
  const gate = xs.slice(f.gate);
  const result: Value[] = xs.map(() => undefined);
  differentiated(f.inputs).forEach((i, k) => {
    if (flags[k] === false) result[i] = typeof xs[i] === "number" ? 0 : ZERO_GRADIENT;
    if (flags[k] === false || xs[i] === undefined) return;
    let acc: Float64Array | number | undefined;
    for (const t of f.terms)
      t.args.forEach((p, j) => {
        if (p !== i) return;
        const slots = t.args.map((q, s) => (s === t.slot ? u : s === j ? undefined : xs[q]));
        const v = face(t, j, slots, gate);
        if (v !== undefined) acc = accumulate(acc, v, t.scale ?? 1);
      });
    result[i] = acc ?? zeroLike(xs[i]);
  });
  return result;
}

/** The tangent of `f`: `(out, ...xs, ...tangents)`, a term per term and argument moved. */
export function tangentFamily(f: Family): Family {
  const n = f.inputs.length;
  const moved = differentiated(f.inputs);
  return {
    inputs: ["size", ...f.inputs, ...moved.map((i) => f.inputs[i]!)],
    output: f.output,
    gate: f.gate + 1,
    terms: f.terms.flatMap((t) =>
      t.args.flatMap((p, j) =>
        j === t.slot
          ? []
          : [{ ...t, args: t.args.map((q, s) => (s === t.slot ? -1 : s === j ? 1 + n + moved.indexOf(p) : 1 + q)) }],
      ),
    ),
    like: 0,
    tangent: true,
  };
}

/** The part of `f`'s backward giving argument `i`'s gradient: `(grad, out, ...xs)`. */
export function partFamily(f: Family, i: number): Family {
  const terms = f.terms.flatMap((t) =>
    t.args.flatMap((p, j) =>
      p !== i || j === t.slot
        ? []
        : [{ ...t, slot: j, args: t.args.map((q, s) => (s === j ? -1 : s === t.slot ? 0 : 2 + q)) }],
    ),
  );
  // An argument it reads keeps its kind; the others are sizes (no gradient, no tangent).
  const kept = new Set([
    ...terms.flatMap((t) => t.args.filter((p, s) => s !== t.slot && p >= 2).map((p) => p - 2)),
    ...f.terms.flatMap((t) => (t.form.masks ?? []).map((m) => f.gate + m)),
  ]);
  return {
    inputs: [f.output, "size", ...f.inputs.map((k, j) => (kept.has(j) ? k : "size"))],
    output: f.inputs[i] === "number" ? "number" : "array",
    gate: f.gate + 2,
    terms,
    like: 2 + i,
  };
}

/**
 * The arrays whose values its backward reads: the other arguments of a term with two, and masks.
 * A tangent declares every array, as the tangents arrays.ts makes do.
 */
function reads(f: Family): number[] {
  const read = new Set<number>();
  for (const t of f.terms) {
    const args = t.args.filter((p, s) => s !== t.slot);
    if (args.length > 1) args.forEach((p) => read.add(p));
    (t.form.masks ?? []).forEach((m) => read.add(f.gate + m));
  }
  return f.inputs.flatMap((k, i) => (k === "array" && (f.tangent || read.has(i)) ? [i] : []));
}

/** Whether its backward takes wanted flags: a tangent, or a sum over two arguments or more. */
const partial = (f: Family) =>
  f.tangent === true || new Set(f.terms.flatMap((t) => t.args.filter((p, s) => s !== t.slot))).size > 1;

/** Gives `target` the parts of `f`'s backward, `target[i]` for each argument `i`, made when first read. */
export function withParts<T extends object>(target: T, f: Family): T {
  for (const i of differentiated(f.inputs)) {
    let made: unknown;
    Object.defineProperty(target, i, { enumerable: true, get: () => (made ??= derivative(partFamily(f, i))) });
  }
  return target;
}

/** Gives `target` (a tangent arrays.ts wrote) a tangent of its own, `f`'s, made when first read. */
export function withTangent<T extends object>(target: T, f: Family): T {
  let made: unknown;
  Object.defineProperty(target, "tangent", { enumerable: true, get: () => (made ??= derivative(tangentFamily(f))) });
  return target;
}

/** `f` as an array gate: callable, with inputs, reads, output, a backward with parts and a tangent. */
export function derivative(f: Family): unknown {
  const n = f.inputs.length;
  const call = (...xs: Value[]) => evaluate(f, xs);
  const back = (u: Value, _out: Value, ...rest: Value[]) => backward(f, u, rest.slice(0, n), rest.slice(n));
  return withTangent(
    Object.assign(call, {
      inputs: f.inputs,
      reads: reads(f),
      output: f.output,
      ...(partial(f) ? { partial: true as const } : {}),
      backward: withParts(back, f),
    }),
    f,
  );
}

/**
 * Gives an array gate (arrays.ts) its derivatives: `spec.terms`, its forward as terms, or
 * `spec.derivatives`, its tangent and parts (one per array input) for a gate that is not linear
 * or bilinear itself (sqnorm, reluArray). `tangent` is the gate's tangent arrays.ts made: it gets
 * the parts of its backward and a tangent of its own.
 */
export function withDerivatives(
  spec: {
    inputs: readonly InputKind[];
    output: "array" | "number";
    backward: object;
    terms?: readonly Term[];
    derivatives?: { tangent: Family; parts: readonly Family[] };
  },
  tangent: { backward: object },
): void {
  const { inputs, output, terms } = spec;
  const family: Family | undefined = terms && { inputs, output, gate: 0, terms, like: -1 };
  const tangentOf = family ? tangentFamily(family) : spec.derivatives!.tangent;
  withParts(tangent.backward, tangentOf);
  withTangent(tangent, tangentOf);
  if (family) return void withParts(spec.backward, family);
  const parts = [...spec.derivatives!.parts];
  spec.inputs.forEach((kind, i) => {
    const part = kind === "array" ? parts.shift() : undefined;
    let made: unknown;
    if (part) Object.defineProperty(spec.backward, i, { enumerable: true, get: () => (made ??= derivative(part)) });
  });
}
