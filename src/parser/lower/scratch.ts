/**
 * adgen's scratch arrays read back. A function adgen split (an `f_hvp` or `f_jvp` of numbers
 * around its kernel, src/simplify/kernel.ts and jvp-kernel.ts; a large function around its
 * parts, split.ts) passes numbers through a module-level Float64Array, `f_hvp_scratch`, which
 * src/parser/module.ts recognises in a module with adgen's header. Each call of such a function
 * writes every element of the array it reads before reading it (the arguments, then the kernel's
 * or a part's results), so an array local to the call computes exactly what the module's does.
 * That is how the lowering reads it: a function it inlines that names a scratch array no caller
 * being inlined has yet gets a fresh `new Float64Array(n)` where it is called, and the functions
 * it calls (the kernel, the parts: inlined too) use that one. A second call gets a new array.
 * Which arrays are scratch arrays (used so that this is exact) is src/parser/scratch-sound.ts's.
 */
import { ts } from "ts-morph";
import type { ModuleScope } from "../module.js";

const cache = new WeakMap<ts.Node, [string, number][]>();

/** The scratch arrays of `mod` that the function `node` names, with their lengths, in the order named. */
export function scratchReads(node: ts.Node, mod: ModuleScope): [string, number][] {
  const known = cache.get(node);
  if (known) return known;
  const found = new Map<string, number>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && !found.has(n.text)) {
      const b = mod.bindings.get(n.text);
      if (b?.kind === "scratch") found.set(n.text, b.size);
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  const reads = [...found];
  cache.set(node, reads);
  return reads;
}
