/**
 * Lowering statement lists, declarations and assignments, and what a function returns.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom } from "../../ir.js";
import { c } from "../../rules/expr.js";
import {
  ARRAY_TYPES,
  COMPOUND_OPS,
  containsJump,
  containsReturn,
  isAssignmentOperator,
  isIncrement,
  isInert,
  kindName,
  skipParens,
} from "../syntax.js";
import { LowerLoops } from "./loops.js";
import { bool, type Local } from "./state.js";

export abstract class LowerStatements extends LowerLoops {
  /**
   * Lowers `list[i..]`, then `rest()` if control reaches the end of the list. Returns what the
   * function returns on every path from here, or undefined if some path falls off the end.
   */
  protected statements(list: readonly ts.Statement[], i: number, rest: () => Atom[] | undefined): Atom[] | undefined {
    for (; i < list.length; i++) {
      const st = list[i]!;
      if (ts.isReturnStatement(st)) {
        const after = list.slice(i + 1).find((s) => !isInert(s));
        if (after) this.fail(codes.missingReturn, "unreachable code after 'return'", after);
        if (this.loops.length > 0) {
          this.loopReturn(st);
          return rest();
        }
        if (!st.expression)
          this.fail(codes.notNumber, `'return' without a value; '${this.fn.name}' must return a number`, st);
        return this.returned(st.expression);
      }
      if (ts.isBreakStatement(st) || ts.isContinueStatement(st)) {
        this.jump(st);
        const after = list.slice(i + 1).find((s) => !isInert(s));
        if (after)
          this.fail(
            codes.missingReturn,
            `unreachable code after '${ts.isBreakStatement(st) ? "break" : "continue"}'`,
            after,
          );
        return rest();
      }
      const next = () => this.statements(list, i + 1, rest);
      // Inside a loop a `return` is a jump out of every loop (see `loopReturn`).
      const inLoop = this.loops.length > 0;
      const jumps = containsJump(st) || (inLoop && containsReturn(st));
      if (ts.isBlock(st)) {
        if (!containsReturn(st) || inLoop) {
          this.scopes.push(new Map());
          this.statements(st.statements, 0, () => undefined);
          this.scopes.pop();
          if (jumps) return this.guardRest(list, i + 1, rest);
          continue;
        }
        this.scopes.push(new Map());
        return this.statements(st.statements, 0, () => {
          this.scopes.pop();
          return next();
        });
      }
      if (ts.isIfStatement(st)) {
        if ((!containsReturn(st) || inLoop) && !(!inLoop && this.choosesBeforeReturn(list, i))) {
          this.ifStatement(st);
          if (jumps) return this.guardRest(list, i + 1, rest);
          continue;
        }
        return this.returningIf(st, next);
      }
      this.statement(st);
      if (isLoop(st) && containsReturn(st)) {
        if (inLoop) return this.guardRest(list, i + 1, rest);
        return this.afterReturningLoop(list, i, rest);
      }
    }
    return rest();
  }

  /**
   * Whether the `if` at `list[i]` gives an array variable an array made before it on some path
   * (`f = r`), and nothing but `return` follows it: it is lowered as if each arm ended with that
   * `return`, where an array made before the branch may be chosen (generated f_jvp chooses its
   * value so: `if (x > 0) { f = r; dot_f = dot_r; } else { ... }`, then returns both). Followed by
   * anything else, the choice is refused (ADG2001): the array would be reached by two names.
   */
  private choosesBeforeReturn(list: readonly ts.Statement[], i: number): boolean {
    const after = list.slice(i + 1).filter((s) => !isInert(s));
    if (after.length !== 1 || !ts.isReturnStatement(after[0]!)) return false;
    const chooses = (node: ts.Node): boolean => {
      if (ts.isFunctionLike(node)) return false;
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
        const [left, right] = [skipParens(node.left), skipParens(node.right)];
        if (
          ts.isIdentifier(left) &&
          ts.isIdentifier(right) &&
          this.lookup(left.text) !== undefined &&
          this.isArray(this.lookup(right.text)?.value)
        )
          return true;
      }
      return ts.forEachChild(node, chooses) ?? false;
    };
    return chooses(list[i]!);
  }

  /** The value of `return e`: a number or an array, or for a gate's backward a tuple `[g0, g1, ...]`. */
  protected returned(e: ts.Expression): Atom[] {
    const inner = skipParens(e);
    if (this.options.role === "backward" && ts.isArrayLiteralExpression(inner))
      return inner.elements.map((el) => this.number(el));
    if (this.options.role === "function") {
      const result = this.operand(e, "return", this.fn.name);
      // The differentiated function's result: a vector, never a matrix or a row of one (src/parser/lower/nested.ts).
      if (this.inlining.length === 0) this.unsharedArray(result, e, `'${this.fn.name}' returns`);
      return [result];
    }
    return [this.number(e)];
  }

  /**
   * A number or an array: what a function returns (`where` "return") or a variable holds
   * ("value"). `cond ? a : b` chooses between arrays as between numbers (see `merged`).
   */
  protected operand(e: ts.Expression, where: "return" | "value", hint?: string): Atom {
    const inner = skipParens(e);
    if (ts.isIdentifier(inner) && this.lookup(inner.text)) {
      const v = this.valueOf(this.lookup(inner.text)!, inner);
      if (this.isArray(v)) return v;
    }
    if (ts.isConditionalExpression(inner)) return this.conditional(inner, hint, where);
    return this.array(e, hint) ?? this.number(e, hint);
  }

  protected statement(st: ts.Statement): void {
    if (isInert(st)) return;
    if (ts.isVariableStatement(st)) return this.declarations(st.declarationList);
    if (ts.isExpressionStatement(st)) return this.expressionStatement(st.expression);
    if (ts.isSwitchStatement(st))
      this.fail(
        codes.branch,
        "switch statement is not supported; write it as if / else if / else",
        st.getChildAt(0, this.sf),
      );
    if (isLoop(st)) return this.loop(st);
    if (ts.isIterationStatement(st, false))
      this.fail(
        codes.loop,
        `${kindName(st)} is not supported; use a for, for...of, while or do...while loop`,
        st.getChildAt(0, this.sf),
      );
    if (ts.isFunctionDeclaration(st))
      this.fail(
        codes.statement,
        "nested function declarations are not supported; move the function to the top level",
        st.name ?? st,
      );
    this.fail(codes.statement, `${kindName(st)} is not supported`, st.getChildAt(0, this.sf));
  }

  protected declarations(list: ts.VariableDeclarationList): void {
    const keyword = list.flags & ts.NodeFlags.Const ? "const" : list.flags & ts.NodeFlags.Let ? "let" : undefined;
    if (!keyword)
      this.fail(
        codes.statement,
        "'var' declarations are not supported; use 'let' or 'const'",
        list.getChildAt(0, this.sf),
      );
    for (const decl of list.declarations) {
      if (!ts.isIdentifier(decl.name))
        this.fail(codes.statement, `destructuring '${this.text(decl.name)}' is not supported`, decl.name);
      const name = decl.name.text;
      // `let s!: number` (generated code declares a value an arm assigns so): until assigned it
      // holds what `undefined` is in arithmetic, NaN (`let b!: boolean`: false); a merge then
      // carries the arm's value where that arm ran, the only paths on which the code reads it.
      const value = decl.initializer
        ? this.value(decl.initializer, name)
        : decl.exclamationToken
          ? decl.type?.kind === ts.SyntaxKind.BooleanKeyword
            ? bool(false)
            : c(Number.NaN)
          : undefined;
      // `let q!: number[]`: where no arm assigns it, an empty array stands for it (branches.ts).
      const definiteArray =
        decl.exclamationToken && decl.type ? ARRAY_TYPES[decl.type.getText(this.sf).replace(/\s+/g, " ")] : undefined;
      this.scopes[this.scopes.length - 1]!.set(name, { keyword, value, ...(definiteArray ? { definiteArray } : {}) });
    }
  }

  protected expressionStatement(e: ts.Expression): void {
    const target = ts.isBinaryExpression(e)
      ? e.left
      : ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)
        ? e.operand
        : undefined;
    // `a[i]! += v`: the non-null assertion (which generated code writes) changes nothing.
    const element = target && withoutNonNull(target);
    if (element && ts.isElementAccessExpression(element)) return this.elementWrite(e, element);
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const local = this.assignable(e.left);
      local.value = this.value(e.right, (e.left as ts.Identifier).text);
      return;
    }
    if (ts.isBinaryExpression(e) && COMPOUND_OPS[e.operatorToken.kind]) {
      const local = this.assignable(e.left);
      const current = this.numeric(this.valueOf(local, e.left as ts.Identifier), e.left);
      local.value = this.node(
        COMPOUND_OPS[e.operatorToken.kind]!,
        [current, this.number(e.right)],
        e,
        (e.left as ts.Identifier).text,
      );
      return;
    }
    if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && isIncrement(e.operator)) {
      const local = this.assignable(e.operand);
      const current = this.numeric(this.valueOf(local, e.operand as ts.Identifier), e.operand);
      const op = e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub";
      local.value = this.node(op, [current, c(1)], e, (e.operand as ts.Identifier).text);
      return;
    }
    if (ts.isBinaryExpression(e) && isAssignmentOperator(e.operatorToken.kind))
      this.fail(codes.operator, `operator '${e.operatorToken.getText(this.sf)}' is not supported`, e.operatorToken);
    // `xs.forEach(...)`, `out.fill(v)` (src/parser/lower/methods.ts).
    if (ts.isCallExpression(e) && this.methodGives(e) !== undefined) {
      this.method(e, "statement");
      return;
    }
    // A helper that writes into arrays, called for its effect (`qtimesx(..., out);`).
    if (ts.isCallExpression(e) && this.inlineCall(e, true) !== undefined) return;
    this.value(e);
    this.fail(codes.statement, `the statement '${this.text(e)}' has no effect`, e);
  }

  /** A for loop's initializer or update: `i++, j--` is a sequence of expression statements. */
  protected expressionStatements(e: ts.Expression): void {
    const inner = skipParens(e);
    if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === ts.SyntaxKind.CommaToken) {
      this.expressionStatements(inner.left);
      this.expressionStatements(inner.right);
    } else this.expressionStatement(e);
  }

  /** The local variable an assignment writes, or a diagnostic for anything else. */
  protected assignable(target: ts.Expression): Local {
    if (!ts.isIdentifier(target))
      this.fail(
        codes.outerWrite,
        `assignment to '${this.text(target)}': adgen differentiates functions that write only their own local variables`,
        target,
      );
    const local = this.lookup(target.text);
    if (!local) {
      const known = this.mod.bindings.has(target.text);
      this.fail(
        known ? codes.outerWrite : codes.unknownName,
        known
          ? `assignment to '${target.text}', which is outside the function; adgen differentiates functions without side effects`
          : `'${target.text}' is not declared`,
        target,
      );
    }
    if (local.keyword === "const")
      this.fail(codes.constAssign, `'${target.text}' is a const and cannot be reassigned`, target);
    return local;
  }
}

function withoutNonNull(e: ts.Expression): ts.Expression {
  let inner = skipParens(e);
  while (ts.isNonNullExpression(inner)) inner = skipParens(inner.expression);
  return inner;
}

function isLoop(st: ts.Statement): st is ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement {
  return ts.isForStatement(st) || ts.isWhileStatement(st) || ts.isDoStatement(st) || ts.isForOfStatement(st);
}
