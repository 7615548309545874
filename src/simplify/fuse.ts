/**
 * In `f_jvp`, an array gate's forward call and its tangent, `const y = matmul(x, w, ...); const
 * dot_y = matmul.tangent(y, x, w, ..., dot_x, dot_w);`, become one call of the gate's fused
 * `jvp` where it has one: `const [y, dot_y] = matmul.jvp(x, w, ..., dot_x, dot_w);` (src/gates/jvp.ts),
 * which makes one pass over each matrix for the value and the tangent together. The tangent
 * graph puts the tangent right after the forward call, so only adjacent pairs are fused: nothing
 * between them can write the inputs. In `f_jvp` and in `f_hvp`'s forward pass: the reverse
 * sweep (src/transform/tangent/hvp.ts) has already read the pair as two gates, and its backward
 * reads `y` and `dot_y` by name, which the fused call still defines.
 */
import * as builtinGates from "../gates/index.js";
import { innerCode } from "../code-walk.js";
import type { CodeModule, CodeStatement, Expr } from "../ir.js";

/** Whether the gate generated code calls `name` has a fused `jvp`. */
const hasJvp = (name: string): boolean =>
  typeof (builtinGates as unknown as Record<string, { jvp?: unknown } | undefined>)[name]?.jvp === "function";

export function fuseGateTangents(module: CodeModule): void {
  for (const f of module.functions) if (f.companion === "jvp" || f.companion === "hvp") f.forward = block(f.forward);
}

function block(list: CodeStatement[]): CodeStatement[] {
  const out: CodeStatement[] = [];
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    for (const inner of innerCode(s)) inner.splice(0, inner.length, ...block(inner));
    const next = list[i + 1];
    const fused = next && fusedCall(s, next);
    if (fused) {
      out.push(fused);
      i++;
    } else out.push(s);
  }
  return out;
}

/** `const [y, dot_y] = gate.jvp(...)` for a forward call `s` and its tangent `t`, if they are such a pair. */
function fusedCall(s: CodeStatement, t: CodeStatement): CodeStatement | undefined {
  if (s.kind !== "const" || t.kind !== "const") return undefined;
  const forward = s.expr;
  const tangent = t.expr;
  if (forward.kind !== "op" || forward.op !== "call" || !forward.callee || !hasJvp(forward.callee)) return undefined;
  if (tangent.kind !== "op" || tangent.op !== "call" || tangent.callee !== `${forward.callee}.tangent`)
    return undefined;
  const [out, ...rest] = tangent.args;
  if (out?.kind !== "var" || out.name !== s.name) return undefined;
  if (!forward.args.every((a, k) => same(a, rest[k]))) return undefined;
  return {
    kind: "destructure",
    names: [s.name, t.name],
    expr: { kind: "op", op: "call", callee: `${forward.callee}.jvp`, args: rest },
  };
}

/** Whether two expressions are written the same. */
function same(a: Expr, b: Expr | undefined): boolean {
  if (b === undefined || a.kind !== b.kind) return false;
  if (a.kind === "var") return b.kind === "var" && a.name === b.name;
  if (a.kind === "const") return b.kind === "const" && a.text === b.text && Object.is(a.value, b.value);
  return (
    b.kind === "op" &&
    a.op === b.op &&
    a.callee === b.callee &&
    a.args.length === b.args.length &&
    a.args.every((x, k) => same(x, b.args[k]))
  );
}
