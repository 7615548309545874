/**
 * Forward mode and second order on a fuzzed program: `f_jvp` and, for a number result, `f_hvp`,
 * compiled from the same source as `f_grad` and checked at the same points (docs/FUZZING.md).
 * - `f_jvp`'s value is f's, exactly; its tangent along a random direction (each parameter's
 *   tangent given or, one time in four, left out as zero) is the gradient's dot product with the
 *   direction, to 1e-9 of the sum of the products' magnitudes (for an array result, the tangent
 *   weighted as `f_vjp`'s seed).
 * - `f_hvp`'s value is f's exactly and its `grad` is `f_grad`'s (1e-9); its `hvp` agrees with
 *   central differences of `f_grad` along the direction at steps 1e-4 and 1e-5 where the two
 *   agree (`f_grad` smooth across the stencil), as gradients are checked against f. Not for a
 *   program using `Math.fround`, whose gradient steps at single precision.
 */
import { compile } from "../src/index.js";
import type { Outcome } from "./check.js";
import { checkNestedAt, type Nested } from "./nested.js";
import { copy, errorName, fail, isRec, keysOf, loadGenerated, same, show, type Rec, type Value } from "./values.js";

type Jvp = (xs: unknown[]) => { value: Value; tangent: Value };
type Hvp = (xs: unknown[]) => { value: Value; grad: Record<string, Value>; hvp: Record<string, Value> };
export interface Modes {
  jvp: Jvp;
  hvp?: Hvp;
}
/**
 * What one point's check compared: tangents, hvp entries compared or skipped (not smooth), and
 * entries of nested gradients compared with f_hvp (fuzz/nested.ts).
 */
export interface ModeCounts {
  tangents: number;
  hvp: number;
  hvpSkipped: number;
  nested: number;
}

/** Compiles and loads `f_jvp` (and `f_hvp` for a number result), or the failure to. */
export async function loadModes(source: string, vector: boolean): Promise<Modes | Outcome> {
  const modes = vector ? (["jvp"] as const) : (["jvp", "hvp"] as const);
  let code: string;
  try {
    const result = await compile(source, { language: "js", format: false, modes: [...modes] });
    const d = result.diagnostics[0];
    if (d) return fail("refused", `${modes.join(",")}: ${d.code}: ${d.message} (line ${d.line})`, `refused ${d.code}`);
    code = result.code;
  } catch (e) {
    const stack = String((e as Error)?.stack ?? e).split("\n");
    return fail(
      "compile crash",
      `${modes.join(",")}: ${stack.slice(0, 4).join("\n")}`,
      `compile crash ${errorName(e)}`,
    );
  }
  try {
    return {
      jvp: loadGenerated<ReturnType<Jvp>>(code, "f_jvp"),
      hvp: vector ? undefined : loadGenerated<ReturnType<Hvp>>(code, "f_hvp"),
    };
  } catch (e) {
    return fail("load failure", `${modes.join(",")}: ${String(e)}`, `load failure ${errorName(e)}`);
  }
}

/** A parameter's entries that get a derivative, in the order `keysOf` gives (a number: itself). */
const entries = (x: Value): number[] =>
  typeof x === "number" ? [x] : keysOf(x).map((k) => (x as Record<string | number, number>)[k]!);

/** `x` with its entries replaced by `values`, of the same kind. */
function rebuild(x: Value, values: number[]): Value {
  if (typeof x === "number") return values[0]!;
  if (isRec(x)) return Object.fromEntries(keysOf(x).map((k, i) => [k, values[i]!])) as Rec;
  return x instanceof Float64Array ? Float64Array.from(values) : values;
}

export interface PointCheck {
  modes: Modes;
  names: string[];
  xs: Value[];
  /** f's value at `xs`. */
  y: Value;
  /** f_grad's gradient at a point (of the weighted result for an array result). */
  gradAt: (xs: Value[]) => Record<string, Value>;
  /** The weights of an array result (f_vjp's seed). */
  weights: number[];
  random: () => number;
  fround: boolean;
  where: string;
  /** The outer functions of fuzz/nested.ts, for a number result. */
  nested?: Nested;
}

/** Checks `f_jvp` and `f_hvp` at one point: a failure, or what it compared. */
export function checkModesAt(c: PointCheck): Outcome | ModeCounts {
  const { modes, names, xs, y, random, where } = c;
  const counts: ModeCounts = { tangents: 0, hvp: 0, hvpSkipped: 0, nested: 0 };
  const grad = c.gradAt(xs);
  const flat = (g: Record<string, Value>) => names.flatMap((n) => entries(g[n]!));
  const g = flat(grad);
  // The direction: an entry per differentiated entry; a parameter left out of `tangents` is zero.
  const given = names.map(() => random() >= 0.25);
  const direction = xs.map((x, i) => entries(x).map(() => (given[i] ? random() * 2 - 1 : 0)));
  const t = direction.flat();
  const tangents = Object.fromEntries(names.flatMap((n, i) => (given[i] ? [[n, rebuild(xs[i]!, direction[i]!)]] : [])));

  let out: ReturnType<Jvp>;
  const args = xs.map(copy);
  try {
    out = modes.jvp([...args, tangents]);
  } catch (e) {
    return fail("run failure", `f_jvp throws ${String(e)} ${where}`, `run failure f_jvp ${errorName(e)}`);
  }
  const bad = valueMismatch("f_jvp", out?.value, y, where);
  if (bad) return bad;
  for (let i = 0; i < xs.length; i++)
    if (typeof xs[i] !== "number" && show(args[i]) !== show(xs[i]))
      return fail("argument modified", `f_jvp modified ${names[i]} ${where}`);
  const tangent =
    typeof y === "number"
      ? (out.tangent as number)
      : entries(out.tangent).reduce((s, d, k) => s + c.weights[k]! * d, 0);
  let dot = 0;
  let size = 0;
  g.forEach((gi, k) => {
    dot += gi * t[k]!;
    size += Math.abs(gi * t[k]!);
  });
  if (!(Math.abs(tangent - dot) <= 1e-9 * (1 + size)))
    return fail("wrong tangent", `tangent ${tangent}, grad · t gives ${dot} ${where}`);
  counts.tangents++;

  if (!modes.hvp) return counts;
  let second: ReturnType<Hvp>;
  try {
    second = modes.hvp([...xs.map(copy), tangents]);
  } catch (e) {
    return fail("run failure", `f_hvp throws ${String(e)} ${where}`, `run failure f_hvp ${errorName(e)}`);
  }
  const badValue = valueMismatch("f_hvp", second?.value, y, where);
  if (badValue) return badValue;
  const g2 = flat(second.grad ?? {});
  const h = flat(second.hvp ?? {});
  if (g2.length !== g.length || h.length !== g.length)
    return fail("gradient shape", `f_hvp's grad or hvp has ${g2.length} and ${h.length} entries, f_grad ${g.length}`);
  for (let k = 0; k < g.length; k++)
    if (!(Math.abs(g2[k]! - g[k]!) <= 1e-9 * (1 + Math.abs(g[k]!))))
      return fail("wrong hvp", `f_hvp's grad entry ${k} is ${g2[k]}, f_grad gives ${g[k]} ${where}`);

  if (c.nested) {
    // f_jvp and f_hvp along the nested functions' direction, every parameter given.
    const along = Object.fromEntries(names.map((n, i) => [n, rebuild(xs[i]!, c.nested!.direction[i]!)]));
    const jt = modes.jvp([...xs.map(copy), along]).tangent as number;
    const hv = flat(modes.hvp([...xs.map(copy), along]).hvp);
    const compared = checkNestedAt(c.nested, names, xs, g, jt, hv, where);
    if (typeof compared !== "number") return compared;
    counts.nested += compared;
  }

  if (c.fround) return counts;
  // Central differences of f_grad along the direction, at two steps.
  const along = (s: number) =>
    flat(
      c.gradAt(
        xs.map((x, i) =>
          rebuild(
            x,
            entries(x).map((e, j) => e + s * direction[i]![j]!),
          ),
        ),
      ),
    );
  const difference = (s: number) => {
    const plus = along(s);
    const minus = along(-s);
    return plus.map((p, k) => (p - minus[k]!) / (2 * s));
  };
  const [d1, d2] = [difference(1e-4), difference(1e-5)];
  const scale = 1 + g.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const tol = (s: number) => (a: number, b: number) =>
    Math.abs(a - b) <= 1e-5 * (1 + Math.max(Math.abs(a), Math.abs(b))) + (1e-13 * scale) / s;
  for (let k = 0; k < g.length; k++) {
    if (!Number.isFinite(d1[k]!) || !Number.isFinite(d2[k]!) || !tol(1e-5)(d1[k]!, d2[k]!)) {
      counts.hvpSkipped++;
      continue;
    }
    counts.hvp++;
    if (tol(1e-5)(h[k]!, d2[k]!) || tol(1e-5)(h[k]!, d1[k]!)) continue;
    return fail("wrong hvp", `hvp entry ${k} is ${h[k]}, differences of f_grad give ${d2[k]} ${where}`);
  }
  return counts;
}

function valueMismatch(companion: string, value: Value | undefined, y: Value, where: string): Outcome | undefined {
  const ok =
    typeof y === "number"
      ? typeof value === "number" && same(value, y)
      : value !== undefined &&
        typeof value !== "number" &&
        entries(value).length === entries(y).length &&
        entries(y).every((e, i) => same(e, entries(value)[i]!));
  return ok ? undefined : fail("wrong value", `${companion}'s value ${show(value)}, f gives ${show(y)} ${where}`);
}
