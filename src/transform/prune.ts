/**
 * Dead-code elimination on generated statements: drops every assignment whose variable is
 * never read (for instance `grad_t1` when `t1`'s only use was multiplied by 0). One reverse
 * sweep suffices, since every variable is assigned before it is read.
 */
import type { CodeStatement, Expr } from "../ir.js";

function reads(e: Expr, into: Set<string>): void {
  if (e.kind === "var") into.add(e.name);
  else if (e.kind === "op") for (const a of e.args) reads(a, into);
}

/** `statements` without what nothing reads; `live` holds the names read after them. */
export function prune(statements: CodeStatement[], live: Set<string>): CodeStatement[] {
  const kept: CodeStatement[] = [];
  for (let i = statements.length - 1; i >= 0; i--) {
    const s = statements[i]!;
    switch (s.kind) {
      case "const":
      case "set":
        if (!live.has(s.name)) continue;
        reads(s.expr, live);
        break;
      case "let":
        if (!live.has(s.name)) continue;
        if (s.init !== undefined && typeof s.init !== "boolean") reads(s.init, live);
        break;
      case "destructure": {
        const names = s.names.map((n) => (n !== null && live.has(n) ? n : null));
        if (names.every((n) => n === null)) continue;
        reads(s.expr, live);
        kept.push({ ...s, names });
        continue;
      }
      case "if": {
        const after = new Set(live);
        const then = prune(s.then, new Set(after));
        const otherwise = prune(s.else, new Set(after));
        if (then.length === 0 && otherwise.length === 0) continue;
        kept.push({ ...s, then, else: otherwise });
        collectReads(then, live);
        collectReads(otherwise, live);
        reads(s.cond, live);
        continue;
      }
    }
    kept.push(s);
  }
  return kept.reverse();
}

/** Adds every name `statements` read to `into`. */
export function collectReads(statements: CodeStatement[], into: Set<string>): void {
  for (const s of statements) {
    if (s.kind === "if") {
      reads(s.cond, into);
      collectReads(s.then, into);
      collectReads(s.else, into);
    } else if (s.kind !== "let") reads(s.expr, into);
  }
}
