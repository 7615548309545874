/**
 * Writes single-use temporaries in place: `const d1 = dot_x * y; const dot_s = d1 + ...;`
 * becomes `const dot_s = dot_x * y + ...;`. Only the names a function lists as `temporaries`
 * (forward mode's pieces of a tangent formula), each read once, by a statement of its own block.
 */
import { innerCode, mapOwnExprs, ownExprs, reads } from "../code-walk.js";
import type { CodeModule, CodeStatement, Expr } from "../ir.js";

export function inlineTemporaries(module: CodeModule): void {
  for (const f of module.functions)
    if (f.temporaries?.size) {
      f.forward = block(f.forward, f.temporaries);
      f.backward = block(f.backward, f.temporaries);
    }
}

function block(list: CodeStatement[], temporaries: ReadonlySet<string>): CodeStatement[] {
  for (const s of list) for (const inner of innerCode(s)) inner.splice(0, inner.length, ...block(inner, temporaries));
  // The temporaries some later statement of this block reads itself.
  const readHere = new Set<string>();
  for (const s of list) for (const e of ownExprs(s)) reads(e, readHere);
  const pending = new Map<string, Expr>();
  const substitute = (e: Expr): Expr =>
    e.kind === "var" ? (pending.get(e.name) ?? e) : e.kind === "op" ? { ...e, args: e.args.map(substitute) } : e;
  const out: CodeStatement[] = [];
  for (const s of list) {
    mapOwnExprs(s, substitute);
    if (s.kind === "const" && temporaries.has(s.name) && readHere.has(s.name)) pending.set(s.name, s.expr);
    else out.push(s);
  }
  return out;
}
