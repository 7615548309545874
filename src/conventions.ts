/**
 * The names of what adgen generates, in one place: companions, pullbacks, the gates module.
 * Every stage, the plugin and the runtime spell them through these.
 */

/** The module generated code imports gates and the Tape from. */
export const GATES_MODULE = "adgen/gates";

/** What a companion computes: the gradient of a scalar function, a vector-Jacobian product, or
 * (forward mode) a Jacobian-vector product. */
export type CompanionKind = "grad" | "vjp" | "jvp";

/** The generated companion of function `name`: `f_grad` or `f_vjp`. */
export const companionName = (name: string, kind: CompanionKind): string => `${name}_${kind}`;

/** Every name a companion of `name` may take. */
export const companionNames = (name: string): string[] => [
  companionName(name, "grad"),
  companionName(name, "vjp"),
  companionName(name, "jvp"),
];

/** The name a callee's pullback has in generated code. */
export const pullbackName = (key: string): string => `${key}_pullback`;
