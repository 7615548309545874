/**
 * Reverse mode over the graph: one `grad_<name>` assignment per active value, in reverse order.
 *
 * Nodes are visited last to first. Each active node hands every active operand its
 * contribution, `rule(grad, out, args)`, from the rule table. An operand's gradient is written
 * the moment its last contribution arrives: a single plain assignment when it has one consumer
 * (add distributes, mul swaps), the sum of contributions when it fans out (copies add).
 */
import type { Assign, Expr, Graph, GradProgram } from "../ir.js";
import { NameAllocator } from "../names.js";
import { c, isConst, sum, v } from "../rules/expr.js";
import { ruleOf, rules } from "../rules/table.js";
import { analyzeActivity } from "./activity.js";

export function differentiate(graph: Graph, wrt: ReadonlySet<string>): GradProgram {
  const { active, live } = analyzeActivity(graph, wrt);
  const forward: Assign[] = graph.body
    .filter((n) => live.has(n.name))
    .map((n) => ({ name: n.name, expr: { kind: "op", op: n.op, args: n.args } }));

  const names = new NameAllocator();
  names.reserve("Math");
  for (const p of graph.params) names.reserve(p.name);
  for (const n of graph.body) names.reserve(n.name);
  for (const [name, r] of Object.entries(rules)) if (r.print.kind === "gate") names.reserve(name);

  // How many contributions each active value still waits for.
  const pending = new Map<string, number>();
  for (const n of graph.body) {
    if (!active.has(n.name)) continue;
    for (const a of n.args)
      if (a.kind === "var" && active.has(a.name)) pending.set(a.name, (pending.get(a.name) ?? 0) + 1);
  }
  const contributions = new Map<string, Expr[]>();
  /** The finished gradient of a value: a `grad_` variable, or the constant 0. */
  const gradient = new Map<string, Expr>();
  const backward: Assign[] = [];

  const finish = (name: string, value: Expr) => {
    if (isConst(value, 0)) {
      gradient.set(name, value);
      return;
    }
    const g = names.claim(`grad_${name}`);
    backward.push({ name: g, expr: value });
    gradient.set(name, v(g));
  };

  if (graph.result.kind === "var" && active.has(graph.result.name)) finish(graph.result.name, c(1));

  for (let i = graph.body.length - 1; i >= 0; i--) {
    const n = graph.body[i]!;
    if (!active.has(n.name)) continue;
    const grad = gradient.get(n.name) ?? c(0);
    const derivative = ruleOf(n.op).derivative;
    n.args.forEach((a, index) => {
      if (a.kind !== "var" || !active.has(a.name)) return;
      if (!isConst(grad, 0) && derivative.kind === "rule") {
        const ctx = { grad, out: v(n.name), args: n.args, x: n.args[0]!, y: n.args[1] ?? c(0) };
        const term = derivative.d(ctx, index);
        if (!isConst(term, 0)) {
          const list = contributions.get(a.name);
          if (list) list.push(term);
          else contributions.set(a.name, [term]);
        }
      }
      const left = pending.get(a.name)! - 1;
      pending.set(a.name, left);
      if (left === 0) finish(a.name, sum(contributions.get(a.name) ?? []));
    });
  }

  const grads = graph.params
    .filter((p) => wrt.has(p.name))
    .map((p) => ({ param: p.name, value: gradient.get(p.name) ?? c(0) }));
  return { graph, name: `${graph.name}_grad`, forward, backward, value: graph.result, grads };
}
