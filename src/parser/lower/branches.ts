/**
 * `if`/`else`, early returns and `?:` as structured branches whose results are merges.
 */
import { ts } from "ts-morph";
import { codes } from "../../diagnostics.js";
import type { Atom, Merge, Statement, VarRef } from "../../ir.js";
import { c } from "../../rules/expr.js";
import { isConditionSyntax, skipParens } from "../syntax.js";
import { LowerCalls } from "./calls.js";
import { copyScopes, keyHint, sameAtom, type Scopes } from "./state.js";

export abstract class LowerBranches extends LowerCalls {
  /** Lowers an `if` statement, or the single statement or block of an arm. */
  protected armStatement(st: ts.Statement | undefined): void {
    if (!st) return;
    if (ts.isBlock(st)) {
      this.scopes.push(new Map());
      this.statements(st.statements, 0, () => undefined);
      this.scopes.pop();
    } else this.statements([st], 0, () => undefined);
  }

  /** An `if` without `return` inside: both arms run to the end, and changed variables merge. */
  protected ifStatement(st: ts.IfStatement): void {
    const cond = this.condition(st.expression, "cond");
    this.branchOn(
      cond,
      () => this.armStatement(st.thenStatement),
      () => this.armStatement(st.elseStatement),
      st,
    );
  }

  /** A branch on `cond` whose arms fall through; variables assigned in either arm merge after it. */
  protected branchOn(cond: VarRef, lowerThen: () => void, lowerElse: () => void, at: ts.Node): void {
    const before = copyScopes(this.scopes);
    const thenBody = this.arm(lowerThen);
    const afterThen = this.scopes;
    this.scopes = copyScopes(before);
    const elseBody = this.arm(lowerElse);
    const afterElse = this.scopes;

    this.scopes = before;
    const merges = this.mergeScopes(before, afterThen, afterElse, [thenBody, elseBody], at);
    this.body.push({ kind: "branch", cond, then: thenBody, else: elseBody, merges, pos: at.getStart(this.sf) });
  }

  /**
   * The merges of the locals the arms of a branch changed (`afterThen`, `afterElse`: the scopes
   * after each arm, from `before`; `bodies`: the arms' statements), each local of `before` then
   * bound to its merge. An array variable merges when each arm gives it an array the arm makes
   * (`let q: number[]; if (c) q = [x, y]; else q = [y, x];`, as generated code chooses arrays),
   * each array under that one name (see `merged`); one declared `let q!: number[]` and assigned
   * on one path only is an empty array on the other, as an unassigned `let s!: number` is NaN.
   */
  private mergeScopes(
    before: Scopes,
    afterThen: Scopes,
    afterElse: Scopes,
    bodies: [Statement[], Statement[]],
    at: ts.Node,
  ): Merge[] {
    const merges: Merge[] = [];
    // The arrays merged, by the local they are merged for: each may be reached by one name only.
    const chosen = new Map<string, string>();
    before.forEach((scope, level) => {
      for (const [name, local] of scope) {
        let t = afterThen[level]!.get(name)!.value;
        let e = afterElse[level]!.get(name)!.value;
        if (sameAtom(t, local.value) && sameAtom(e, local.value)) continue;
        if (local.definiteArray && this.isArray(t) !== this.isArray(e)) {
          const empty = (body: Statement[]) => this.inArm(body, () => this.emptyArray(local.definiteArray!, at, name));
          if (sameAtom(e, local.value)) e = empty(bodies[1]);
          else if (sameAtom(t, local.value)) t = empty(bodies[0]);
        }
        if (!t || !e) {
          local.value = undefined; // assigned on one path only: reading it later is a diagnostic
          continue;
        }
        if (sameAtom(t, e)) {
          local.value = t;
          continue;
        }
        if (this.isArray(t) && this.isArray(e)) {
          const [tNew, eNew] = [this.madeIn(t as VarRef, bodies[0]), this.madeIn(e as VarRef, bodies[1])];
          if (!tNew || !eNew)
            this.fail(
              codes.statement,
              tNew || eNew
                ? `array variable '${name}' is given a new array on one path of a branch and keeps an array made before it on the other; give it a new array on both paths (a copy: '.slice()'), or write into its elements`
                : `array variable '${name}' is given arrays made before the branch; give it a new array on both paths (a copy: '.slice()'), or write into its elements`,
              at,
            );
          for (const side of [t, e] as VarRef[]) {
            const other = chosen.get(side.name);
            if (other !== undefined)
              this.fail(
                codes.statement,
                `'${other}' and '${name}' are given the same array in a branch; adgen follows an array a branch chooses under one name`,
                at,
              );
            chosen.set(side.name, name);
          }
          const merge = this.merged(t, e, bodies, "value", at, () => this.names.claim(keyHint(name)));
          if (merge.kind === "merge") merges.push(merge.merge);
          local.value = merge.kind === "merge" ? { kind: "var", name: merge.merge.name } : merge.atom;
          continue;
        }
        if (this.isArray(t) || this.isArray(e))
          this.fail(codes.notNumber, `'${name}' is an array on one path and a number on the other`, at);
        const merged = this.names.claim(keyHint(name));
        if (this.isBoolean(t) && this.isBoolean(e)) this.booleans.add(merged);
        else if (this.isBoolean(t) || this.isBoolean(e))
          this.fail(codes.notNumber, `'${name}' is a boolean on one path and a number on the other`, at);
        merges.push({ name: merged, then: t, else: e });
        local.value = { kind: "var", name: merged };
      }
    });
    return merges;
  }

  /** An `if` with a `return` inside: the code after it (`next`) continues each arm that falls through. */
  protected returningIf(st: ts.IfStatement, next: () => Atom[] | undefined): Atom[] | undefined {
    const cond = this.condition(st.expression, "cond");
    const before = copyScopes(this.scopes);
    const lowerArm = (arm: ts.Statement | undefined): Atom[] | undefined => {
      if (!arm) return next();
      if (ts.isBlock(arm)) {
        this.scopes.push(new Map());
        return this.statements(arm.statements, 0, () => {
          this.scopes.pop();
          return next();
        });
      }
      return this.statements([arm], 0, next);
    };
    let thenResults: Atom[] | undefined;
    let elseResults: Atom[] | undefined;
    const thenBody = this.arm(() => (thenResults = lowerArm(st.thenStatement)));
    this.scopes = copyScopes(before);
    const elseBody = this.arm(() => (elseResults = lowerArm(st.elseStatement)));
    if (!thenResults || !elseResults) return undefined;
    return this.branchResults(cond, thenBody, thenResults, elseBody, elseResults, st);
  }

  /** A branch both of whose arms return: what the function returns is merged from theirs. */
  protected branchResults(
    cond: VarRef,
    thenBody: Statement[],
    thenResults: Atom[],
    elseBody: Statement[],
    elseResults: Atom[],
    at: ts.Node,
  ): Atom[] {
    if (thenResults.length !== elseResults.length)
      this.fail(
        codes.gate,
        this.options.gate === undefined
          ? `'${this.fn.name}' returns different numbers of values on different paths (an internal error: please report it)`
          : `backward of gate '${this.options.gate}' returns different numbers of gradients on different paths`,
        at,
      );
    const results = thenResults.map((t, i) =>
      this.merged(t, elseResults[i]!, [thenBody, elseBody], "return", at, () =>
        this.options.role === "function" ? this.names.claim(this.resultHint(i)) : this.names.temp(),
      ),
    );
    const merges = results.flatMap((r) => (r.kind === "merge" ? [r.merge] : []));
    this.body.push({ kind: "branch", cond, then: thenBody, else: elseBody, merges, pos: at.getStart(this.sf) });
    return results.map((r): Atom => (r.kind === "merge" ? { kind: "var", name: r.merge.name } : r.atom));
  }

  /** The name a function's `i`-th returned value merged after a branch is given: the function's. */
  protected resultHint(_i: number): string {
    return this.fn.name;
  }

  /**
   * `cond ? a : b`: a branch with one merge; only the chosen arm is evaluated. Its arms are
   * numbers, or with `where`, numbers or arrays (a returned value or a variable's).
   */
  protected conditional(e: ts.ConditionalExpression, hint?: string, where?: "return" | "value"): Atom {
    const cond = this.condition(e.condition, "cond");
    let a: Atom | undefined;
    let b: Atom | undefined;
    // A boolean chosen (`y > 4 ? false : growing`, in generated code): lowered as a value.
    const lower = (arm: ts.Expression) =>
      where === "value" && isBooleanSyntax(arm, (n) => this.isBoolean(this.lookup(n)?.value))
        ? this.value(arm)
        : where
          ? this.operand(arm, where)
          : this.number(arm);
    // An arm may change locals (an inlined helper writing a record it was given): the other arm
    // starts from their values before the branch, and what either changed merges after it. The
    // locals stay the same objects (an assignment around the `?:` holds the one it assigns).
    const before = copyScopes(this.scopes);
    const reset = () =>
      before.forEach((scope, level) => {
        for (const [name, local] of scope) this.scopes[level]!.get(name)!.value = local.value;
      });
    const thenBody = this.arm(() => (a = lower(e.whenTrue)));
    const afterThen = copyScopes(this.scopes);
    reset();
    const elseBody = this.arm(() => (b = lower(e.whenFalse)));
    const afterElse = copyScopes(this.scopes);
    reset();
    if (this.isBoolean(a) !== this.isBoolean(b))
      this.fail(codes.notNumber, `'${this.text(e)}' is a boolean on one path and not on another`, e);
    const merge = this.merged(a!, b!, [thenBody, elseBody], where ?? "value", e, () =>
      hint === undefined ? this.names.temp() : this.names.claim(hint),
    );
    if (merge.kind === "merge" && this.isBoolean(a)) this.booleans.add(merge.merge.name);
    const changed = this.mergeScopes(this.scopes, afterThen, afterElse, [thenBody, elseBody], e);
    this.body.push({
      kind: "branch",
      cond,
      then: thenBody,
      else: elseBody,
      merges: [...(merge.kind === "merge" ? [merge.merge] : []), ...changed],
      pos: e.getStart(this.sf),
    });
    return merge.kind === "merge" ? { kind: "var", name: merge.merge.name } : merge.atom;
  }

  /**
   * The value a branch produces from `then` (its then-arm's) and `else`. Numbers merge. Arrays
   * merge only when, after the branch, the merged name is the one way to reach the chosen
   * array, since adjoints are per name: each must be made in its arm, or, for a returned value
   * (nothing of the function runs after it), be any array of the function's own, not a
   * parameter's (which the caller still holds). The same array on both paths is no merge at all.
   */
  protected merged(
    t: Atom,
    e: Atom,
    [thenBody, elseBody]: Statement[][],
    where: "return" | "value",
    at: ts.Node,
    name: () => string,
  ): { kind: "merge"; merge: Merge } | { kind: "same"; atom: Atom } {
    const what = where === "return" ? `'${this.fn.name}' returns` : `'${this.text(at)}' is`;
    if (this.isArray(t) !== this.isArray(e))
      this.fail(codes.notNumber, `${what} an array on one path and a number on another`, at);
    // One value on both paths (an inlined helper's record field it did not write) is no merge.
    if (!this.isArray(t))
      return sameAtom(t, e) ? { kind: "same", atom: t } : { kind: "merge", merge: { name: name(), then: t, else: e } };
    const [a, b] = [t as VarRef, e as VarRef];
    if (a.name === b.name) return { kind: "same", atom: a };
    for (const side of [a, b]) this.unsharedArray(side, at, `${what} (on one path)`);
    const kind = this.arrays.get(a.name)!;
    if (this.arrays.get(b.name) !== kind)
      this.fail(codes.notNumber, `${what} a ${kind} on one path and a ${this.arrays.get(b.name)} on another`, at);
    // The function's parameters, by the atom each is bound to (an inlined helper's: its caller's).
    const params = new Map(
      [...this.scopes[0]!].flatMap(([p, l]) =>
        l.keyword === "param" && l.value?.kind === "var" ? [[l.value.name, p] as const] : [],
      ),
    );
    for (const [side, body] of [
      [a, thenBody],
      [b, elseBody],
    ] as const) {
      const madeInArm = this.madeIn(side, body!);
      const param = params.get(side.name);
      if (madeInArm || (where === "return" && param === undefined)) continue;
      this.fail(
        codes.notNumber,
        where === "return"
          ? `'${this.fn.name}' returns its parameter '${param}' on one path and another array on another; return a copy ('${param}.slice()')`
          : `'${this.text(at)}' chooses an array made before it; choose between new arrays (a copy: '.slice()')`,
        at,
      );
    }
    const merge = { name: name(), then: t, else: e };
    this.arrays.set(merge.name, kind);
    return { kind: "merge", merge };
  }

  /** Whether `array` is made by `body` itself (a node of it, or a merge of a branch in it). */
  protected madeIn(array: VarRef, body: Statement[]): boolean {
    return body.some(
      (s) =>
        (s.kind === "node" && s.name === array.name) ||
        (s.kind === "branch" && s.merges.some((m) => m.name === array.name)),
    );
  }

  /** Runs `lower` appending to `body` (an arm lowered already). */
  private inArm<T>(body: Statement[], lower: () => T): T {
    const outer = this.body;
    this.body = body;
    try {
      return lower();
    } finally {
      this.body = outer;
    }
  }

  /** A new empty array of `kind`. */
  private emptyArray(kind: "Float64Array" | "number[]", at: ts.Node, hint: string): VarRef {
    const array = (
      kind === "Float64Array" ? this.node("newFloat64Array", [c(0)], at, hint) : this.node("arrayOf", [], at, hint)
    ) as VarRef;
    this.arrays.set(array.name, kind);
    return array;
  }
}

/** Whether `e` is written as a boolean: a literal, a condition, or a boolean local (`local`). */
function isBooleanSyntax(e: ts.Expression, local: (name: string) => boolean): boolean {
  const inner = skipParens(e);
  if (inner.kind === ts.SyntaxKind.TrueKeyword || inner.kind === ts.SyntaxKind.FalseKeyword) return true;
  if (ts.isIdentifier(inner)) return local(inner.text);
  return isConditionSyntax(inner);
}
