/**
 * The built-in gates by the name generated code calls them: an export of adgen/gates (`matmul`)
 * or a derivative of one, a path of tangents and parts of backwards (`matmul.backward[0]`,
 * `dot.tangent.backward[1]`: backward-parts.ts, multilinear.ts, elementary.ts). The compiler reads their specs
 * (inputs, reads, tangents) through this; it is not part of adgen/gates.
 */
import * as builtinGates from "./index.js";

export function builtinGate(name: string): unknown {
  const [, gate, path = ""] = /^([\w$]+)((?:\.tangent|\.backward\[\d+\])*)$/.exec(name) ?? [];
  if (gate === undefined || !Object.hasOwn(builtinGates, gate)) return undefined;
  let value = (builtinGates as Record<string, unknown>)[gate];
  for (const [, part] of path.matchAll(/\.tangent|\.backward\[(\d+)\]/g)) {
    const at = value as { tangent?: unknown; backward?: Record<number, unknown> } | undefined;
    // A gate's tangent (`matmul.tangent`, called by f_jvp) and a part are array gates of their own.
    if (part === undefined) value = at?.tangent;
    else value = at?.backward && Object.hasOwn(at.backward, part) ? at.backward[Number(part)] : undefined;
  }
  return value;
}

/** Why `name` (`matmul.backward[2]`, a size's part) is no built-in gate, for a diagnostic. */
export function noSuchGate(name: string): string {
  return `'${name}' does not exist: ${whyNot()}`;
}

/**
 * Why a derivative is missing: every gate's derivatives go to any order (multilinear.ts,
 * elementary.ts), so a missing one is no derivative at all (a size's part).
 */
export function whyNot(): string {
  return "adgen/gates has no such derivative";
}
