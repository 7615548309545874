/**
 * Dead-code elimination: drops every assignment nothing reads, in the forward and the backward
 * pass together, from what the function returns back to its first statement. The sweep writes
 * a contribution for every operand; the ones multiplied by an exact zero, the adjoints of values
 * that only decide conditions, and the forward values only those read disappear here.
 */
import { liveStatements, collectReads } from "../code-live.js";
import { returnedExprs } from "../code-walk.js";
import type { CodeModule } from "../ir.js";

export function removeDeadCode(module: CodeModule): void {
  for (const f of module.functions) {
    const live = new Set<string>();
    collectReads(
      returnedExprs(f.returns).map((expr) => ({ kind: "accumulate" as const, name: "", expr })),
      live,
    );
    f.backward = liveStatements(f.backward, live);
    f.forward = liveStatements(f.forward, live);
  }
}
