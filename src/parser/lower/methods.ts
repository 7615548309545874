/**
 * Array methods with arrow callbacks, lowered to the loops one would write by hand: `map`,
 * `reduce`, `forEach`, `some`, `every`, `fill`, `slice(start, end)`, `Array.from`, and
 * `Math.max(...xs)` / `Math.min(...xs)`. A callback's body is lowered inline in the loop's body,
 * in a scope where its parameters (value, index, array) are bound; it may read outer variables,
 * not assign them.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Carried, OpName, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { assignedOuterNames, isAssignmentOperator, isIncrement, skipParens } from "../syntax.js";
import { bool } from "./state.js";
import { LowerStatements } from "./statements.js";

type Want = "number" | "array" | "condition" | "statement";

/** What each method makes, and the arity of its callback (value, index, array; reduce: acc first). */
const METHODS: Record<string, { gives: Want; callback?: number }> = {
  map: { gives: "array", callback: 3 },
  reduce: { gives: "number", callback: 4 },
  forEach: { gives: "statement", callback: 3 },
  some: { gives: "condition", callback: 3 },
  every: { gives: "condition", callback: 3 },
  fill: { gives: "array" },
  slice: { gives: "array" },
};

/** Every method name of JavaScript's arrays and typed arrays, to name the unsupported ones as such. */
const ARRAY_METHODS = new Set(
  [Array.prototype, Object.getPrototypeOf(Float64Array.prototype) as object].flatMap((p) =>
    Object.getOwnPropertyNames(p),
  ),
);

const SUPPORTED = "map, reduce, forEach, some, every, fill, slice, and entries() in for...of";

type Callback = ts.ArrowFunction | ts.FunctionExpression;

export abstract class LowerMethods extends LowerStatements {
  /**
   * What a call gives if it is an array method's (`method` lowers it): an array, a number, a
   * condition, nothing (`forEach`); `unsupported` for another method of an array. Undefined for
   * any other call.
   */
  protected methodGives(e: ts.CallExpression): Want | "unsupported" | undefined {
    const callee = e.expression;
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    const member = callee.name.text;
    const object = skipParens(callee.expression);
    if (ts.isIdentifier(object) && !this.lookup(object.text)) {
      if (object.text === "Math" && (member === "max" || member === "min") && e.arguments.some(ts.isSpreadElement))
        return "number";
      if (object.text === "Array" && member === "from") return "array";
      return undefined;
    }
    if (ts.isIdentifier(object)) {
      const local = this.lookup(object.text)!;
      if (!local.value || !this.isArray(local.value)) return undefined;
      return METHODS[member]?.gives ?? "unsupported";
    }
    return (
      METHODS[member]?.gives ?? (ARRAY_METHODS.has(member) && member !== "constructor" ? "unsupported" : undefined)
    );
  }

  /**
   * `e` if it is a call of an array method (`xs.map(...)`, `Array.from(...)`, `Math.max(...xs)`):
   * its value, lowered to a loop (undefined for a statement such as `forEach`). Undefined for any
   * other call, which the caller lowers its own way. `want` is what the place needs.
   */
  protected method(e: ts.CallExpression, want: Want, hint?: string): Atom | undefined {
    const gives = this.methodGives(e);
    if (gives === undefined) return undefined;
    const callee = e.expression as ts.PropertyAccessExpression;
    const member = callee.name.text;
    const object = skipParens(callee.expression);
    if (gives !== "unsupported" && gives !== want) {
      const what = `'${this.text(e)}'`;
      if (want === "statement" && !(member === "fill" && gives === "array"))
        this.fail(codes.statement, `the statement ${what} has no effect`, e);
      if (want === "number")
        this.fail(
          codes.notNumber,
          gives === "condition"
            ? `${what} is a boolean; use it as a condition`
            : gives === "array"
              ? `${what} is an array, not a number`
              : `${what} returns nothing; call it as a statement`,
          e,
        );
      if (want === "array" || want === "condition")
        this.fail(codes.expression, `${what} does not give ${want === "array" ? "an array" : "a condition"}`, e);
    }
    if (ts.isIdentifier(object) && !this.lookup(object.text)) {
      if (object.text === "Math") return this.spreadExtremum(member as "max" | "min", e, hint);
      return this.arrayFrom(e, hint);
    }
    // `new Array(n).fill(v)`, `new Float64Array(n).fill(v)`: a new array, filled.
    const fresh = ts.isNewExpression(object) && ts.isIdentifier(object.expression) ? object.expression.text : "";
    if (member === "fill" && (fresh === "Array" || fresh === "Float64Array")) {
      const n = (object as ts.NewExpression).arguments;
      if (n?.length !== 1 || ts.isArrayLiteralExpression(n[0]!))
        this.fail(codes.expression, `'new ${fresh}(n).fill(v)' takes a length n`, object);
      const made = this.make(fresh === "Array" ? "number[]" : "Float64Array", this.number(n[0]!), object, hint);
      return this.fill(made, e, true);
    }
    const array = this.arrayAtom(object);
    const spec = METHODS[member];
    if (!spec)
      this.fail(
        codes.expression,
        member === "push"
          ? `'${this.text(callee)}(...)' is not supported: arrays keep their length; allocate with new Float64Array(n) or new Array(n).fill(0) and write elements`
          : `'${this.text(callee)}(...)': the array method '${member}' is not supported; adgen lowers ${SUPPORTED} to loops`,
        callee,
      );
    if (member === "fill") return this.fill(array, e, false);
    if (member === "slice") return this.slice(array, e, hint);
    const [min, max] = member === "reduce" ? [1, 2] : [1, 1];
    if (e.arguments.length < min || e.arguments.length > max)
      this.fail(
        codes.arity,
        `'${member}' takes ${min === max ? "a callback" : "a callback and an optional initial value"}, got ${e.arguments.length} argument${e.arguments.length === 1 ? "" : "s"}`,
        e,
      );
    const cb = this.callback(e.arguments[0]!, member, spec.callback!);
    switch (member) {
      case "map":
        return this.map(array, cb, e, hint);
      case "reduce":
        return this.reduce(array, cb, e);
      case "forEach":
        this.counted(
          e,
          c(0),
          this.node("length", [array], e),
          [],
          (i) => this.invoke(cb, [this.at(array, i, cb, 0), i, array], "none"),
          this.indexName(cb, 1),
        );
        return undefined;
      default:
        return this.predicate(member as "some" | "every", array, cb, e);
    }
  }

  /** The arrow function passed to `member`, checked: 1 to `arity` plain parameters, no writes to outer variables. */
  private callback(fn: ts.Expression, member: string, arity: number): Callback {
    const cb = skipParens(fn);
    if (!ts.isArrowFunction(cb) && !ts.isFunctionExpression(cb))
      this.fail(
        codes.expression,
        `the callback of '${member}' must be an arrow function written in place, such as (x, i) => ...; '${this.text(cb)}' is not`,
        cb,
      );
    if (cb.parameters.length < 1 || cb.parameters.length > arity)
      this.fail(
        codes.arity,
        `the callback of '${member}' takes 1 to ${arity} parameters, got ${cb.parameters.length}`,
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
  private invoke(cb: Callback, args: Atom[], kind: "number" | "condition" | "none"): Atom {
    const saved = this.loops.splice(0);
    this.scopes.push(new Map());
    try {
      const scope = this.scopes[this.scopes.length - 1]!;
      cb.parameters.forEach((p, k) => scope.set((p.name as ts.Identifier).text, { keyword: "let", value: args[k]! }));
      const body = cb.body;
      if (!ts.isBlock(body)) {
        if (kind === "condition") return this.condition(body);
        if (kind === "number") return this.number(body);
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
        return kind === "condition" ? this.condition(last.expression) : this.number(last.expression);
      }
      if (kind === "condition")
        this.fail(
          codes.statement,
          "a some/every callback with several returns is not supported; return one condition at its end",
          body,
        );
      const results = this.statements(body.statements, 0, () => undefined);
      if (!results) this.fail(codes.missingReturn, "the callback does not return a value on every path", cb);
      return this.numeric(results[0]!, cb);
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
  private counted(
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
  private at(array: VarRef, i: Atom, cb: Callback, k: number): Atom {
    const p = cb.parameters[k];
    return this.node("index", [array, i], cb, p ? (p.name as ts.Identifier).text : undefined);
  }

  private indexName(cb: Callback, k: number): string {
    const p = cb.parameters[k];
    return p && (p.name as ts.Identifier).text !== "_" ? (p.name as ts.Identifier).text : "i";
  }

  private make(kind: "Float64Array" | "number[]", n: Atom, at: ts.Node, hint?: string): VarRef {
    const a = this.node(kind === "Float64Array" ? "newFloat64Array" : "zeros", [n], at, hint) as VarRef;
    this.arrays.set(a.name, kind);
    return a;
  }

  private store(array: VarRef, index: Atom, value: Atom, at: ts.Node): void {
    this.body.push({ kind: "store", array, index, value, pos: at.getStart(this.sf) });
  }

  /** `xs.map((x, i, xs) => ...)`: a new array of the same kind and length. */
  private map(array: VarRef, cb: Callback, e: ts.CallExpression, hint?: string): Atom {
    const n = this.node("length", [array], e);
    const out = this.make(this.arrays.get(array.name)!, n, e, hint);
    this.counted(
      e,
      c(0),
      n,
      [],
      (i) => this.store(out, i, this.invoke(cb, [this.at(array, i, cb, 0), i, array], "number"), e),
      this.indexName(cb, 1),
    );
    return out;
  }

  /** `xs.reduce((acc, x, i, xs) => ..., init)`; without `init`, from `xs[0]` over the rest (as JavaScript does). */
  private reduce(array: VarRef, cb: Callback, e: ts.CallExpression): Atom {
    const n = this.node("length", [array], e);
    const initial = e.arguments[1];
    const init = initial ? this.number(initial) : this.node("index", [array, c(0)], e);
    const accName = (cb.parameters[0]!.name as ts.Identifier).text;
    const [result] = this.counted(
      e,
      c(initial ? 0 : 1),
      n,
      [{ key: "#acc", init, name: accName }],
      (i) => {
        const x = cb.parameters[1] ? this.at(array, i, cb, 1) : c(0);
        this.lookup("#acc")!.value = this.invoke(cb, [this.lookup("#acc")!.value!, x, i, array], "number");
      },
      this.indexName(cb, 2),
    );
    return result!;
  }

  /** `xs.some(pred)` / `xs.every(pred)`: a boolean, the loop stopping at the first element that decides it. */
  private predicate(member: "some" | "every", array: VarRef, cb: Callback, e: ts.CallExpression): Atom {
    const n = this.node("length", [array], e);
    const some = member === "some";
    const [result] = this.counted(
      e,
      c(0),
      n,
      [{ key: "#found", init: bool(!some), name: some ? "found" : "all" }],
      (i) => {
        this.lookup("#found")!.value = this.invoke(cb, [this.at(array, i, cb, 0), i, array], "condition");
      },
      this.indexName(cb, 1),
      () => {
        const found = this.lookup("#found")!.value!;
        return some ? this.node("not", [found], e) : found;
      },
    );
    return result!;
  }

  /** `a.fill(v)`: every element set to `v` (a new array's zeros stay as they are). Returns `a`. */
  private fill(array: VarRef, e: ts.CallExpression, fresh: boolean): Atom {
    if (e.arguments.length !== 1)
      this.fail(
        codes.arity,
        `'fill' takes one value here (start and end are not supported), got ${e.arguments.length}`,
        e,
      );
    if (!fresh && this.entryParams.has(array.name))
      this.fail(
        codes.outerWrite,
        `'${this.text(e)}' writes into a parameter, which belongs to the caller; copy it first with .slice()`,
        e,
      );
    const value = this.number(e.arguments[0]!);
    if (fresh && value.kind === "const" && value.value === 0 && !Object.is(value.value, -0)) return array;
    const n = this.node("length", [array], e);
    this.counted(e, c(0), n, [], (i) => this.store(array, i, value, e), "i");
    return array;
  }

  /** `xs.slice()`, `xs.slice(start)`, `xs.slice(start, end)`, with JavaScript's negative and out-of-range indices. */
  private slice(array: VarRef, e: ts.CallExpression, hint?: string): Atom {
    const kind = this.arrays.get(array.name)!;
    if (e.arguments.length === 0) {
      const copy = this.node("slice", [array], e, hint);
      this.arrays.set((copy as VarRef).name, kind);
      return copy;
    }
    if (e.arguments.length > 2)
      this.fail(codes.arity, `'slice' takes at most 2 arguments, got ${e.arguments.length}`, e);
    const n = this.node("length", [array], e);
    // JavaScript's clamping: a negative position counts from the end; both stay in [0, n].
    const position = (arg: ts.Expression): Atom => {
      const raw = this.number(arg);
      const p = raw.kind === "const" && Number.isInteger(raw.value) ? raw : this.node("trunc", [raw], arg);
      if (p.kind === "const")
        return p.value >= 0
          ? this.node("min", [p, n], arg)
          : this.node("max", [this.node("sub", [n, c(-p.value)], arg), c(0)], arg);
      const negative = this.node("lt", [p, c(0)], arg) as VarRef;
      let fromEnd: Atom | undefined;
      let fromStart: Atom | undefined;
      const thenBody = this.arm(() => (fromEnd = this.node("max", [this.node("add", [n, p], arg), c(0)], arg)));
      const elseBody = this.arm(() => (fromStart = this.node("min", [p, n], arg)));
      const name = this.names.temp();
      this.body.push({
        kind: "branch",
        cond: negative,
        then: thenBody,
        else: elseBody,
        merges: [{ name, then: fromEnd!, else: fromStart! }],
        pos: arg.getStart(this.sf),
      });
      return { kind: "var", name };
    };
    const start = position(e.arguments[0]!);
    const end = e.arguments[1] ? position(e.arguments[1]) : n;
    const length = this.node("max", [this.node("sub", [end, start], e), c(0)], e);
    const out = this.make(kind, length, e, hint);
    this.counted(
      e,
      c(0),
      length,
      [],
      (k) => this.store(out, k, this.node("index", [array, this.node("add", [start, k], e)], e), e),
      "k",
    );
    return out;
  }

  /** `Math.max(...xs)`, `Math.min(a, ...xs, b)`: a spread array is a loop over its elements (empty: -Infinity / Infinity). */
  private spreadExtremum(member: "max" | "min", e: ts.CallExpression, hint?: string): Atom {
    const op: OpName = member;
    let acc: Atom = c(member === "max" ? -Infinity : Infinity);
    let first = true;
    for (const arg of e.arguments) {
      if (ts.isSpreadElement(arg)) {
        const array = this.arrayAtom(arg.expression);
        const n = this.node("length", [array], arg);
        [acc] = this.counted(
          arg,
          c(0),
          n,
          [{ key: "#m", init: acc, name: hint ?? "m" }],
          (i) => {
            const x = this.node("index", [array, i], arg);
            this.lookup("#m")!.value = this.node(op, [this.lookup("#m")!.value!, x], arg);
          },
          "i",
        ) as [Atom];
      } else {
        const x = this.number(arg);
        acc = first ? x : this.node(op, [acc, x], arg);
      }
      first = false;
    }
    return acc;
  }

  /** `Array.from({ length: n }, (_, i) => ...)`, `Array.from(xs)`, `Array.from(xs, (x, i) => ...)`: a number[]. */
  private arrayFrom(e: ts.CallExpression, hint?: string): Atom {
    const [source, fn] = e.arguments;
    if (!source || e.arguments.length > 2)
      this.fail(
        codes.arity,
        `'Array.from' takes a source and an optional callback, got ${e.arguments.length} arguments`,
        e,
      );
    const src = skipParens(source);
    let n: Atom;
    let array: VarRef | undefined;
    if (ts.isObjectLiteralExpression(src)) {
      const only = src.properties[0];
      if (
        src.properties.length !== 1 ||
        !only ||
        !ts.isPropertyAssignment(only) ||
        !ts.isIdentifier(only.name) ||
        only.name.text !== "length"
      )
        this.fail(codes.expression, "'Array.from' takes '{ length: n }' or an array", src);
      n = this.number(only.initializer);
    } else {
      array = this.arrayAtom(src);
      n = this.node("length", [array], e);
    }
    const out = this.make("number[]", n, e, hint);
    const cb = fn ? this.callback(fn, "Array.from", 2) : undefined;
    this.counted(
      e,
      c(0),
      n,
      [],
      (i) => {
        const x = array
          ? this.node(
              "index",
              [array, i],
              e,
              cb?.parameters[0] ? (cb.parameters[0].name as ts.Identifier).text : undefined,
            )
          : c(0);
        this.store(out, i, cb ? this.invoke(cb, [x, i], "number") : x, e);
      },
      cb ? this.indexName(cb, 1) : "i",
    );
    return out;
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
