/**
 * Checking `f_jvp(...args, tangents)` (forward mode: `{ value, tangent }`, the derivative of f
 * along `tangents`, a tangent per parameter keyed by name, a missing one zero): per parameter, a
 * random direction v for it alone; the tangent (for an f returning an array, u·tangent for a
 * random u, the dot-product test) against finite differences of f (or u·f) along v.
 */
import type { CheckReport } from "./report.js";
import { checkValue, judge, type Settings } from "./judge.js";
import { randomLike } from "./random.js";
import { along, clone, dot, getAt, leaves, valueText } from "./values.js";

export function checkJvpAt(
  f: (...args: unknown[]) => unknown,
  companion: (...args: unknown[]) => unknown,
  report: CheckReport,
  index: number,
  y: unknown,
  wrt: readonly string[],
  s: Settings,
): void {
  const point = report.points[index]!;
  const { args } = point;
  const u = point.cotangent;
  const project = (out: unknown) => (u === undefined ? (out as number) : dot(u, out));
  let valueChecked = false;
  for (const name of wrt) {
    const i = report.params.indexOf(name);
    const x = args[i];
    const v = randomLike(x, s.random, [-1, 1]);
    let result: unknown;
    try {
      result = companion(...args.map(clone), { [name]: clone(v) });
    } catch (e) {
      report.rows.push({
        point: index,
        parameter: name,
        verdict: "mismatch",
        note: `${report.companion} throws: ${e instanceof Error ? e.message : String(e)}`,
      });
      continue;
    }
    const { value, tangent } = (result ?? {}) as { value?: unknown; tangent?: unknown };
    if (!valueChecked) checkValue(report, index, value, y);
    valueChecked = true;
    const shaped =
      u === undefined ? typeof tangent === "number" : leaves(u).every((p) => getAt(tangent, p) !== undefined);
    const ad = shaped ? project(tangent) : undefined;
    const size = Math.max(1, ...leaves(x).map((p) => Math.abs(getAt(x, p)!)));
    const moved = (t: number) => args.map((a, j) => (j === i ? along(x, v, t) : clone(a)));
    judge(report, index, name, ad, (t) => project(f(...moved(t))), s.step * size, s);
    if (!shaped)
      report.rows[report.rows.length - 1]!.note = `${report.companion} returns the tangent ${valueText(tangent)}`;
  }
}
