/**
 * Checks one program: compile it with adgen, load the generated module in a fresh VM context
 * (with a time limit, so a generated loop that never ends is reported, not waited for), run
 * the original and the generated function at seeded points, and compare: `value` exactly, each
 * gradient entry against Richardson central differences of the original, at points where the
 * original is smooth across the stencil (two step sizes agree).
 */
import { compile } from "../src/index.js";
import { finiteDifference, rng } from "../test/support/numeric.js";
import { invalidity, printProgram, type Program } from "./ast.js";
import { checkModesAt, loadModes, type ModeCounts } from "./modes.js";
import { loadNested } from "./nested.js";
import {
  copy,
  errorName,
  fail,
  finite,
  isRec,
  keysOf,
  loadGenerated,
  loadOriginal,
  same,
  show,
  TIMEOUT_MS,
  type Fn,
  type Value,
} from "./values.js";

export type FailureKind =
  | "wrong value"
  | "wrong gradient"
  | "wrong tangent"
  | "wrong hvp"
  | "gradient shape"
  | "argument modified"
  | "compile crash"
  | "load failure"
  | "run failure"
  | "hang"
  | "refused";

export type Outcome =
  /**
   * `checked` gradient entries agreed with finite differences; `skipped` were at non-smooth
   * points; `modes`: f_jvp's tangents and f_hvp's entries compared (fuzz/modes.ts).
   */
  | { status: "pass"; checked: number; skipped: number; modes: ModeCounts }
  /** adgen refused the program with a diagnostic for a limitation the README documents. */
  | { status: "refused"; code: string; message: string }
  /** The original program itself misbehaves (a shrinking step broke it): not adgen's failure. */
  | { status: "invalid"; reason: string }
  | { status: "fail"; kind: FailureKind; detail: string; key: string };

/** Limitations the README documents: a refusal of these is expected, any other refusal is a failure. */
const documented: RegExp[] = [/array gates? .*return.* arrays? inside a loop/i];

const POINTS = 3;

/** Points: scalars in [-2, 2], arrays of the program's lengths, from the program's own seed. */
export function points(p: Program, seed: number): Value[][] {
  const random = rng(seed);
  const draw = () => Math.round((random() * 4 - 2) * 1e6) / 1e6;
  return Array.from({ length: POINTS }, () =>
    p.main.params.map((q) => {
      if (q.type === "number") return draw();
      if (q.type === "R") return Object.fromEntries((p.record ?? []).map((f) => [f, draw()]));
      const values = Array.from({ length: p.lengths[q.name]! }, draw);
      return q.type === "Float64Array" ? Float64Array.from(values) : values;
    }),
  );
}

export async function check(p: Program, seed: number): Promise<Outcome> {
  const bad = invalidity(p);
  if (bad) return { status: "invalid", reason: bad };
  let original: Fn;
  const at = points(p, seed);
  const ys: Value[] = [];
  try {
    original = loadOriginal(p);
    for (const xs of at) {
      const y = original(...xs.map(copy));
      const kind = typeof y === "number" ? "number" : Array.isArray(y) ? "number[]" : y?.constructor?.name;
      if (kind !== p.main.ret) return { status: "invalid", reason: `the original returns ${String(y)}` };
      ys.push(y);
    }
  } catch (e) {
    return { status: "invalid", reason: `the original throws ${String(e)}` };
  }

  const source = printProgram(p);
  let code: string;
  try {
    const result = await compile(source, { language: "js", format: false });
    if (result.diagnostics.length > 0) {
      const d = result.diagnostics[0]!;
      if (documented.some((r) => r.test(d.message))) return { status: "refused", code: d.code, message: d.message };
      return fail("refused", `${d.code}: ${d.message} (line ${d.line})`, `refused ${d.code}`);
    }
    code = result.code;
  } catch (e) {
    return fail(
      "compile crash",
      String((e as Error)?.stack ?? e)
        .split("\n")
        .slice(0, 4)
        .join("\n"),
      `compile crash ${errorName(e)}`,
    );
  }

  const vector = p.main.ret !== "number";
  const companion = vector ? "f_vjp" : "f_grad";
  let generated: (xs: Value[]) => { value: Value; grad: Record<string, Value> };
  try {
    generated = loadGenerated(code, companion);
  } catch (e) {
    return fail("load failure", String(e), `load failure ${errorName(e)}`);
  }

  const modes = await loadModes(source, vector);
  if ("status" in modes) return modes;
  const counts: ModeCounts = { tangents: 0, hvp: 0, hvpSkipped: 0, nested: 0 };
  const sizes = p.main.params.map((q) =>
    q.type === "number" ? 1 : q.type === "R" ? (p.record ?? []).length : p.lengths[q.name]!,
  );
  const nested = vector ? undefined : await loadNested(p, source, sizes, rng(seed ^ 0x2e57));
  if (nested && "status" in nested) return nested;

  const fround = source.includes("Math.fround");
  const random = rng(seed ^ 0x5eed);
  let checked = 0;
  let skipped = 0;
  for (const [n, xs] of at.entries()) {
    const y = ys[n]!;
    if (!finite(y)) continue;
    const weights = vector ? Array.from({ length: (y as ArrayLike<number>).length }, () => random() * 2 - 1) : [];
    const objective = (ys: Value[]): number => {
      const out = original(...ys.map(copy)) as number | ArrayLike<number>;
      if (typeof out === "number") return out;
      let s = 0;
      for (let i = 0; i < out.length; i++) s += weights[i]! * out[i]!;
      return s;
    };

    const args = xs.map(copy);
    if (vector) args.push(y instanceof Float64Array ? Float64Array.from(weights) : weights);
    let result: { value: Value; grad: Record<string, Value> };
    try {
      result = generated(args);
    } catch (e) {
      if ((e as { code?: string })?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT")
        return fail("hang", `the generated ${companion} did not return within ${TIMEOUT_MS} ms`);
      return fail("run failure", `${companion} throws ${String(e)}`, `run failure ${errorName(e)}`);
    }
    const where = `at [${xs.map(show).join("; ")}]`;

    // value: exactly what f returns.
    const { value, grad } = result ?? {};
    if (typeof y === "number") {
      if (typeof value !== "number" || !same(value, y))
        return fail("wrong value", `value ${show(value)}, f gives ${y} ${where}`);
    } else {
      const v = value as ArrayLike<number> | undefined;
      const w = y as ArrayLike<number>;
      if (!v || v.length !== w.length || Array.from(w).some((e, i) => !same(e, v[i]!)))
        return fail("wrong value", `value ${show(value)}, f gives ${show(y)} ${where}`);
    }
    for (let i = 0; i < xs.length; i++)
      if (typeof xs[i] !== "number" && show(args[i]) !== show(xs[i]))
        return fail("argument modified", `${companion} modified ${p.main.params[i]!.name} ${where}`);

    // grad: every parameter, arrays of the parameter's kind and length.
    const names = p.main.params.map((q) => q.name);
    if (!grad || Object.keys(grad).join(",") !== names.join(","))
      return fail(
        "gradient shape",
        `grad has keys ${grad ? Object.keys(grad).join(",") : "none"}, expected ${names.join(",")}`,
      );
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const g = grad[names[i]!]!;
      if (
        typeof x === "number"
          ? typeof g !== "number"
          : isRec(x)
            ? !isRec(g) || Object.keys(g).join(",") !== Object.keys(x).join(",")
            : typeof g === "number" || isRec(g) || g.length !== x.length || g.constructor.name !== x.constructor.name
      )
        return fail("gradient shape", `grad.${names[i]} is ${show(g)}, parameter is ${show(x)}`);
    }

    // Each entry against finite differences, where f is smooth across the stencil.
    const steps = fround ? [1e-2, 1e-3, 1e-4] : [1e-3, 1e-4, 1e-5];
    const eps = fround ? 2 ** -22 : 1e-13;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!;
      const entries = typeof x === "number" ? [undefined] : keysOf(x);
      for (const k of entries) {
        const base = k === undefined ? (x as number) : (x as Record<string | number, number>)[k]!;
        const along = (e: number) => {
          const ys = xs.slice();
          if (k === undefined) ys[i] = e;
          else {
            const xc = copy(x) as Record<string | number, number>;
            xc[k] = e;
            ys[i] = xc as Value;
          }
          return objective(ys);
        };
        const g =
          k === undefined ? (grad[names[i]!] as number) : (grad[names[i]!] as Record<string | number, number>)[k]!;
        const fd = (h: number) => finiteDifference((v) => along(v[0]!), [base], 0, h);
        // Roundoff of a difference quotient: eps |f| / step.
        const scale = 1 + Math.abs(objective(xs));
        const tol = (h: number) => (a: number, b: number) =>
          Math.abs(a - b) <=
          1e-6 * (1 + Math.max(Math.abs(a), Math.abs(b))) + (eps * scale) / (h * Math.max(1, Math.abs(base)));
        const [h1, h2, h3] = steps as [number, number, number];
        const d1 = fd(h1);
        const d2 = fd(h2);
        if (!Number.isFinite(d1) || !Number.isFinite(d2) || !tol(h2)(d1, d2)) {
          skipped++;
          continue;
        }
        checked++;
        if (tol(h2)(g, d2) || tol(h2)(g, d1)) continue;
        // A third, smaller step confirms the function is smooth here before we call it a failure.
        const d3 = fd(h3);
        if (!Number.isFinite(d3) || !tol(h3)(d2, d3)) {
          checked--;
          skipped++;
          continue;
        }
        return fail(
          "wrong gradient",
          `∂f/∂${names[i]}${k === undefined ? "" : typeof k === "string" ? `.${k}` : `[${k}]`} is ${g}, finite differences give ${d2} ${where}`,
        );
      }
    }
    const gradAt = (zs: Value[]): Record<string, Value> => {
      const a = zs.map(copy);
      if (vector) a.push(y instanceof Float64Array ? Float64Array.from(weights) : weights.slice());
      return generated(a).grad;
    };
    let compared: Outcome | ModeCounts;
    try {
      compared = checkModesAt({ modes, names, xs, y, gradAt, weights, random, fround, where, nested });
    } catch (e) {
      return fail(
        "run failure",
        `f_grad at a nearby point throws ${String(e)} ${where}`,
        `run failure ${errorName(e)}`,
      );
    }
    if ("status" in compared) return compared;
    counts.tangents += compared.tangents;
    counts.hvp += compared.hvp;
    counts.hvpSkipped += compared.hvpSkipped;
    counts.nested += compared.nested;
  }
  return { status: "pass", checked, skipped, modes: counts };
}
