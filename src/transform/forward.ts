/** The forward pass as code: the live statements of a graph, branches kept as branches. */
import type { Atom, CodeStatement, Expr, Node, Statement } from "../ir.js";
import { select } from "../rules/expr.js";

/** A node's right-hand side as an expression. */
export function nodeExpr(n: Node): Expr {
  return n.callee === undefined
    ? { kind: "op", op: n.op, args: n.args }
    : { kind: "op", op: "call", args: n.args, callee: n.callee };
}

export function forwardCode(body: Statement[], live: ReadonlySet<string>): CodeStatement[] {
  const out: CodeStatement[] = [];
  for (const s of body) {
    if (s.kind === "node") {
      if (live.has(s.name)) out.push({ kind: "const", name: s.name, expr: nodeExpr(s) });
      continue;
    }
    const merges = s.merges.filter((m) => live.has(m.name));
    if (merges.length === 0) continue;
    const thenCode = forwardCode(s.then, live);
    const elseCode = forwardCode(s.else, live);
    if (thenCode.length === 0 && elseCode.length === 0) {
      // Nothing to compute in either arm: `const m = cond ? a : b`.
      for (const m of merges) out.push({ kind: "const", name: m.name, expr: select(s.cond, m.then, m.else) });
      continue;
    }
    const set = (name: string, value: Atom): CodeStatement => ({ kind: "set", name, expr: value });
    for (const m of merges) out.push({ kind: "let", name: m.name });
    out.push({
      kind: "if",
      cond: s.cond,
      then: [...thenCode, ...merges.map((m) => set(m.name, m.then))],
      else: [...elseCode, ...merges.map((m) => set(m.name, m.else))],
    });
  }
  return out;
}
