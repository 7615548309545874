/**
 * A function's Graph as a circuit: one node per gate, one wire per use of a value, calls (and,
 * with `expandGates`, gates) inlined into clusters, a branch as two arm clusters whose values a
 * merge node chooses, a loop as one cluster holding its body once with a node per carried value.
 * The circuit keeps the structure of the graph (`Step`s), so that `evaluate.ts` can run it.
 */
import type { Atom, Graph, Program, Statement } from "../ir.js";
import { ruleOf } from "../rules/table.js";
import { constText } from "./format.js";

export type NodeKind = "input" | "op" | "gate" | "merge" | "carried" | "test" | "store" | "output";

export interface CircuitNode {
  id: string;
  kind: NodeKind;
  /** What the picture shows in the node: the operation (`*`, `+1`, `exp`, `sigmoid`), or a name. */
  label: string;
  /** The operation, by its rule-table name or callee (`mul`, `sigmoid`), for summaries. */
  op?: string;
  /** The statement, as `--emit graph` would show it (a tooltip in SVG). */
  tooltip: string;
  /** The cluster the node is drawn in, if any. */
  cluster?: string;
  /** Whether its value is a boolean (a condition). */
  boolean?: boolean;
}

export interface Wire {
  id: number;
  from: string;
  to: string;
  /** A condition or an index: carries no gradient. */
  control?: boolean;
  /** A loop's back edge (next value -> carried node). */
  back?: boolean;
}

export interface Cluster {
  id: string;
  label: string;
  parent?: string;
  kind: "call" | "gate" | "then" | "else" | "loop";
}

/** An operand: a value of the circuit reached through a wire, or a constant folded into a label. */
export type Operand = { kind: "wire"; wire: number; from: string } | { kind: "const"; value: number };

/** A value read without a wire of its own. */
export type Source = { kind: "node"; id: string } | { kind: "const"; value: number };

/** How a node computes its value: the structure `evaluate.ts` runs. */
export type Step =
  | { kind: "op"; node: string; op: string; args: Operand[] }
  | { kind: "gate"; node: string; gate: string; args: Operand[] }
  | { kind: "unsupported"; node: string; what: string; args: Operand[] }
  | {
      kind: "branch";
      /** The decision, read from its node (the merges' condition wires only draw it). */
      cond: Source;
      then: Step[];
      else: Step[];
      merges: { node: string; then: Operand; else: Operand; cond: Operand }[];
    }
  | {
      kind: "loop";
      carried: { node: string; init: Operand; next: Operand }[];
      head: Step[];
      test: { node: string; cond: Operand };
      body: Step[];
    };

export interface Circuit {
  name: string;
  nodes: CircuitNode[];
  wires: Wire[];
  clusters: Cluster[];
  /** The input nodes, one per parameter, in order (with the parameter's name and type). */
  inputs: { node: string; name: string; array: boolean }[];
  steps: Step[];
  /** The output node and the wire into it (absent when the result is a constant). */
  output: { node: string; result: Operand };
  /** Whether the function reads or writes arrays (values at a point are then not computed). */
  arrays: boolean;
}

export interface BuildOptions {
  /** Draw each gate as the operations of its forward (the lecture's expanded neuron). */
  expandGates?: boolean;
}

type Ref = { kind: "node"; id: string } | { kind: "const"; value: number; text?: string };

/** Binary ops whose operands commute: a constant operand prints after the op (`+1`, `*2`). */
const COMMUTATIVE = new Set(["add", "mul"]);

export function buildCircuit(graph: Graph, program: Program, options: BuildOptions = {}): Circuit {
  return new Builder(program, options).build(graph);
}

class Builder {
  private readonly nodes: CircuitNode[] = [];
  private readonly wires: Wire[] = [];
  private readonly clusters: Cluster[] = [];
  private arrays = false;
  private count = 0;

  constructor(
    private readonly program: Program,
    private readonly options: BuildOptions,
  ) {}

  build(graph: Graph): Circuit {
    const scope = new Map<string, Ref>();
    const inputs = graph.params.map((p) => {
      const node = this.node("input", p.name, `parameter ${p.name}`, undefined);
      scope.set(p.name, { kind: "node", id: node });
      if (p.type !== "number") this.arrays = true;
      return { node, name: p.name, array: p.type !== "number" };
    });
    const steps = this.block(graph.body, scope, undefined);
    const result = this.ref(graph.results[0]!, scope);
    const out = this.node("output", graph.name, `return ${graph.results.map(atomText).join(", ")}`, undefined);
    if ([...graph.types.values()].some((t) => t.kind === "array")) this.arrays = true;
    return {
      name: graph.name,
      nodes: this.nodes,
      wires: this.wires,
      clusters: this.clusters,
      inputs,
      steps,
      output: { node: out, result: this.operand(result, out) },
      arrays: this.arrays,
    };
  }

  private node(
    kind: NodeKind,
    label: string,
    tooltip: string,
    cluster: string | undefined,
    extra: { boolean?: boolean; op?: string } = {},
  ): string {
    const id = `n${++this.count}`;
    this.nodes.push({
      id,
      kind,
      label,
      ...(extra.op ? { op: extra.op } : {}),
      tooltip,
      ...(cluster ? { cluster } : {}),
      ...(extra.boolean ? { boolean: true } : {}),
    });
    return id;
  }

  private cluster(kind: Cluster["kind"], label: string, parent: string | undefined): string {
    const id = `cluster_${this.clusters.length + 1}`;
    this.clusters.push({ id, label, kind, ...(parent ? { parent } : {}) });
    return id;
  }

  private ref(a: Atom, scope: Map<string, Ref>): Ref {
    if (a.kind === "const") return { kind: "const", value: a.value, ...(a.text ? { text: a.text } : {}) };
    const r = scope.get(a.name);
    if (!r) throw new Error(`adgen internal error: '${a.name}' is not defined in the picture`);
    return r;
  }

  /** The operand of `to` that `r` is: a new wire from its node, or the constant. */
  private operand(r: Ref, to: string, extra: Partial<Wire> = {}): Operand {
    if (r.kind === "const") return { kind: "const", value: r.value };
    const id = this.wires.length;
    this.wires.push({ id, from: r.id, to, ...extra });
    return { kind: "wire", wire: id, from: r.id };
  }

  private block(body: Statement[], scope: Map<string, Ref>, cluster: string | undefined): Step[] {
    const steps: Step[] = [];
    for (const s of body) {
      if (s.kind === "node") steps.push(...this.statementNode(s, scope, cluster));
      else if (s.kind === "store") {
        this.arrays = true;
        const refs = [s.array, s.index, s.value].map((a) => this.ref(a, scope));
        const id = this.node(
          "store",
          "[ ]=",
          `store ${s.array.name} ${atomText(s.index)} ${atomText(s.value)}`,
          cluster,
        );
        const args = refs.map((r, i) => this.operand(r, id, i === 1 ? { control: true } : {}));
        steps.push({ kind: "unsupported", node: id, what: "array store", args });
      } else if (s.kind === "branch") steps.push(this.branch(s, scope, cluster));
      else steps.push(this.loop(s, scope, cluster));
    }
    return steps;
  }

  private statementNode(
    s: Extract<Statement, { kind: "node" }>,
    scope: Map<string, Ref>,
    cluster: string | undefined,
  ): Step[] {
    const refs = s.args.map((a) => this.ref(a, scope));
    const tooltip = `${s.name} = ${s.op === "call" ? s.callee : s.op} ${s.args.map(atomText).join(" ")}`.trimEnd();
    if (s.op === "call") {
      const callee = this.program.callees.get(s.callee!);
      if (callee?.kind === "function")
        return this.inline(callee.graph, s.callee!, "call", s.name, refs, scope, cluster);
      if (callee?.kind === "gate" && this.options.expandGates)
        return this.inline(callee.gate.forward, s.callee!, "gate", s.name, refs, scope, cluster);
      const label = callee?.kind === "gate" ? (callee.gate.exportName ?? s.callee!) : s.callee!;
      const id = this.node("gate", label, tooltip, cluster, { op: label });
      scope.set(s.name, { kind: "node", id });
      const args = refs.map((r) => this.operand(r, id));
      if (callee?.kind === "gate") return [{ kind: "gate", node: id, gate: s.callee!, args }];
      this.arrays = true;
      return [{ kind: "unsupported", node: id, what: `array gate '${label}'`, args }];
    }
    const rule = ruleOf(s.op);
    const id = this.node("op", opLabel(s.op, refs), tooltip, cluster, {
      op: s.op,
      ...(rule.boolean ? { boolean: true } : {}),
    });
    scope.set(s.name, { kind: "node", id });
    const args = refs.map((r, i) => this.operand(r, id, isControl(s.op, i) ? { control: true } : {}));
    if (rule.derivative.kind === "memory") {
      this.arrays = true;
      return [{ kind: "unsupported", node: id, what: `array operation '${s.op}'`, args }];
    }
    return [{ kind: "op", node: id, op: s.op, args }];
  }

  /** A call drawn as its callee's body, in a cluster: the callee's parameters are the call's operands. */
  private inline(
    graph: Graph,
    name: string,
    kind: "call" | "gate",
    result: string,
    refs: Ref[],
    scope: Map<string, Ref>,
    cluster: string | undefined,
  ): Step[] {
    const inner = this.cluster(kind, name, cluster);
    const local = new Map<string, Ref>(graph.params.map((p, i) => [p.name, refs[i]!]));
    const steps = this.block(graph.body, local, inner);
    scope.set(result, this.ref(graph.results[0]!, local));
    return steps;
  }

  private branch(
    s: Extract<Statement, { kind: "branch" }>,
    scope: Map<string, Ref>,
    cluster: string | undefined,
  ): Step {
    const condRef = this.ref(s.cond, scope);
    const thenCluster = this.cluster("then", `if ${s.cond.name}`, cluster);
    const elseCluster = this.cluster("else", "else", cluster);
    // Each arm sees the names defined before the branch, and defines its own.
    const thenScope = new Map(scope);
    const elseScope = new Map(scope);
    const thenSteps = this.block(s.then, thenScope, thenCluster);
    const elseSteps = this.block(s.else, elseScope, elseCluster);
    const merges = s.merges.map((m) => {
      const id = this.node(
        "merge",
        "?:",
        `${m.name} = ${s.cond.name} ? ${atomText(m.then)} : ${atomText(m.else)}`,
        cluster,
      );
      const then = this.operand(this.ref(m.then, thenScope), id);
      const els = this.operand(this.ref(m.else, elseScope), id);
      const cond = this.operand(condRef, id, { control: true });
      scope.set(m.name, { kind: "node", id });
      return { node: id, then, else: els, cond };
    });
    const cond: Source = condRef.kind === "const" ? { kind: "const", value: condRef.value } : condRef;
    return { kind: "branch", cond, then: thenSteps, else: elseSteps, merges };
  }

  private loop(s: Extract<Statement, { kind: "loop" }>, scope: Map<string, Ref>, cluster: string | undefined): Step {
    const inner = this.cluster("loop", "loop", cluster);
    const inits = s.carried.map((c) => this.ref(c.init, scope));
    const local = new Map(scope);
    const ids = s.carried.map((c, i) => {
      // A constant start is written in (`y ← 1`); any other comes in on a wire.
      const init = inits[i]!;
      const label = init.kind === "const" ? `${c.name} ← ${constText(init.value, init.text)}` : c.name;
      const id = this.node(
        "carried",
        label,
        `${c.name} = carried ${atomText(c.init)}, next ${atomText(c.next)}`,
        inner,
      );
      local.set(c.name, { kind: "node", id });
      return id;
    });
    const init = ids.map((id, i) => this.operand(inits[i]!, id));
    const head = this.block(s.head, local, inner);
    const testId = this.node("test", "while", `while ${s.cond.name}`, inner);
    const test = { node: testId, cond: this.operand(this.ref(s.cond, local), testId, { control: true }) };
    const body = this.block(s.body, local, inner);
    const carried = s.carried.map((c, i) => ({
      node: ids[i]!,
      init: init[i]!,
      next: this.operand(this.ref(c.next, local), ids[i]!, { back: true }),
    }));
    // After the loop, a carried name is its node's last value.
    for (const [i, c] of s.carried.entries()) scope.set(c.name, { kind: "node", id: ids[i]! });
    return { kind: "loop", carried, head, test, body };
  }
}

/** Whether operand `i` of `op` is a condition, an index or a size: a wire that carries no gradient. */
function isControl(op: string, i: number): boolean {
  if (ruleOf(op).derivative.kind === "none") return true;
  return (op === "index" && i === 1) || op === "length" || op === "newFloat64Array" || op === "zeros";
}

/** An atom as `--emit graph` prints it. */
function atomText(a: Atom): string {
  return a.kind === "var" ? a.name : (a.text ?? String(a.value));
}

/** The operation as the picture labels it: its symbol, with constant operands written in (`+1`, `1/x`). */
export function opLabel(op: string, refs: Ref[]): string {
  const rule = ruleOf(op);
  const konst = (r: Ref) => (r.kind === "const" ? constText(r.value, r.text) : undefined);
  const print = rule.print;
  if (print.kind === "infix" && refs.length === 2) {
    const [a, b] = refs.map(konst);
    const token = print.token === "===" ? "==" : print.token === "!==" ? "!=" : print.token;
    if (a === undefined && b === undefined) return token;
    if (a !== undefined && b !== undefined) return `${a}${token}${b}`;
    if (b !== undefined) return `${token}${b}`;
    return COMMUTATIVE.has(op) ? `${token}${a}` : `${a}${token}x`;
  }
  if (print.kind === "prefix") {
    const a = konst(refs[0]!);
    return `${print.token}${a ?? "x"}`;
  }
  const name = print.kind === "call" ? print.callee.replace(/^Math\./, "") : op;
  if (refs.every((r) => r.kind === "node")) return name;
  let vars = 0;
  const args = refs.map((r) => konst(r) ?? (refs.filter((q) => q.kind === "node").length === 1 ? "x" : `x${++vars}`));
  return `${name}(${args.join(", ")})`;
}
