/**
 * Phase 4, simplify: CodeModule -> CodeModule, in order: forward-value reuse (reuse.ts), dead-code
 * elimination (dead.ts), copy
 * propagation of mutable adjoints (copies.ts), then coalescing of values into the variables they are only copied into
 * (coalesce.ts), then writing forward mode's single-use temporaries in place (inline.ts).
 */
import type { CodeModule } from "../ir.js";
import { coalesce } from "./coalesce.js";
import { propagateCopies } from "./copies.js";
import { removeDeadCode } from "./dead.js";
import { reuseForwardValues } from "./reuse.js";
import { inlineTemporaries } from "./inline.js";

export function simplify(module: CodeModule): void {
  reuseForwardValues(module);
  removeDeadCode(module);
  propagateCopies(module);
  coalesce(module);
  inlineTemporaries(module);
}
