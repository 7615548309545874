/**
 * Hessian-vector products by reverse mode over forward mode: the tangent graph computes
 * `dot_f = ∇f · v`; its gradient with respect to the parameters is `H v`, and with respect to
 * the tangents `v` (in which `dot_f` is linear) it is `∇f` itself. So one reverse sweep of the
 * tangent graph gives `f_hvp(<params>, v)`'s `{ value, grad, hvp }`, at a small multiple of the
 * gradient's cost.
 */
import type { Callee, CodeFunction, Graph, Program } from "../../ir.js";
import { builtinGate } from "../../gates/find.js";
import type { TangentGate } from "../../gates/array-gate.js";
import { isArray } from "../../ir-types.js";
import { statementsOf } from "../../ir-walk.js";
import { companionName } from "../../conventions.js";
import { differentiate } from "../reverse/index.js";
import { TangentUnsupported } from "./graph.js";
import { tangentsRead, typedTangentGraph, zeroFor } from "./index.js";

export function hvpFunction(
  source: Graph,
  wrt: ReadonlySet<string>,
  program: Program,
): { fn: CodeFunction; usesTape: boolean } {
  const result = source.results[0]!;
  if (result.kind === "var" && isArray(source.types.get(result.name)))
    throw new TangentUnsupported(
      `'${source.name}' returns an array: Hessian-vector products are for functions that return a number`,
      source.pos,
    );
  const { param: vName, graph, tangentParams, objects, temporaries } = typedTangentGraph(source, wrt, program, "v");
  const callees = withTangentGates(program.callees);
  for (const s of statementsOf(graph.body))
    if (s.kind === "node" && s.callee?.endsWith(".tangent") && !callees.has(s.callee))
      throw new TangentUnsupported(
        `Hessian-vector products through the array gate '${s.callee.slice(0, -".tangent".length)}' are not supported: it has no tangent backward`,
        s.pos,
        undefined,
        s.file,
      );
  // The objective is the tangent; the value stays a result so that its forward code is kept.
  const [value, tangent] = graph.results as [typeof result, typeof result];
  graph.results = [tangent, value];
  const differentiated = new Set([...wrt, ...tangentParams.map((t) => t.tangent)]);
  const d = differentiate(graph, differentiated, callees, "entry", program.tapeClass, program.constants.keys());
  const gradOf = new Map(d.grads.map((g) => [g.param, g.value]));
  const params = source.params.filter((p) => wrt.has(p.name));
  return {
    fn: {
      kind: "entry",
      companion: "hvp",
      name: companionName(source.name, "hvp"),
      params: [...source.params, { name: vName, type: "number", fields: params }],
      forward: [...tangentsRead(vName, tangentParams, objects, source.params), ...d.forward],
      backward: d.backward,
      returns: {
        kind: "entry",
        value,
        grads: params.map((p) => {
          const t = tangentParams.find((t) => t.param.name === p.name);
          return { param: p.name, value: t ? gradOf.get(t.tangent)! : zeroFor(p) };
        }),
        hvps: params.map((p) => ({ param: p.name, value: gradOf.get(p.name) ?? zeroFor(p) })),
      },
      origin: { file: source.file, pos: source.pos },
      // The pieces of tangent formulas: those read once are written in place (src/simplify/inline.ts).
      temporaries,
    },
    usesTape: d.usesTape,
  };
}

/**
 * The callees with, for each array gate, its tangent (`matmul.tangent`, which the tangent graph
 * calls) as an array gate of its own: its backward (src/gates/tangent-backward.ts) is what the
 * reverse sweep calls for second order.
 */
function withTangentGates(callees: ReadonlyMap<string, Callee>): Map<string, Callee> {
  const all = new Map(callees);
  for (const [key, callee] of callees) {
    if (callee.kind !== "arrayGate") continue;
    const tangent = (builtinGate(callee.name) as { tangent?: TangentGate } | undefined)?.tangent;
    if (!tangent?.backward) continue;
    all.set(`${key}.tangent`, {
      kind: "arrayGate",
      name: `${callee.name}.tangent`,
      inputs: [...tangent.inputs],
      reads: [...tangent.reads],
      output: tangent.output,
      partial: tangent.partial,
      // (out, ...inputs, ...tangents): the inputs' gradients may come back empty for zero.
      zeroAsEmpty: callee.inputs.map((_, i) => 1 + i),
      module: callee.module,
    });
  }
  return all;
}
