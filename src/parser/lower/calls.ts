/**
 * Lowering calls: Math functions, gates and array gates, user functions (a call node, or inlined
 * when it takes or returns arrays).
 */
import { ts } from "ts-morph";
import { GATES_MODULE } from "../../conventions.js";
import { codes } from "../../diagnostics.js";
import type { Atom, OpName, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { mathOp, rules, unsupported } from "../../rules/table.js";
import { dataArgument } from "../module.js";
import { derivativeOf } from "../nested.js";
import { ARRAY_TYPES, NESTED_ARRAY_TYPES, skipParens } from "../syntax.js";
import { LowerNested } from "./nested.js";
import { scratchReads } from "./scratch.js";
import { type CallTarget } from "./state.js";

/** `undefined`, a zero tangent to a gate's tangent. */
export const UNDEFINED: Atom = { kind: "const", value: Number.NaN, text: "undefined" };

export abstract class LowerCalls extends LowerNested {
  protected call(e: ts.CallExpression, hint?: string): Atom {
    const callee = e.expression;
    // `xs.reduce(...)`, `Math.max(...xs)` and the other array methods (src/parser/lower/methods.ts).
    if (this.methodGives(e) !== undefined) return this.method(e, "number", hint)!;
    const spread = e.arguments.find(ts.isSpreadElement);
    if (spread) this.fail(codes.expression, "spread arguments are not supported", spread);
    // `grad(g)(x)`, `dg(x)`: a generated companion, which returns a record (src/parser/nested.ts).
    if ((ts.isIdentifier(callee) && this.lookup(callee.text)?.derivative) || derivativeOf(callee, this.mod))
      return this.inlineCall(e)!;
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
      const object = callee.expression.text;
      const member = callee.name.text;
      const local = this.lookup(object);
      if (local && this.isArray(local.value))
        this.fail(
          codes.expression,
          `'${object}.${member}(...)' is not supported: arrays keep their length; allocate with new Float64Array(n) and write elements (a.slice() copies)`,
          callee,
        );
      if (local)
        this.fail(
          codes.notFunction,
          `'${object}' is ${local.record ? `a record${local.record.name ? ` (${local.record.name})` : ""}` : local.view ? "an element of an array of records" : "a number"}; '${object}.${member}' is not a function adgen knows`,
          callee,
        );
      if (object === "Math") {
        const reason = unsupported[`Math.${member}`];
        if (reason) this.fail(codes.unsupportedMath, `'Math.${member}' is not supported: ${reason}`, callee);
        const op = mathOp(member);
        if (!op) this.fail(codes.unknownMath, `'Math.${member}' is not a Math function`, callee.name);
        return this.opCall(op, `Math.${member}`, e, hint);
      }
      const b = this.mod.bindings.get(object);
      if (b?.kind === "namespace")
        return this.userCall(
          this.resolver.resolveMember(this.mod, object, member, callee),
          `${object}.${member}`,
          e,
          hint,
        );
      if (object === "Date")
        this.fail(codes.date, `'Date.${member}' depends on the clock; pass times in as parameters`, callee);
      if (b?.kind === "import" && b.from === GATES_MODULE && (member === "tangent" || member === "jvp"))
        this.fail(
          codes.unknownCall,
          member === "jvp"
            ? `'${object}.jvp(...)' is read only as the pair it returns, \`const [y, dot_y] = ${object}.jvp(...)\`, of a gate with a fused jvp (matmul, matvec)`
            : `'${object}.tangent(...)' is not supported here: '${object}' has no tangent adgen differentiates again`,
          callee,
        );
      this.fail(
        codes.unknownCall,
        `'${this.text(callee)}(...)' is not supported: adgen has no derivative rule for it`,
        callee,
      );
    }
    // `h(g)(x)` where h is no derivative operator: what is wrong with `h(g)` comes first.
    if (ts.isCallExpression(skipParens(callee))) this.value(callee);
    if (!ts.isIdentifier(callee))
      this.fail(codes.unknownCall, `calling '${this.text(callee)}' is not supported`, callee);
    const name = callee.text;
    if (this.lookup(name))
      this.fail(
        codes.notFunction,
        `'${name}' is a local value, not a function; calls through values are not supported`,
        callee,
      );
    const b = this.mod.bindings.get(name);
    const inlined = this.inlineCall(e);
    if (inlined) {
      if (this.isArray(inlined)) this.fail(codes.notNumber, `'${name}(...)' returns an array, not a number`, e);
      return inlined;
    }
    if (b?.kind === "function" || b?.kind === "gate" || b?.kind === "import")
      return this.userCall(this.resolver.resolve(this.mod, name, callee), name, e, hint);
    if (b?.kind === "mutable" || b?.kind === "constant")
      this.fail(
        codes.notFunction,
        `'${name}' is a module-level value, not a function; calls through values are not supported`,
        callee,
      );
    if (name === "eval")
      this.fail(codes.evalCall, "'eval' runs code unknown at compile time and cannot be differentiated", callee);
    if (name === "Function")
      this.fail(codes.evalCall, "'Function' builds code at run time and cannot be differentiated", callee);
    if (name === "Date") this.fail(codes.date, "'Date()' depends on the clock; pass times in as parameters", callee);
    this.fail(
      codes.unknownCall,
      `'${name}' is not a function adgen knows (a Math function, a gate, or a function of yours)`,
      callee,
    );
  }

  /** `undefined` (not a local of that name): a zero tangent to a gate's derivative. */
  protected isUndefined(a: ts.Expression): boolean {
    return ts.isIdentifier(a) && a.text === "undefined" && !this.lookup("undefined");
  }

  /**
   * A call to a function that takes or returns arrays is inlined: its body is lowered here, with
   * its parameters bound to the arguments (a pullback could not see the arrays as they were at
   * the call). Returns undefined for any other call.
   */
  protected inlineCall(e: ts.CallExpression, asStatement = false): Atom | undefined {
    if (!ts.isIdentifier(e.expression) || this.lookup(e.expression.text)) return undefined;
    const name = e.expression.text;
    const b = this.mod.bindings.get(name);
    if (b?.kind !== "function" && b?.kind !== "import") return undefined;
    const src = this.resolver.functionSource(this.mod, name, e.expression);
    if (!src) return undefined;
    const node = src.fn.node;
    const typeText = (t: ts.TypeNode) => t.getText(src.mod.sf).replace(/\s+/g, " ");
    const isNestedType = (t: ts.TypeNode | undefined): boolean =>
      t !== undefined && (NESTED_ARRAY_TYPES[typeText(t)] !== undefined || isNestedType(dataArgument(src.mod, t)));
    const isArrayType = (t: ts.TypeNode | undefined): boolean =>
      t !== undefined &&
      (ARRAY_TYPES[typeText(t)] !== undefined || isNestedType(t) || isArrayType(dataArgument(src.mod, t)));
    // A function that names adgen's scratch array (a kernel, a part) shares its caller's: inlined too.
    const scratch = scratchReads(node, src.mod).length > 0;
    if (!node.parameters.some((p) => isArrayType(p.type)) && !isArrayType(node.type) && !scratch) return undefined;
    const id = `${src.mod.file}#${src.fn.name}`;
    if (this.inlining.includes(id) || (src.fn.node === this.fn.node && this.inlining.length === 0))
      this.fail(codes.recursion, `'${src.fn.name}' calls itself; recursion is not supported`, e.expression);
    if (e.arguments.length !== node.parameters.length)
      this.fail(
        codes.arity,
        `'${name}' takes ${node.parameters.length} argument${node.parameters.length === 1 ? "" : "s"}, got ${e.arguments.length}`,
        e,
      );
    const args = e.arguments.map((a, i) => {
      const atom = this.value(a);
      const param = node.parameters[i]!;
      if (isArrayType(param.type) !== this.isArray(atom))
        this.fail(
          isArrayType(param.type) ? codes.notArray : codes.notNumber,
          `argument ${i + 1} of '${name}' must be ${isArrayType(param.type) ? "an array" : "a number"}`,
          a,
        );
      if (isNestedType(param.type) !== (atom.kind === "var" && this.nested.has(atom.name)))
        this.fail(
          isNestedType(param.type) ? codes.notArray : codes.nestedArray,
          `argument ${i + 1} of '${name}' must be ${isNestedType(param.type) ? "an array of arrays" : "a flat array; pass a row ('A[i]')"}`,
          a,
        );
      return atom;
    });

    const saved = {
      fn: this.fn,
      mod: this.mod,
      sf: this.sf,
      scopes: this.scopes,
      loops: this.loops.splice(0),
      scratch: this.enterScratch(node, src.mod, e),
    };
    this.inlining.push(id);
    this.fn = src.fn;
    this.mod = src.mod;
    this.sf = src.mod.sf;
    this.scopes = [new Map()];
    try {
      node.parameters.forEach((p, i) => {
        if (!ts.isIdentifier(p.name))
          this.fail(codes.parameter, `destructured parameter '${this.text(p.name)}' is not supported`, p.name);
        this.scopes[0]!.set(p.name.text, { keyword: "param", value: args[i]! });
      });
      let results: Atom[] | undefined;
      if (node.body && ts.isBlock(node.body)) results = this.statements(node.body.statements, 0, () => undefined);
      else if (node.body) results = [this.value(node.body, src.fn.name)];
      const isVoid = node.type?.kind === ts.SyntaxKind.VoidKeyword;
      if (isVoid && !asStatement)
        this.fail(codes.notNumber, `'${src.fn.name}' returns nothing; call it as a statement`, e);
      if (isVoid) return c(0);
      if (!results)
        this.fail(codes.missingReturn, `'${src.fn.name}' does not return a value on every path`, src.fn.nameNode);
      return results[0]!;
    } catch (err) {
      if (src.mod !== saved.mod) this.resolver.reportIn(src.mod, err);
      throw err;
    } finally {
      this.inlining.pop();
      this.fn = saved.fn;
      this.mod = saved.mod;
      this.sf = saved.sf;
      this.scopes = saved.scopes;
      this.loops.push(...saved.loops);
      this.scratch = saved.scratch;
    }
  }

  /**
   * `anyKind`: arguments passed as they are, array or number (a tangent's `out`, a size to its
   * backward); `derived`: a gate's derivative, which takes `undefined` for a zero tangent.
   */
  protected userCall(
    target: CallTarget,
    shown: string,
    e: ts.CallExpression,
    hint?: string,
    anyKind: number[] = [],
    derived = false,
  ): Atom {
    // A gate's tangent takes `undefined` for a zero tangent (a data input's), as f_jvp passes it.
    const zero = (a: ts.Expression) => derived && this.isUndefined(a);
    let args = e.arguments.map((a): Atom => (zero(a) ? UNDEFINED : this.value(a)));
    // ... and leaves trailing zero tangents out (`matvec.tangent(z, W, u, 3, 2, dot_W)`).
    if (
      derived &&
      args.length < target.arity &&
      args.length >= target.arity - (target.inputs ?? []).filter((k) => k !== "size").length
    )
      while (args.length < target.arity) args.push(UNDEFINED);
    const arrayArg = args.findIndex((a) => this.isArray(a));
    if (!target.inputs && arrayArg >= 0) {
      // A scalar gate called with an array has an elementwise form (`relu` on a Float64Array).
      const variant = this.resolver.arrayVariant(target.key);
      if (!variant)
        this.fail(
          codes.notNumber,
          `argument ${arrayArg + 1} of '${shown}' is an array, not a number`,
          e.arguments[arrayArg]!,
        );
      target = variant;
    }
    if (args.length !== target.arity)
      this.fail(
        codes.arity,
        `'${shown}' takes ${target.arity} argument${target.arity === 1 ? "" : "s"}, got ${args.length}`,
        e,
      );
    args = args.map((a, i) => {
      if (anyKind.includes(i) || a === UNDEFINED) return a;
      const kind = target.inputs?.[i] ?? "number";
      if (kind === "array") this.flatArray(a, e.arguments[i]!, `argument ${i + 1} of '${shown}'`);
      if ((kind === "array") !== this.isArray(a))
        this.fail(
          kind === "array" ? codes.notArray : codes.notNumber,
          `argument ${i + 1} of '${shown}' must be ${kind === "array" ? "a Float64Array" : "a number"}`,
          e.arguments[i]!,
        );
      return kind === "array" ? a : this.numeric(a, e.arguments[i]!);
    });
    const result = this.node("call", args, e, hint, target.key);
    if (target.output === "array") this.arrays.set((result as VarRef).name, "Float64Array");
    return result;
  }

  /** A call to a rule-table op, checking arity; n-ary max/min become chains of binary ones. */
  protected opCall(op: OpName, shown: string, e: ts.CallExpression, hint?: string): Atom {
    const args = e.arguments.map((a) => this.number(a));
    if (op === "max" || op === "min") {
      if (args.length === 0) return c(op === "max" ? -Infinity : Infinity);
      let acc = args[0]!;
      for (let i = 1; i < args.length; i++)
        acc = this.node(op, [acc, args[i]!], e, i === args.length - 1 ? hint : undefined);
      return acc;
    }
    const arity = rules[op]!.arity;
    if (arity === "variadic") return args.length === 0 ? c(0) : this.node(op, args, e, hint);
    if (args.length !== arity)
      this.fail(codes.arity, `'${shown}' takes ${arity} argument${arity === 1 ? "" : "s"}, got ${args.length}`, e);
    return this.node(op, args, e, hint);
  }
}
