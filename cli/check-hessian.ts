/**
 * `adgen check --mode hessian`: `f_hessian` checked against differences of `f_grad`, by the
 * checker of vector-valued functions. The gradient, flattened (each number, array element and
 * record leaf of the differentiated parameters, in order), is a function returning an array
 * whose Jacobian is the Hessian; `u ↦ uᵀ H`, shaped like the gradient, is its vjp.
 */

type Fn = (...args: unknown[]) => unknown;
type Gradient = { value: unknown; grad: Record<string, unknown> };

/** Every number of a value, in order. */
function flatten(x: unknown): number[] {
  if (typeof x === "number") return [x];
  if (x instanceof Float64Array) return Array.from(x);
  // An array of numbers, of arrays (a matrix's rows: number[][], Float64Array[]) or of records.
  if (Array.isArray(x)) return x.flatMap(flatten);
  if (typeof x === "object" && x !== null) return Object.values(x).flatMap(flatten);
  return [];
}

/** `numbers`, read in order into a value shaped like `template`. */
function unflatten(template: unknown, numbers: number[], at = { k: 0 }): unknown {
  if (typeof template === "number") return numbers[at.k++]!;
  if (template instanceof Float64Array) return template.map(() => numbers[at.k++]!);
  if (Array.isArray(template)) return template.map((v) => unflatten(v, numbers, at));
  if (typeof template === "object" && template !== null)
    return Object.fromEntries(Object.entries(template).map(([key, v]) => [key, unflatten(v, numbers, at)]));
  return template;
}

/**
 * The function and companion to check for `f_hessian`: `f_grad`'s gradient flattened, and the
 * vjp of it that `f_hessian` gives (`{ value: its gradient flattened, grad: uᵀ H }`).
 */
export function hessianAsVjp(fGrad: Fn, fHessian: Fn, name: string): { f: Fn; companion: Fn } {
  const f = (...args: unknown[]) => flatten((fGrad(...args) as Gradient).grad);
  Object.defineProperty(f, "name", { value: `${name}_grad` });
  const companion = (...args: unknown[]) => {
    const u = args.pop() as number[];
    const { grad, hessian } = fHessian(...args) as Gradient & { hessian: number[][] };
    const n = hessian.length;
    const uH = Array.from({ length: n }, (_, j) => hessian.reduce((s, row, i) => s + u[i]! * row[j]!, 0));
    return { value: flatten(grad), grad: unflatten(grad, uH) };
  };
  Object.defineProperty(companion, "name", { value: `${name}_hessian` });
  return { f, companion };
}
