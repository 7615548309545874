/**
 * Phase 2, transform: Program -> CodeModule. Each function to differentiate becomes an exported
 * `f_grad`; every function it calls gets a primal copy (for forward passes) and a
 * `g_pullback` (for backward passes), and local gates a primal copy. Built-in gates are imported.
 */
import type { Callee, CodeFunction, CodeModule, CodeStatement, Expr, Graph, Origin, Param, Program } from "../ir.js";
import { definedBy, statementsOf } from "../ir-walk.js";
import { isArray } from "../ir-types.js";
import { analyzeActivity } from "./activity.js";
import { differentiate } from "./reverse/index.js";
import { jvpFunction } from "./tangent/index.js";
import { hvpFunction } from "./tangent/hvp.js";
import { forwardCode, typedPlan } from "./forward.js";
import { forEachExpr } from "../code-live.js";
import { driverFunction, type Base, type DriverKind } from "./drivers.js";
import { TangentUnsupported } from "./tangent/index.js";
import { codes } from "../diagnostics.js";
import { companionName, GATES_MODULE, pullbackName } from "../conventions.js";

export { analyzeActivity, type Activity } from "./activity.js";
export { differentiate } from "./reverse/index.js";
export { TangentUnsupported } from "./tangent/index.js";

/**
 * What to generate for each entry: reverse mode (`f_grad`, or `f_vjp` for an array result),
 * forward mode (`f_jvp`), Hessian-vector products (`f_hvp`), and the companions built on them
 * (`f_hessian`, `f_hessian_diag`, `f_jacobian`), which bring the ones they call.
 */
export type Mode = Base | DriverKind;

/** `wrt` per entry: the parameters to differentiate. */
export function transform(
  program: Program,
  wrtOf: (g: Graph) => ReadonlySet<string>,
  modes: readonly Mode[] = ["reverse"],
): CodeModule {
  const imports = new Map<string, Set<string>>();
  /** Generated loops reverse with adgen's Tape. */
  const tapeImport = program.tapeClass === "Tape" ? "Tape" : `Tape as ${program.tapeClass}`;
  const useTape = () => imports.set(GATES_MODULE, (imports.get(GATES_MODULE) ?? new Set()).add(tapeImport));
  const reverse = (g: Graph): CodeFunction => {
    const d = differentiate(g, wrtOf(g), program.callees, "entry", program.tapeClass, program.constants.keys());
    if (d.usesTape) useTape();
    const result = g.results[0]!;
    // A function returning an array gets `f_vjp(..., grad_out)`: the gradient of grad_out · f.
    const resultType = result.kind === "var" ? g.types.get(result.name) : undefined;
    const vector = isArray(resultType);
    return {
      kind: "entry",
      companion: vector ? "vjp" : "grad",
      name: companionName(g.name, vector ? "vjp" : "grad"),
      params: vector ? [...g.params, { name: d.seed, type: resultType.storage }] : g.params,
      forward: d.forward,
      backward: d.backward,
      returns: { kind: "entry", value: g.results[0]!, grads: d.grads },
      ...origins(g, d.gradNames),
    };
  };
  const forward = (g: Graph): CodeFunction => {
    const { fn, temporaries } = jvpFunction(g, wrtOf(g), program);
    return { ...fn, ...origins(g, new Map()), temporaries };
  };
  const hvp = (g: Graph): CodeFunction => {
    const { fn, usesTape } = hvpFunction(g, wrtOf(g), program);
    if (usesTape) useTape();
    return { ...fn, ...origins(g, new Map()) };
  };
  const base = (g: Graph, mode: Base) => (mode === "reverse" ? reverse(g) : mode === "forward" ? forward(g) : hvp(g));
  const refuse = (message: string, pos: number) => new TangentUnsupported(message, pos, codes.hessianOfArray);
  const functions: CodeFunction[] = program.entries.flatMap((g) => {
    const made: CodeFunction[] = [];
    const bases = new Set<Base>();
    const needed: Base[] = [];
    for (const mode of modes)
      if (mode === "reverse" || mode === "forward" || mode === "hvp") {
        if (!bases.has(mode)) made.push(base(g, mode));
        bases.add(mode);
      } else {
        const { fn, needs } = driverFunction(g, mode, wrtOf(g), refuse);
        made.push(fn);
        needed.push(...needs);
      }
    // What the drivers call, after what was asked for.
    for (const mode of needed) {
      if (!bases.has(mode)) made.push(base(g, mode));
      bases.add(mode);
    }
    return made;
  });

  // Pull in what the generated code calls, until nothing new is needed.
  const emitted = new Set<string>();
  const pullbacks = new Map<string, string>([...program.callees.keys()].map((k) => [pullbackName(k), k]));
  for (let i = 0; i < functions.length; i++) {
    const f = functions[i]!;
    for (const name of calledNames([...f.forward, ...f.backward], f.returns)) {
      if (emitted.has(name)) continue;
      const callee = program.callees.get(name);
      const pulled = pullbacks.get(name);
      // A part of a gate's backward (`matmul.backward[0]`) comes with the gate's import.
      const root = (path: string) => path.split(/[.[]/)[0]!;
      const imported =
        callee?.kind === "arrayGate"
          ? { name: root(callee.name), module: callee.module }
          : callee?.kind === "gate" && callee.gate.module
            ? { name: callee.gate.exportName ?? callee.gate.name, module: callee.gate.module }
            : undefined;
      if (imported) {
        // `import { dot as dot_1 }` when a function of the user's is called `dot` too.
        const set = imports.get(imported.module) ?? new Set<string>();
        set.add(imported.name === root(name) ? imported.name : `${imported.name} as ${root(name)}`);
        imports.set(imported.module, set);
      } else if (callee && callee.kind !== "arrayGate") functions.push(primal(name, callee));
      else if (pulled) functions.push(pullback(pulled, program.callees.get(pulled)!, program, useTape));
      emitted.add(name);
    }
  }
  return { functions, imports, constants: usedConstants(functions, program.constants) };
}

/** The module constants the generated functions read, with those they are computed from, in dependency order. */
function usedConstants(functions: CodeFunction[], constants: Program["constants"]): CodeModule["constants"] {
  const used = new Set<string>();
  const expr = (e: Expr): void => {
    if (e.kind === "const" && e.text !== undefined && constants.has(e.text) && !used.has(e.text)) {
      used.add(e.text);
      expr(constants.get(e.text)!);
    } else if (e.kind === "op") e.args.forEach(expr);
  };
  for (const f of functions) {
    forEachExpr([...f.forward, ...f.backward], expr);
    if (f.returns.kind === "entry") [f.returns.value, ...f.returns.grads.map((g) => g.value)].forEach(expr);
    else if (f.returns.kind === "tuple") f.returns.values.forEach(expr);
    else if (f.returns.kind !== "driver" && f.returns.kind !== "none") expr(f.returns.value);
  }
  return [...constants].filter(([name]) => used.has(name)).map(([name, e]) => ({ name, expr: e }));
}

function primal(name: string, callee: Exclude<Callee, { kind: "arrayGate" }>): CodeFunction {
  const graph = callee.kind === "function" ? callee.graph : callee.gate.forward;
  const { live } = analyzeActivity(graph, new Set());
  return {
    kind: "primal",
    name,
    params: graph.params,
    forward: forwardCode(graph.body, live, typedPlan(graph), graph.results),
    backward: [],
    returns: { kind: "value", value: graph.results[0]! },
    ...origins(graph, new Map()),
  };
}

function pullback(key: string, callee: Callee, program: Program, useTape: () => void): CodeFunction {
  const graph = (callee as { graph: Graph }).graph;
  const d = differentiate(
    graph,
    new Set(graph.params.map((p) => p.name)),
    program.callees,
    "pullback",
    program.tapeClass,
    program.constants.keys(),
  );
  if (d.usesTape) useTape();
  const seed: Param = { name: d.seed, type: "number" };
  return {
    kind: "pullback",
    name: pullbackName(key),
    params: [...graph.params, seed],
    forward: d.forward,
    backward: d.backward,
    returns: { kind: "tuple", values: d.grads.map((g) => g.value) },
    ...origins(graph, d.gradNames),
  };
}

/**
 * Where a generated function and each name it defines come from: a node from its expression,
 * a merge from its branch, a loop phi from its loop, a parameter from the function; a value's
 * gradient from the value.
 */
function origins(
  graph: Graph,
  gradNames: ReadonlyMap<string, string>,
): { origin: Origin; origins: Map<string, Origin> } {
  const origin: Origin = { file: graph.file, pos: graph.pos };
  const map = new Map<string, Origin>(graph.params.map((p) => [p.name, origin]));
  for (const s of statementsOf(graph.body)) {
    const at: Origin = { file: (s.kind === "node" && s.file) || graph.file, pos: s.pos };
    for (const name of definedBy(s)) map.set(name, at);
  }
  for (const [name, grad] of gradNames) {
    const at = map.get(name);
    if (at) map.set(grad, at);
  }
  if (graph.returnPos !== undefined) map.set("return", { file: graph.file, pos: graph.returnPos });
  return { origin, origins: map };
}

/** Every function name called in a body, in order of appearance. */
function calledNames(body: CodeStatement[], returns: CodeFunction["returns"]): string[] {
  const names: string[] = [];
  const expr = (e: Expr): void => {
    if (e.kind !== "op") return;
    if (e.op === "call" && e.callee !== undefined) names.push(e.callee);
    e.args.forEach(expr);
  };
  forEachExpr(body, expr);
  if (returns.kind === "entry") returns.grads.forEach((g) => expr(g.value));
  else if (returns.kind === "tuple") returns.values.forEach(expr);
  else if (returns.kind !== "driver" && returns.kind !== "none") expr(returns.value);
  return names;
}
