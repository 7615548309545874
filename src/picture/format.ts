/**
 * How the picture writes numbers: values and gradients to two or three significant digits, as
 * the lecture's slides do (0.73, -0.20, 6.00, 1.37), and constants in gate labels as written.
 */

/**
 * A value or gradient on a wire: two decimals from 0.1 to 10 (the lecture's `0.73`, `-0.20`,
 * `6.00`), three significant digits from 10 to 1000 (`12.3`, `456`), two significant digits
 * below 0.1 (`0.012`), and exponent notation beyond (`1.2e-5`, `3.4e+6`).
 */
export function formatValue(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "∞";
  if (x === -Infinity) return "-∞";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const a = Math.abs(x);
  if (a >= 0.1 && a < 10) return fixed(x, 2);
  if (a >= 10 && a < 1000) return trimExponent(x.toPrecision(3));
  if (a >= 1e-3 && a < 0.1) return trimExponent(x.toPrecision(2));
  return trimExponent(x.toExponential(1));
}

/** `toFixed`, without the `-0.00` of a tiny negative number rounded away. */
function fixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

const trimExponent = (s: string) => s.replace(/e\+?(-?)0*(\d)/, "e$1$2").replace(/^(-?\d+)\.0e/, "$1e");

/** A constant operand in a gate's label (`+1`, `*0.5`, `*PI`): its name, or its shortest exact form when short. */
export function constText(value: number, text?: string): string {
  if (text) return text.replace(/^Math\./, "");
  const s = String(value);
  return s.length <= 6 ? s : formatValue(value);
}

/** A boolean carried as 1 or 0. */
export const formatBoolean = (x: number): string => (x ? "true" : "false");
