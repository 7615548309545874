/**
 * The flattened inputs of a generated Hessian or Jacobian: every number of the differentiated
 * parameters, in parameter order (a number itself, an array's elements, a record's leaves).
 */
import type { Fixture } from "./fixtures.js";
import { at, copy, leafPaths, paramSpec, withLeaf, type Value } from "./points.js";

export interface FlatInput {
  /** Its value at the point. */
  value: number;
  /** A size or an index fixed by the fixture (not moved by differences). */
  fixed: boolean;
  /** The point's arguments with this input set to `e`. */
  set: (xs: Value[], e: number) => Value[];
}

export function flatInputs(fixture: Fixture | undefined, params: string[], wrt: string[], xs: Value[]): FlatInput[] {
  return wrt.flatMap((p) => {
    const i = params.indexOf(p);
    const spec = fixture && paramSpec(fixture, p);
    return leafPaths(xs[i]!).map((path) => ({
      value: at(xs[i]!, path) as number,
      fixed: spec !== undefined && "fixed" in spec,
      set: (ys: Value[], e: number) => ys.map((y, j) => (j === i ? withLeaf(y, path, e) : copy(y))),
    }));
  });
}

/** Zero of a value's shape. */
const zeroLike = (x: Value): Value =>
  typeof x === "number"
    ? 0
    : x instanceof Float64Array
      ? new Float64Array(x.length)
      : Array.isArray(x)
        ? (x as Value[]).map(zeroLike)
        : Object.fromEntries(Object.entries(x).map(([k, v]) => [k, zeroLike(v)]));

/** The k-th unit vector of the flattened inputs, as tangents keyed and shaped like the parameters. */
export function unitDirection(params: string[], wrt: string[], xs: Value[], k: number): Record<string, Value> {
  const t: Record<string, Value> = {};
  let left = k;
  for (const p of wrt) {
    const x = xs[params.indexOf(p)]!;
    const paths = leafPaths(x);
    t[p] = left >= 0 && left < paths.length ? withLeaf(zeroLike(x), paths[left]!, 1) : zeroLike(x);
    left -= paths.length;
  }
  return t;
}
