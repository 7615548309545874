/**
 * Stacks, as adgen's own generated code uses them to reverse loops (src/transform/reverse/tape.ts),
 * so that its output is valid input: `const tape = Tape.acquire()` (Tape from adgen/gates) holds
 * numbers, `const decisions = Tape.decisions()` the branch decisions (as does a `boolean[]`
 * starting empty, which adgen wrote before), and
 * `const arrays: (Float64Array | number[])[] = []` the arrays a reversed iteration reads. Each is
 * lowered to an array and a hidden counter, the local `#top_<name>`: `push(v)` stores at the
 * counter and increments it, `pop()` decrements it and reads there (a decision as `!== 0`),
 * `release()` does nothing. A loop that pushes or pops carries the counter (`assignedOuterNames`
 * in src/parser/syntax.ts counts `s.push(...)` and `s.pop()` as assigning `#top_s`).
 *
 * A tape of arrays is an array of arrays whose rows are the arrays pushed (src/parser/lower/nested.ts):
 * `push(a)` sets `a` as a new row, `pop()` reads a row, the very array pushed. Rows are set once
 * and never replaced, so each array pushed is a new one (made in the iteration of the loop that
 * pushes it, pushed once), of one kind, and every push comes before every pop: no pop follows a
 * push in a loop around both, and no push follows a pop. That is how generated code uses it (the
 * forward pass pushes, the backward pass pops); anything else is ADG2090. A matrix is not pushed
 * (no array of arrays of arrays in the IR): generated code pushes a copy of each of its rows and
 * rebuilds it from copies of the rows popped (src/transform/reverse/tape.ts, `rebuiltMatrix`).
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Node as IrNode, VarRef } from "../../ir.js";
import { definedBy, statementsOf } from "../../ir-walk.js";
import { c } from "../../rules/expr.js";
import { ARRAY_TYPES, NESTED_ARRAY_TYPES, skipParens, stackCounter } from "../syntax.js";
import { LowerMethods } from "./methods.js";

type Want = "number" | "array" | "condition" | "statement";
type Gives = Want | "unsupported" | undefined;

export abstract class LowerStacks extends LowerMethods {
  /** The arrays that are stacks, with what they hold. */
  protected readonly stacks = new Map<string, "number" | "boolean" | "array">();
  /** Tapes of arrays: the node that makes each, its rows' kind once pushed, whether popped yet. */
  private readonly arrayStacks = new Map<string, { made: IrNode; rows?: "Float64Array" | "number[]"; popped?: true }>();
  /** The arrays pushed onto a tape of arrays (each is pushed once). */
  private readonly pushed = new Set<string>();

  protected declarations(list: ts.VariableDeclarationList): void {
    const decl = list.declarations[0];
    const holds =
      decl && list.declarations.length === 1 && ts.isIdentifier(decl.name) ? this.stackKind(decl) : undefined;
    if (!holds) return super.declarations(list);
    const name = (decl!.name as ts.Identifier).text;
    if (!(list.flags & ts.NodeFlags.Const))
      this.fail(codes.tapeStack, `the stack '${name}' must be declared with 'const'`, decl!.name);
    const array = this.node(
      holds === "array" ? "rows" : "arrayOf",
      holds === "array" ? [c(0)] : [],
      decl!.initializer!,
      name,
    ) as VarRef;
    this.arrays.set(array.name, "number[]");
    this.stacks.set(array.name, holds);
    if (holds === "array") {
      this.nested.set(array.name, "number[]");
      this.arrayStacks.set(array.name, { made: this.body[this.body.length - 1] as IrNode });
    }
    const scope = this.scopes[this.scopes.length - 1]!;
    scope.set(name, { keyword: "const", value: array });
    scope.set(stackCounter(name), { keyword: "let", value: c(0) });
  }

  /**
   * What `decl` declares if it is a stack: `Tape.acquire()` or `Tape.decisions()` of adgen/gates, a
   * `boolean[]` starting empty, or an array of a union of array types starting empty
   * (`(Float64Array | number[])[]`).
   */
  private stackKind(decl: ts.VariableDeclaration): "number" | "boolean" | "array" | undefined {
    const init = decl.initializer && skipParens(decl.initializer);
    if (!init) return undefined;
    if (ts.isCallExpression(init) && ts.isPropertyAccessExpression(init.expression)) {
      const object = init.expression.expression;
      const method = init.expression.name.text;
      if (!ts.isIdentifier(object) || (method !== "acquire" && method !== "decisions") || this.lookup(object.text))
        return undefined;
      const b = this.mod.bindings.get(object.text);
      if (b?.kind !== "import" || b.imported !== "Tape" || b.from !== "adgen/gates") return undefined;
      if (init.arguments.length > 0) this.fail(codes.arity, `'Tape.${method}' takes no arguments`, init);
      return method === "acquire" ? "number" : "boolean";
    }
    const type = decl.type;
    if (
      ts.isArrayLiteralExpression(init) &&
      init.elements.length === 0 &&
      type &&
      ts.isArrayTypeNode(type) &&
      type.elementType.kind === ts.SyntaxKind.BooleanKeyword
    )
      return "boolean";
    if (ts.isArrayLiteralExpression(init) && init.elements.length === 0 && type && ts.isArrayTypeNode(type)) {
      let element = type.elementType;
      while (ts.isParenthesizedTypeNode(element)) element = element.type;
      const arrayType = (t: ts.TypeNode) => {
        const text = t.getText(this.sf).replace(/\s+/g, " ");
        return ARRAY_TYPES[text] !== undefined || NESTED_ARRAY_TYPES[text] !== undefined;
      };
      if (ts.isUnionTypeNode(element) && element.types.every(arrayType)) return "array";
    }
    return undefined;
  }

  /** The stack `e` calls a method of (`tape.push(v)`), with the method's name. */
  private stackCall(e: ts.CallExpression): { name: string; array: VarRef; member: string } | undefined {
    const callee = e.expression;
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    const object = skipParens(callee.expression);
    if (!ts.isIdentifier(object) || !this.lookup(stackCounter(object.text))) return undefined;
    const value = this.lookup(object.text)?.value;
    if (value?.kind !== "var" || !this.stacks.has(value.name)) return undefined;
    return { name: object.text, array: value, member: callee.name.text };
  }

  protected methodGives(e: ts.CallExpression): Gives {
    const call = this.stackCall(e);
    if (!call) return super.methodGives(e);
    if (call.member === "pop") {
      const holds = this.stacks.get(call.array.name);
      return holds === "boolean" ? "condition" : holds === "array" ? "array" : "number";
    }
    return call.member === "push" || call.member === "release" ? "statement" : "unsupported";
  }

  protected method(e: ts.CallExpression, want: Want, hint?: string): Atom | undefined {
    const call = this.stackCall(e);
    if (!call) return super.method(e, want, hint);
    const { name, array, member } = call;
    const holds = this.stacks.get(array.name)!;
    const boolean = holds === "boolean";
    const gives = this.methodGives(e);
    if (gives === "unsupported")
      this.fail(codes.tapeStack, `'${this.text(e.expression)}': a stack has push, pop and release only`, e.expression);
    if (gives !== want)
      this.fail(
        codes.tapeStack,
        `'${this.text(e)}' gives ${gives === "statement" ? "nothing" : holds === "array" ? "an array" : `a ${holds}`}; it is used where ${want === "statement" ? "a statement" : `a ${want === "condition" ? "condition" : want}`} is expected`,
        e,
      );
    const counter = this.lookup(stackCounter(name))!;
    if (member === "release") {
      if (e.arguments.length > 0) this.fail(codes.arity, "'release' takes no arguments", e);
      return undefined;
    }
    if (holds === "array")
      return member === "push" ? this.pushArrays(name, array, e) : this.popArray(name, array, e, hint);
    if (member === "push") {
      if (e.arguments.length === 0) this.fail(codes.arity, "'push' takes at least one value", e);
      for (const arg of e.arguments) {
        const v = boolean ? this.condition(arg) : this.number(arg);
        const stored = boolean ? this.node("select", [v, c(1), c(0)], arg) : v;
        this.body.push({ kind: "store", array, index: counter.value!, value: stored, pos: arg.getStart(this.sf) });
        counter.value = this.node("add", [counter.value!, c(1)], e, stackCounter(name).slice(1));
      }
      return undefined;
    }
    if (e.arguments.length > 0) this.fail(codes.arity, "'pop' takes no arguments", e);
    counter.value = this.node("sub", [counter.value!, c(1)], e, stackCounter(name).slice(1));
    const read = this.node("index", [array, counter.value], e, boolean ? undefined : hint);
    return boolean ? this.node("ne", [read, c(0)], e, hint) : read;
  }

  /** `arrays.push(a, b)` on a tape of arrays: each a new row, set at the counter. */
  private pushArrays(name: string, array: VarRef, e: ts.CallExpression): undefined {
    const stack = this.arrayStacks.get(array.name)!;
    const refuse = (why: string, at: ts.Node): never => this.fail(codes.tapeStack, `'${this.text(e)}': ${why}`, at);
    if (e.arguments.length === 0) this.fail(codes.arity, "'push' takes at least one value", e);
    if (stack.popped)
      refuse(`a push after a pop of the tape of arrays '${name}'; push every array before the first pop`, e);
    const counter = this.lookup(stackCounter(name))!;
    for (const arg of e.arguments) {
      const v = this.value(arg);
      if (!this.isArray(v)) refuse(`'${this.text(arg)}' is not an array`, arg);
      const row = v as VarRef;
      const kind = this.arrays.get(row.name)!;
      if (this.nested.has(row.name))
        refuse(`'${this.text(arg)}' is an array of arrays, which a tape of arrays does not hold here`, arg);
      if (this.rowOf.has(row.name) || this.entryParams.has(row.name) || this.pushed.has(row.name))
        refuse(
          `'${this.text(arg)}' is ${this.rowOf.has(row.name) ? "a row of an array of arrays or an array pushed already" : this.entryParams.has(row.name) ? "a parameter" : "pushed already"}; a tape of arrays holds new arrays, each pushed once`,
          arg,
        );
      if (stack.rows === undefined) {
        stack.rows = kind;
        stack.made.op = kind === "Float64Array" ? "float64Rows" : "rows";
        this.nested.set(array.name, kind);
      } else if (stack.rows !== kind)
        refuse(`the tape of arrays '${name}' holds ${stack.rows}s, and '${this.text(arg)}' is a ${kind}`, arg);
      this.pushed.add(row.name);
      this.rowOf.set(row.name, array.name);
      this.body.push({ kind: "store", array, index: counter.value!, value: row, pos: arg.getStart(this.sf) });
      counter.value = this.node("add", [counter.value!, c(1)], e, stackCounter(name).slice(1));
    }
    return undefined;
  }

  /** `arrays.pop() as Float64Array` on a tape of arrays: the row below the counter, the array pushed there. */
  private popArray(name: string, array: VarRef, e: ts.CallExpression, hint?: string): VarRef {
    const stack = this.arrayStacks.get(array.name)!;
    if (e.arguments.length > 0) this.fail(codes.arity, "'pop' takes no arguments", e);
    if (stack.rows === undefined)
      this.fail(codes.tapeStack, `'${this.text(e)}': a pop of the tape of arrays '${name}' before any push`, e);
    // Every push before every pop: no loop around this pop pushes onto the stack.
    for (let n: ts.Node = e; n !== this.fn.node; n = n.parent) {
      if (!ts.isIterationStatement(n, false) || !pushesOnto(n, name)) continue;
      this.fail(
        codes.tapeStack,
        `'${this.text(e)}': the loop around this pop also pushes onto the tape of arrays '${name}'; push every array before the first pop`,
        e,
      );
    }
    const cast = ts.isAsExpression(e.parent)
      ? ARRAY_TYPES[e.parent.type.getText(this.sf).replace(/\s+/g, " ")]
      : undefined;
    if (cast !== undefined && cast !== stack.rows)
      this.fail(
        codes.tapeStack,
        `'${this.text(e.parent)}': the tape of arrays '${name}' holds ${stack.rows}s`,
        e.parent,
      );
    stack.popped = true;
    const counter = this.lookup(stackCounter(name))!;
    counter.value = this.node("sub", [counter.value!, c(1)], e, stackCounter(name).slice(1));
    return this.row(array, counter.value, e, hint);
  }

  /**
   * A loop pushing onto a tape of arrays pushes arrays it makes: an array made before it would be
   * pushed as the same row each iteration.
   */
  protected loop(st: ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement): void {
    super.loop(st);
    if (this.arrayStacks.size === 0) return;
    const loop = this.body[this.body.length - 1]!;
    const inner = [...statementsOf([loop])];
    const made = new Set(inner.flatMap(definedBy));
    for (const s of inner)
      if (s.kind === "store" && this.arrayStacks.has(s.array.name) && s.value.kind === "var" && !made.has(s.value.name))
        this.fail(
          codes.tapeStack,
          `a loop pushes '${s.value.name}', an array made before it, onto a tape of arrays; each iteration must push an array it makes`,
          st.getChildAt(0, this.sf),
        );
  }

  /** `arrays.pop() as Float64Array`: the cast changes nothing. */
  protected array(e: ts.Expression, hint?: string): Atom | undefined {
    const inner = skipParens(e);
    if (ts.isAsExpression(inner) && ts.isCallExpression(skipParens(inner.expression))) {
      const call = skipParens(inner.expression) as ts.CallExpression;
      if (this.stackCall(call)?.member === "pop") return this.method(call, "array", hint);
    }
    return super.array(e, hint);
  }
}

/** Whether `loop` calls `name.push(...)` anywhere inside. */
function pushesOnto(loop: ts.Node, name: string): boolean {
  const visit = (n: ts.Node): boolean =>
    (ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      n.expression.name.text === "push" &&
      ts.isIdentifier(skipParens(n.expression.expression)) &&
      (skipParens(n.expression.expression) as ts.Identifier).text === name) ||
    (ts.forEachChild(n, visit) ?? false);
  return visit(loop);
}
