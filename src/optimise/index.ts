/**
 * Phase 2, optimise: Graph -> Graph passes, run on every function of the Program before it is
 * differentiated. Each pass is a function of its own file; the pipeline is this list.
 */
import type { Graph, Program } from "../ir.js";
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

export function optimiseGraph(graph: Graph, reserved: ReadonlySet<string> = new Set()): void {
  for (const pass of passes) pass.run(graph, reserved);
}

/** Runs the passes on every graph of the program: entries, called functions, gates. */
export function optimise(program: Program): void {
  const graphs = new Set<Graph>(program.entries);
  for (const callee of program.callees.values()) {
    if (callee.kind === "function") graphs.add(callee.graph);
    else if (callee.kind === "gate") graphs.add(callee.gate.forward).add(callee.gate.backward);
  }
  const reserved = new Set(["Math", ...program.constants.keys(), ...program.callees.keys()]);
  for (const g of graphs) optimiseGraph(g, reserved);
}
