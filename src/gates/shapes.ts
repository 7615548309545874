/**
 * Clear run-time errors for arrays whose lengths do not fit a gate's shapes. The message is
 * built only on the error path: a template string per check on every call cost a few percent
 * of the MLP's f at batch 1.
 */

/**
 * A RangeError unless `a` has the length of the shape `dims` (its letters, "n×d" or "d") at
 * `rows` × `cols` (`cols` left out for a vector).
 */
export function expectShape(
  gate: string,
  name: string,
  a: Float64Array,
  dims: string,
  rows: number,
  cols?: number,
): void {
  const length = cols === undefined ? rows : rows * cols;
  if (a.length !== length) {
    const sizes = cols === undefined ? `${rows}` : `${rows}×${cols}`;
    throw new RangeError(
      `adgen/gates ${gate}: '${name}' has length ${a.length}, but the shape ${dims} = ${sizes} needs ${length}`,
    );
  }
}

/** A RangeError unless `a` and `b` have the same length. */
export function expectSameLength(gate: string, a: Float64Array, b: Float64Array): void {
  if (a.length !== b.length)
    throw new RangeError(`adgen/gates ${gate}: the arrays have lengths ${a.length} and ${b.length}`);
}
