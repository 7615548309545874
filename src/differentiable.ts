/**
 * Which operations pass derivatives to which operands: shared by activity analysis (which values
 * get an adjoint) and by optimisation passes that must know whether a value's adjoint is ever
 * computed.
 */
import type { Node } from "./ir.js";
import { vars } from "./ir-walk.js";
import { ruleOf } from "./rules/table.js";

/** Whether a node passes derivatives from its operands to its result (memory ops: from the array or elements). */
export const isDifferentiable = (n: Node): boolean => {
  if (n.op === "call") return true;
  const kind = ruleOf(n.op).derivative.kind;
  return (
    kind === "rule" ||
    (kind === "memory" && (n.op === "index" || n.op === "slice" || n.op === "arrayOf" || n.op === "row"))
  );
};

/** The operands a differentiable node passes derivatives to (not the index of `a[i]`). */
export const differentiableArgs = (n: Node) => (n.op === "index" || n.op === "row" ? vars([n.args[0]!]) : vars(n.args));
