/** The forward pass as code: the live statements of a graph, branches kept as branches. */
import type { Atom, CodeStatement, Expr, Node, Statement } from "../ir.js";
import { c, select } from "../rules/expr.js";
import { isCondition } from "../rules/table.js";

/** A node's right-hand side as an expression. */
export function nodeExpr(n: Node): Expr {
  return n.callee === undefined
    ? { kind: "op", op: n.op, args: n.args }
    : { kind: "op", op: "call", args: n.args, callee: n.callee };
}

/**
 * The forward statements of `body`. A value computed inside a branch arm but read after the
 * branch (by the backward pass) is in `hoisted`: it is declared with `let` before the
 * outermost branch, and assigned in its arm.
 */
export function forwardCode(
  body: Statement[],
  live: ReadonlySet<string>,
  hoisted: ReadonlySet<string> = new Set(),
): CodeStatement[] {
  const declared: CodeStatement[] = [];
  const emit = (block: Statement[], inArm: boolean): CodeStatement[] => {
    const code: CodeStatement[] = [];
    for (const s of block) {
      if (s.kind === "node") {
        if (!live.has(s.name)) continue;
        if (inArm && hoisted.has(s.name)) {
          // Initialised so TypeScript sees it assigned on every path; the backward pass reads
          // it only on the path that assigned it.
          declared.push({ kind: "let", name: s.name, init: isCondition(s.op) ? false : c(0) });
          code.push({ kind: "set", name: s.name, expr: nodeExpr(s) });
        } else code.push({ kind: "const", name: s.name, expr: nodeExpr(s) });
        continue;
      }
      const hoist = (name: string) => {
        if (!inArm || !hoisted.has(name)) return false;
        declared.push({ kind: "let", name, init: c(0) });
        return true;
      };
      code.push(...branchCode(s, live, (arm) => emit(arm, true), hoist));
    }
    return code;
  };
  const code = emit(body, false);
  return [...declared, ...code];
}

function branchCode(
  s: Statement & { kind: "branch" },
  live: ReadonlySet<string>,
  arm: (b: Statement[]) => CodeStatement[],
  hoist: (name: string) => boolean,
): CodeStatement[] {
  const merges = s.merges.filter((m) => live.has(m.name));
  if (merges.length === 0) return [];
  const thenCode = arm(s.then);
  const elseCode = arm(s.else);
  // Nothing to compute in either arm: `const m = cond ? a : b`.
  if (thenCode.length === 0 && elseCode.length === 0)
    return merges.map((m) =>
      hoist(m.name)
        ? { kind: "set", name: m.name, expr: select(s.cond, m.then, m.else) }
        : { kind: "const", name: m.name, expr: select(s.cond, m.then, m.else) },
    );
  const set = (name: string, value: Atom): CodeStatement => ({ kind: "set", name, expr: value });
  return [
    ...merges.filter((m) => !hoist(m.name)).map((m): CodeStatement => ({ kind: "let", name: m.name })),
    {
      kind: "if",
      cond: s.cond,
      then: [...thenCode, ...merges.map((m) => set(m.name, m.then))],
      else: [...elseCode, ...merges.map((m) => set(m.name, m.else))],
    },
  ];
}
