/**
 * Phase 4, simplify: CodeModule -> CodeModule, in order: forward-value reuse (reuse.ts), adjoint
 * elements cleared then added to folded into one store (cleared.ts), adjoint elements added to in
 * every iteration of a loop summed in a variable (promote.ts), dead-code
 * elimination (dead.ts), copy
 * propagation of mutable adjoints (copies.ts), then coalescing of values into the variables they are only copied into
 * (coalesce.ts), then copy and constant propagation in f_hvp (propagate.ts), then writing forward mode's single-use temporaries in place (inline.ts), then
 * moving loop-invariant reads out of the loops of f_jvp, f_hvp, f_grad and f_vjp, in a branch on the loop running (hoist.ts), then
 * fusing f_jvp's and f_hvp's array gate calls with their tangents where the gate has a fused `jvp` (fuse.ts), then
 * splitting functions too large for JavaScript engines to optimise into parts (split.ts), and last,
 * moving the body of an `f_hvp` of numbers too large to be inlined into a kernel (kernel.ts), and
 * of an `f_jvp` of numbers (jvp-kernel.ts).
 */
import type { CodeModule } from "../ir.js";
import { foldClearedAdds } from "./cleared.js";
import { coalesce } from "./coalesce.js";
import { propagateCopies } from "./copies.js";
import { removeDeadCode } from "./dead.js";
import { reuseForwardValues } from "./reuse.js";
import { fuseGateTangents } from "./fuse.js";
import { inlineTemporaries } from "./inline.js";
import { jvpKernels } from "./jvp-kernel.js";
import { hvpKernels } from "./kernel.js";
import { hoistInvariantReads } from "./hoist.js";
import { promoteLoopSums } from "./promote.js";
import { propagateInHvp } from "./propagate.js";
import { PART_SIZE, SPLIT_ABOVE, splitLargeFunctions } from "./split.js";

/** `split`: whether to split large functions, or at which sizes (CompileOptions.split). */
export function simplify(module: CodeModule, split: boolean | { above?: number; part?: number } = true): void {
  reuseForwardValues(module);
  foldClearedAdds(module);
  promoteLoopSums(module);
  removeDeadCode(module);
  propagateCopies(module);
  coalesce(module);
  propagateInHvp(module);
  inlineTemporaries(module);
  hoistInvariantReads(module);
  if (split !== false) fuseGateTangents(module);
  if (split !== false)
    splitLargeFunctions(module, {
      above: (split === true ? undefined : split.above) ?? SPLIT_ABOVE,
      part: (split === true ? undefined : split.part) ?? PART_SIZE,
    });
  // A kernel is a part too: a companion a nested request reads back (split: false) stays one
  // function, inlined into its caller, where a scratch array between a caller and its kernel
  // would only be a detour (the parser reads both forms: src/parser/lower/scratch.ts).
  if (split === false) return;
  hvpKernels(module);
  jvpKernels(module);
}
