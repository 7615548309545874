/**
 * `checkGrad(f, f_grad)`: a generated companion against finite differences of the function it
 * differentiates, at seeded random or given points. No Node-only imports: the CLI's `adgen check`,
 * tests (vitest, node:test) and a browser all call this.
 *
 * - `f_grad` (f returns a number): every partial derivative, array parameters element by element
 *   (above `elementwise` elements, along one random direction v: ∇f·v).
 * - `f_vjp` (f returns an array): the dot-product test, per parameter: for random u (the
 *   cotangent, f's shape) and v (the parameter's shape), u·J·v by finite differences of u·f
 *   along v against vjp(u)·v.
 * - `f_jvp` (forward mode, `f_jvp(...args, tangents)` → `{ value, tangent }`): per parameter, a
 *   random tangent v for it alone, the tangent (u·tangent for an f returning an array) against
 *   finite differences along v (jvp.ts).
 *
 * Every companion must also return f's value exactly. Points next to a kink or a jump (where
 * the differences see both sides of a branch) are skipped and said so, never judged.
 */
import { checkValue, judge, type Settings } from "./judge.js";
import { checkJvpAt } from "./jvp.js";
import { parameterNames } from "./params.js";
import { randomLike, rng } from "./random.js";
import { CheckError, type CheckKind, type CheckPoint, type CheckReport, type CheckRow } from "./report.js";
import { formatReport } from "./table.js";
import {
  allFinite,
  along,
  clone,
  dot,
  getAt,
  leaves,
  mapLeaves,
  numberText,
  pathText,
  pointText,
  same,
  valueText,
} from "./values.js";

export interface CheckOptions {
  /** `"grad"`, `"vjp"` or `"jvp"` (default: from the companion's name, else from what f returns). */
  kind?: CheckKind;
  /** Points to check: argument lists for f, as given (never replaced when f fails there). */
  at?: readonly (readonly unknown[])[];
  /**
   * Draws the arguments of a random point (`index` counts the points). Default: the shape of
   * `at[0]` with new numbers, or, without `at`, a number for each of f's parameters.
   */
  sample?: (random: () => number, index: number) => unknown[];
  /** Random points (default 5 without `at`, 0 with it). */
  points?: number;
  /** Seed of the random points, directions and cotangents (default 1). */
  seed?: number;
  /** Where the default sample draws numbers (default [-2, 2]). */
  range?: readonly [number, number];
  /** Relative tolerance: |adgen - estimate| <= tolerance * (1 + max(|adgen|, |estimate|)) (default 1e-6). */
  tolerance?: number;
  /** Outer step of the differences, relative to the coordinate's size (default 1e-3). */
  step?: number;
  /** Check only these parameters (a jvp's default: every parameter, each given a tangent in turn). */
  wrt?: readonly string[];
  /** f's parameter names, when its source text does not show them (they key the companion's `grad`). */
  params?: readonly string[];
  /** An array parameter with more elements is checked along a random direction (default 16). */
  elementwise?: number;
  /** Random draws per point before giving up where f throws or is not finite (default 20). */
  tries?: number;
  /** Throw a `CheckError` when the check fails (default true). */
  throwOnMismatch?: boolean;
}

type AnyFunction = (...args: never[]) => unknown;
type Companion = (...args: unknown[]) => unknown;

/**
 * Checks `companion` (`f_grad` or `f_vjp`) against finite differences of `f`; returns the report,
 * or throws a `CheckError` whose message is the table when a derivative or the value differs.
 */
export function checkGrad(f: AnyFunction, companion: AnyFunction, options: CheckOptions = {}): CheckReport {
  const report = runCheck(f as (...args: unknown[]) => unknown, companion as Companion, options);
  if (!report.ok && options.throwOnMismatch !== false) throw new CheckError(formatReport(report), report);
  return report;
}

function runCheck(f: (...args: unknown[]) => unknown, companion: Companion, options: CheckOptions): CheckReport {
  const fname = f.name || "f";
  const cname = companion.name || `${fname}_grad`;
  const seed = options.seed ?? 1;
  const tolerance = options.tolerance ?? 1e-6;
  const step = options.step ?? 1e-3;
  const range = options.range ?? [-2, 2];
  const elementwise = options.elementwise ?? 16;
  const params = options.params ? [...options.params] : parameterNames(f);
  const report: CheckReport = {
    function: fname,
    companion: cname,
    kind: options.kind ?? (/_jvp$/.test(companion.name) ? "jvp" : /_vjp$/.test(companion.name) ? "vjp" : "grad"),
    params: params ?? [],
    points: [],
    rows: [],
    notes: [],
    counts: { ok: 0, mismatch: 0, skipped: 0 },
    ok: false,
    seed,
    tolerance,
    step,
  };
  if (!params) {
    report.notes.push(`cannot read ${fname}'s parameter names from its source text: pass them as options.params`);
    return report;
  }
  const random = rng(seed);
  const evaluate = (args: readonly unknown[]) => f(...args.map(clone));
  const sample =
    options.sample ??
    (options.at?.[0]
      ? (r: () => number) => randomLike(options.at![0]!, r, range) as unknown[]
      : (r: () => number) =>
          randomLike(
            params.map(() => 0),
            r,
            range,
          ));
  // Without `kind` or a telling name, what f returns decides: a number, a gradient.
  const kindNamed = options.kind !== undefined || /_(vjp|grad|jvp)$/.test(companion.name);

  /** f's value at `args`, or why there is none. */
  const valueAt = (args: readonly unknown[]): { y: unknown } | { why: string } => {
    try {
      const y = evaluate(args);
      if (!allFinite(y)) return { why: `${fname} returns ${valueText(y)}` };
      return { y };
    } catch (e) {
      return { why: `${fname} throws: ${e instanceof Error ? e.message : String(e)}` };
    }
  };

  const checkPoint = (args: unknown[], y: unknown, given: boolean) => {
    if (!kindNamed && report.points.length === 0) report.kind = typeof y === "number" ? "grad" : "vjp";
    const index = report.points.length;
    const point: CheckPoint = { args, given };
    report.points.push(point);
    if (report.kind === "grad" && typeof y !== "number") {
      report.notes.push(`${fname} returns ${valueText(y)}, not a number: check its vjp companion`);
      return;
    }
    if (typeof y !== "number") point.cotangent = randomLike(y, random, [-1, 1]);
    const settings = { tolerance, step, elementwise, random };
    if (report.kind === "jvp") checkJvpAt(f, companion, report, index, y, options.wrt ?? params, settings);
    else checkAt(f, companion, report, index, y, options.wrt, settings);
  };

  options.at?.forEach((given, k) => {
    const args = [...given];
    const v = valueAt(args);
    if ("why" in v) report.notes.push(`given point ${k + 1} (${pointText(params, args)}) not checked: ${v.why}`);
    else checkPoint(args, v.y, true);
  });
  const count = options.points ?? (options.at ? 0 : 5);
  const tries = options.tries ?? 20;
  for (let i = 0; i < count; i++) {
    let last = "";
    let found = false;
    for (let t = 0; t < tries && !found; t++) {
      const args = sample(random, i);
      const v = valueAt(args);
      if ("why" in v) last = `${v.why} at ${pointText(params, args)}`;
      else {
        checkPoint(args, v.y, false);
        found = true;
      }
    }
    if (!found)
      report.notes.push(
        `random point ${i + 1}: no arguments out of ${tries} drawn where ${fname} is defined and finite (last: ${last}); give points`,
      );
  }

  for (const row of report.rows) report.counts[row.verdict]++;
  report.ok = report.counts.mismatch === 0 && report.points.length > 0 && report.rows.length > 0;
  if (report.points.length === 0 && report.notes.length === 0) report.notes.push("no point to check");
  return report;
}

/** The rows of one point: the companion's value, then each parameter's derivatives. */
function checkAt(
  f: (...args: unknown[]) => unknown,
  companion: Companion,
  report: CheckReport,
  index: number,
  y: unknown,
  wrt: readonly string[] | undefined,
  s: Settings,
): void {
  const point = report.points[index]!;
  const { args } = point;
  const vjp = report.kind === "vjp";
  const fail = (parameter: string, note: string): void => {
    report.rows.push({ point: index, parameter, verdict: "mismatch", note });
  };

  let result: unknown;
  try {
    result = companion(...args.map(clone), ...(vjp ? [clone(point.cotangent)] : []));
  } catch (e) {
    return fail("(call)", `${report.companion} throws: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { value, grad } = (result ?? {}) as { value?: unknown; grad?: Record<string, unknown> };
  if (typeof grad !== "object" || grad === null)
    return fail("(call)", `${report.companion} returns ${valueText(result)}, not { value, grad }`);
  checkValue(report, index, value, y);

  // The objective whose derivatives the companion returns: f itself, or u·f.
  const objective = (xs: unknown[]) => {
    const out = f(...xs);
    return vjp ? dot(point.cotangent, out) : (out as number);
  };
  for (const [name, g] of Object.entries(grad)) {
    if (wrt && !wrt.includes(name)) continue;
    const i = report.params.indexOf(name);
    if (i < 0) {
      fail(
        name,
        `${report.companion} returns a gradient for '${name}', which is not a parameter of ${report.function}`,
      );
      continue;
    }
    const x = args[i];
    const withParam = (xi: unknown) => args.map((a, j) => (j === i ? xi : clone(a)));
    const paths = leaves(x);
    const size = Math.max(1, ...paths.map((p) => Math.abs(getAt(x, p)!)));
    if (!vjp && paths.length <= s.elementwise) {
      for (const path of paths) {
        const xk = getAt(x, path)!;
        const move = (t: number) => mapLeaves(x, (p, v) => (pathText(p) === pathText(path) ? xk + t : v));
        const ad = getAt(g, path);
        judge(
          report,
          index,
          name + pathText(path),
          ad,
          (t) => objective(withParam(move(t))),
          s.step * Math.max(1, Math.abs(xk)),
          s,
        );
      }
      continue;
    }
    // Along a random direction v: the derivative is ∇·v (for a vjp, vjp(u)·v, the dot-product test).
    const v = randomLike(x, s.random, [-1, 1]);
    const ad = leaves(x).every((p) => typeof getAt(g, p) === "number") ? dot(v, g) : undefined;
    const label = vjp ? name : `${name} (along v)`;
    judge(report, index, label, ad, (t) => objective(withParam(along(x, v, t))), s.step * size, s);
  }
}
