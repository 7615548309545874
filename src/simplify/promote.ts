/**
 * An element added to at the same place in every iteration of a loop is summed in a variable and
 * added once after the loop: `for (...) { ...; grad_xc[i] += t; }` becomes
 * `let grad_xc_i = 0; for (...) { ...; grad_xc_i += t; } grad_xc[i] += grad_xc_i;` (as a reversed
 * loop already sums what flows to a number from before it). Only when the loop names the array
 * nowhere else and changes nothing the index reads, and only for Float64Arrays allocated by the
 * function that no other name reaches (an element past the end is then ignored, also when the
 * loop runs zero times). The sum's order changes: the gradient moves by rounding only.
 */
import { allStatements, innerCode, ownExprs, ownNames, reads, returnedExprs } from "../code-walk.js";
import type { CodeFunction, CodeModule, CodeStatement } from "../ir.js";
import { assigns, declaredBy, freshArrays, mentions } from "./cleared.js";

export function promoteLoopSums(module: CodeModule): void {
  for (const f of module.functions) {
    const fresh = freshArrays(f, "Float64Array");
    if (fresh.size === 0) continue;
    const taken = namesOf(f);
    for (const g of module.functions) taken.add(g.name);
    for (const c of module.constants) taken.add(c.name);
    f.backward = promote(f.backward, fresh, taken);
  }
}

function namesOf(f: CodeFunction): Set<string> {
  const names = new Set<string>(f.params.map((p) => p.name));
  for (const s of allStatements([...f.forward, ...f.backward])) {
    for (const n of declaredBy(s)) names.add(n);
    for (const n of ownNames(s)) names.add(n);
    for (const e of ownExprs(s)) reads(e, names);
  }
  for (const e of returnedExprs(f.returns)) reads(e, names);
  return names;
}

function promote(code: CodeStatement[], fresh: ReadonlySet<string>, taken: Set<string>): CodeStatement[] {
  for (const s of code)
    for (const inner of innerCode(s)) inner.splice(0, inner.length, ...promote(inner, fresh, taken));
  const out: CodeStatement[] = [];
  for (const s of code) {
    if (s.kind !== "for" && s.kind !== "repeat") {
      out.push(s);
      continue;
    }
    const before: CodeStatement[] = [];
    const after: CodeStatement[] = [];
    // Names the loop declares or assigns: an index reading one of them moves with the loop.
    const changing = new Set<string>([s.counter]);
    for (const t of allStatements(s.body)) {
      for (const n of declaredBy(t)) changing.add(n);
      if (t.kind === "set" || t.kind === "accumulate" || t.kind === "increment") changing.add(t.name);
    }
    s.body.forEach((t, i) => {
      if (t.kind !== "store" || !t.add || !fresh.has(t.array)) return;
      const indexVars = new Set<string>();
      reads(t.index, indexVars);
      if ([...indexVars].some((n) => changing.has(n))) return;
      const valueNames = new Set<string>();
      reads(t.expr, valueNames);
      if (valueNames.has(t.array)) return;
      if (s.body.some((u, k) => k !== i && mentions(u, t.array))) return;
      if (s.body.some((u) => assigns(u, indexVars))) return;
      const sum = claim(`${t.array}_sum`, taken);
      before.push({ kind: "let", name: sum, init: { kind: "const", value: 0 } });
      s.body[i] = { kind: "accumulate", name: sum, expr: t.expr };
      after.push({ kind: "store", array: t.array, index: t.index, expr: { kind: "var", name: sum }, add: true });
    });
    out.push(...before, s, ...after);
  }
  return out;
}

function claim(base: string, taken: Set<string>): string {
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  return name;
}
