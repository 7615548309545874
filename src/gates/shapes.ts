/** Clear run-time errors for arrays whose lengths do not fit a gate's shapes. */

/** A RangeError unless `a` has the `length` the shape `shape` needs. */
export function expectLength(gate: string, name: string, a: Float64Array, length: number, shape: string): void {
  if (a.length !== length)
    throw new RangeError(
      `adgen/gates ${gate}: '${name}' has length ${a.length}, but the shape ${shape} needs ${length}`,
    );
}

/** A RangeError unless `a` and `b` have the same length. */
export function expectSameLength(gate: string, a: Float64Array, b: Float64Array): void {
  if (a.length !== b.length)
    throw new RangeError(`adgen/gates ${gate}: the arrays have lengths ${a.length} and ${b.length}`);
}
