/**
 * `for`, `for...of`, `while` and `do...while` as one structured Loop, with `break` and `continue`
 * as flags.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Carried, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { assignedOuterNames, callsFunctions, containsJump, isInert, skipParens } from "../syntax.js";
import { LowerBranches } from "./branches.js";
import { type LoopContext, bool, keyHint, sameAtom } from "./state.js";

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
    this.scopes.push(new Map());
    const scope = this.scopes[this.scopes.length - 1]!;
    if (ts.isForStatement(st) && st.initializer) {
      if (ts.isVariableDeclarationList(st.initializer)) this.declarations(st.initializer);
      else this.expressionStatements(st.initializer);
    }
    // for...of: a hidden counter, and the element bound at the start of each iteration.
    let forOf: { array: VarRef; counter: string; element: ts.BindingName; keyword: "const" | "let" } | undefined;
    if (ts.isForOfStatement(st)) {
      const iterated = this.value(st.expression);
      if (!this.isArray(iterated))
        this.fail(codes.notArray, `for...of needs an array; '${this.text(st.expression)}' is not one`, st.expression);
      const array = iterated as VarRef;
      const decl = ts.isVariableDeclarationList(st.initializer) ? st.initializer.declarations[0] : undefined;
      if (!decl || !ts.isIdentifier(decl.name))
        this.fail(codes.statement, "for...of needs 'const x of array'", st.initializer);
      scope.set("#i", { keyword: "let", value: c(0) });
      forOf = {
        array,
        counter: "#i",
        element: decl.name,
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
    if (ts.isDoStatement(st) && skipParens(st.expression).kind === ts.SyntaxKind.TrueKeyword && !hasBreak)
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
        (ofRecord(k) && !this.isArray(this.lookup(k)!.value)),
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
    let cond: VarRef | undefined;
    const head = this.arm(() => {
      let test: VarRef;
      if (ts.isDoStatement(st)) test = this.lookup("#again")!.value as VarRef;
      else if (forOf) {
        const n = this.node("length", [forOf.array], st);
        test = this.node("lt", [this.lookup("#i")!.value!, n], st) as VarRef;
      } else {
        const always = !condition || skipParens(condition).kind === ts.SyntaxKind.TrueKeyword || conditionInBody;
        // `while (true) { ... break; }` and `for (;;)`: the loop runs until its break.
        if (always && !hasBreak)
          this.fail(codes.loop, "this loop never ends: it has no condition and no 'break'", st.getChildAt(0, this.sf));
        if (always) {
          cond = this.node("not", [this.lookup("#broke")!.value!], st) as VarRef;
          return;
        }
        test = this.condition(condition!);
      }
      if (hasBreak) {
        const going = this.node("not", [this.lookup("#broke")!.value!], st);
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
        const element = this.node(
          "index",
          [forOf.array, this.lookup("#i")!.value!],
          st,
          (forOf.element as ts.Identifier).text,
        );
        this.scopes[this.scopes.length - 1]!.set((forOf.element as ts.Identifier).text, {
          keyword: forOf.keyword,
          value: element,
        });
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
      if (hasBreak)
        this.branchOn(this.node("not", [this.lookup("#broke")!.value!], st) as VarRef, step, () => undefined, st);
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
      if (!sameAtom(this.lookup(key)!.value, array))
        this.fail(codes.statement, `array field '${key}' is reassigned in a loop; write into its elements instead`, st);
    this.scopes.pop();
    this.body.push({ kind: "loop", carried, head, cond: cond!, body, pos: st.getStart(this.sf) });
  }

  /** `break` or `continue`: sets the innermost loop's flag. */
  protected jump(st: ts.BreakStatement | ts.ContinueStatement): void {
    if (st.label) this.fail(codes.loop, "labelled break and continue are not supported", st);
    const loop = this.loops[this.loops.length - 1];
    const key = ts.isBreakStatement(st) ? loop?.broke : loop?.skip;
    if (!key) this.fail(codes.statement, `'${st.getText(this.sf)}' outside a loop`, st);
    this.lookup(key)!.value = bool(true);
  }

  /** A boolean that is true once the innermost loop's `break` or `continue` has run this iteration. */
  protected jumpedFlag(at: ts.Node): VarRef {
    const loop = this.loops[this.loops.length - 1]!;
    const flags = [loop.broke, loop.skip]
      .filter((k): k is string => k !== undefined)
      .map((k) => this.lookup(k)!.value!);
    const [first, second] = flags;
    if (second === undefined) {
      if (first!.kind === "var") return first as VarRef;
      return this.node("or", [first!, bool(false)], at) as VarRef;
    }
    return this.node("or", [first!, second], at) as VarRef;
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
