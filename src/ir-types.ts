/**
 * The type of every SSA value of a Graph, inferred from the IR itself: parameters have their
 * declared types, each op says what it makes, merges and loop phis join what flows into them.
 * `typeProgram` runs after the parser and again after the optimiser (whose passes make and
 * remove names), so `Graph.types` always names every value the graph defines.
 */
import type { Atom, Callee, Graph, Node, Program, Statement, Type, ValueType } from "./ir.js";
import { rules } from "./rules/table.js";

export const NUMBER: Type = { kind: "number" };
export const INTEGER: Type = { kind: "integer" };
export const BOOLEAN: Type = { kind: "boolean" };
export const arrayOf = (storage: "Float64Array" | "number[]"): Type => ({ kind: "array", element: NUMBER, storage });

/** An array of arrays whose rows are `rows` (`number[][]`, `Float64Array[]`). */
export const nestedOf = (rows: "Float64Array" | "number[]"): Type => ({
  kind: "array",
  element: arrayOf(rows),
  storage: "number[]",
});

/** The IR type of a declared parameter type. */
export const paramType = (t: ValueType): Type =>
  t === "number"
    ? NUMBER
    : t === "boolean"
      ? BOOLEAN
      : t === "number[][]"
        ? nestedOf("number[]")
        : t === "Float64Array[]"
          ? nestedOf("Float64Array")
          : arrayOf(t);

/** How a type is spelled in TypeScript (`number`, `boolean`, `Float64Array`, `number[]`, `Float64Array[]`). */
export function typeText(t: Type): string {
  if (t.kind === "array" && t.element.kind === "array") return `${typeText(t.element)}[]`;
  return t.kind === "array" ? t.storage : t.kind === "integer" ? "number" : t.kind;
}

export const isArray = (t: Type | undefined): t is Extract<Type, { kind: "array" }> => t?.kind === "array";

/** Whether `t` is an array of arrays; its rows' storage if so. */
export const rowsOf = (t: Type | undefined): "Float64Array" | "number[]" | undefined =>
  t?.kind === "array" && t.element.kind === "array" ? t.element.storage : undefined;

/** Ops that keep integers integers (`i + 1`, `2 * k`, `-n`, `n % 2`). */
const INTEGER_CLOSED = new Set(["add", "sub", "mul", "neg", "mod", "abs", "min", "max"]);
/** Ops whose result is an integer whatever their operands. */
const INTEGER_VALUED = new Set(["length", "floor", "ceil", "round", "trunc", "sign"]);

/** The least type holding both (an integer and a number make a number). */
function join(a: Type, b: Type): Type {
  if (a.kind === b.kind) return a;
  if ((a.kind === "integer" && b.kind === "number") || (a.kind === "number" && b.kind === "integer")) return NUMBER;
  throw new Error(`adgen internal error: a value is a ${typeText(a)} on one path and a ${typeText(b)} on another`);
}

const same = (a: Type | undefined, b: Type): boolean =>
  a !== undefined && a.kind === b.kind && (a.kind !== "array" || typeText(a) === typeText(b));

/** The type of a call's result: an array gate says; functions and scalar gates return numbers. */
export type CallResult = (node: Node) => Type;

export function callResult(callees: ReadonlyMap<string, Callee>): CallResult {
  return (node) => {
    // `gate.tangent(...)` (forward mode) makes what the gate makes.
    const callee = node.callee === undefined ? undefined : callees.get(node.callee.replace(/\.tangent$/, ""));
    return callee?.kind === "arrayGate" && callee.output === "array" ? arrayOf("Float64Array") : NUMBER;
  };
}

/** Infers `graph.types`. Loop phis start from their initial values' types and widen to a fixpoint. */
export function inferTypes(graph: Graph, call: CallResult): void {
  const types = new Map<string, Type>();
  for (const p of graph.params) types.set(p.name, paramType(p.type));
  const of = (a: Atom): Type => {
    if (a.kind === "const")
      return a.text === "true" || a.text === "false" ? BOOLEAN : Number.isInteger(a.value) ? INTEGER : NUMBER;
    const t = types.get(a.name);
    if (!t) throw new Error(`adgen internal error: '${a.name}' is used before it has a type`);
    return t;
  };
  const nodeType = (n: Node): Type => {
    const rule = rules[n.op];
    if (n.op === "call") return call(n);
    if (rule?.boolean) return BOOLEAN;
    if (n.op === "newFloat64Array") return arrayOf("Float64Array");
    if (n.op === "rows") return nestedOf("number[]");
    if (n.op === "float64Rows") return nestedOf("Float64Array");
    if (rule?.array) {
      const source = n.args.map(of).find(isArray);
      return source ?? arrayOf("number[]");
    }
    if (n.op === "index" || n.op === "row") {
      const array = of(n.args[0]!);
      return isArray(array) ? array.element : NUMBER;
    }
    if (n.op === "select") return join(of(n.args[1]!), of(n.args[2]!));
    if (INTEGER_VALUED.has(n.op)) return INTEGER;
    if (INTEGER_CLOSED.has(n.op) && n.args.every((a) => of(a).kind === "integer")) return INTEGER;
    return NUMBER;
  };
  let changed = true;
  const set = (name: string, t: Type) => {
    if (!same(types.get(name), t)) {
      types.set(name, t);
      changed = true;
    }
  };
  // In program order: an arm before its merges, a loop's phis (from their initial values, then
  // widened by their next values) before its head and body.
  const block = (body: Statement[]): void => {
    for (const s of body) {
      if (s.kind === "node") set(s.name, nodeType(s));
      else if (s.kind === "branch") {
        block(s.then);
        block(s.else);
        for (const m of s.merges) set(m.name, join(of(m.then), of(m.else)));
      } else if (s.kind === "loop") {
        for (const c of s.carried) {
          const before = types.get(c.name);
          set(c.name, before ? join(before, of(c.init)) : of(c.init));
        }
        block(s.head);
        block(s.body);
        for (const c of s.carried) set(c.name, join(of({ kind: "var", name: c.name }), of(c.next)));
      }
    }
  };
  // A phi widened (`x = 0; x = x * 0.5`) changes what its loop computes: again until nothing does.
  while (changed) {
    changed = false;
    block(graph.body);
  }
  graph.types = types;
}

/** Types every graph of the program: entries, called functions, gates. */
export function typeProgram(program: Program): void {
  const call = callResult(program.callees);
  for (const g of graphsOf(program)) inferTypes(g, call);
}

/** Every graph of the program, each once. */
export function graphsOf(program: Program): Set<Graph> {
  const graphs = new Set<Graph>(program.entries);
  for (const callee of program.callees.values()) {
    if (callee.kind === "function") graphs.add(callee.graph);
    else if (callee.kind === "gate") graphs.add(callee.gate.forward).add(callee.gate.backward);
  }
  return graphs;
}
