/**
 * Common-subexpression elimination: the same pure operation on the same operands, already
 * computed in this block or an enclosing one, is reused. Values computed inside an arm or a
 * loop are not visible after it. A read of an array is reused only until the array is written;
 * entering a loop forgets reads of every array the loop writes (a later iteration would see the
 * write). Operations that make a new array, or take an array (other than reading an element or
 * the length), are never merged.
 *
 * A value that gets an adjoint (see useful.ts) is not replaced by one of an enclosing block that
 * gets none (`k * d > 0` before, `k * d` in an arm or a loop): the enclosing one would then take
 * the inner one's adjoint, 0 when the arm is not taken or the loop does not run, and multiply
 * it by its partials outside the arm, where `0 * Infinity` is NaN.
 */
import type { Atom, Graph, Node, Statement } from "../ir.js";
import { innerBlocks, mapOperands, statementsOf, substitute } from "../ir-walk.js";
import { isArray as isArrayType } from "../ir-types.js";
import { operationKey } from "../rules/expr.js";
import { rules } from "../rules/table.js";
import { usefulNames } from "./useful.js";
import { arrayRoots, grownArrays, rootOf } from "../aliases.js";

export function eliminateCommonSubexpressions(graph: Graph): void {
  const replaced = new Map<string, Atom>();
  const useful = usefulNames(graph);
  const current = (a: Atom): Atom => (a.kind === "var" ? (replaced.get(a.name) ?? a) : a);
  const isArray = (a: Atom) => a.kind === "var" && isArrayType(graph.types.get(a.name));
  const key = (n: Node): string | undefined => {
    // A new array each time, even from the same operands: arrays are written in place.
    if (rules[n.op]?.array || isArrayType(graph.types.get(n.name))) return undefined;
    if (n.op !== "index" && n.op !== "length" && n.args.some(isArray)) return undefined;
    return operationKey(n.op, n.callee, n.args);
  };
  /** Computed operations, per block (innermost last). */
  const tables: Map<string, Atom>[] = [];
  // A write through a row writes its matrix and every other row read from it (src/aliases.ts);
  // a write at an array's own length (push) changes its length.
  const roots = arrayRoots(graph);
  const grown = grownArrays(graph);
  const forgetReads = (array: string) => {
    const root = rootOf(roots, array);
    const written = (name: string) => name === array || rootOf(roots, name) === root;
    for (const table of tables)
      for (const k of [...table.keys()]) {
        const m = /^(index|length):\(([^,)]+)[,)]/.exec(k);
        if (m && written(m[2]!) && (m[1] === "index" || grown.has(m[2]!))) table.delete(k);
      }
  };
  const visit = (block: Statement[]): Statement[] => {
    tables.push(new Map());
    const kept = block.filter((s) => {
      mapOperands(s, current);
      if (s.kind === "store") forgetReads(s.array.name);
      if (s.kind === "loop") for (const t of statementsOf(s.body)) if (t.kind === "store") forgetReads(t.array.name);
      for (const inner of innerBlocks(s)) inner.splice(0, inner.length, ...visit(inner));
      if (s.kind !== "node") return true;
      const k = key(s);
      if (k === undefined) return true;
      let hit: Atom | undefined;
      for (let i = tables.length - 1; i >= 0 && !hit; i--) {
        hit = tables[i]!.get(k);
        const outer = i < tables.length - 1;
        if (hit?.kind === "var" && outer && useful.has(s.name) && !useful.has(hit.name)) hit = undefined;
      }
      if (hit) {
        replaced.set(s.name, hit);
        return false;
      }
      tables[tables.length - 1]!.set(k, { kind: "var", name: s.name });
      return true;
    });
    tables.pop();
    return kept;
  };
  graph.body = visit(graph.body);
  substitute(graph, replaced);
}
