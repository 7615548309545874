/**
 * Reverse mode over a graph: one `grad_<name>` per active value, written in reverse order.
 *
 * Statements are visited last to first. Each active node hands every active operand its
 * contribution: from the rule table (`rule(grad, out, args)`), from a gate's own backward, or
 * from a callee's pullback. An operand's `grad_` variable is written the moment its last
 * contribution arrives: a single plain assignment when it has one consumer (add distributes,
 * mul swaps), the sum of contributions when it fans out (copies add).
 *
 * A branch is reversed as a branch on the same recorded decision. Inside an arm, gradients of
 * the arm's own values are ordinary `const`s; what the arm contributes to values from before
 * the branch is collected into one variable per value, assigned in both arms (or chosen with
 * `cond ? a : b` when the arms compute nothing), which then counts as one contribution.
 *
 * A loop is reversed as a loop that runs its trip count backwards. The forward loop pushes, at
 * the end of each iteration, the values of that iteration the backward code reads; the reversed
 * loop pops them at the start of each of its iterations. A carried value's adjoint is carried
 * backwards in a `let`; what the body contributes to values from before the loop is summed into
 * an accumulator.
 *
 * Arrays are memory: a read `t = a[i]` adds `grad_t` into `grad_a[i]`; a write `a[i] = v` hands
 * `grad_a[i]` to `v` and clears it, since the value it overwrote no longer reaches the output.
 * An array gate's backward reads its input arrays: one the program writes after the call is
 * copied at the call (a snapshot), and inside a loop the arrays it reads are kept per iteration
 * on a tape of arrays. An array chosen by a branch (`cond ? [a] : [b]`) shares its adjoint with
 * the array of the arm that made it.
 */
export { differentiate } from "./sweep.js";
export type { Differentiated, Mode } from "./state.js";
