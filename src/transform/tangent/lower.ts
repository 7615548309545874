/**
 * Lowers a tangent formula (an expression from the rule table or a gate's partials) to graph
 * statements. A `select` whose arms compute something becomes a branch, not a `select` node: a
 * rule guards an arm that is not finite at its kink (`hypot` at the zero vector:
 * `out === 0 ? 0 : grad * (x / out)`; `x ** y` at `x = 0`: `... : grad * out * log(x)`), and a
 * `select` node evaluates both arms. Forward mode would only compute the unused `NaN`, but the
 * reverse sweep over the tangent graph (f_hvp) multiplies the unused arm's adjoint, 0, by its
 * local derivatives, `1 / out` and `log(x)`, and 0 * Infinity is NaN: the Hessian-vector product
 * and even the gradient f_hvp returns would be NaN where f_grad is finite. A branch evaluates
 * and differentiates only the arm taken, as the reverse pass does for the source's branches.
 *
 * Within one formula, equal sub-expressions are computed once (hypot's `out === 0` per operand).
 */
import type { Atom, Branch, Expr, Node, Statement } from "../../ir.js";
import { operationKey } from "../../rules/expr.js";

export interface Lowering {
  /** A fresh name for a piece of a formula. */
  claim: () => string;
  /** Records a piece as a temporary the printer may write in place (read once). */
  temporary: (name: string) => void;
}

/** Appends statements computing `e` to `out`; the last defines `name` if given. An atom needs none. */
export function lowerFormula(e: Expr, out: Statement[], pos: number, how: Lowering, name?: string): Atom {
  return lowerIn(e, out, pos, how, new Map(), name);
}

function lowerIn(e: Expr, out: Statement[], pos: number, how: Lowering, seen: Map<string, Atom>, name?: string): Atom {
  if (e.kind !== "op") return e;
  if (e.op === "select" && e.args.slice(1).some((a) => a.kind === "op")) {
    const cond = lowerIn(e.args[0]!, out, pos, how, seen);
    if (cond.kind === "var") {
      // Each arm sees what was computed before the branch, and keeps what it computes to itself.
      const arm = (x: Expr): { body: Statement[]; value: Atom } => {
        const body: Statement[] = [];
        return { body, value: lowerIn(x, body, pos, how, new Map(seen)) };
      };
      const [then, otherwise] = [arm(e.args[1]!), arm(e.args[2]!)];
      const merged = name ?? how.claim();
      const branch: Branch = {
        kind: "branch",
        cond,
        then: then.body,
        else: otherwise.body,
        merges: [{ name: merged, then: then.value, else: otherwise.value }],
        pos,
      };
      out.push(branch);
      return { kind: "var", name: merged };
    }
    // A constant condition (never built: select folds them) chooses its arm here.
    return lowerIn(cond.value ? e.args[1]! : e.args[2]!, out, pos, how, seen, name);
  }
  const args = e.args.map((a) => lowerIn(a, out, pos, how, seen));
  const key = e.op === "call" ? undefined : operationKey(e.op, undefined, args);
  const known = key === undefined || name !== undefined ? undefined : seen.get(key);
  if (known) return known;
  const node: Node = { kind: "node", name: name ?? how.claim(), op: e.op, args, pos };
  if (name === undefined) how.temporary(node.name);
  if (e.op === "call") node.callee = e.callee!;
  out.push(node);
  if (key !== undefined) seen.set(key, { kind: "var", name: node.name });
  return { kind: "var", name: node.name };
}
