/**
 * Keeps local names from shadowing functions and module constants the generated code refers to.
 * A local may be named like a helper the parser only met later (`const cond = ...` beside a
 * helper `cond`), like an imported function's key, or like a module constant an inlined helper or
 * gate backward reads; such locals are renamed once the whole program is known. So are the
 * parameters of called functions (their primal copies and pullbacks are private to the generated
 * module); an entry's parameters keep their names, which the program reserved up front.
 */
import { pullbackName } from "../conventions.js";
import type { Atom, Graph, Program } from "../ir.js";
import { definitionsOf, mapUses, renameDefinitions, statementsOf } from "../ir-walk.js";
import { NameAllocator } from "../names.js";

export function renameShadowingLocals(program: Program, reserved: Iterable<string>): void {
  const taken = new Set(reserved);
  for (const key of program.callees.keys()) {
    taken.add(key);
    taken.add(pullbackName(key));
  }
  // A function may name a local after itself (its result): it never calls itself, so that is harmless.
  // Per graph: the name it may keep (its own), and whether its parameters may be renamed.
  const graphs = new Map<Graph, [string | undefined, boolean]>(program.entries.map((g) => [g, [undefined, false]]));
  for (const [key, callee] of program.callees) {
    // A function both differentiated and called is one graph: its parameters are an entry's.
    if (callee.kind === "function") graphs.set(callee.graph, [key, !program.entries.includes(callee.graph)]);
    else if (callee.kind === "gate") {
      graphs.set(callee.gate.forward, [key, true]);
      // A backward's parameters are replaced by the arguments where it is inlined.
      graphs.set(callee.gate.backward, [undefined, false]);
    }
  }
  for (const [g, [own, params]] of graphs) renameIn(g, taken, own, params);
}

function renameIn(g: Graph, taken: ReadonlySet<string>, own: string | undefined, params: boolean): void {
  const locals = [...definitionsOf(g.body), ...(params ? g.params.map((p) => p.name) : [])];
  const clashes = locals.filter((n) => taken.has(n) && n !== own);
  if (clashes.length === 0) return;
  const names = new NameAllocator();
  for (const n of [...taken, ...locals, ...g.params.map((p) => p.name)]) names.reserve(n);
  const map = new Map(clashes.map((n) => [n, names.claim(n)]));
  const r = (name: string) => map.get(name) ?? name;
  const atom = (a: Atom): Atom => (a.kind === "var" && map.has(a.name) ? { kind: "var", name: r(a.name) } : a);
  for (const s of statementsOf(g.body)) {
    renameDefinitions(s, r);
    mapUses(s, atom);
  }
  g.results = g.results.map(atom);
  for (const p of g.params) p.name = r(p.name);
}
