/**
 * Stacks, as adgen's own generated code uses them to reverse loops (src/transform/reverse/tape.ts),
 * so that its output is valid input: `const tape = Tape.acquire()` (Tape from adgen/gates) holds
 * numbers, `const decisions: boolean[] = []` holds the branch decisions. Each is lowered to a
 * `number[]` and a hidden counter, the local `#top_<name>`: `push(v)` stores at the counter and
 * increments it, `pop()` decrements it and reads there (a decision as `!== 0`), `release()` does
 * nothing. A loop that pushes or pops carries the counter (`assignedOuterNames` in
 * src/parser/syntax.ts counts `s.push(...)` and `s.pop()` as assigning `#top_s`).
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { skipParens, stackCounter } from "../syntax.js";
import { LowerMethods } from "./methods.js";

type Want = "number" | "array" | "condition" | "statement";
type Gives = Want | "unsupported" | undefined;

export abstract class LowerStacks extends LowerMethods {
  /** The arrays that are stacks, with what they hold. */
  protected readonly stacks = new Map<string, "number" | "boolean">();

  protected declarations(list: ts.VariableDeclarationList): void {
    const decl = list.declarations[0];
    const holds =
      decl && list.declarations.length === 1 && ts.isIdentifier(decl.name) ? this.stackKind(decl) : undefined;
    if (!holds) return super.declarations(list);
    const name = (decl!.name as ts.Identifier).text;
    if (!(list.flags & ts.NodeFlags.Const))
      this.fail(codes.tapeStack, `the stack '${name}' must be declared with 'const'`, decl!.name);
    const array = this.node("arrayOf", [], decl!.initializer!, name) as VarRef;
    this.arrays.set(array.name, "number[]");
    this.stacks.set(array.name, holds);
    const scope = this.scopes[this.scopes.length - 1]!;
    scope.set(name, { keyword: "const", value: array });
    scope.set(stackCounter(name), { keyword: "let", value: c(0) });
  }

  /** What `decl` declares if it is a stack: `Tape.acquire()` of adgen/gates, or `boolean[]` starting empty. */
  private stackKind(decl: ts.VariableDeclaration): "number" | "boolean" | undefined {
    const init = decl.initializer && skipParens(decl.initializer);
    if (!init) return undefined;
    if (ts.isCallExpression(init) && ts.isPropertyAccessExpression(init.expression)) {
      const object = init.expression.expression;
      if (!ts.isIdentifier(object) || init.expression.name.text !== "acquire" || this.lookup(object.text))
        return undefined;
      const b = this.mod.bindings.get(object.text);
      if (b?.kind !== "import" || b.imported !== "Tape" || b.from !== "adgen/gates") return undefined;
      if (init.arguments.length > 0) this.fail(codes.arity, "'Tape.acquire' takes no arguments", init);
      return "number";
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
    if (call.member === "pop") return this.stacks.get(call.array.name) === "boolean" ? "condition" : "number";
    return call.member === "push" || call.member === "release" ? "statement" : "unsupported";
  }

  protected method(e: ts.CallExpression, want: Want, hint?: string): Atom | undefined {
    const call = this.stackCall(e);
    if (!call) return super.method(e, want, hint);
    const { name, array, member } = call;
    const boolean = this.stacks.get(array.name) === "boolean";
    const gives = this.methodGives(e);
    if (gives === "unsupported")
      this.fail(codes.tapeStack, `'${this.text(e.expression)}': a stack has push, pop and release only`, e.expression);
    if (gives !== want)
      this.fail(
        codes.tapeStack,
        `'${this.text(e)}' gives ${gives === "statement" ? "nothing" : `a ${boolean ? "boolean" : "number"}`}; it is used where ${want === "statement" ? "a statement" : `a ${want === "condition" ? "condition" : want}`} is expected`,
        e,
      );
    const counter = this.lookup(stackCounter(name))!;
    if (member === "release") {
      if (e.arguments.length > 0) this.fail(codes.arity, "'release' takes no arguments", e);
      return undefined;
    }
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
}
