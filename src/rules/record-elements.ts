/**
 * How generated code writes the elements of an array of records (`pts: { x: number }[]`), which
 * the graph holds as one `number[]` per leaf: a leaf's path inside an element (`["pos", "x"]`,
 * `["0"]`), how it is read (`.pos.x`, `[0]`) and the zero of an element (`{ pos: { x: 0 } }`,
 * `[0, 0] as [number, number]`). The table's `column` and `zeroRecords` print with these, and
 * the drivers (src/emit/driver-inputs.ts) write an element's zero with `elementZero`. A leaf's
 * path reaches the ops as a constant whose text is its keys joined by dots (`pos.x`).
 */

/** How a leaf at `path` is read from an element: `.pos.x`, `[0]`. */
export const elementAccess = (path: string[]): string =>
  path.map((key) => (/^\d+$/.test(key) ? `[${key}]` : `.${key}`)).join("");

/** The zero of an element whose leaves are at `paths` (`{ x: 0, pos: { y: 0 } }`, `[0, 0]`); a
 * tuple says its type (an untyped `[0, 0]` is a `number[]`) where types are printed. */
export function elementZero(paths: string[][], types: boolean): string {
  type Tree = Map<string, Tree | null>;
  const root: Tree = new Map();
  for (const path of paths) {
    let tree = root;
    for (const key of path.slice(0, -1)) {
      if (!tree.has(key)) tree.set(key, new Map());
      tree = tree.get(key)!;
    }
    tree.set(path.at(-1)!, null);
  }
  const print = (tree: Tree): string => {
    const values = [...tree].map(([key, t]) => [key, t === null ? "0" : print(t)] as const);
    if (values.every(([key]) => /^\d+$/.test(key))) {
      const tuple = `[${values.map(([, v]) => v).join(", ")}]`;
      return types ? `(${tuple} as [${values.map(() => "number").join(", ")}])` : tuple;
    }
    return `{ ${values.map(([key, v]) => `${key}: ${v}`).join(", ")} }`;
  };
  return print(root);
}

/** `column(a, path)`: the leaf at `path` of every element of `a` (`pts.map((e) => e.pos.x)`). */
export const columnText = (a: string, path: string): string => `${a}.map((e) => e${elementAccess(path.split("."))})`;

/** `zeroRecords(a, ...paths)`: as many zero elements, with leaves at `paths`, as `a` has (`pts.map(() => ({ x: 0 }))`). */
export function zeroRecordsText(a: string, paths: string[], types: boolean): string {
  const zero = elementZero(
    paths.map((p) => p.split(".")),
    types,
  );
  return `${a}.map(() => ${zero.startsWith("{") ? `(${zero})` : zero})`;
}
