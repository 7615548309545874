/**
 * Runs a Graph of numbers on numbers with the rule table's `eval`s: how the picture computes a
 * gate's forward and its hand-written backward at a point, as the generated code would.
 */
import type { Atom, Graph, Program, Statement } from "../ir.js";
import { ruleOf } from "../rules/table.js";

/** The graph's results at `args` (its parameters, in order). */
export function interpret(graph: Graph, args: number[], program: Program): number[] {
  const env = new Map<string, number>(graph.params.map((p, i) => [p.name, args[i]!]));
  run(graph.body, env, program);
  return graph.results.map((r) => read(r, env));
}

function read(a: Atom, env: Map<string, number>): number {
  if (a.kind === "const") return a.value;
  const v = env.get(a.name);
  if (v === undefined) throw new Error(`adgen internal error: '${a.name}' has no value`);
  return v;
}

function run(body: Statement[], env: Map<string, number>, program: Program): void {
  for (const s of body) {
    if (s.kind === "node") {
      const args = s.args.map((a) => read(a, env));
      env.set(s.name, s.op === "call" ? call(s.callee!, args, program) : ruleOf(s.op).eval(...args));
    } else if (s.kind === "branch") {
      const taken = read(s.cond, env) !== 0;
      run(taken ? s.then : s.else, env, program);
      for (const m of s.merges) env.set(m.name, read(taken ? m.then : m.else, env));
    } else if (s.kind === "loop") {
      for (const c of s.carried) env.set(c.name, read(c.init, env));
      for (;;) {
        run(s.head, env, program);
        if (read(s.cond, env) === 0) break;
        run(s.body, env, program);
        const next = s.carried.map((c) => read(c.next, env));
        s.carried.forEach((c, i) => env.set(c.name, next[i]!));
      }
    } else throw new Error("adgen internal error: a gate of numbers stores into an array");
  }
}

/** A call inside a gate: a function or another gate's forward. */
function call(key: string, args: number[], program: Program): number {
  const callee = program.callees.get(key);
  if (callee?.kind === "function") return interpret(callee.graph, args, program)[0]!;
  if (callee?.kind === "gate") return interpret(callee.gate.forward, args, program)[0]!;
  throw new Error(`adgen internal error: cannot run '${key}' on numbers`);
}
