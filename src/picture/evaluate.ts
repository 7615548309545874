/**
 * The circuit at a point: every wire's forward value and gradient, by running the circuit's steps
 * forward (recording each operation that ran, as a tape) and then backward over that record with
 * the rule table's derivative rules and the gates' own backwards — reverse mode, interpreted.
 *
 * A wire inside a loop carries one value per iteration, so it is left unlabelled; a wire into a
 * loop from outside (a carried value's start, a value the body reads) or out of it (a carried
 * value's last value) carries one value, and its gradient sums what every iteration sent back
 * along it. A wire that did not run (an arm not taken) is unlabelled too.
 */
import type { Expr, Program } from "../ir.js";
import { evaluate } from "../rules/evaluate.js";
import { ruleOf } from "../rules/table.js";
import type { Circuit, Operand, Source, Step } from "./build.js";
import { interpret } from "./interpret.js";

/** What a wire carried: a value (absent if none, or one per iteration) and, unless a condition, its gradient. */
export interface WireLabel {
  value: number;
  gradient?: number;
  boolean?: boolean;
}

export interface Evaluation {
  /** The function's value. */
  value: number;
  /** Each parameter's gradient, by name. */
  gradients: Record<string, number>;
  /** By wire id: what it carried, for wires that carried exactly one value. */
  wires: Map<number, WireLabel>;
  /** By node id: its value and gradient, for nodes that took exactly one value. */
  nodes: Map<string, WireLabel>;
  /** By node id: how many values it took (a loop's test: one per iteration and one per run). */
  counts: Map<string, number>;
  /** By a loop's test node: how many times the loop was entered. */
  runs: Map<string, number>;
}

/** Why values at a point cannot be computed for this circuit. */
export class PictureError extends Error {}

/** One operation that ran: which values it read (through which wires) and made. */
interface Record_ {
  node: string;
  /** Dynamic ids of the operands (`-1`: a constant). */
  inputs: number[];
  wires: number[];
  /** The operands' values (constants included). */
  args: number[];
  output: number;
  /** `copy`: the output is the (only) input; otherwise the op or gate that ran. */
  kind: { kind: "copy" } | { kind: "op"; op: string } | { kind: "gate"; gate: string };
}

/** Beyond this many operations run, a point is refused (a loop that may never end, a tape too large to keep). */
export const MAX_OPERATIONS = 1_000_000;

const SEEN_ONCE = 0;
const SEEN_MANY = -1;

class Machine {
  /** Dynamic values: every value any node took, in the order they were made. */
  readonly values: number[] = [];
  /** Node id -> its current dynamic value. */
  readonly current = new Map<string, number>();
  readonly tape: Record_[] = [];
  /** Wire id -> the dynamic value it carried (SEEN_MANY when more than one). */
  readonly carried = new Map<number, number>();
  readonly seen = new Map<number, number>();
  readonly counts = new Map<string, number>();
  readonly runs = new Map<string, number>();

  constructor(private readonly program: Program) {}

  make(node: string, value: number): number {
    this.values.push(value);
    const id = this.values.length - 1;
    this.current.set(node, id);
    this.counts.set(node, (this.counts.get(node) ?? 0) + 1);
    return id;
  }

  /** The dynamic value an operand reads now (-1 for a constant), noting what its wire carried. */
  read(o: Operand): number {
    if (o.kind === "const") return -1;
    const id = this.current.get(o.from);
    if (id === undefined) throw new Error(`adgen internal error: node '${o.from}' has no value yet`);
    const before = this.carried.get(o.wire);
    if (before === undefined) {
      this.carried.set(o.wire, id);
      this.seen.set(o.wire, SEEN_ONCE);
    } else if (before !== id) this.seen.set(o.wire, SEEN_MANY);
    return id;
  }

  valueOf = (o: Operand, id: number): number => (o.kind === "const" ? o.value : this.values[id]!);

  source(s: Source): number {
    return s.kind === "const" ? s.value : this.values[this.current.get(s.id)!]!;
  }

  run(steps: Step[]): void {
    for (const s of steps) {
      if (this.values.length > MAX_OPERATIONS)
        throw new PictureError(
          `the function ran more than ${MAX_OPERATIONS.toLocaleString("en-US")} operations at this point (a loop that does not end?); values are not computed`,
        );
      if (s.kind === "op" || s.kind === "gate") {
        const inputs = s.args.map((a) => this.read(a));
        const args = s.args.map((a, i) => this.valueOf(a, inputs[i]!));
        const value =
          s.kind === "op" ? ruleOf(s.op).eval(...args) : interpret(this.gate(s.gate).forward, args, this.program)[0]!;
        const output = this.make(s.node, value);
        this.tape.push({
          node: s.node,
          inputs,
          args,
          wires: s.args.map((a) => (a.kind === "wire" ? a.wire : -1)),
          output,
          kind: s.kind === "op" ? { kind: "op", op: s.op } : { kind: "gate", gate: s.gate },
        });
      } else if (s.kind === "unsupported")
        throw new PictureError(`values at a point are not computed for an ${s.what}`);
      else if (s.kind === "branch") {
        const taken = this.source(s.cond) !== 0;
        this.run(taken ? s.then : s.else);
        for (const m of s.merges) {
          this.read(m.cond);
          this.copy(m.node, taken ? m.then : m.else);
        }
      } else {
        this.runs.set(s.test.node, (this.runs.get(s.test.node) ?? 0) + 1);
        for (const c of s.carried) this.copy(c.node, c.init);
        for (;;) {
          this.run(s.head);
          const cond = this.valueOf(s.test.cond, this.read(s.test.cond));
          this.make(s.test.node, cond);
          if (cond === 0) break;
          this.run(s.body);
          // All next values are read before any carried value changes (they are phis).
          const next = s.carried.map((c) => [c, this.read(c.next)] as const);
          for (const [c, id] of next) this.copyId(c.node, c.next, id);
        }
      }
    }
  }

  private copy(node: string, from: Operand): void {
    this.copyId(node, from, this.read(from));
  }

  private copyId(node: string, from: Operand, id: number): void {
    const value = this.valueOf(from, id);
    const output = this.make(node, value);
    this.tape.push({
      node,
      inputs: [id],
      args: [value],
      wires: [from.kind === "wire" ? from.wire : -1],
      output,
      kind: { kind: "copy" },
    });
  }

  gate(key: string) {
    const callee = this.program.callees.get(key);
    if (callee?.kind !== "gate") throw new Error(`adgen internal error: '${key}' is not a gate`);
    return callee.gate;
  }
}

/** Runs `circuit` at `at` (a number per parameter, by name): values forward, gradients backward. */
export function evaluateCircuit(circuit: Circuit, program: Program, at: Record<string, number>): Evaluation {
  if (circuit.arrays)
    throw new PictureError(
      `values at a point are computed for functions of numbers only; '${circuit.name}' reads or writes arrays`,
    );
  const m = new Machine(program);
  for (const input of circuit.inputs) m.make(input.node, at[input.name]!);
  m.run(circuit.steps);
  const result = circuit.output.result;
  const resultId = m.read(result);
  const value = m.valueOf(result, resultId);

  // Backward: each record hands its output's adjoint to its inputs, last record first.
  const adjoint = new Float64Array(m.values.length);
  const wireGradient = new Map<number, number>();
  if (resultId >= 0) adjoint[resultId] = 1;
  if (result.kind === "wire") wireGradient.set(result.wire, 1);
  for (let k = m.tape.length - 1; k >= 0; k--) {
    const r = m.tape[k]!;
    const grad = adjoint[r.output]!;
    const contributions = contributionsOf(r, grad, m, program);
    r.inputs.forEach((input, i) => {
      const c = contributions[i];
      if (c === undefined) return; // a condition's operand: no gradient
      if (input >= 0) adjoint[input] = adjoint[input]! + c;
      const wire = r.wires[i]!;
      if (wire >= 0) wireGradient.set(wire, (wireGradient.get(wire) ?? 0) + c);
    });
  }

  const wires = new Map<number, WireLabel>();
  const booleans = new Set(circuit.nodes.filter((n) => n.boolean).map((n) => n.id));
  for (const w of circuit.wires) {
    if (m.seen.get(w.id) !== SEEN_ONCE) continue;
    const label: WireLabel = { value: m.values[m.carried.get(w.id)!]! };
    if (booleans.has(w.from)) label.boolean = true;
    else if (!w.control) label.gradient = wireGradient.get(w.id) ?? 0;
    wires.set(w.id, label);
  }
  const nodes = new Map<string, WireLabel>();
  for (const n of circuit.nodes) {
    if (m.counts.get(n.id) !== 1 || n.kind === "test") continue;
    const id = m.current.get(n.id)!;
    nodes.set(
      n.id,
      n.boolean ? { value: m.values[id]!, boolean: true } : { value: m.values[id]!, gradient: adjoint[id]! },
    );
  }
  const gradients: Record<string, number> = {};
  for (const input of circuit.inputs) gradients[input.name] = adjoint[m.current.get(input.node)!]!;
  return { value, gradients, wires, nodes, counts: m.counts, runs: m.runs };
}

/** What one record sends back to each of its inputs (undefined: nothing, for a condition's operands). */
function contributionsOf(r: Record_, grad: number, m: Machine, program: Program): (number | undefined)[] {
  const args = r.args;
  if (r.kind.kind === "copy") return [grad];
  if (r.kind.kind === "gate") {
    const gate = m.gate(r.kind.gate);
    return interpret(gate.backward, [grad, m.values[r.output]!, ...args], program);
  }
  const rule = ruleOf(r.kind.op);
  const d = rule.derivative;
  if (d.kind === "zero") return args.map(() => 0);
  if (d.kind !== "rule") return args.map(() => undefined);
  const env = new Map<string, number>([
    ["grad", grad],
    ["out", m.values[r.output]!],
    ...args.map((a, i) => [`a${i}`, a] as [string, number]),
  ]);
  const vars: Expr[] = args.map((_, i) => ({ kind: "var", name: `a${i}` }));
  const ctx = {
    grad: { kind: "var", name: "grad" } as Expr,
    out: { kind: "var", name: "out" } as Expr,
    args: vars,
    x: vars[0]!,
    y: vars[1] ?? vars[0]!,
  };
  return args.map((_, i) => evaluate(d.d(ctx, i), env));
}
