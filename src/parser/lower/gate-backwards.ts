/**
 * An array gate's backward and its fused forward mode called as functions, as adgen's own
 * `f_grad` and `f_jvp` call them. The backward:
 * `const [grad_x, grad_w] = matmul.backward(grad_y, y, x, w, n, d, m)`, with a `true`/`false`
 * flag per differentiated input after the inputs when some gradient is not wanted. It is read as
 * a tuple whose elements are calls to the backward's parts (src/gates/backward-parts.ts):
 * `grad_x = matmul.backward[0](grad_y, y, x, w, n, d, m)`, each an array gate with derivatives of
 * its own, so differentiating generated code again differentiates through the backward. An entry
 * the flags leave out (an empty array at run time) and a size's (`undefined`) are no elements.
 *
 * The fused value and tangent, `const [y, dot_y] = matmul.jvp(x, w, n, d, m, dot_x, dot_w)`
 * (src/gates/jvp.ts, written by src/simplify/fuse.ts), is read as the pair it stands for:
 * `y = matmul(x, w, n, d, m)` and `dot_y = matmul.tangent(y, x, w, n, d, m, dot_x, dot_w)`, which
 * compute the same numbers (the tangent an array gate with a backward of its own).
 */
import { ts } from "ts-morph";
import { GATES_MODULE } from "../../conventions.js";
import { codes } from "../../diagnostics.js";
import type { Atom, VarRef } from "../../ir.js";
import type { RecordType } from "./record-types.js";
import { strip, type RecordValue } from "./records.js";
import { UNDEFINED } from "./calls.js";
import type { CallTarget } from "./state.js";
import { LowerTuples } from "./tuples.js";

export abstract class LowerGateBackwards extends LowerTuples {
  protected isRecordExpression(e: ts.Expression): boolean {
    const inner = strip(e);
    return (
      (ts.isCallExpression(inner) && (this.backwardOf(inner) !== undefined || this.jvpOf(inner) !== undefined)) ||
      super.isRecordExpression(e)
    );
  }

  protected anyValue(e: ts.Expression, hint?: string, expected?: RecordType): Atom | RecordValue {
    const inner = strip(e);
    const gate = ts.isCallExpression(inner) ? this.backwardOf(inner) : undefined;
    if (gate) return this.backwardCall(inner as ts.CallExpression, gate);
    const fused = ts.isCallExpression(inner) ? this.jvpOf(inner) : undefined;
    if (fused) return this.jvpCall(inner as ts.CallExpression, fused);
    return super.anyValue(e, hint, expected);
  }

  /** The array gate `e` calls the fused `jvp` of (`matmul.jvp(...)`, `matmul` from adgen/gates). */
  private jvpOf(e: ts.CallExpression): { target: CallTarget; tangent: CallTarget; name: string } | undefined {
    const callee = e.expression;
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "jvp") return undefined;
    const object = callee.expression;
    if (!ts.isIdentifier(object) || this.lookup(object.text)) return undefined;
    const b = this.mod.bindings.get(object.text);
    if (b?.kind !== "import" || b.from !== GATES_MODULE) return undefined;
    const target = this.resolver.resolve(this.mod, object.text, object);
    if (!target.inputs || !target.output) return undefined;
    const tangent = this.resolver.tangentGate(target.key);
    return tangent ? { target, tangent, name: object.text } : undefined;
  }

  /** `[y, dot_y]`: the gate's call and its tangent's, named after the destructured names. */
  private jvpCall(e: ts.CallExpression, gate: { target: CallTarget; tangent: CallTarget; name: string }): RecordValue {
    const { target, tangent, name } = gate;
    const inputs = target.inputs!;
    const shown = `${name}.jvp`;
    const differentiated = inputs.filter((k) => k !== "size").length;
    const n = inputs.length;
    if (e.arguments.length < n || e.arguments.length > n + differentiated)
      this.fail(
        codes.arity,
        `'${shown}' takes the ${n} inputs of '${name}', then up to ${differentiated} tangents, got ${e.arguments.length} arguments`,
        e,
      );
    const spread = e.arguments.find(ts.isSpreadElement);
    if (spread) this.fail(codes.expression, "spread arguments are not supported", spread);
    const args = e.arguments.map((a, i) => {
      const tangentOf = i >= n;
      // A zero tangent (a data input's) is `undefined`, or left out at the end.
      if (tangentOf && ts.isIdentifier(a) && a.text === "undefined" && !this.lookup("undefined")) return UNDEFINED;
      const atom = this.value(a);
      const kind = tangentOf ? "array" : inputs[i]!;
      const what = tangentOf ? `tangent ${i - n + 1} of '${shown}'` : `input ${i + 1} of '${shown}'`;
      if (kind === "array") this.flatArray(atom, a, what);
      if ((kind === "array") !== this.isArray(atom))
        this.fail(
          kind === "array" ? codes.notArray : codes.notNumber,
          `${what} must be ${kind === "array" ? "a Float64Array" : "a number"}`,
          a,
        );
      return kind === "array" ? atom : this.numeric(atom, a);
    });
    while (args.length < n + differentiated) args.push(UNDEFINED);
    const pattern = ts.isVariableDeclaration(e.parent) && e.parent.initializer === e ? e.parent.name : undefined;
    const hint = (i: number) => {
      const el = pattern && ts.isArrayBindingPattern(pattern) ? pattern.elements[i] : undefined;
      return el && ts.isBindingElement(el) && ts.isIdentifier(el.name) ? el.name.text : undefined;
    };
    const value = this.node("call", args.slice(0, n), e, hint(0), target.key) as VarRef;
    this.arrays.set(value.name, "Float64Array");
    const dot = this.node("call", [value, ...args], e, hint(1), tangent.key) as VarRef;
    this.arrays.set(dot.name, "Float64Array");
    const array = { kind: "array", element: { kind: "number" }, storage: "Float64Array" } as const;
    const type: RecordType = {
      kind: "record",
      tuple: true,
      fields: [
        { name: "0", type: array },
        { name: "1", type: array },
      ],
    };
    return {
      kind: "record",
      type,
      fields: new Map([
        ["0", value],
        ["1", dot],
      ]),
    };
  }

  /** The array gate `e` calls the backward of (`matmul.backward(...)`, `matmul` from adgen/gates). */
  private backwardOf(e: ts.CallExpression): { target: CallTarget; name: string } | undefined {
    const callee = e.expression;
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "backward") return undefined;
    const object = callee.expression;
    if (ts.isPropertyAccessExpression(object) && object.name.text === "tangent" && ts.isIdentifier(object.expression)) {
      const b = this.lookup(object.expression.text) ? undefined : this.mod.bindings.get(object.expression.text);
      if (b?.kind === "import" && b.from === GATES_MODULE)
        this.fail(
          codes.unknownCall,
          `'${this.text(callee)}(...)', f_hvp's reverse sweep through the tangent of '${object.expression.text}', has no derivative: adgen differentiates an array gate's tangent once (f_jvp read back), not its backward`,
          callee,
        );
    }
    if (!ts.isIdentifier(object) || this.lookup(object.text)) return undefined;
    const b = this.mod.bindings.get(object.text);
    if (b?.kind !== "import" || b.from !== GATES_MODULE) return undefined;
    const target = this.resolver.resolve(this.mod, object.text, object);
    return target.inputs && target.output ? { target, name: object.text } : undefined;
  }

  /** The tuple of the parts' calls, named after the destructured names when there are some. */
  private backwardCall(e: ts.CallExpression, gate: { target: CallTarget; name: string }): RecordValue {
    const { target, name } = gate;
    const inputs = target.inputs!;
    const shown = `${name}.backward`;
    const differentiated = inputs.flatMap((k, i) => (k === "size" ? [] : [i]));
    const n = 2 + inputs.length;
    if (e.arguments.length !== n && e.arguments.length !== n + differentiated.length)
      this.fail(
        codes.arity,
        `'${shown}' takes ${n} arguments (grad, out, then the inputs)${differentiated.length > 0 ? `, or ${n + differentiated.length} with a wanted flag per input` : ""}, got ${e.arguments.length}`,
        e,
      );
    const spread = e.arguments.find(ts.isSpreadElement);
    if (spread) this.fail(codes.expression, "spread arguments are not supported", spread);
    const kinds = [target.output!, target.output!, ...inputs];
    const args = e.arguments.slice(0, n).map((a, i) => {
      const atom = this.value(a);
      const kind = kinds[i]!;
      const what = i === 0 ? "grad" : i === 1 ? "out" : `input ${i - 1}`;
      if (kind === "array") this.flatArray(atom, a, `${what} of '${shown}'`);
      if ((kind === "array") !== this.isArray(atom))
        this.fail(
          kind === "array" ? codes.notArray : codes.notNumber,
          `${what} of '${shown}' must be ${kind === "array" ? "a Float64Array" : "a number"}`,
          a,
        );
      return kind === "array" ? atom : this.numeric(atom, a);
    });
    const wanted = e.arguments.slice(n).map((a) => {
      const flag = strip(a);
      if (flag.kind !== ts.SyntaxKind.TrueKeyword && flag.kind !== ts.SyntaxKind.FalseKeyword)
        this.fail(codes.expression, `the wanted flags of '${shown}' must be 'true' or 'false'`, a);
      return flag.kind === ts.SyntaxKind.TrueKeyword;
    });
    // The names the tuple is destructured into, for the parts' values.
    const pattern = ts.isVariableDeclaration(e.parent) && e.parent.initializer === e ? e.parent.name : undefined;
    const hint = (i: number) => {
      const el = pattern && ts.isArrayBindingPattern(pattern) ? pattern.elements[i] : undefined;
      return el && ts.isBindingElement(el) && ts.isIdentifier(el.name) ? el.name.text : undefined;
    };
    const fields = new Map<string, Atom>();
    inputs.forEach((kind, i) => {
      if (kind !== "array" || wanted[differentiated.indexOf(i)] === false) return;
      const part = this.resolver.backwardPart(target.key, i);
      if (!part) this.fail(codes.unknownCall, `'${shown}' has no derivative for input ${i}`, e);
      const value = this.node("call", args, e, hint(i), part.key) as VarRef;
      this.arrays.set(value.name, "Float64Array");
      fields.set(String(i), value);
    });
    const type: RecordType = {
      kind: "record",
      tuple: true,
      fields: [...fields.keys()].map((k) => ({
        name: k,
        type: { kind: "array", element: { kind: "number" }, storage: "Float64Array" },
      })),
    };
    return { kind: "record", type, fields };
  }
}
