/**
 * Forward mode as a program transformation: Graph -> Graph. Next to every active value `y` the
 * tangent graph computes `dot_y`, its directional derivative, from the same rule table as the
 * reverse sweep: a rule gives an input's contribution for an upstream `grad`, and is linear in
 * it, so with `grad` the input's tangent it gives that input's share of the output's tangent
 * (`mul`: `dot_x * y + dot_y * x`). Branches merge tangents as they merge values, loops carry
 * them as they carry values (no tape), array writes write tangent arrays, and calls to the
 * program's functions are inlined. The result is an ordinary graph whose results are the value
 * and its tangent: it prints with the forward printer, and the reverse sweep can differentiate
 * it again (second order).
 */
import type { DiagnosticCode } from "../../diagnostics.js";
import { builtinGate, whyNot } from "../../gates/find.js";
import type { Atom, Branch, Callee, Expr, Graph, Loop, Node, Param, Statement, VarRef } from "../../ir.js";
import { rowsOf } from "../../ir-types.js";
import { definitionsOf, mapInnerBlocks, mapUses, renameDefinitions, statementsOf } from "../../ir-walk.js";
import { NameAllocator } from "../../names.js";
import { c, isConst, mul, sum, v } from "../../rules/expr.js";
import { ruleOf } from "../../rules/table.js";
import { analyzeActivity } from "../activity.js";
import { instantiate } from "../template.js";
import { lowerFormula } from "./lower.js";

/** A zero tangent of an array gate's array input: `undefined`. */
const UNDEFINED: Atom = { kind: "const", value: Number.NaN, text: "undefined" };

/** The names a parameter takes in generated code: a record leaf's, and its record's (`p_x`, `p`). */
export const paramNames = (p: Param): string[] => (p.path ? [p.name, p.path[0]!] : [p.name]);

/** Something forward mode cannot differentiate yet; the compiler turns it into a diagnostic. */
export class TangentUnsupported extends Error {
  constructor(
    message: string,
    readonly pos: number,
    /** Its diagnostic's code, when not ADG4001 (not in forward mode). */
    readonly code?: DiagnosticCode,
    /** The file `pos` is in, when not the input's (a node inlined from a nested request's companion). */
    readonly file?: string,
  ) {
    super(message);
  }
}

export interface TangentGraph {
  /** The function with its tangents: parameters, then each differentiated one's tangent `dot_<p>`. */
  graph: Graph;
  /** The tangent parameter of each differentiated parameter. */
  tangentParams: { param: Param; tangent: string }[];
  /** The name of each record's tangent inside the tangents argument, by its path (`p`, `p.pos`). */
  objects: Map<string, string>;
  /** Temporaries of tangent formulas, each read once: the printer may write them in place. */
  temporaries: Set<string>;
}

export function tangentGraph(
  source: Graph,
  wrt: ReadonlySet<string>,
  callees: ReadonlyMap<string, Callee>,
  reserved: Iterable<string>,
): TangentGraph {
  const graph = inlineCalls(structuredClone(source), callees, reserved);
  const { active } = analyzeActivity(graph, wrt);
  const names = new NameAllocator();
  for (const n of [...reserved, ...graph.params.flatMap(paramNames), ...definitionsOf(graph.body)]) names.reserve(n);
  const temporaries = new Set<string>();
  /** Each active value's tangent: a variable, or 0 where it is known to vanish. */
  const dot = new Map<string, Atom>();
  const tangentOf = (a: Atom): Atom => (a.kind === "var" ? (dot.get(a.name) ?? c(0)) : c(0));
  const tangentName = (name: string) => names.claim(`dot_${name}`);

  const tangentParams = graph.params
    .filter((p) => wrt.has(p.name) && active.has(p.name))
    .map((p) => ({ param: p, tangent: tangentName(p.name) }));
  for (const t of tangentParams) dot.set(t.param.name, v(t.tangent));
  // A record parameter's tangent is a record too: a name for it and each record inside it.
  const objects = new Map<string, string>();
  for (const { param } of tangentParams)
    for (let i = 1; i < (param.path?.length ?? 0) && param.path![i - 1] !== "[]"; i++) {
      const prefix = param.path!.slice(0, i).join(".");
      if (!objects.has(prefix)) objects.set(prefix, names.claim(`dot_${param.path!.slice(0, i).join("_")}`));
    }

  /** Appends statements computing `e` to `out`; the last defines `name`. An atom needs none. */
  const how = { claim: () => names.claim("d"), temporary: (t: string) => temporaries.add(t) };
  const lower = (e: Expr, out: Statement[], pos: number, name?: string): Atom => lowerFormula(e, out, pos, how, name);
  /** Defines the tangent of `name` as `e`: an atom is an alias, anything else a node. */
  const define = (name: string, e: Expr, out: Statement[], pos: number) => {
    if (e.kind !== "op") dot.set(name, e);
    else dot.set(name, lower(e, out, pos, tangentName(name)));
  };

  const nodeTangent = (n: Node, out: Statement[]): void => {
    if (!active.has(n.name)) return;
    const at = n.pos;
    if (n.op === "call") {
      const callee = callees.get(n.callee!)!;
      if (callee.kind === "arrayGate") {
        // Every derivative adgen/gates has has a tangent; this guards one that would not (src/gates/find.ts).
        if ((builtinGate(callee.name) as { tangent?: unknown } | undefined)?.tangent === undefined)
          throw new TangentUnsupported(
            `forward mode through the array gate '${callee.name}' is not supported: it has no tangent (${whyNot()})`,
            at,
            undefined,
            n.file,
          );
        // `gate.tangent(out, ...inputs, ...tangents)`: a tangent per array or number input.
        const tangents = n.args.flatMap((a, i): Atom[] => {
          const kind = callee.inputs[i];
          if (kind === "size") return [];
          const t = tangentOf(a);
          return [kind === "array" && isConst(t, 0) ? UNDEFINED : t];
        });
        while (tangents.length > 0 && (tangents.at(-1) === UNDEFINED || isConst(tangents.at(-1)!, 0))) tangents.pop();
        // No input varies, but a store may make the result vary (`z = add(k, k); z[0] = a[0]`): zeros.
        if (tangents.length === 0 && callee.output === "array")
          define(
            n.name,
            { kind: "op", op: "newFloat64Array", args: [{ kind: "op", op: "length", args: [v(n.name)] }] },
            out,
            at,
          );
        if (tangents.length === 0) return;
        define(
          n.name,
          { kind: "op", op: "call", callee: `${n.callee}.tangent`, args: [v(n.name), ...n.args, ...tangents] },
          out,
          at,
        );
        return;
      }
      if (callee.kind !== "gate") throw new TangentUnsupported(`forward mode: '${n.callee}' is not inlined`, at);
      // A gate's backward with upstream 1 gives its partials; the tangent is their sum with the inputs' tangents.
      const partials = instantiate(callee.gate.backward, c(1), v(n.name), n.args);
      const terms = n.args.map((a, i) => (isConst(tangentOf(a), 0) ? c(0) : mul(partials[i]!, tangentOf(a))));
      define(n.name, sum(terms), out, at);
      return;
    }
    const rule = ruleOf(n.op);
    switch (rule.derivative.kind) {
      case "rule": {
        const d = rule.derivative.d;
        const args = n.args as Expr[];
        const terms = n.args.map((a, i) => {
          const t = tangentOf(a);
          if (isConst(t, 0)) return c(0);
          return d({ grad: t, out: v(n.name), args, x: args[0]!, y: args[1] ?? c(0) }, i);
        });
        define(n.name, sum(terms), out, at);
        return;
      }
      case "memory": {
        const [a, ...rest] = n.args;
        if (n.op === "index")
          define(
            n.name,
            tangentArray(a!) ? { kind: "op", op: "index", args: [tangentOf(a!), rest[0]!] } : c(0),
            out,
            at,
          );
        else if (n.op === "slice" && isConst(tangentOf(a!), 0))
          // A copy of an array without a tangent (data) that a later store makes vary: zeros.
          define(n.name, zerosLike(a!), out, at);
        else if (n.op === "slice" || n.op === "newFloat64Array" || n.op === "zeros")
          define(n.name, { kind: "op", op: n.op, args: n.op === "slice" ? [tangentOf(a!)] : n.args }, out, at);
        else if (n.op === "row")
          define(n.name, tangentArray(a!) ? { kind: "op", op: "row", args: [tangentOf(a!), rest[0]!] } : c(0), out, at);
        else if (n.op === "rows" || n.op === "float64Rows")
          define(n.name, { kind: "op", op: n.op, args: n.args }, out, at);
        else if (n.op === "arrayOf")
          define(n.name, { kind: "op", op: "arrayOf", args: n.args.map(tangentOf) }, out, at);
        return;
      }
      default:
        return; // conditions and piecewise constants: no tangent
    }
  };
  /**
   * The tangent of `a`, and for an array without one (a row no differentiated value reaches,
   * set into a matrix that has a tangent; a merged array made in one arm) a new zero array of its
   * length, appended to `out`.
   */
  const arrayTangent = (a: Atom, out: Statement[], pos: number): Atom => {
    const t = tangentOf(a);
    const type = a.kind === "var" ? graph.types.get(a.name) : undefined;
    if (!isConst(t, 0) || type?.kind !== "array") return t;
    const n = lower({ kind: "op", op: "length", args: [a] }, out, pos);
    const zeros = type.storage === "Float64Array" ? "newFloat64Array" : "zeros";
    return lower({ kind: "op", op: zeros, args: [n] }, out, pos, names.claim(`dot_${(a as VarRef).name}`));
  };
  /** New zeros shaped like array `a`: of its length, or row by row for an array of arrays. */
  const zerosLike = (a: Atom): Expr => {
    const type = a.kind === "var" ? graph.types.get(a.name) : undefined;
    const rows = rowsOf(type);
    if (rows) return { kind: "op", op: rows === "Float64Array" ? "float64ZerosLike" : "zerosLike", args: [a] };
    const zeros = type?.kind === "array" && type.storage === "number[]" ? "zeros" : "newFloat64Array";
    return { kind: "op", op: zeros, args: [{ kind: "op", op: "length", args: [a] }] };
  };
  /** Whether `a` is an array with a tangent array. */
  const tangentArray = (a: Atom): boolean => a.kind === "var" && dot.get(a.name)?.kind === "var";

  const block = (body: Statement[]): Statement[] => {
    const out: Statement[] = [];
    for (const s of body) {
      out.push(s);
      if (s.kind === "node") nodeTangent(s, out);
      else if (s.kind === "store") {
        if (tangentArray(s.array))
          out.push({
            kind: "store",
            array: tangentOf(s.array) as VarRef,
            index: s.index,
            value: arrayTangent(s.value, out, s.pos),
            pos: s.pos,
          });
      } else if (s.kind === "branch") branch(s);
      else loop(s, out);
    }
    return out;
  };
  const branch = (s: Branch) => {
    s.then = block(s.then);
    s.else = block(s.else);
    for (const m of [...s.merges]) {
      if (!active.has(m.name)) continue;
      if (isConst(tangentOf(m.then), 0) && isConst(tangentOf(m.else), 0)) continue;
      const then = arrayTangent(m.then, s.then, s.pos);
      const otherwise = arrayTangent(m.else, s.else, s.pos);
      const name = tangentName(m.name);
      s.merges.push({ name, then, else: otherwise });
      dot.set(m.name, v(name));
    }
  };
  const loop = (s: Loop, out: Statement[]) => {
    const carried = s.carried.filter((c) => active.has(c.name));
    const tangents = carried.map((c) => {
      const name = tangentName(c.name);
      dot.set(c.name, v(name));
      return { carried: c, name };
    });
    s.head = block(s.head);
    s.body = block(s.body);
    // An array carried in from one without a tangent starts from zeros, made before the loop.
    const before: Statement[] = [];
    for (const t of tangents)
      s.carried.push({
        name: t.name,
        init: arrayTangent(t.carried.init, before, s.pos),
        next: tangentOf(t.carried.next),
      });
    out.splice(out.indexOf(s), 0, ...before);
  };

  graph.body = block(graph.body);
  graph.params = [
    ...graph.params,
    // A tangent is read from the tangents argument, never taken apart as a record parameter is.
    ...tangentParams.map((t) => ({ ...t.param, name: t.tangent, readonly: undefined, path: undefined }) as Param),
  ].map((p) => Object.fromEntries(Object.entries(p).filter(([, x]) => x !== undefined)) as Param);
  graph.results = [graph.results[0]!, tangentOf(graph.results[0]!)];
  return { graph, tangentParams, objects, temporaries };
}

/**
 * The graph with every call to one of the program's functions replaced by the function's body,
 * its names made fresh: forward mode then sees one graph. (Gates stay calls: their backward
 * gives their partials.)
 */
function inlineCalls(graph: Graph, callees: ReadonlyMap<string, Callee>, reserved: Iterable<string>): Graph {
  const names = new NameAllocator();
  for (const n of [...reserved, ...graph.params.flatMap(paramNames), ...definitionsOf(graph.body)]) names.reserve(n);
  /** A call's name -> the callee's result, renamed (names are unique: one map for the graph). */
  const results = new Map<string, Atom>();
  const expand = (body: Statement[], depth: number): Statement[] =>
    body.flatMap((s): Statement[] => {
      mapInnerBlocks(s, (block) => expand(block, depth));
      const callee = s.kind === "node" && s.op === "call" ? callees.get(s.callee!) : undefined;
      if (s.kind !== "node" || callee?.kind !== "function") return [s];
      if (depth > 64) throw new TangentUnsupported(`forward mode: calls nested too deeply at '${s.callee}'`, s.pos);
      const inner = structuredClone(callee.graph);
      const renamed = new Map<string, Atom>(inner.params.map((p, i) => [p.name, s.args[i]!]));
      for (const name of definitionsOf(inner.body)) renamed.set(name, v(names.claim(name)));
      const f = (a: Atom): Atom => (a.kind === "var" ? (renamed.get(a.name) ?? a) : a);
      for (const t of statementsOf(inner.body)) {
        renameDefinitions(t, (n) => (renamed.get(n) as VarRef).name);
        mapUses(t, f);
        if (t.kind === "node" && !t.file && inner.file !== graph.file) t.file = inner.file;
      }
      results.set(s.name, f(inner.results[0]!));
      return expand(inner.body, depth + 1);
    });
  graph.body = expand(graph.body, 0);
  const resolve = (a: Atom): Atom => {
    let x = a;
    while (x.kind === "var" && results.has(x.name)) x = results.get(x.name)!;
    return x;
  };
  for (const s of statementsOf(graph.body)) mapUses(s, resolve);
  graph.results = graph.results.map(resolve);
  return graph;
}
