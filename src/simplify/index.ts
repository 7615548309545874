/**
 * Phase 4, simplify: CodeModule -> CodeModule, in order: copy propagation of mutable adjoints
 * (copies.ts), then coalescing of values into the variables they are only copied into
 * (coalesce.ts).
 */
import type { CodeModule } from "../ir.js";
import { coalesce } from "./coalesce.js";
import { propagateCopies } from "./copies.js";

export function simplify(module: CodeModule): void {
  propagateCopies(module);
  coalesce(module);
}
