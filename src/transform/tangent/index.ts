/**
 * Forward mode: `f_jvp(<f's parameters>, tangents)`, the value of `f` and its directional
 * derivative along `tangents` (a tangent per differentiated parameter, keyed by name, shaped like
 * it; a missing one is zero). The tangent graph (graph.ts) printed by the forward printer: flat
 * code in forward order, one `dot_<name>` beside each active value, loops as loops, no tape.
 */
import type { CodeFunction, CodeStatement, Expr, Graph, Param, Program } from "../../ir.js";
import { callResult, inferTypes, isArray } from "../../ir-types.js";
import { NameAllocator } from "../../names.js";
import { c, op, v } from "../../rules/expr.js";
import { companionName } from "../../conventions.js";
import { analyzeActivity } from "../activity.js";
import { emptyPlan, forwardCode } from "../forward.js";
import { tangentGraph } from "./graph.js";

export { TangentUnsupported } from "./graph.js";

/** A zero tangent for parameter `p`: 0, or an array of zeros of its length. */
const zeroFor = (p: Param): Expr =>
  p.type === "Float64Array"
    ? op("newFloat64Array", op("length", v(p.name)))
    : p.type === "number[]"
      ? op("zeros", op("length", v(p.name)))
      : c(0);

export function jvpFunction(
  source: Graph,
  wrt: ReadonlySet<string>,
  program: Program,
): { fn: CodeFunction; temporaries: Set<string> } {
  const reserved = ["Math", program.tapeClass, ...program.constants.keys(), ...program.callees.keys()];
  const names = new NameAllocator();
  for (const n of [...reserved, ...source.params.map((p) => p.name)]) names.reserve(n);
  const tangentsParam = names.claim("tangents");
  const { graph, tangentParams, temporaries } = tangentGraph(source, wrt, program.callees, [
    ...reserved,
    tangentsParam,
  ]);
  inferTypes(graph, callResult(program.callees));
  const { live } = analyzeActivity(graph, new Set());
  const booleans = new Set<string>();
  const arrayKinds = new Map<string, "Float64Array" | "number[]">();
  for (const [name, t] of graph.types) {
    if (isArray(t)) arrayKinds.set(name, t.storage);
    else if (t.kind === "boolean") booleans.add(name);
  }
  const read: CodeStatement[] =
    tangentParams.length === 0
      ? []
      : [
          {
            kind: "fields",
            source: tangentsParam,
            fields: tangentParams.map((t) => ({ key: t.param.name, name: t.tangent, fallback: zeroFor(t.param) })),
          },
        ];
  const differentiated = source.params.filter((p) => wrt.has(p.name));
  return {
    fn: {
      kind: "entry",
      companion: "jvp",
      name: companionName(source.name, "jvp"),
      params: [...source.params, { name: tangentsParam, type: "number", fields: differentiated }],
      forward: [...read, ...forwardCode(graph.body, live, emptyPlan(booleans, arrayKinds))],
      backward: [],
      returns: { kind: "tangent", value: graph.results[0]!, tangent: graph.results[1]! },
      origin: { file: source.file, pos: source.pos },
    },
    temporaries,
  };
}
