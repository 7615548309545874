/**
 * Lowering expressions: numbers, identifiers, operators, property reads (Math constants, module
 * constants), conditions.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { mathConstants, mathOp, unsupported } from "../../rules/table.js";
import {
  BINARY_OPS,
  COMPARISON_OPS,
  LOGICAL_OPS,
  isAssignmentOperator,
  isConditionSyntax,
  isIncrement,
  kindName,
  skipParens,
} from "../syntax.js";
import { isGenerated, type ModuleScope } from "../module.js";
import { scratchReads } from "./scratch.js";
import { LowerState, bool } from "./state.js";

export abstract class LowerExpressions extends LowerState {
  /** A value for a variable: a number, a boolean when the expression is a condition, or an array. */
  protected value(e: ts.Expression, hint?: string): Atom {
    if (isConditionSyntax(e)) return this.condition(e, hint);
    const inner = skipParens(e);
    // A call giving a boolean (`decisions.pop()!`, src/parser/lower/stacks.ts).
    const call = ts.isNonNullExpression(inner) ? skipParens(inner.expression) : inner;
    if (ts.isCallExpression(call) && this.methodGives(call) === "condition") return this.condition(call, hint);
    // `let done = false`: a boolean local starting from a constant, as the loop flags do.
    if (inner.kind === ts.SyntaxKind.TrueKeyword || inner.kind === ts.SyntaxKind.FalseKeyword)
      return bool(inner.kind === ts.SyntaxKind.TrueKeyword);
    if (ts.isIdentifier(inner)) {
      const local = this.lookup(inner.text);
      if (local) return this.valueOf(local, inner);
      // `const s = f_jvp_scratch`, the alias an f_jvp stores its arguments through (jvp-kernel.ts).
      if (this.mod.bindings.get(inner.text)?.kind === "scratch") return this.scratchArray(inner.text, inner);
    }
    return this.operand(e, "value", hint);
  }

  protected numeric(a: Atom, at: ts.Node): Atom {
    if (this.isBoolean(a)) this.fail(codes.notNumber, `'${this.text(at)}' is a boolean, not a number`, at);
    if (a.kind === "var" && this.arrays.has(a.name))
      this.fail(codes.notNumber, `'${this.text(at)}' is an array, not a number`, at);
    return a;
  }

  /** Lowers a numeric expression to an atom, appending a node per operation. */
  protected number(e: ts.Expression, hint?: string): Atom {
    if (ts.isNumericLiteral(e)) return c(Number(e.text));
    if (ts.isIdentifier(e)) return this.numeric(this.identifier(e), e);
    if (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isTypeAssertionExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isSatisfiesExpression(e)
    )
      return this.number(e.expression, hint);
    if (ts.isPrefixUnaryExpression(e)) {
      if (e.operator === ts.SyntaxKind.MinusToken) {
        // A negated literal (`-1`, `-Infinity`) is a literal.
        const operand = this.number(e.operand);
        if (operand.kind === "const" && operand.text === undefined) return c(-operand.value);
        return this.node("neg", [operand], e, hint);
      }
      if (e.operator === ts.SyntaxKind.PlusToken) return this.number(e.operand, hint);
      if (e.operator === ts.SyntaxKind.ExclamationToken)
        this.fail(codes.notNumber, `'${this.text(e)}' is a boolean, not a number`, e);
      if (isIncrement(e.operator))
        this.fail(
          codes.expression,
          `'${this.text(e)}' inside an expression is not supported; write it as its own statement`,
          e,
        );
      this.fail(codes.operator, `operator '${ts.tokenToString(e.operator)}' is not differentiable`, e);
    }
    if (ts.isPostfixUnaryExpression(e))
      this.fail(
        codes.expression,
        `'${this.text(e)}' inside an expression is not supported; write it as its own statement`,
        e,
      );
    if (ts.isBinaryExpression(e)) return this.binary(e, hint);
    if (ts.isCallExpression(e)) return this.call(e, hint);
    if (ts.isPropertyAccessExpression(e)) return this.property(e);
    if (ts.isConditionalExpression(e)) return this.conditional(e, hint);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e))
      this.fail(codes.string, `string value ${this.text(e)}: adgen differentiates numbers only`, e);
    if (e.kind === ts.SyntaxKind.ThisKeyword)
      this.fail(codes.thisKeyword, "'this' is not supported; pass the values in as parameters", e);
    if (e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword)
      this.fail(codes.expression, `boolean value '${this.text(e)}' is not supported`, e);
    if (ts.isNewExpression(e)) {
      const callee = ts.isIdentifier(e.expression) ? e.expression.text : undefined;
      if (callee === "Date") this.fail(codes.date, "'new Date()' depends on the clock; pass times in as parameters", e);
      if (callee === "Function")
        this.fail(codes.evalCall, "'new Function' evaluates code at run time and cannot be differentiated", e);
      this.fail(
        codes.expression,
        `'new ${callee ?? this.text(e.expression)}' is not supported; adgen differentiates numbers`,
        e,
      );
    }
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e))
      this.fail(codes.expression, "function expressions inside a differentiated function are not supported", e);
    if (ts.isElementAccessExpression(e)) {
      const array = this.arrayAtom(e.expression);
      if (this.nested.has(array.name))
        this.fail(codes.notNumber, `'${this.text(e)}' is a row of an array of arrays, not a number`, e);
      return this.node("index", [array, this.number(e.argumentExpression)], e, hint);
    }
    if (ts.isArrayLiteralExpression(e))
      this.fail(
        codes.notNumber,
        "an array literal is not a number; arrays can be assigned to a variable or returned",
        e,
      );
    this.fail(codes.expression, `${kindName(e)} is not supported`, e);
  }

  protected identifier(id: ts.Identifier): Atom {
    const name = id.text;
    const local = this.lookup(name);
    if (local) return this.valueOf(local, id);
    const b = this.mod.bindings.get(name);
    if (b?.kind === "constant" || b?.kind === "import") {
      const found = this.resolver.constant(this.mod, name, id);
      if (typeof found !== "string") return found;
      if (found.startsWith("a module-level"))
        this.fail(
          codes.unknownName,
          `'${name}' is ${found}; adgen differentiates functions of their parameters: pass it in as a parameter`,
          id,
        );
      if (found !== "a function") this.fail(codes.notNumber, `'${name}' is ${found}, not a number`, id);
    }
    if (b?.kind === "mutable") this.moduleState(name, b.keyword, id);
    if (b?.kind === "scratch") return this.scratchArray(name, id);
    if (b)
      this.fail(
        codes.notNumber,
        `'${name}' is a function, not a number; functions cannot be stored in variables or passed around: call '${name}' directly`,
        id,
      );
    if (name === "Infinity") return c(Infinity);
    if (name === "NaN") return c(NaN);
    if (name === "undefined") this.fail(codes.notNumber, "'undefined' is not a number", id);
    if (this.options.role === "backward")
      this.fail(
        codes.gate,
        `backward of gate '${this.options.gate}' reads '${name}', which it is not given; backward receives (grad, out, ...inputs)`,
        id,
      );
    this.fail(
      codes.unknownName,
      `'${name}' is not a parameter, a local variable or a module-level numeric constant`,
      id,
    );
  }

  protected binary(e: ts.BinaryExpression, hint?: string): Atom {
    const k = e.operatorToken.kind;
    const op = BINARY_OPS[k];
    if (op) {
      const left = this.number(e.left);
      const right = this.number(e.right);
      return this.node(op, [left, right], e, hint);
    }
    if (isAssignmentOperator(k))
      this.fail(
        codes.expression,
        `assignment inside an expression ('${this.text(e)}') is not supported; write it as its own statement`,
        e,
      );
    if (COMPARISON_OPS[k] || LOGICAL_OPS[k])
      this.fail(codes.notNumber, `'${this.text(e)}' is a boolean, not a number`, e);
    if (k === ts.SyntaxKind.CommaToken)
      this.fail(
        codes.operator,
        "the comma operator is supported only in a for loop's initializer and update (`i++, j--`); write separate statements",
        e.operatorToken,
      );
    if (k === ts.SyntaxKind.QuestionQuestionToken)
      this.fail(codes.operator, "operator '??' is not supported: every value is a number", e.operatorToken);
    this.fail(
      codes.operator,
      `operator '${ts.tokenToString(k) ?? e.operatorToken.getText(this.sf)}' is not differentiable`,
      e.operatorToken,
    );
  }

  protected property(e: ts.PropertyAccessExpression): Atom {
    const member = e.name.text;
    if (member === "length") return this.node("length", [this.arrayAtom(e.expression)], e);
    if (ts.isIdentifier(e.expression) && e.expression.text === "Math" && !this.lookup("Math")) {
      const value = mathConstants[member];
      if (value !== undefined) return c(value, `Math.${member}`);
      if (mathOp(member) || unsupported[`Math.${member}`])
        this.fail(codes.notNumber, `'Math.${member}' is a function, not a number; call it`, e);
      this.fail(codes.unknownMath, `'Math.${member}' is not a Math constant`, e.name);
    }
    if (
      ts.isIdentifier(e.expression) &&
      !this.lookup(e.expression.text) &&
      this.mod.bindings.get(e.expression.text)?.kind === "namespace"
    ) {
      const found = this.resolver.constantMember(this.mod, e.expression.text, member, e);
      if (typeof found !== "string") return found;
      this.fail(
        codes.notNumber,
        `'${this.text(e)}' is ${found === "a function" ? "a function, not a number; call it" : `${found}, not a number`}`,
        e,
      );
    }
    if (ts.isIdentifier(e.expression) && !this.lookup(e.expression.text) && !this.mod.bindings.has(e.expression.text))
      this.fail(
        codes.unknownName,
        `'${this.text(e)}': '${e.expression.text}' is not a parameter, a local variable or a namespace import`,
        e.expression,
      );
    this.fail(
      codes.expression,
      `property access '${this.text(e)}': not a field of a record whose type adgen sees (an interface, a type alias or a type literal declared in the module; grad(f) at run time sees no types)`,
      e,
    );
  }

  /** A boolean expression: comparisons, `&&`, `||`, `!`, or a boolean local. */
  protected condition(e: ts.Expression, hint?: string): VarRef {
    const inner = skipParens(e);
    if (ts.isBinaryExpression(inner)) {
      const k = inner.operatorToken.kind;
      const cmp = COMPARISON_OPS[k];
      if (cmp) return this.node(cmp, [this.number(inner.left), this.number(inner.right)], inner, hint) as VarRef;
      const logical = LOGICAL_OPS[k];
      if (logical)
        return this.node(logical, [this.condition(inner.left), this.condition(inner.right)], inner, hint) as VarRef;
    }
    if (ts.isPrefixUnaryExpression(inner) && inner.operator === ts.SyntaxKind.ExclamationToken)
      return this.node("not", [this.condition(inner.operand)], inner, hint) as VarRef;
    const call = ts.isNonNullExpression(inner) ? skipParens(inner.expression) : inner;
    if (ts.isCallExpression(call) && this.methodGives(call) === "condition")
      return this.method(call, "condition", hint) as VarRef;
    // A literal `true` / `false` as a condition (`broke_1 || false` in generated code).
    if (inner.kind === ts.SyntaxKind.TrueKeyword || inner.kind === ts.SyntaxKind.FalseKeyword)
      return this.node("or", [bool(inner.kind === ts.SyntaxKind.TrueKeyword), bool(false)], inner, hint) as VarRef;
    if (ts.isIdentifier(inner)) {
      const local = this.lookup(inner.text);
      const v = local && this.valueOf(local, inner);
      if (v?.kind === "var" && this.isBoolean(v)) return v;
      // A boolean local that still holds its `true`/`false` (before the loop that changes it).
      if (v && this.isBoolean(v)) return this.node("or", [v, bool(false)], inner, hint) as VarRef;
    }
    this.fail(
      codes.notCondition,
      `the condition '${this.text(e)}' is not a comparison; write one, such as 'x !== 0'`,
      e,
    );
  }

  /**
   * `name`, a module-level variable, read by a function: refused. (adgen's own scratch arrays, in
   * a module it generated, are not: src/parser/lower/scratch.ts.)
   */
  protected moduleState(name: string, keyword: string, at: ts.Node): never {
    // A module with adgen's header whose `..._scratch` array is not used as adgen uses its own.
    const scratch =
      /_scratch(_\d+)?$/.test(name) && isGenerated(this.mod.sf)
        ? ` (adgen reads a scratch array of a module it generated as an array local to each call only when each call writes every element before reading it, at the top level of its functions: scratchSound, src/parser/lower/scratch.ts)`
        : "";
    return this.fail(
      codes.unknownName,
      `'${name}' is a module-level ${keyword}; adgen differentiates functions of their parameters: pass it in as a parameter${scratch}`,
      at,
    );
  }

  /** adgen's scratch array `name` of the module being read: the one of the call being inlined. */
  protected scratchArray(name: string, at: ts.Node): VarRef {
    const a = this.scratch.get(`${this.mod.file}#${name}`);
    if (!a)
      this.fail(
        codes.unknownName,
        `'${name}' is the scratch array of a function adgen generated, named outside a call of that function`,
        at,
      );
    return a;
  }

  /**
   * Before lowering `node`, a function of `mod` called at `at` (or the differentiated function):
   * a fresh array for each scratch array it names that no function being inlined has yet, made
   * at `at`. Returns what to restore on leaving it.
   */
  protected enterScratch(node: ts.Node, mod: ModuleScope, at: ts.Node): Map<string, VarRef> {
    const saved = this.scratch;
    for (const [name, size] of scratchReads(node, mod)) {
      const key = `${mod.file}#${name}`;
      if (this.scratch.has(key)) continue;
      if (this.scratch === saved) this.scratch = new Map(saved);
      const a = this.node("newFloat64Array", [c(size)], at, name) as VarRef;
      this.arrays.set(a.name, "Float64Array");
      this.scratch.set(key, a);
    }
    return saved;
  }
  /** A module-level variable `node` reads (an identifier no declaration in it binds): refused, at it. */
  protected readsModuleState(node: ts.Node, mod: ModuleScope): void {
    const declared = new Set<string>();
    const reads: ts.Identifier[] = [];
    const visit = (n: ts.Node): void => {
      if ((ts.isVariableDeclaration(n) || ts.isParameter(n) || ts.isBindingElement(n)) && ts.isIdentifier(n.name))
        declared.add(n.name.text);
      if (
        ts.isIdentifier(n) &&
        !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) &&
        !(ts.isPropertyAssignment(n.parent) && n.parent.name === n) &&
        !(ts.isBindingElement(n.parent) && n.parent.propertyName === n)
      )
        reads.push(n);
      ts.forEachChild(n, visit);
    };
    visit(node);
    for (const id of reads) {
      const b = declared.has(id.text) ? undefined : mod.bindings.get(id.text);
      if (b?.kind === "mutable" && b.keyword !== "class") {
        const sf = this.sf;
        this.sf = mod.sf;
        try {
          this.moduleState(id.text, b.keyword, id);
        } catch (err) {
          // In another file (an imported helper's): reported there, at the read.
          if (mod !== this.mod) this.resolver.reportIn(mod, err);
          throw err;
        } finally {
          this.sf = sf;
        }
      }
    }
  }
}
