/**
 * Lowering: one TypeScript function to an SSA graph, one node per operation (A-normal form).
 * Nested expressions become temporaries; `let` reassignments and compound assignments become
 * new versions of the variable; `if`/`else` and `?:` become structured branches whose results
 * are merges, with early returns folded in (the code after an `if` that may return becomes part
 * of the arm that does not). Anything outside the supported subset raises a DiagnosticError
 * naming the construct.
 */
export { lowerFunction } from "./function.js";
export type { CalleeResolver, CallTarget, LowerOptions } from "./state.js";
