/**
 * The check panel: `checkGrad` (src/check) runs the generated f_grad against finite differences
 * of the user's own function, at the typed point and two random ones, and shows its report.
 */
import { checkGrad, formatReport, type GeneratedFunction } from "../../src/index.js";
import { parseValue } from "./run.js";

/** The report as text, and whether the check passed. */
export function checkFunction(
  primal: Function,
  companion: Function,
  fn: GeneratedFunction,
  texts: Record<string, string>,
): { text: string; ok: boolean } {
  const values = fn.params.map((p) => parseValue(p.type, texts[p.name] ?? ""));
  const typed = values.every((v) => v !== undefined);
  try {
    const report = checkGrad(primal as never, companion as never, {
      params: fn.params.map((p) => p.name),
      ...(typed ? { at: [values] } : {}),
      points: 2,
      throwOnMismatch: false,
    });
    return { text: formatReport(report), ok: report.ok };
  } catch (e) {
    return { text: e instanceof Error ? e.message : String(e), ok: false };
  }
}
