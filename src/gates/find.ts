/**
 * The built-in gates by the name generated code calls them: an export of adgen/gates (`matmul`)
 * or a part of an array gate's backward (`matmul.backward[0]`, backward-parts.ts). The compiler
 * reads their specs (inputs, reads, tangents) through this; it is not part of adgen/gates.
 */
import * as builtinGates from "./index.js";

export function builtinGate(name: string): unknown {
  const [, gate, part, tangent] = /^([\w$]+)(?:\.backward\[(\d+)\]|(\.tangent))?$/.exec(name) ?? [];
  if (gate === undefined || !Object.hasOwn(builtinGates, gate)) return undefined;
  const value = (builtinGates as Record<string, unknown>)[gate];
  // A gate's tangent (`matmul.tangent`), called by f_jvp: an array gate of its own (src/gates/arrays.ts).
  if (tangent) return (value as { tangent?: unknown }).tangent;
  if (part === undefined) return value;
  const backward = (value as { backward?: Record<number, unknown> }).backward;
  return backward && Object.hasOwn(backward, part) ? backward[Number(part)] : undefined;
}
