/** Judging one comparison (a row of the report), shared by the gradient, vjp and jvp checks. */
import { derivative } from "./difference.js";
import type { CheckReport, CheckRow } from "./report.js";
import { numberText, same, valueText } from "./values.js";

export interface Settings {
  tolerance: number;
  step: number;
  elementwise: number;
  random: () => number;
}

/** A mismatch row unless the companion's value is f's exactly. */
export function checkValue(report: CheckReport, point: number, value: unknown, y: unknown): void {
  if (same(value, y)) return;
  report.rows.push({
    point,
    parameter: "value",
    ...(typeof value === "number" ? { adgen: value } : {}),
    ...(typeof y === "number" ? { estimate: y } : {}),
    verdict: "mismatch",
    note: `${report.companion} returns the value ${valueText(value)}, ${report.function} returns ${valueText(y)}`,
  });
}

/** One row: adgen's number against the estimate of φ'(0). */
export function judge(
  report: CheckReport,
  point: number,
  parameter: string,
  ad: number | undefined,
  phi: (t: number) => number,
  step: number,
  s: Settings,
): void {
  const row: CheckRow = { point, parameter, verdict: "skipped" };
  report.rows.push(row);
  if (typeof ad === "number") row.adgen = ad;
  const e = derivative(phi, step, s.tolerance);
  if (e.kind === "kink") row.note = "kink or jump nearby";
  else if (e.kind === "not finite") row.note = `${report.function} is not finite nearby`;
  else if (e.kind === "unsettled") row.note = "differences change with the step: fine jumps or fast curvature";
  if (e.kind !== "ok") return;
  row.estimate = e.value;
  if (typeof ad !== "number") {
    row.verdict = "mismatch";
    row.note = `${report.companion} returns no number for ${parameter}`;
    return;
  }
  const bigger = Math.max(Math.abs(ad), Math.abs(e.value));
  const diff = Math.abs(ad - e.value);
  row.error = Number.isNaN(diff) ? Number.NaN : diff / (1 + bigger);
  row.verdict = diff <= s.tolerance * (1 + bigger) + e.noise ? "ok" : "mismatch";
  if (row.verdict === "mismatch" && !Number.isFinite(ad)) row.note = `${report.companion} returns ${numberText(ad)}`;
}
