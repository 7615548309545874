/**
 * Prints expressions as TypeScript with the fewest parentheses JavaScript's precedence allows.
 */
import type { Expr } from "../ir.js";
import { ruleOf } from "../rules/table.js";

const PREFIX = 14;
const CALL = 17;
const ATOM = 20;

/** A constant as a TypeScript literal that reads back as the same number. */
export function formatNumber(value: number): string {
  if (Object.is(value, -0)) return "-0";
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return String(value);
}

function precedence(e: Expr): number {
  if (e.kind === "var") return ATOM;
  if (e.kind === "const") return e.text === undefined && (e.value < 0 || Object.is(e.value, -0)) ? PREFIX : ATOM;
  if (e.op === "call") return CALL;
  const p = ruleOf(e.op).print;
  switch (p.kind) {
    case "infix":
      return p.prec;
    case "prefix":
      return PREFIX;
    case "call":
      return CALL;
    case "conditional":
      return 2;
    case "custom":
      return p.prec;
  }
}

/** A negative literal (`-1`, `-0`), not a named constant. */
const negativeLiteral = (e: Expr | undefined): e is Expr & { kind: "const" } =>
  e?.kind === "const" && e.text === undefined && (e.value < 0 || Object.is(e.value, -0));

/** Prints `e` as TypeScript, or with `types` false, as JavaScript. */
export function printExpr(e: Expr, types = true): string {
  if (e.kind === "var") return e.name;
  if (e.kind === "const") return e.text ?? formatNumber(e.value);
  // No double negation: `a - -1` is `a + 1` and `a + -1` is `a - 1`, the same numbers (IEEE
  // subtraction is the addition of the negation).
  if ((e.op === "add" || e.op === "sub") && negativeLiteral(e.args[1])) {
    const positive: Expr = { kind: "const", value: -e.args[1].value };
    return printExpr({ ...e, op: e.op === "add" ? "sub" : "add", args: [e.args[0]!, positive] }, types);
  }
  const arg = (i: number) => printExpr(e.args[i]!, types);
  if (e.op === "call") return `${e.callee}(${e.args.map((_, i) => arg(i)).join(", ")})`;
  const p = ruleOf(e.op).print;
  const wrap = (i: number, needs: (prec: number) => boolean) => {
    const s = arg(i);
    return needs(precedence(e.args[i]!)) ? `(${s})` : s;
  };
  switch (p.kind) {
    case "infix": {
      // `**` is right-associative, and its base may not be a unary expression (`(-x) ** 2`).
      const left = p.rightAssoc ? wrap(0, (q) => q <= PREFIX) : wrap(0, (q) => q < p.prec);
      const right = p.rightAssoc ? wrap(1, (q) => q < p.prec) : wrap(1, (q) => q <= p.prec);
      return `${left} ${p.token} ${right}`;
    }
    case "prefix": {
      const operand = wrap(0, (q) => q < PREFIX);
      return operand.startsWith(p.token) ? `${p.token}(${operand})` : `${p.token}${operand}`;
    }
    case "call":
      return `${p.callee}(${e.args.map((_, i) => arg(i)).join(", ")})`;
    case "conditional":
      return `${wrap(0, (q) => q <= 2)} ? ${wrap(1, (q) => q < 2)} : ${wrap(2, (q) => q < 2)}`;
    case "custom":
      // Operands in brackets and calls need no parentheses; the object of `.length`/`[i]` does.
      return p.print(
        e.args.map((_, i) => (i === 0 && p.prec >= 17 ? wrap(0, (q) => q < 17) : arg(i))),
        types,
      );
  }
}
