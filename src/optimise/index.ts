/**
 * Phase 2, optimise: Graph -> Graph passes, run on every function of the Program before it is
 * differentiated. Each pass is a function of its own file; the pipeline is this list.
 */
import type { Graph, Program } from "../ir.js";
import { callResult, graphsOf, inferTypes, type CallResult } from "../ir-types.js";
import { eliminateCommonSubexpressions } from "./cse.js";
import { foldConstants } from "./fold.js";
import { hoistLoopInvariants } from "./licm.js";

/**
 * The passes, in order: CSE again after LICM, which can bring a value and its twin into one
 * block. `reserved` are the names a pass that makes new names must avoid (module constants,
 * callees).
 */
export const passes: { name: string; run: (g: Graph, reserved: ReadonlySet<string>) => void }[] = [
  { name: "fold", run: foldConstants },
  { name: "cse", run: eliminateCommonSubexpressions },
  { name: "licm", run: hoistLoopInvariants },
  { name: "cse", run: eliminateCommonSubexpressions },
];

/** The passes' names, each once. */
export const passNames = [...new Set(passes.map((p) => p.name))];

/**
 * Runs the passes on one graph, typing it again after each (a pass makes and removes names).
 * With `only`, those passes instead, in that order (`[]`: none, the parser's graph).
 */
export function optimiseGraph(graph: Graph, reserved: ReadonlySet<string>, call: CallResult, only?: string[]): void {
  const run = only ? only.map((name) => passes.find((p) => p.name === name)!) : passes;
  for (const pass of run) {
    pass.run(graph, reserved);
    inferTypes(graph, call);
  }
}

/** Runs the passes on every graph of the program: entries, called functions, gates. */
export function optimise(program: Program, only?: string[]): void {
  const unknown = only?.filter((name) => !passNames.includes(name)) ?? [];
  if (unknown.length > 0)
    throw new Error(`unknown optimisation pass '${unknown[0]}' (passes: ${passNames.join(", ")})`);
  const reserved = new Set(["Math", ...program.constants.keys(), ...program.callees.keys()]);
  const call = callResult(program.callees);
  for (const g of graphsOf(program)) optimiseGraph(g, reserved, call, only);
}
