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
import { companionName, recordsObjectName } from "../../conventions.js";
import { analyzeActivity } from "../activity.js";
import { forwardCode, typedPlan } from "../forward.js";
import { paramNames, tangentGraph, type TangentGraph } from "./graph.js";

export { TangentUnsupported } from "./graph.js";

/** A zero tangent for parameter `p`: 0, or an array of zeros of its length. */
export const zeroFor = (p: Param): Expr =>
  p.type === "Float64Array"
    ? op("newFloat64Array", op("length", v(p.name)))
    : p.type === "number[]"
      ? op("zeros", op("length", v(p.name)))
      : p.type === "number[][]"
        ? op("zerosLike", v(p.name))
        : p.type === "Float64Array[]"
          ? op("float64ZerosLike", v(p.name))
          : c(0);

/** A record's tangent the caller left out: no field given, each zero. */
const EMPTY: Expr = { kind: "const", value: Number.NaN, text: "{}" };
/** A leaf's path inside an element of an array of records, as `column` and `zeroRecords` take it. */
const leafPath = (path: string[]): Expr => ({ kind: "const", value: Number.NaN, text: path.join(".") });

/**
 * `const { x: dot_x = 0, ... } = tangents;`: each tangent, zero where the caller gave none. A
 * record parameter's tangent is a record shaped like it (`{ p: { x: 1 } }`), read one level at a
 * time: `const { p: dot_p = {} } = tangents; const { x: dot_p_x = 0 } = dot_p;`. An array of
 * records' tangent is read whole, an array of zero elements where the caller gave none
 * (`const { pts: dot_pts = pts.map(() => ({ x: 0 })) } = tangents;`), and each leaf taken from
 * its elements (`const dot_pts_x = dot_pts.map((e) => e.x);`).
 */
export function tangentsRead(
  source: string,
  tangentParams: { param: Param; tangent: string }[],
  objects: ReadonlyMap<string, string>,
  params: Param[],
): CodeStatement[] {
  const reads = new Map<string, { key: string; name: string; fallback: Expr }[]>([["", []]]);
  const add = (prefix: string, field: { key: string; name: string; fallback: Expr }) => {
    if (!reads.has(prefix)) reads.set(prefix, []);
    const fields = reads.get(prefix)!;
    if (!fields.some((f) => f.key === field.key)) fields.push(field);
  };
  /** The leaves of arrays of records: each an array of one field of every element. */
  const leaves: CodeStatement[] = [];
  /** Where an array of records' tangent lies in a leaf's path (`pts.[].x`: 1), or -1. */
  const arrayAt = (p: Param) => (p.path ?? [p.name]).indexOf("[]");
  for (const t of tangentParams) {
    const path = t.param.path ?? [t.param.name];
    const k = arrayAt(t.param);
    for (let i = 1; i < (k < 0 ? path.length : k + 1); i++) {
      // An array of records' zero is as long as the array: the user's parameter (`pts`), or
      // the first leaf's array where it lies inside a record.
      const records = () => {
        const prefix = path.slice(0, k).join(".");
        // Every leaf of its elements, the tangent of each or not.
        const same = params.filter((q) => (q.path ?? []).slice(0, k).join(".") === prefix && arrayAt(q) === k);
        const shape =
          k === 1
            ? path[0]!
            : recordsObjectName(
                path.slice(0, k),
                params.map((q) => q.name),
              );
        return op("zeroRecords", v(shape), ...same.map((q) => leafPath(q.path!.slice(k + 1))));
      };
      add(path.slice(0, i - 1).join("."), {
        key: path[i - 1]!,
        name: objects.get(path.slice(0, i).join("."))!,
        fallback: i === k ? records() : EMPTY,
      });
    }
    if (k < 0) {
      add(path.slice(0, -1).join("."), { key: path.at(-1)!, name: t.tangent, fallback: zeroFor(t.param) });
      continue;
    }
    const array = objects.get(path.slice(0, k).join("."))!;
    leaves.push({ kind: "const", name: t.tangent, expr: op("column", v(array), leafPath(path.slice(k + 1))) });
  }
  return [
    ...[...reads]
      .filter(([, fields]) => fields.length > 0)
      .map(([prefix, fields]): CodeStatement => ({
        kind: "fields",
        source: prefix ? objects.get(prefix)! : source,
        fields,
      })),
    ...leaves,
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
  for (const n of [...reserved, ...source.params.flatMap(paramNames), ...definitionsOf(source.body)]) names.reserve(n);
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
    objects,
    temporaries,
  } = typedTangentGraph(source, wrt, program, "tangents");
  const { live } = analyzeActivity(graph, new Set());
  const read = tangentsRead(tangentsParam, tangentParams, objects, source.params);
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
