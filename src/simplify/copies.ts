/**
 * Copy propagation of mutable adjoints: `const a = b;` where `b` is a `let` (a loop's carried
 * adjoint, an accumulator, a branch's partial) is dropped and `a` read as `b`, as long as `b`
 * keeps its value wherever `a` is read. A reversed loop then reads its carried adjoint by one
 * name instead of copying it at the start of each iteration (`const grad_y_1 = grad_y_2`) and
 * back at the end (`grad_y_2 = grad_y_1`). Copies of `const`s are left alone: they are the
 * lecture's one line per gate (`grad_s0 = grad_s2` for an add gate).
 */
import { allStatements as walk, innerCode as inners, mapOwnExprs, ownExprs, ownNames, reads } from "../code-walk.js";
import type { CodeFunction, CodeModule, CodeStatement, Expr } from "../ir.js";

export function propagateCopies(module: CodeModule): void {
  for (const f of module.functions) f.backward = simplifyFunction(f);
}

function simplifyFunction(f: CodeFunction): CodeStatement[] {
  const mutable = new Set<string>();
  for (const s of walk([...f.forward, ...f.backward])) if (s.kind === "let") mutable.add(s.name);
  // What the function returns reads after the whole backward pass: a statement of its own here.
  const r = f.returns;
  const returned: Expr[] =
    r.kind === "entry"
      ? [r.value, ...r.grads.map((g) => g.value)]
      : r.kind === "tuple"
        ? r.values
        : r.kind === "tangent"
          ? [r.value, r.tangent]
          : [r.value];
  const result: CodeStatement = { kind: "push", tape: "", values: returned };
  const backward = block([...f.backward, result], mutable);
  const values = (result as { values: Expr[] }).values;
  if (r.kind === "entry") {
    r.value = values[0]!;
    r.grads.forEach((g, i) => (g.value = values[i + 1]!));
  } else if (r.kind === "tuple") r.values = values;
  else if (r.kind === "tangent") [r.value, r.tangent] = [values[0]!, values[1]!];
  else r.value = values[0]!;
  return backward.filter((s) => s !== result);
}

function block(list: CodeStatement[], mutable: ReadonlySet<string>): CodeStatement[] {
  const out = [...list];
  for (let i = 0; i < out.length; i++) {
    const s = out[i]!;
    // A `while` head's names are in scope in its body too: only the body is a block of its own.
    for (const inner of s.kind === "while" ? [s.body] : inners(s))
      inner.splice(0, inner.length, ...block(inner, mutable));
    if (s.kind !== "const" || s.type !== undefined || s.expr.kind !== "var" || !mutable.has(s.expr.name)) continue;
    const [a, b] = [s.name, s.expr.name];
    const rest = out.slice(i + 1);
    if (!safe(rest, a, b)) continue;
    const f = (e: Expr): Expr => (e.kind === "var" && e.name === a ? { kind: "var", name: b } : e);
    for (const t of walk(rest)) mapExprs(t, f);
    out.splice(i, 1);
    i--;
  }
  // A copy propagated into its own source leaves `b = b;`.
  return out.filter((s) => !(s.kind === "set" && s.expr.kind === "var" && s.expr.name === s.name));
}

/** Whether `b` keeps its value, and is the same variable, wherever `rest` reads `a`. */
function safe(rest: CodeStatement[], a: string, b: string): boolean {
  let written = false;
  for (const s of rest) {
    const reads = readsOf([s]).has(a);
    if (written && reads) return false;
    // A nested declaration of `b` would capture the name; one of `a` is another variable; `a`
    // used as a name, not an expression (an array written, a tape), is not renamed.
    if ([...walk([s])].some((t) => declares(t, b) || declares(t, a) || ownNames(t).includes(a))) return false;
    const writes = [...walk([s])].some((t) => writesTo(t, b));
    // `b = f(a)` reads `a` before writing `b`; a block that writes `b` may read `a` after.
    if (writes && reads && inners(s).length > 0) return false;
    if (writes) written = true;
  }
  return true;
}

function writesTo(s: CodeStatement, name: string): boolean {
  return (s.kind === "set" || s.kind === "accumulate" || s.kind === "increment") && s.name === name;
}

function declares(s: CodeStatement, name: string): boolean {
  if (s.kind === "const" || s.kind === "let" || s.kind === "pop") return s.name === name;
  if (s.kind === "destructure") return s.names.includes(name);
  if (s.kind === "repeat") return s.counter === name;
  if (s.kind === "addArray") return s.counter === name;
  return false;
}

/** The names `list` reads in expressions, nested statements included. */
function readsOf(list: CodeStatement[]): Set<string> {
  const names = new Set<string>();
  for (const s of walk(list)) for (const e of ownExprs(s)) reads(e, names);
  return names;
}

/** Rewrites every variable of every expression `s` holds itself through `f`. */
function mapExprs(s: CodeStatement, f: (e: Expr) => Expr): void {
  const deep = (e: Expr): Expr => {
    const g = f(e);
    return g.kind === "op" ? { ...g, args: g.args.map(deep) } : g;
  };
  mapOwnExprs(s, deep);
}
