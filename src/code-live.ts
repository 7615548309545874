/**
 * Liveness of generated statements: which assignments something reads (`liveStatements`), and
 * which names a piece of code reads (`collectReads`, `freeReads`). The transform asks it what
 * the backward pass will need (to plan the tape and what outlives a branch arm); the simplify
 * stage removes what is dead with it (src/simplify/dead.ts).
 *
 * One reverse sweep suffices outside loops, since every variable is assigned before it is read;
 * a loop body is swept again until what it reads at its start (for the next iteration) is
 * stable. Statements with effects (array writes, tape operations, accumulations) are always live.
 */
import { allStatements, ownExprs, ownNames, reads } from "./code-walk.js";
import type { CodeStatement, Expr } from "./ir.js";

/**
 * `statements` without the assignments nothing reads (for instance `grad_t1` when `t1`'s only use
 * was multiplied by 0); `live` holds the names read after them (and is extended).
 */
export function liveStatements(statements: CodeStatement[], live: Set<string>): CodeStatement[] {
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
        if (!live.has(s.name) && s.type !== "tape" && s.type !== "decisions" && s.type !== "arrays") continue;
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
        const then = liveStatements(s.then, new Set(live));
        const otherwise = liveStatements(s.else, new Set(live));
        if (then.length === 0 && otherwise.length === 0) continue;
        kept.push({ ...s, then, else: otherwise });
        collectReads(then, live);
        collectReads(otherwise, live);
        reads(s.cond, live);
        continue;
      }
      case "while":
      case "repeat":
      case "for": {
        // What the next iteration reads is live at the end of the body: the loop's own expressions,
        // then what the live part of the body reads, until that no longer grows.
        const inner = new Set(live);
        collectReads([{ ...s, body: [] }], inner);
        let body = liveStatements(s.body, new Set(inner));
        for (;;) {
          const before = inner.size;
          collectReads(body, inner);
          if (inner.size === before) break;
          body = liveStatements(s.body, new Set(inner));
        }
        const loop = { ...s, body };
        kept.push(loop);
        collectReads([loop], live);
        continue;
      }
      default:
        // store, addArray, accumulate, increment, push, pop: effects, always kept.
        collectReads([s], live);
    }
    kept.push(s);
  }
  return kept.reverse();
}

/** Adds every name `statements` read to `into`. */
export function collectReads(statements: CodeStatement[], into: Set<string>): void {
  for (const s of allStatements(statements)) {
    for (const e of ownExprs(s)) reads(e, into);
    for (const n of ownNames(s)) into.add(n);
  }
}

/** Calls `f` on every top-level expression in `statements`, nested statements included. */
export function forEachExpr(statements: CodeStatement[], f: (e: Expr) => void): void {
  for (const s of allStatements(statements)) ownExprs(s).forEach(f);
}

/**
 * The names `statements` read that they do not define first: a name popped or declared inside
 * a nested loop body is that body's own, not a read of the enclosing block's value.
 */
export function freeReads(statements: CodeStatement[], defined: ReadonlySet<string> = new Set()): Set<string> {
  const free = new Set<string>();
  const local = new Set(defined);
  const read = (names: Set<string>) => names.forEach((n) => !local.has(n) && free.add(n));
  const exprReads = (e: Expr) => {
    const r = new Set<string>();
    reads(e, r);
    return r;
  };
  for (const s of statements) {
    switch (s.kind) {
      case "if":
        read(exprReads(s.cond));
        freeReads(s.then, local).forEach((n) => free.add(n));
        freeReads(s.else, local).forEach((n) => free.add(n));
        break;
      case "while":
        read(exprReads(s.cond));
        freeReads([...s.head, ...s.body], local).forEach((n) => free.add(n));
        break;
      case "repeat":
        read(exprReads(s.from));
        freeReads(s.body, new Set([...local, s.counter])).forEach((n) => free.add(n));
        break;
      case "for": {
        read(exprReads(s.init));
        const inner = new Set([...local, s.counter]);
        exprReads(s.cond).forEach((n) => !inner.has(n) && free.add(n));
        freeReads(s.body, inner).forEach((n) => free.add(n));
        break;
      }
      default: {
        const r = new Set<string>();
        collectReads([s], r);
        read(r);
      }
    }
    if (s.kind === "const" || s.kind === "let" || s.kind === "pop") local.add(s.name);
    if (s.kind === "destructure") s.names.forEach((n) => n !== null && local.add(n));
  }
  return free;
}
