/**
 * What the array methods share (src/parser/lower/methods.ts): their callbacks, checked and
 * lowered inline at each element, and the loops, arrays and writes the methods are built from.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Carried, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { assignedOuterNames, isAssignmentOperator, isIncrement, skipParens } from "../syntax.js";
import { bool } from "./state.js";
import { LowerStatements } from "./statements.js";

/** A callback written in place. */
export type Callback = ts.ArrowFunction | ts.FunctionExpression;

export abstract class LowerCallbacks extends LowerStatements {
  /** The arrow function passed to `member`, checked: 1 to `arity` plain parameters, no writes to outer variables. */
  protected callback(fn: ts.Expression, member: string, arity: number, least = 1): Callback {
    const cb = skipParens(fn);
    if (!ts.isArrowFunction(cb) && !ts.isFunctionExpression(cb))
      this.fail(
        codes.expression,
        `the callback of '${member}' must be an arrow function written in place, such as (x, i) => ...; '${this.text(cb)}' is not`,
        cb,
      );
    if (cb.parameters.length < least || cb.parameters.length > arity)
      this.fail(
        codes.arity,
        `the callback of '${member}' takes ${least} to ${arity} parameters, got ${cb.parameters.length}`,
        cb,
      );
    for (const p of cb.parameters)
      if (!ts.isIdentifier(p.name) || p.dotDotDotToken || p.initializer || p.questionToken)
        this.fail(codes.parameter, `the callback's parameter '${this.text(p)}' must be a plain name`, p);
    if (ts.isFunctionExpression(cb) && cb.asteriskToken)
      this.fail(codes.functionForm, `the callback of '${member}' is a generator`, cb);
    // A condition has no effects: `c && xs.some(...)` evaluates both sides, where JavaScript may skip one.
    const write = member === "some" || member === "every" ? effect(cb.body) : undefined;
    if (write)
      this.fail(
        codes.expression,
        `the callback of '${member}' writes or calls for an effect ('${this.text(write)}'); a condition's callback must only compute`,
        write,
      );
    const own = new Set(cb.parameters.map((p) => (p.name as ts.Identifier).text));
    const outer = [...assignedOuterNames([cb.body])].filter((n) => !own.has(n) && this.lookup(n));
    if (outer.length > 0) {
      const at = assignmentTo(cb.body, outer[0]!) ?? cb;
      this.fail(
        codes.outerWrite,
        `the callback of '${member}' assigns '${outer[0]}', a variable outside it; a callback may read outer variables, not assign them (write a loop, or use reduce)`,
        at,
      );
    }
    return cb;
  }

  /**
   * Lowers a callback's body in the current statement list with its parameters bound to `args`,
   * and returns its value: a number, a condition, or nothing (`forEach`).
   */
  protected invoke(cb: Callback, args: Atom[], kind: "number" | "condition" | "none" | "value"): Atom {
    const saved = this.loops.splice(0);
    this.scopes.push(new Map());
    try {
      const scope = this.scopes[this.scopes.length - 1]!;
      cb.parameters.forEach((p, k) => scope.set((p.name as ts.Identifier).text, { keyword: "let", value: args[k]! }));
      const body = cb.body;
      if (!ts.isBlock(body)) {
        if (kind === "condition") return this.condition(body);
        if (kind === "number") return this.number(body);
        if (kind === "value") return this.value(body);
        this.expressionStatement(skipParens(body));
        return c(0);
      }
      const last = body.statements[body.statements.length - 1];
      const earlier = body.statements.slice(0, -1);
      if (kind === "none") {
        const ret = findReturn(body);
        if (ret) this.fail(codes.statement, "'return' inside a forEach callback is not supported; use an if", ret);
        this.statements(body.statements, 0, () => undefined);
        return c(0);
      }
      // The common form, `{ ...; return e; }`: the statements, then `e` as what the place needs.
      if (last && ts.isReturnStatement(last) && last.expression && !earlier.some(containsReturn)) {
        this.statements(earlier, 0, () => undefined);
        return kind === "condition"
          ? this.condition(last.expression)
          : kind === "value"
            ? this.value(last.expression)
            : this.number(last.expression);
      }
      if (kind === "condition")
        this.fail(
          codes.statement,
          "a some/every callback with several returns is not supported; return one condition at its end",
          body,
        );
      const results = this.statements(body.statements, 0, () => undefined);
      if (!results) this.fail(codes.missingReturn, "the callback does not return a value on every path", cb);
      return kind === "value" ? results[0]! : this.numeric(results[0]!, cb);
    } finally {
      this.scopes.pop();
      this.loops.push(...saved);
    }
  }

  /**
   * `for (i = from; i < n && going(); i++) body(i)` as a Loop, with `acc` carried (scope keys and
   * initial values; their names in generated code from `names`). Returns the accumulators' values
   * after the loop.
   */
  protected counted(
    at: ts.Node,
    from: Atom,
    n: Atom,
    acc: { key: string; init: Atom; name: string }[],
    body: (i: Atom) => void,
    counter: string,
    going?: () => Atom,
  ): Atom[] {
    this.scopes.push(new Map());
    const scope = this.scopes[this.scopes.length - 1]!;
    const keys = [{ key: "#i", init: from, name: counter }, ...acc];
    const carried: Carried[] = keys.map(({ key, init, name }) => {
      const phi = this.names.claim(name);
      if (this.isBoolean(init)) this.booleans.add(phi);
      scope.set(key, { keyword: "let", value: { kind: "var", name: phi } });
      return { name: phi, init, next: init };
    });
    let cond: VarRef | undefined;
    const head = this.arm(() => {
      const test = this.node("lt", [this.lookup("#i")!.value!, n], at);
      cond = (going ? this.node("and", [going(), test], at) : test) as VarRef;
    });
    const loopBody = this.arm(() => {
      this.scopes.push(new Map());
      body(this.lookup("#i")!.value!);
      this.scopes.pop();
      this.lookup("#i")!.value = this.node("add", [this.lookup("#i")!.value!, c(1)], at);
    });
    keys.forEach(({ key }, k) => (carried[k]!.next = this.lookup(key)!.value!));
    this.scopes.pop();
    this.body.push({ kind: "loop", carried, head, cond: cond!, body: loopBody, pos: at.getStart(this.sf) });
    return carried.slice(1).map((c): Atom => ({ kind: "var", name: c.name }));
  }

  /** `array[i]`, named after the callback's parameter `k` if it has one. */
  /** Element `i` of `array` for the callback's parameter `k`: of an array of arrays, row `i` itself. */
  protected at(array: VarRef, i: Atom, cb: Callback, k: number): Atom {
    const p = cb.parameters[k];
    const name = p ? (p.name as ts.Identifier).text : undefined;
    return this.nested.has(array.name) ? this.row(array, i, cb, name) : this.node("index", [array, i], cb, name);
  }

  protected indexName(cb: Callback, k: number): string {
    const p = cb.parameters[k];
    return p && (p.name as ts.Identifier).text !== "_" ? (p.name as ts.Identifier).text : "i";
  }

  protected make(kind: "Float64Array" | "number[]", n: Atom, at: ts.Node, hint?: string): VarRef {
    const a = this.node(kind === "Float64Array" ? "newFloat64Array" : "zeros", [n], at, hint) as VarRef;
    this.arrays.set(a.name, kind);
    return a;
  }

  protected store(array: VarRef, index: Atom, value: Atom, at: ts.Node): void {
    this.body.push({ kind: "store", array, index, value, pos: at.getStart(this.sf) });
  }
}

/** Whether a `return` of this function (not of a nested one) occurs in `node`. */
function containsReturn(node: ts.Node): boolean {
  return findReturn(node) !== undefined;
}

function findReturn(node: ts.Node): ts.ReturnStatement | undefined {
  if (ts.isReturnStatement(node)) return node;
  if (ts.isFunctionLike(node)) return undefined;
  return ts.forEachChild(node, findReturn);
}

/** An element write or a call made for its effect (a statement) in `node`, if any. */
function effect(node: ts.Node): ts.Node | undefined {
  if (ts.isExpressionStatement(node) && ts.isCallExpression(skipParens(node.expression))) return node;
  const target = ts.isBinaryExpression(node) && isAssignmentOperator(node.operatorToken.kind) ? node.left : undefined;
  const operand =
    (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && isIncrement(node.operator)
      ? node.operand
      : undefined;
  const written = target ?? operand;
  if (written && ts.isElementAccessExpression(skipParens(written))) return node;
  return ts.forEachChild(node, effect);
}

/** The first assignment (`=`, `+=`, `++`, ...) to `name` in `node`, for a diagnostic's location. */
function assignmentTo(node: ts.Node, name: string): ts.Node | undefined {
  const target = (t: ts.Expression) => ts.isIdentifier(skipParens(t)) && (skipParens(t) as ts.Identifier).text === name;
  if (ts.isBinaryExpression(node) && isAssignmentOperator(node.operatorToken.kind) && target(node.left)) return node;
  if (
    (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
    isIncrement(node.operator) &&
    target(node.operand)
  )
    return node;
  return ts.forEachChild(node, (child) => assignmentTo(child, name));
}
