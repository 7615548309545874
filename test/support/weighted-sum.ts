/**
 * Wrappers that make a generated companion a function returning a number, so that adgen can
 * differentiate it again (test/self-hessian.test.ts, test/self-input.test.ts):
 *
 *     h(...params, unit) = Σ_k flat(callee(...params).field)[k] · unit[k]
 *
 * flattened as `f_hessian` flattens a gradient (src/emit/driver-inputs.ts): in parameter order a
 * number, an array's elements, a matrix row by row, a record's leaves in field order, an array of
 * records element by element.
 */
import type { GeneratedFunction } from "../../src/index.js";
import type { Param } from "../../src/ir.js";
import { ts } from "ts-morph";

/** A parameter as the user declared it: its name, its type as the generated signature writes it, its leaves. */
export interface UserParam {
  name: string;
  type: string;
  leaves: Param[];
}

/** `fn`'s parameters as declared in the generated `code` (a record's leaves grouped under it). */
export function userParams(fn: GeneratedFunction, code: string): UserParam[] {
  const sf = ts.createSourceFile("generated.ts", code, ts.ScriptTarget.Latest, true);
  const decl = sf.statements.find(
    (st): st is ts.FunctionDeclaration => ts.isFunctionDeclaration(st) && st.name?.text === fn.name,
  )!;
  const params: UserParam[] = decl.parameters.map((p) => ({
    name: p.name.getText(sf),
    type: p.type!.getText(sf),
    leaves: [],
  }));
  for (const leaf of fn.params) params.find((p) => p.name === (leaf.path?.[0] ?? leaf.name))!.leaves.push(leaf);
  return params;
}

/** A name not among `taken`. */
function fresh(base: string, taken: Set<string>): string {
  let name = base;
  while (taken.has(name)) name += "_";
  taken.add(name);
  return name;
}

/** How a path's keys read a value from its root (`.x`, `[0]`). */
const access = (keys: string[]): string => keys.map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`)).join("");

/**
 * The wrapper `h(...params, unit)` of `callee` (imported from `./module`), summing its result's
 * `field` against `unit`: a record of the gradient's shape over `summed` (the parameters it
 * holds, with their leaves), or one value of type `type` (`number`, `Float64Array`, ...).
 */
export function wrapper(
  callee: string,
  module: string,
  params: UserParam[],
  field: string,
  summed: UserParam[] | { type: string },
): { source: string; unit: string } {
  const taken = new Set(params.map((p) => p.name));
  const [unit, g, s, o, k, i, row] = ["unit", "g", "s", "o", "k", "i", "row"].map((b) => fresh(b, taken)) as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const lines: string[] = [];
  const sum = (x: string, type: string) => {
    if (type === "number") lines.push(`${s} += ${x} * ${unit}[${o}];`, `${o} += 1;`);
    else if (type === "number[]" || type === "Float64Array")
      lines.push(
        `for (let ${k} = 0; ${k} < ${x}.length; ${k}++) ${s} += ${x}[${k}] * ${unit}[${o} + ${k}];`,
        `${o} += ${x}.length;`,
      );
    else if (type === "number[][]" || type === "Float64Array[]")
      lines.push(
        `for (let ${i} = 0; ${i} < ${x}.length; ${i}++) {`,
        `  const ${row} = ${x}[${i}];`,
        `  for (let ${k} = 0; ${k} < ${row}.length; ${k}++) ${s} += ${row}[${k}] * ${unit}[${o} + ${k}];`,
        `  ${o} += ${row}.length;`,
        `}`,
      );
    else throw new Error(`${callee}: a summed value '${x}' of type ${type}`);
  };
  if (!Array.isArray(summed)) sum(g, summed.type);
  else
    for (const p of summed) {
      // An array of records: one loop over its elements for all the leaves under the same "[]",
      // where its first leaf is (an array of records inside a record, `t.pts`, keeps its field's place).
      const elements = new Map<string, string[][]>();
      const parts: (string | (() => void))[] = [];
      for (const leaf of p.leaves) {
        const path = leaf.path ?? [leaf.name];
        const at = path.indexOf("[]");
        if (at < 0) {
          parts.push(() => sum(`${g}.${path[0]}${access(path.slice(1))}`, leaf.type));
          continue;
        }
        const prefix = `${g}.${path[0]}${access(path.slice(1, at))}`;
        if (!elements.has(prefix)) {
          elements.set(prefix, []);
          parts.push(prefix);
        }
        elements.get(prefix)!.push(path.slice(at + 1));
      }
      for (const part of parts) {
        if (typeof part === "function") {
          part();
          continue;
        }
        const leaves = elements.get(part)!;
        lines.push(
          `for (let ${i} = 0; ${i} < ${part}.length; ${i}++) {`,
          ...leaves.map((l, q) => `  ${s} += ${part}[${i}]${access(l)} * ${unit}[${o} + ${q}];`),
          `  ${o} += ${leaves.length};`,
          `}`,
        );
      }
    }
  const source = [
    `import { ${callee} } from "./${module}";`,
    `export function h(${[...params.map((p) => `${p.name}: ${p.type}`), `${unit}: Float64Array`].join(", ")}): number {`,
    `  const ${g} = ${callee}(${params.map((p) => p.name).join(", ")}).${field};`,
    `  let ${s} = 0;`,
    `  let ${o} = 0;`,
    ...lines.map((l) => `  ${l}`),
    `  return ${s};`,
    `}`,
    ``,
  ].join("\n");
  return { source, unit };
}
