/**
 * Adjoint elements cleared, then added to. Reversing `a[i] = a[i] + v` gives
 * `const g = grad_a[i]; grad_a[i] = 0; ...; grad_a[i] += g;`: the write hands grad_a[i] to its
 * value and clears it, the read of a[i] adds its gradient back. When nothing touches grad_a and
 * nothing changes i in between, the clear and the add are one store `grad_a[i] = h` (0 + h is h),
 * and when h is g itself (through copies), neither is needed: the element keeps its value.
 * Only for arrays no other name can reach (`freshArrays`): the rewrite reasons about one name.
 */
import { allStatements, innerCode, ownExprs, ownNames, reads, returnedExprs } from "../code-walk.js";
import type { CodeFunction, CodeModule, CodeStatement, Expr } from "../ir.js";

export function foldClearedAdds(module: CodeModule): void {
  for (const f of module.functions) {
    const fresh = freshArrays(f);
    if (fresh.size > 0) f.backward = fold(f.backward, fresh);
  }
}

/**
 * The flat arrays `f` allocates itself (`new Float64Array(n)`, `new Array(n).fill(0)`), declared
 * once, and otherwise named only to read or write an element, to read the length, in an
 * `addArray`, or returned: no other name aliases them and no call sees them. `storage` limits
 * them to one kind.
 */
export function freshArrays(f: CodeFunction, storage?: "Float64Array"): Set<string> {
  const code = [...f.forward, ...f.backward];
  const declared = new Map<string, number>();
  const candidates = new Set<string>();
  for (const s of allStatements(code)) {
    for (const name of declaredBy(s)) declared.set(name, (declared.get(name) ?? 0) + 1);
    if (s.kind === "const" && s.expr.kind === "op" && (s.expr.op === "newFloat64Array" || s.expr.op === "zeros"))
      if (!storage || s.expr.op === "newFloat64Array") candidates.add(s.name);
  }
  for (const p of f.params) declared.set(p.name, (declared.get(p.name) ?? 0) + 1);
  const bad = new Set<string>([...candidates].filter((name) => declared.get(name) !== 1));
  const visit = (e: Expr, elementOf: boolean): void => {
    if (e.kind === "var" && !elementOf && candidates.has(e.name)) bad.add(e.name);
    if (e.kind !== "op") return;
    const access = e.op === "index" || e.op === "length";
    e.args.forEach((a, i) => visit(a, access && i === 0));
  };
  for (const s of allStatements(code))
    for (const e of ownExprs(s)) {
      // The allocation itself.
      if (s.kind === "const" && candidates.has(s.name) && e === s.expr) continue;
      visit(e, false);
    }
  for (const e of returnedExprs(f.returns)) visit(e, e.kind === "var");
  return new Set([...candidates].filter((name) => !bad.has(name)));
}

/** The names a statement declares. */
export function declaredBy(s: CodeStatement): string[] {
  if (s.kind === "const" || s.kind === "let" || s.kind === "pop") return [s.name];
  if (s.kind === "destructure") return s.names.filter((n): n is string => n !== null);
  if (s.kind === "fields") return s.fields.map((x) => x.name);
  if (s.kind === "repeat" || s.kind === "for" || s.kind === "addArray") return [s.counter];
  return [];
}

/** Whether `s` (nested statements included) names `array` anywhere. */
export function mentions(s: CodeStatement, array: string): boolean {
  for (const t of allStatements([s])) {
    if (ownNames(t).includes(array)) return true;
    const names = new Set<string>();
    for (const e of ownExprs(t)) reads(e, names);
    if (names.has(array)) return true;
  }
  return false;
}

/** Whether `s` (nested statements included) assigns one of `names` (not a new declaration). */
export function assigns(s: CodeStatement, names: ReadonlySet<string>): boolean {
  for (const t of allStatements([s]))
    if ((t.kind === "set" || t.kind === "accumulate" || t.kind === "increment") && names.has(t.name)) return true;
  return false;
}

export function sameExpr(a: Expr, b: Expr): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "var") return a.name === (b as typeof a).name;
  if (a.kind === "const") return a.value === (b as typeof a).value && a.text === (b as typeof a).text;
  const o = b as typeof a;
  return (
    a.op === o.op &&
    a.callee === o.callee &&
    a.args.length === o.args.length &&
    a.args.every((x, i) => sameExpr(x, o.args[i]!))
  );
}

function fold(code: CodeStatement[], fresh: ReadonlySet<string>): CodeStatement[] {
  for (const s of code) for (const inner of innerCode(s)) inner.splice(0, inner.length, ...fold(inner, fresh));
  const out = [...code];
  for (let i = 0; i < out.length; i++) {
    const s = out[i]!;
    if (s.kind !== "store" || s.add || !fresh.has(s.array) || s.expr.kind !== "const" || s.expr.value !== 0) continue;
    const array = s.array;
    const indexVars = new Set<string>();
    reads(s.index, indexVars);
    let j = i + 1;
    while (j < out.length && !mentions(out[j]!, array)) j++;
    const t = out[j];
    if (!t || t.kind !== "store" || !t.add || t.array !== array || !sameExpr(t.index, s.index)) continue;
    if (out.slice(i + 1, j).some((x) => assigns(x, indexVars))) continue;
    const valueNames = new Set<string>();
    reads(t.expr, valueNames);
    if (valueNames.has(array)) continue;
    // The element as it was before the clear: `const g = array[index]`, with nothing between.
    let read: string | undefined;
    for (let k = i - 1; k >= 0; k--) {
      const r = out[k]!;
      if (r.kind === "const" && r.expr.kind === "op" && r.expr.op === "index") {
        const [a, index] = r.expr.args;
        if (a?.kind === "var" && a.name === array && sameExpr(index!, s.index)) {
          read = r.name;
          break;
        }
      }
      if (mentions(r, array) || assigns(r, indexVars)) break;
    }
    if (read !== undefined && copyOf(out.slice(0, j), t.expr, read)) {
      out.splice(j, 1);
      out.splice(i, 1);
    } else {
      out[j] = { ...t, add: false };
      out.splice(i, 1);
    }
    i--;
  }
  return out;
}

/** Whether `e` is `name` or a chain of `const` copies of it declared in `before`. */
function copyOf(before: CodeStatement[], e: Expr, name: string): boolean {
  for (let hops = 0; hops <= before.length; hops++) {
    if (e.kind !== "var") return false;
    if (e.name === name) return true;
    const current = e.name;
    const copy = before.find((s) => s.kind === "const" && s.name === current);
    if (!copy || copy.kind !== "const") return false;
    e = copy.expr;
  }
  return false;
}
