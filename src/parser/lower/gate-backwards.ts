/**
 * Array gates' derivatives called as functions, as adgen's own generated code calls them. A
 * derivative is named by a path from an import of adgen/gates: `.tangent` steps (f_jvp calls
 * `matmul.tangent(out, ...inputs, ...tangents)`) and `.backward[i]` steps (the part of a backward
 * giving input `i`'s gradient, src/gates/backward-parts.ts), each an array gate with derivatives
 * of its own (src/gates/multilinear.ts).
 *
 * A backward called whole, `const [grad_x, grad_w] = matmul.backward(grad_y, y, x, w, n, d, m)`
 * (f_grad) or `const [, grad_x, , , , , grad_dx] = matmul.tangent.backward(...)` (f_hvp), with a
 * `true`/`false` flag per differentiated input after the inputs when some gradient is not wanted,
 * is read as a tuple whose elements are calls to its parts:
 * `grad_x = matmul.backward[0](grad_y, y, x, w, n, d, m)`, so differentiating generated code again
 * differentiates through the backward. An entry the flags leave out (an empty array at run time),
 * one for a tangent passed as `undefined` and a size's are no elements.
 *
 * The fused value and tangent, `const [y, dot_y] = matmul.jvp(x, w, n, d, m, dot_x, dot_w)`
 * (src/gates/jvp.ts, written by src/simplify/fuse.ts), is read as the pair it stands for:
 * `y = matmul(x, w, n, d, m)` and `dot_y = matmul.tangent(y, x, w, n, d, m, dot_x, dot_w)`, which
 * compute the same numbers (the tangent an array gate with a backward of its own).
 */
import { ts } from "ts-morph";
import { GATES_MODULE } from "../../conventions.js";
import { codes } from "../../diagnostics.js";
import { noSuchGate } from "../../gates/find.js";
import type { Atom, VarRef } from "../../ir.js";
import { skipParens } from "../syntax.js";
import { UNDEFINED } from "./calls.js";
import type { RecordType } from "./record-types.js";
import { strip, type RecordValue } from "./records.js";
import type { CallTarget } from "./state.js";
import { LowerTuples } from "./tuples.js";

/** An array gate or a derivative of one: how to call it, its name as written, whether it is a tangent. */
interface GatePath {
  target: CallTarget;
  shown: string;
  /** Steps from the import: 0 for the gate itself. */
  steps: number;
  tangent: boolean;
}

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
    const tangent = this.resolver.derivedGate(target.key, ".tangent");
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

  /** A derivative called (`matmul.tangent(...)`, `dot.backward[0](...)`): an array gate's call. */
  protected call(e: ts.CallExpression, hint?: string): Atom {
    const path = this.gatePath(e.expression);
    if (!path || path.steps === 0) return super.call(e, hint);
    const sizes = path.target.inputs!.flatMap((k, i) => (k === "size" ? [i] : []));
    // A size of a derivative may be an array the gate reads the length of (a part's `out`).
    return this.userCall(path.target, path.shown, e, hint, sizes, true);
  }

  /** `e` as a path to an array gate (`matmul`, imported from adgen/gates) or a derivative of one. */
  private gatePath(e: ts.Expression): GatePath | undefined {
    const inner = skipParens(e);
    if (ts.isIdentifier(inner)) {
      if (this.lookup(inner.text)) return undefined;
      const b = this.mod.bindings.get(inner.text);
      if (b?.kind !== "import" || b.from !== GATES_MODULE) return undefined;
      const target = this.resolver.resolve(this.mod, inner.text, inner);
      return target.inputs && target.output ? { target, shown: inner.text, steps: 0, tangent: false } : undefined;
    }
    if (ts.isPropertyAccessExpression(inner) && inner.name.text === "tangent")
      return this.step(this.gatePath(inner.expression), ".tangent", inner);
    if (
      ts.isElementAccessExpression(inner) &&
      ts.isNumericLiteral(inner.argumentExpression) &&
      ts.isPropertyAccessExpression(inner.expression) &&
      inner.expression.name.text === "backward"
    )
      return this.step(
        this.gatePath(inner.expression.expression),
        `.backward[${inner.argumentExpression.text}]`,
        inner,
      );
    return undefined;
  }

  private step(from: GatePath | undefined, step: string, at: ts.Node): GatePath | undefined {
    if (!from) return undefined;
    const shown = `${from.shown}${step}`;
    const target = this.resolver.derivedGate(from.target.key, step);
    if (!target) this.fail(codes.unknownCall, noSuchGate(shown), at);
    return { target, shown, steps: from.steps + 1, tangent: step === ".tangent" };
  }

  /** The gate whose backward `e` calls whole (`matmul.backward(...)`, `matmul.tangent.backward(...)`). */
  private backwardOf(e: ts.CallExpression): GatePath | undefined {
    const callee = e.expression;
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "backward") return undefined;
    return this.gatePath(callee.expression);
  }

  /** The tuple of the parts' calls, named after the destructured names when there are some. */
  private backwardCall(e: ts.CallExpression, gate: GatePath): RecordValue {
    const { target } = gate;
    const inputs = target.inputs!;
    const shown = `${gate.shown}.backward`;
    const differentiated = inputs.flatMap((k, i) => (k === "size" ? [] : [i]));
    const n = 2 + inputs.length;
    // A tangent's backward may be called without its trailing tangents (zero), as f_hvp may.
    const tangents = gate.tangent ? (differentiated.length - (inputs[0] === "size" ? 0 : 1)) / 2 : 0;
    const fewest = n - tangents;
    const count = e.arguments.length;
    if ((count < fewest || count > n) && count !== n + differentiated.length)
      this.fail(
        codes.arity,
        `'${shown}' takes ${n} arguments (grad, out, then the inputs)${differentiated.length > 0 ? `, or ${n + differentiated.length} with a wanted flag per input` : ""}, got ${count}`,
        e,
      );
    const spread = e.arguments.find(ts.isSpreadElement);
    if (spread) this.fail(codes.expression, "spread arguments are not supported", spread);
    const kinds = [target.output!, target.output!, ...inputs];
    const args = e.arguments.slice(0, n).map((a, i) => {
      const kind = kinds[i]!;
      if (gate.steps > 0 && i >= 2 && this.isUndefined(a)) return UNDEFINED;
      const atom = this.value(a);
      // A size of a derivative may be an array it reads the length of.
      if (kind === "size" && gate.steps > 0) return atom;
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
    while (args.length < n) args.push(UNDEFINED);
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
    const fields = new Map<string, { atom: Atom; array: boolean }>();
    inputs.forEach((kind, i) => {
      if (kind === "size" || wanted[differentiated.indexOf(i)] === false || args[2 + i] === UNDEFINED) return;
      const part = this.resolver.derivedGate(target.key, `.backward[${i}]`);
      if (!part) this.fail(codes.unknownCall, noSuchGate(`${gate.shown}.backward[${i}]`), e);
      const value = this.node("call", args, e, hint(i), part.key) as VarRef;
      const array = part.output === "array";
      if (array) this.arrays.set(value.name, "Float64Array");
      fields.set(String(i), { atom: value, array });
    });
    const type: RecordType = {
      kind: "record",
      tuple: true,
      fields: [...fields].map(([k, { array }]) => ({
        name: k,
        type: array ? { kind: "array", element: { kind: "number" }, storage: "Float64Array" } : { kind: "number" },
      })),
    };
    return { kind: "record", type, fields: new Map([...fields].map(([k, { atom }]) => [k, atom])) };
  }
}
