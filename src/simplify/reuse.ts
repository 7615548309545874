/**
 * Forward-value reuse: a backward formula that computes again what the forward pass already
 * holds in a variable reads that variable instead (`grad * Math.cos(theta)` reads `t1` when the
 * forward pass has `const t1 = Math.cos(theta)`), as a person writing the backward pass by hand
 * would. Only values the forward pass computes at its top level (in scope for the whole backward
 * pass) from names that are never reassigned, and only in backward code outside loops (inside a
 * reversed loop, a name may stand for the iteration's value). Array reads and array operations
 * are never reused: an array may be written between the two.
 */
import { allStatements, mapOwnExprs, innerCode } from "../code-walk.js";
import type { CodeFunction, CodeModule, CodeStatement, Expr } from "../ir.js";
import { operationKey } from "../rules/expr.js";
import { ruleOf } from "../rules/table.js";

export function reuseForwardValues(module: CodeModule): void {
  for (const f of module.functions) if (f.backward.length > 0) reuseIn(f);
}

function reuseIn(f: CodeFunction): void {
  const assigned = assignedNames([...f.forward, ...f.backward]);
  const stable = (e: Expr) => e.kind !== "var" || !assigned.has(e.name);
  const computed = new Map<string, string>();
  for (const s of f.forward) {
    if (s.kind !== "const" || assigned.has(s.name) || s.expr.kind !== "op") continue;
    const { op, callee, args } = s.expr;
    if (op === "index" || op === "length" || (op !== "call" && ruleOf(op).array)) continue;
    if (!args.every((a) => a.kind !== "op" && stable(a))) continue;
    const key = operationKey(op, callee, args);
    if (!computed.has(key)) computed.set(key, s.name);
  }
  if (computed.size === 0) return;
  const reuse = (e: Expr): Expr => {
    if (e.kind !== "op") return e;
    const args = e.args.map(reuse);
    if (args.every((a) => a.kind !== "op")) {
      const name = computed.get(operationKey(e.op, e.callee, args));
      if (name !== undefined) return { kind: "var", name };
    }
    return { ...e, args };
  };
  const outsideLoops = (list: CodeStatement[]): void => {
    for (const s of list) {
      if (s.kind === "while" || s.kind === "for" || s.kind === "repeat") continue;
      mapOwnExprs(s, reuse);
      innerCode(s).forEach(outsideLoops);
    }
  };
  outsideLoops(f.backward);
}

/**
 * The names some statement assigns other than by the one `const` that declares them: `let`
 * variables, loop counters, popped values, and anything declared twice.
 */
function assignedNames(statements: CodeStatement[]): Set<string> {
  const assigned = new Set<string>();
  const declared = new Set<string>();
  for (const s of allStatements(statements)) {
    switch (s.kind) {
      case "const":
        if (declared.has(s.name)) assigned.add(s.name);
        declared.add(s.name);
        break;
      case "let":
      case "set":
      case "pop":
      case "accumulate":
      case "increment":
        assigned.add(s.name);
        break;
      case "destructure":
        for (const n of s.names) {
          if (n !== null && declared.has(n)) assigned.add(n);
          if (n !== null) declared.add(n);
        }
        break;
      case "fields":
        s.fields.forEach((field) => assigned.add(field.name));
        break;
      case "for":
      case "repeat":
        assigned.add(s.counter);
    }
  }
  return assigned;
}
