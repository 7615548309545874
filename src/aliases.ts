/**
 * Arrays of arrays share memory with their rows. A row read (`r = row(A, i)`) is row i of `A`
 * itself, and a new row set into a matrix as it is made (`M[i] = r`, a store of an array) becomes
 * part of `M`: a write through the row is a write to the matrix. Each array's root is the array
 * whose memory it is part of (itself for every other array). The passes that reason about writes
 * (activity, CSE, the tape's recomputation, snapshots) ask for roots instead of names.
 */
import type { Graph } from "./ir.js";
import { statementsOf } from "./ir-walk.js";
import { isArray } from "./ir-types.js";

export type Roots = ReadonlyMap<string, string>;

/** The root of every array that is a row of another (the others are their own roots). */
export function arrayRoots(graph: Graph): Map<string, string> {
  const parent = new Map<string, string>();
  for (const s of statementsOf(graph.body)) {
    if (s.kind === "node" && s.op === "row" && s.args[0]!.kind === "var") parent.set(s.name, s.args[0]!.name);
    if (s.kind === "store" && s.value.kind === "var" && isArray(graph.types.get(s.value.name)))
      parent.set(s.value.name, s.array.name);
  }
  const roots = new Map<string, string>();
  for (const name of parent.keys()) {
    let r = name;
    for (let k = 0; parent.has(r) && k <= parent.size; k++) r = parent.get(r)!;
    roots.set(name, r);
  }
  return roots;
}

export const rootOf = (roots: Roots, name: string): string => roots.get(name) ?? name;

/**
 * Arrays that grow: written at their own length (`ys.push(v)` is lowered to `ys[ys.length] = v`),
 * or at the length of one that grows (forward mode's tangent `dot_ys` is written where `ys` is), or
 * made empty and written at all (a stack, written at its counter; a tape of arrays, `rows(0)`).
 * Their length is not a constant of the array: it is read again after each write, and taped.
 */
export function grownArrays(graph: Graph): Set<string> {
  const lengths = new Map<string, string>();
  const empty = new Set<string>();
  for (const s of statementsOf(graph.body)) {
    if (s.kind === "node" && s.op === "length" && s.args[0]!.kind === "var") lengths.set(s.name, s.args[0]!.name);
    if (s.kind === "node" && s.op === "arrayOf" && s.args.length === 0) empty.add(s.name);
    // A tape of arrays: an array of no rows yet.
    if (
      s.kind === "node" &&
      (s.op === "rows" || s.op === "float64Rows") &&
      s.args[0]!.kind === "const" &&
      s.args[0]!.value === 0
    )
      empty.add(s.name);
  }
  // An array made empty grows wherever it is written (the stacks of src/parser/lower/stacks.ts).
  const grown = new Set<string>(
    [...statementsOf(graph.body)].flatMap((s) => (s.kind === "store" && empty.has(s.array.name) ? [s.array.name] : [])),
  );
  for (let size = -1; size !== grown.size;) {
    size = grown.size;
    for (const s of statementsOf(graph.body)) {
      if (s.kind !== "store" || s.index.kind !== "var") continue;
      const of = lengths.get(s.index.name);
      if (of !== undefined && (of === s.array.name || grown.has(of))) grown.add(s.array.name);
    }
  }
  return grown;
}
