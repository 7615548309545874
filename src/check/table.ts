/** A check report as text: a heading, an aligned table, the points (as `--at` reads them), notes. */
import type { CheckReport, CheckRow } from "./report.js";
import { pointText, valueText } from "./values.js";

/** Ten significant digits, trailing zeros dropped. */
function num(x: number | undefined): string {
  if (x === undefined) return "-";
  if (!Number.isFinite(x) || x === 0) return String(x);
  return String(Number(x.toPrecision(10)));
}

function err(x: number | undefined): string {
  if (x === undefined) return "-";
  return x === 0 ? "0" : Number.isFinite(x) ? x.toExponential(1) : String(x);
}

function verdict(row: CheckRow): string {
  const word = row.verdict === "mismatch" ? "MISMATCH" : row.verdict;
  return row.note ? `${word} (${row.note})` : word;
}

/** The one-line outcome of a report: `ok`, `2 MISMATCHES`, `nothing could be checked`. */
export function outcome(report: CheckReport): string {
  const { ok, mismatch, skipped } = report.counts;
  const skips = skipped > 0 ? `, ${skipped} skipped` : "";
  if (mismatch > 0) return `${mismatch} MISMATCH${mismatch === 1 ? "" : "ES"} (${ok} ok${skips})`;
  if (!report.ok) return "NOT CHECKED";
  return `ok (${ok} checked${skips})`;
}

/** The report as a table, the points and notes; ends with a newline. */
export function formatReport(report: CheckReport): string {
  const { points, rows, kind } = report;
  const given = points.filter((p) => p.given).length;
  const random = points.length - given;
  const where = [
    ...(given > 0 ? [`${given} given point${given === 1 ? "" : "s"}`] : []),
    ...(random > 0 || given === 0 ? [`${random} random point${random === 1 ? "" : "s"} (seed ${report.seed})`] : []),
  ].join(" and ");
  const test =
    kind === "vjp"
      ? "dot-product test u·J·v, "
      : kind === "jvp"
        ? `J·v along a random v per parameter${points.some((p) => p.cotangent !== undefined) ? " (as u·J·v)" : ""}, `
        : "";
  const lines = [
    `${report.companion} against finite differences of ${report.function}: ${test}${where}, tolerance ${report.tolerance < 1e-3 ? report.tolerance.toExponential() : report.tolerance}: ${outcome(report)}`,
  ];
  if (rows.length > 0) {
    const header = ["point", "parameter", "adgen", "finite diff", "rel. error", "verdict"];
    const cells = rows.map((r) => [
      String(r.point + 1),
      r.parameter,
      num(r.adgen),
      num(r.estimate),
      err(r.error),
      verdict(r),
    ]);
    const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
    const line = (row: string[]) =>
      `  ${row
        .map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd()}`;
    lines.push(line(header), ...cells.map(line));
  }
  if (points.length > 0) {
    lines.push("  points:");
    points.forEach((p, i) => {
      const u = p.cotangent === undefined ? "" : ` (u=${valueText(p.cotangent)})`;
      lines.push(`    ${i + 1}  ${pointText(report.params, p.args)}${u}`);
    });
  }
  for (const note of report.notes) lines.push(`  note: ${note}`);
  return `${lines.join("\n")}\n`;
}
