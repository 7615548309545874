/**
 * `for`, `for...of`, `while` and `do...while` as one structured Loop, with `break` and `continue`
 * as flags.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Carried, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import type { Statement } from "../../ir.js";
import { assignedOuterNames, callsFunctions, containsJump, containsReturn, isInert, skipParens } from "../syntax.js";
import { LowerBranches } from "./branches.js";
import { type LoopContext, bool, copyScopes, keyHint, sameAtom } from "./state.js";

/** What a for...of iterates (see `LowerLoops.iterated`). */
export interface Iterated {
  array: VarRef;
  element: (i: Atom, name: ts.BindingName, keyword: "const" | "let") => void;
}

export abstract class LowerLoops extends LowerBranches {
  /**
   * `for`, `for...of`, `while`, `do...while` as one structured Loop. Locals assigned inside
   * become carried values (phis); `break` sets a carried flag that the loop condition checks,
   * `continue` a per-iteration flag that skips the rest of the body.
   */
  protected loop(st: ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement): void {
    // A read from before the loop must not stand for a read in a later iteration after a write.

    if (this.options.role === "backward")
      this.fail(
        codes.gate,
        `backward of gate '${this.options.gate}' has a loop; a gate's backward is straight-line code (branches allowed)`,
        st.getChildAt(0, this.sf),
      );
    // `return` inside: a function-wide flag and value, carried by every loop around the return;
    // the outermost loop declares them, and the code after it runs only if no return did.
    const returns = containsReturn(st.statement);
    if (returns && this.loops.length === 0) {
      const outer = this.scopes[this.scopes.length - 1]!;
      outer.set("#returned", { keyword: "let", value: bool(false) });
      outer.set("#result", { keyword: "let", value: c(0) });
    }
    this.scopes.push(new Map());
    const scope = this.scopes[this.scopes.length - 1]!;
    if (ts.isForStatement(st) && st.initializer) {
      if (ts.isVariableDeclarationList(st.initializer)) this.declarations(st.initializer);
      else this.expressionStatements(st.initializer);
    }
    // for...of: a hidden counter, and the element bound at the start of each iteration.
    let forOf:
      | {
          iterated: Iterated;
          element: ts.BindingName;
          index?: ts.Identifier;
          keyword: "const" | "let";
        }
      | undefined;
    if (ts.isForOfStatement(st)) {
      // `for (const [i, x] of xs.entries())`: the counter is bound to `i` as well.
      const source = skipParens(st.expression);
      const entries =
        ts.isCallExpression(source) &&
        ts.isPropertyAccessExpression(source.expression) &&
        source.expression.name.text === "entries" &&
        source.arguments.length === 0
          ? source.expression.expression
          : undefined;
      const iterated = this.iterated(entries ?? st.expression);
      const decl = ts.isVariableDeclarationList(st.initializer) ? st.initializer.declarations[0] : undefined;
      // `[i, x]` of entries(); `x` may be a pattern itself (`[i, { x, y }]`).
      const pair =
        decl && ts.isArrayBindingPattern(decl.name) && decl.name.elements.length === 2
          ? decl.name.elements.map((el, k) =>
              ts.isBindingElement(el) && (ts.isIdentifier(el.name) || k === 1) && !el.dotDotDotToken && !el.initializer
                ? el.name
                : undefined,
            )
          : undefined;
      if (entries && !(pair?.[0] && pair[1]))
        this.fail(codes.statement, "for...of over entries() needs 'const [i, x] of xs.entries()'", st.initializer);
      if (!decl)
        this.fail(
          codes.statement,
          "for...of needs 'const x of array' or 'const [i, x] of array.entries()'",
          st.initializer,
        );
      scope.set("#i", { keyword: "let", value: c(0) });
      forOf = {
        iterated,
        element: entries ? pair![1]! : decl.name,
        ...(entries ? { index: pair![0] as ts.Identifier } : {}),
        keyword: st.initializer.flags & ts.NodeFlags.Const ? "const" : "let",
      };
    }
    // A condition that calls a function (which may write arrays, or need a pullback) is not a
    // head of pure operations: it runs at the start of the body, and ends the loop as a break.
    const condition = ts.isWhileStatement(st) ? st.expression : ts.isForStatement(st) ? st.condition : undefined;
    const conditionInBody = condition !== undefined && callsFunctions(condition);
    const hasBreak = containsJump(st.statement, "break") || conditionInBody;
    const hasContinue = containsJump(st.statement, "continue");
    if (hasBreak) scope.set("#broke", { keyword: "let", value: bool(false) });
    if (ts.isDoStatement(st)) scope.set("#again", { keyword: "let", value: bool(true) });
    if (ts.isDoStatement(st) && skipParens(st.expression).kind === ts.SyntaxKind.TrueKeyword && !hasBreak && !returns)
      this.fail(
        codes.loop,
        "this loop never ends: its condition is 'true' and it has no 'break'",
        st.getChildAt(0, this.sf),
      );

    // Carried: every variable visible here (the loop's own counter included) that the loop
    // assigns, by binding: a same-named declaration inside the body is another variable.
    const parts = ts.isForStatement(st)
      ? [st.condition, st.incrementor, st.statement]
      : ts.isForOfStatement(st)
        ? [st]
        : [st.expression, st.statement];
    const assigned = assignedOuterNames(parts);
    // A record the loop writes carries its number fields; its array fields must stay the same arrays.
    const records = this.writtenRecords(parts);
    const ofRecord = (k: string) => records.has(k.split(".")[0]!) && k.includes(".") && !this.lookup(k)!.record;
    const arrayFields = [...this.visibleNames()]
      .filter((k) => ofRecord(k) && this.isArray(this.lookup(k)!.value))
      .map((k) => [k, this.lookup(k)!.value] as const);
    const carriedKeys = [...this.visibleNames()].filter(
      (k) =>
        (k.startsWith("#") && scope.has(k)) ||
        (assigned.has(k) && !this.lookup(k)!.record) ||
        (ofRecord(k) && !this.isArray(this.lookup(k)!.value)) ||
        (returns && (k === "#returned" || k === "#result")),
    );
    const carried: Carried[] = [];
    const locals = carriedKeys.map((key) => {
      const local = this.lookup(key)!;
      if (local.keyword === "const") return undefined;
      if (!local.value) this.fail(codes.unassigned, `'${key}' is assigned in the loop but has no value before it`, st);
      if (this.isArray(local.value))
        this.fail(
          codes.statement,
          `array variable '${key}' is reassigned in a loop; write into its elements instead`,
          st,
        );
      const phi = this.names.claim(keyHint(key));
      if (this.isBoolean(local.value)) this.booleans.add(phi);
      const entry: Carried = { name: phi, init: local.value, next: local.value };
      carried.push(entry);
      local.value = { kind: "var", name: phi };
      return { local, entry };
    });

    const ctx: LoopContext = {};
    if (hasBreak) ctx.broke = "#broke";
    if (returns) ctx.returned = "#returned";
    // Whether a `break` or a `return` has ended the loop: its condition and its step check it.
    const stopped = () => {
      const flags = [ctx.broke, ctx.returned].flatMap((k) => (k ? [this.lookup(k)!.value!] : []));
      return flags.length === 2 ? this.node("or", flags, st) : flags[0]!;
    };
    let cond: VarRef | undefined;
    const head = this.arm(() => {
      let test: VarRef;
      if (ts.isDoStatement(st)) test = this.lookup("#again")!.value as VarRef;
      else if (forOf) {
        const n = this.node("length", [forOf.iterated.array], st);
        test = this.node("lt", [this.lookup("#i")!.value!, n], st) as VarRef;
      } else {
        const always = !condition || skipParens(condition).kind === ts.SyntaxKind.TrueKeyword || conditionInBody;
        // `while (true) { ... break; }` and `for (;;)`: the loop runs until its break.
        if (always && !hasBreak && !returns)
          this.fail(codes.loop, "this loop never ends: it has no condition and no 'break'", st.getChildAt(0, this.sf));
        if (always) {
          cond = this.node("not", [stopped()], st) as VarRef;
          return;
        }
        test = this.condition(condition!);
      }
      if (hasBreak || returns) {
        const going = this.node("not", [stopped()], st);
        test = this.node("and", [going, test!], st) as VarRef;
      }
      cond = test!;
    });

    this.loops.push(ctx);
    const body = this.arm(() => {
      this.scopes.push(new Map());
      if (hasContinue) {
        this.scopes[this.scopes.length - 1]!.set("#skip", { keyword: "let", value: bool(false) });
        ctx.skip = "#skip";
      }
      if (forOf) {
        const i = this.lookup("#i")!.value!;
        forOf.iterated.element(i, forOf.element, forOf.keyword);
        if (forOf.index)
          this.scopes[this.scopes.length - 1]!.set(forOf.index.text, { keyword: forOf.keyword, value: i });
      }
      const lowerBody = () => {
        if (ts.isBlock(st.statement)) this.statements(st.statement.statements, 0, () => undefined);
        else this.statements([st.statement], 0, () => undefined);
      };
      if (conditionInBody) {
        const test = this.condition(condition!);
        this.lookup("#broke")!.value = this.node("not", [test], st);
        this.branchOn(test, lowerBody, () => undefined, st);
      } else lowerBody();
      this.scopes.pop();
      ctx.skip = undefined;
      // The step runs after the body and after `continue`, but not after `break`.
      const step = () => {
        if (ts.isForStatement(st) && st.incrementor) this.expressionStatements(st.incrementor);
        if (forOf) this.lookup("#i")!.value = this.node("add", [this.lookup("#i")!.value!, c(1)], st);
        // `do { ... } while (true)` runs until its break: #again stays true.
        if (ts.isDoStatement(st) && skipParens(st.expression).kind !== ts.SyntaxKind.TrueKeyword)
          this.lookup("#again")!.value = this.condition(st.expression);
      };
      if (hasBreak || returns) this.branchOn(this.node("not", [stopped()], st) as VarRef, step, () => undefined, st);
      else step();
    });
    this.loops.pop();

    // Branches in the body replace scope entries with copies: look the locals up again.
    carriedKeys.forEach((key, i) => {
      const entry = locals[i]?.entry;
      if (!entry) return;
      const local = this.lookup(key)!;
      entry.next = local.value!;
      local.value = { kind: "var", name: entry.name };
    });
    for (const [key, array] of arrayFields)
      if (!sameAtom(this.lookup(key)!.value, array)) {
        // An array of records is a record of arrays: a new array of records in the loop replaces them.
        const root = key.split(".")[0]!;
        if (this.lookup(root)?.record?.elements)
          this.fail(
            codes.statement,
            `'${root}', an array of records, is given a new array in the loop ('${root} = ...'); adgen does not carry arrays through loops: make one array before the loop (a copy of a parameter: '.map((p) => ({ ...p }))') and write into its elements in the loop ('${root}[i].x = ...')`,
            st,
          );
        this.fail(codes.statement, `array field '${key}' is reassigned in a loop; write into its elements instead`, st);
      }
    this.scopes.pop();
    this.body.push({ kind: "loop", carried, head, cond: cond!, body, pos: st.getStart(this.sf) });
  }

  /**
   * What a for...of iterates: the array whose length bounds it, and how its element `i` is bound
   * to the loop's variable. Here arrays of numbers (src/parser/lower/record-arrays.ts adds arrays
   * of records, whose elements destructure).
   */
  protected iterated(e: ts.Expression): Iterated {
    const value = this.value(e);
    if (!this.isArray(value)) this.fail(codes.notArray, `for...of needs an array; '${this.text(e)}' is not one`, e);
    const array = value as VarRef;
    return {
      array,
      element: (i, name, keyword) => {
        if (!ts.isIdentifier(name))
          this.fail(
            codes.statement,
            `'${this.text(name)}': the elements of '${this.text(e)}' are numbers, which do not destructure`,
            name,
          );
        // Over an array of arrays, each element is a row (src/parser/lower/nested.ts).
        const element = this.nested.has(array.name)
          ? this.row(array, i, name, name.text)
          : this.node("index", [array, i], name, name.text);
        this.scopes[this.scopes.length - 1]!.set(name.text, { keyword, value: element });
      },
    };
  }

  /** `break` or `continue`: sets the innermost loop's flag. */
  protected jump(st: ts.BreakStatement | ts.ContinueStatement): void {
    if (st.label) this.fail(codes.loop, "labelled break and continue are not supported", st);
    const loop = this.loops[this.loops.length - 1];
    const key = ts.isBreakStatement(st) ? loop?.broke : loop?.skip;
    if (!key) this.fail(codes.statement, `'${st.getText(this.sf)}' outside a loop`, st);
    this.lookup(key)!.value = bool(true);
  }

  /** A boolean that is true once the innermost loop's `break`, `continue` or a `return` has run this iteration. */
  protected jumpedFlag(at: ts.Node): VarRef {
    const loop = this.loops[this.loops.length - 1]!;
    const flags = [loop.broke, loop.skip, loop.returned]
      .filter((k): k is string => k !== undefined)
      .map((k) => this.lookup(k)!.value!);
    const [first, ...others] = flags;
    if (others.length === 0) {
      if (first!.kind === "var") return first as VarRef;
      return this.node("or", [first!, bool(false)], at) as VarRef;
    }
    return others.reduce((acc, f) => this.node("or", [acc, f], at), first!) as VarRef;
  }

  /**
   * `return e` inside a loop: records the value and sets the function-wide `#returned` flag,
   * which ends every loop around it (each checks it with its break flag) and skips the rest of
   * each of their bodies; the code after the outermost loop runs only if it is not set.
   */
  protected loopReturn(st: ts.ReturnStatement): void {
    if (!st.expression)
      this.fail(codes.notNumber, `'return' without a value; '${this.fn.name}' must return a number`, st);
    const [value] = this.returned(st.expression);
    if (this.isArray(value))
      this.fail(
        codes.loop,
        `'${this.fn.name}' returns an array from inside a loop; this is not supported: break out of the loop and return it after`,
        st,
      );
    this.lookup("#result")!.value = value!;
    this.lookup("#returned")!.value = bool(true);
  }

  /**
   * After the outermost loop that contains a `return`: the function returns what the loop
   * recorded if it returned, and what `list[i + 1..]` returns otherwise.
   */
  protected afterReturningLoop(
    list: readonly ts.Statement[],
    i: number,
    rest: () => Atom[] | undefined,
  ): Atom[] | undefined {
    const at = list[i]!;
    const returned = this.lookup("#returned")!.value!;
    const result = this.lookup("#result")!.value!;
    // `while (true)` or `for (;;)` without a `break`: only a return ends it.
    const loop = at as ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement;
    const condition = ts.isForOfStatement(loop)
      ? undefined
      : ts.isForStatement(loop)
        ? loop.condition
        : loop.expression;
    const endless =
      !ts.isForOfStatement(loop) &&
      (condition === undefined || skipParens(condition).kind === ts.SyntaxKind.TrueKeyword) &&
      !containsJump(loop.statement, "break");
    if (endless) {
      const after = list.slice(i + 1).find((s) => !isInert(s));
      if (after) this.fail(codes.missingReturn, "unreachable code after a loop that only a 'return' ends", after);
      return [result];
    }
    const cond = returned.kind === "var" ? returned : (this.node("or", [returned, bool(false)], at) as VarRef);
    const before = copyScopes(this.scopes);
    let elseResults: Atom[] | undefined;
    const elseBody: Statement[] = this.arm(() => {
      this.lookup("#returned")!.value = bool(false);
      elseResults = this.statements(list, i + 1, rest);
    });
    this.scopes = before;
    if (!elseResults) return undefined;
    // An inlined helper also returns the fields of the records it writes: on the path that returned
    // in the loop, their values then, which the loop carried out unchanged.
    return this.branchResults(cond, [], [result, ...this.writtenLeaves(at)], elseBody, elseResults, at);
  }

  /** After a statement that may `break` or `continue`: the rest of the list runs only if it did not. */
  protected guardRest(list: readonly ts.Statement[], i: number, rest: () => Atom[] | undefined): Atom[] | undefined {
    if (list.slice(i).every(isInert)) return rest();
    const flag = this.jumpedFlag(list[i]!);
    const go = this.node("not", [flag], list[i]!);
    this.branchOn(
      go as VarRef,
      () => this.statements(list, i, () => undefined),
      () => undefined,
      list[i]!,
    );
    return rest();
  }
}
