/**
 * Forward mode: `f_jvp(<f's parameters>, tangents)`, the value of `f` and its directional
 * derivative along `tangents` (a tangent per differentiated parameter, keyed by name, shaped like
 * it; a missing one is zero). The tangent graph (graph.ts) printed by the forward printer: flat
 * code in forward order, one `dot_<name>` beside each active value, loops as loops, no tape.
 */
import type { CodeFunction, CodeStatement, Expr, Graph, Param, Program } from "../../ir.js";
import { callResult, inferTypes } from "../../ir-types.js";
import { definitionsOf } from "../../ir-walk.js";
import { NameAllocator } from "../../names.js";
import { c, op, v } from "../../rules/expr.js";
import { companionName } from "../../conventions.js";
import { analyzeActivity } from "../activity.js";
import { forwardCode, typedPlan } from "../forward.js";
import { tangentGraph, type TangentGraph } from "./graph.js";

export { TangentUnsupported } from "./graph.js";

/** A zero tangent for parameter `p`: 0, or an array of zeros of its length. */
export const zeroFor = (p: Param): Expr =>
  p.type === "Float64Array"
    ? op("newFloat64Array", op("length", v(p.name)))
    : p.type === "number[]"
      ? op("zeros", op("length", v(p.name)))
      : c(0);

/** `const { x: dot_x = 0, ... } = tangents;`: each tangent, zero where the caller gave none. */
export function tangentsRead(source: string, tangentParams: { param: Param; tangent: string }[]): CodeStatement[] {
  if (tangentParams.length === 0) return [];
  return [
    {
      kind: "fields",
      source,
      fields: tangentParams.map((t) => ({ key: t.param.name, name: t.tangent, fallback: zeroFor(t.param) })),
    },
  ];
}

/**
 * The typed tangent graph of `source`, and the name of the generated parameter that carries the
 * tangents (`base`, or a variant free of the function's names).
 */
export function typedTangentGraph(
  source: Graph,
  wrt: ReadonlySet<string>,
  program: Program,
  base: string,
): TangentGraph & { param: string } {
  const reserved = ["Math", program.tapeClass, ...program.constants.keys(), ...program.callees.keys()];
  const names = new NameAllocator();
  for (const n of [...reserved, ...source.params.map((p) => p.name), ...definitionsOf(source.body)]) names.reserve(n);
  const param = names.claim(base);
  const tangents = tangentGraph(source, wrt, program.callees, [...reserved, param]);
  inferTypes(tangents.graph, callResult(program.callees));
  return { ...tangents, param };
}

export function jvpFunction(
  source: Graph,
  wrt: ReadonlySet<string>,
  program: Program,
): { fn: CodeFunction; temporaries: Set<string> } {
  const {
    param: tangentsParam,
    graph,
    tangentParams,
    temporaries,
  } = typedTangentGraph(source, wrt, program, "tangents");
  const { live } = analyzeActivity(graph, new Set());
  const read = tangentsRead(tangentsParam, tangentParams);
  const differentiated = source.params.filter((p) => wrt.has(p.name));
  return {
    fn: {
      kind: "entry",
      companion: "jvp",
      name: companionName(source.name, "jvp"),
      params: [...source.params, { name: tangentsParam, type: "number", fields: differentiated }],
      forward: [...read, ...forwardCode(graph.body, live, typedPlan(graph), graph.results)],
      backward: [],
      returns: { kind: "tangent", value: graph.results[0]!, tangent: graph.results[1]! },
      origin: { file: source.file, pos: source.pos },
    },
    temporaries,
  };
}
