/**
 * The names of what adgen generates, in one place: companions, pullbacks, the gates module.
 * Every stage, the plugin and the runtime spell them through these.
 */

/** The module generated code imports gates and the Tape from. */
export const GATES_MODULE = "adgen/gates";

/** What a companion computes: the gradient of a scalar function, a vector-Jacobian product,
 * (forward mode) a Jacobian-vector product, a Hessian-vector product; built on those, the
 * Hessian (`{ value, grad, hessian: number[][] }`), its diagonal (`{ value, grad, diag: number[] }`)
 * and the Jacobian (`{ value, jacobian: number[][] }`), over the flattened differentiated inputs. */
export type CompanionKind = "grad" | "vjp" | "jvp" | "hvp" | "hessian" | "hessian_diag" | "jacobian";

/** What `--mode` and `compile()`'s `modes` can ask for: `grad` is `f_grad` (or `f_vjp`), the others their companion. */
export const MODES = ["grad", "jvp", "hvp", "hessian", "hessian_diag", "jacobian"] as const;
export type ModeName = (typeof MODES)[number];

/** The generated companion of function `name`: `f_grad` or `f_vjp`. */
export const companionName = (name: string, kind: CompanionKind): string => `${name}_${kind}`;

/** Every name a companion of `name` may take. */
export const companionNames = (name: string): string[] => [
  companionName(name, "grad"),
  companionName(name, "vjp"),
  companionName(name, "jvp"),
  companionName(name, "hvp"),
  companionName(name, "hessian"),
  companionName(name, "hessian_diag"),
  companionName(name, "jacobian"),
];

/** The name a callee's pullback has in generated code. */
export const pullbackName = (key: string): string => `${key}_pullback`;

/**
 * The name an array of records inside a record parameter (`t.pts`, f_jvp's tangent of an array of
 * records under an optional field) is read into before its leaves are taken from it: its path
 * (`t_pts`), not one of the parameters' names `taken`.
 */
export function recordsObjectName(path: string[], taken: readonly string[]): string {
  let name = path.join("_");
  while (taken.includes(name)) name += "_";
  return name;
}
