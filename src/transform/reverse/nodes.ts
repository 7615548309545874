/**
 * The reverse of one node: a rule of the table, a gate's backward, a callee's pullback, an array
 * gate's backward (with snapshots of inputs written later), and array reads and writes.
 */
import { pullbackName } from "../../conventions.js";
import type { ArrayGateCallee, CodeStatement, Expr, Node, Statement, VarRef } from "../../ir.js";
import { c, isConst, op, operationKey, v } from "../../rules/expr.js";
import { ruleOf } from "../../rules/table.js";
import { instantiate } from "../template.js";
import { SweepTape } from "./tape.js";
import { type Block } from "./state.js";

/** An input a call leaves out, passed explicitly when flags follow. */
const UNDEFINED: Expr = { kind: "const", value: Number.NaN, text: "undefined" };

export abstract class SweepNodes extends SweepTape {
  protected node(n: Node, block: Block, out: CodeStatement[], outflow: Map<string, Expr[]>): void {
    const callee = n.op === "call" ? this.callees.get(n.callee!) : undefined;
    if (callee?.kind === "arrayGate") return this.arrayGateCall(n, callee, block, out, outflow);
    if (n.op === "index") {
      // t = a[i]: grad_a[i] += grad_t.
      const grad = this.gradient.get(n.name) ?? c(0);
      if (!isConst(grad, 0))
        out.push({
          kind: "store",
          array: this.gradName.get((n.args[0] as VarRef).name)!,
          index: n.args[1]!,
          expr: grad,
          add: true,
        });
      return;
    }
    if (n.op === "slice") {
      const source = (n.args[0] as VarRef).name;
      if (this.active.has(source))
        out.push({
          kind: "addArray",
          target: this.gradName.get(source)!,
          source: this.gradName.get(n.name)!,
          counter: this.names.claim("k"),
        });
      return;
    }
    if (n.op === "arrayOf") {
      n.args.forEach((a, j) => {
        if (a.kind !== "var" || !this.isScalar(a.name)) return;
        this.add(a.name, op("index", v(this.gradName.get(n.name)!), c(j)), block, outflow);
        this.consume(a.name, block, out);
      });
      return;
    }
    const grad = this.gradient.get(n.name) ?? c(0);
    const contributions = isConst(grad, 0) ? [] : this.contributions(n, grad, block, out);
    n.args.forEach((a, i) => {
      if (a.kind !== "var" || !this.isScalar(a.name)) return;
      const term = contributions[i];
      if (term) this.add(a.name, term, block, outflow);
      this.consume(a.name, block, out);
    });
  }

  /**
   * y = gate(...): the gate's own backward returns each input's gradient; arrays are added into
   * their adjoint arrays, numbers become contributions.
   */
  protected arrayGateCall(
    n: Node,
    gate: ArrayGateCallee,
    block: Block,
    out: CodeStatement[],
    outflow: Map<string, Expr[]>,
  ): void {
    const grad: Expr = gate.output === "array" ? v(this.gradName.get(n.name)!) : (this.gradient.get(n.name) ?? c(0));
    const differentiated = (a: Node["args"][number], i: number) =>
      a.kind === "var" && this.active.has(a.name) && gate.inputs[i] !== "size" && !isConst(grad, 0);
    // An array whose adjoint is this backward's result takes its gradient name (direct.ts).
    const names = n.args.map((a, i) =>
      !differentiated(a, i)
        ? null
        : this.direct.has((a as VarRef).name)
          ? this.gradName.get((a as VarRef).name)!
          : this.names.claim(`grad_${(a as VarRef).name}`),
    );
    for (const [i, a] of n.args.entries())
      if (a.kind === "var" && this.direct.has(a.name) && names[i] === null && this.active.has(a.name))
        out.push({ kind: "const", name: this.gradName.get(a.name)!, expr: this.zeros(a.name) });
    if (names.some((name) => name !== null)) {
      // The backward reads the arrays as they were at the call: a copy of any written after it.
      const asAtCall = (a: Node["args"][number], i: number): Node["args"][number] =>
        a.kind === "var" && gate.reads.includes(i) && this.writtenAfter(a.name, n, block)
          ? this.snapshot(a.name, n, block)
          : a;
      // A gate that can skip gradients is told which ones are wanted, when some are not.
      const gradients = n.args.flatMap((_, i) => (gate.inputs[i] === "size" ? [] : [names[i] !== null]));
      // The flags follow every input: inputs the call leaves out (a gate's tangent omits trailing
      // zero tangents) are passed as `undefined`, and not wanted.
      const missing = gate.inputs.slice(n.args.length).filter((k) => k !== "size").length;
      const partial = gate.partial && gradients.includes(false);
      const wanted = partial
        ? [...gradients, ...Array<boolean>(missing).fill(false)].map((w) => c(w ? 1 : 0, String(w)))
        : [];
      const padding = partial ? gate.inputs.slice(n.args.length).map(() => UNDEFINED) : [];
      const call: Expr = {
        kind: "op",
        op: "call",
        callee: `${n.callee!}.backward`,
        args: [grad, v(n.name), ...n.args.map(asAtCall), ...padding, ...wanted],
      };
      const st = { kind: "destructure" as const, names, expr: call };
      out.push(st);
      n.args.forEach((a, i) => {
        const name = names[i] ?? null;
        if (name === null || a.kind !== "var") return;
        if (this.isArray(a.name)) {
          if (this.direct.has(a.name)) return;
          const add = {
            kind: "addArray" as const,
            target: this.gradName.get(a.name)!,
            source: name,
            counter: this.names.claim("k"),
          };
          out.push(add);
          // A fresh Float64Array of the input's length (not a zero that may come back empty).
          if (this.arrayKinds.get(a.name) === "Float64Array" && !gate.zeroAsEmpty?.includes(i))
            this.adoptable.set(add, (to) => (st.names[i] = to));
        } else {
          this.renamable.set(name, (to) => (st.names[i] = to));
          this.add(a.name, v(name), block, outflow);
        }
      });
    }
    for (const a of n.args) if (a.kind === "var") this.consume(a.name, block, out);
  }

  /**
   * Whether the program may write `array` after node `n` reads it: a write later in program order,
   * or anywhere in a loop around `n` that `array` outlives (a later iteration writes after `n`).
   */
  protected writtenAfter(array: string, n: Node, block: Block): boolean {
    let from = this.positionOf.get(n)!;
    const made = this.madeIn(array);
    const encloses = (outer: Block) => {
      for (let b = made; b; b = this.parentOf.get(b)) if (b === outer) return true;
      return false;
    };
    for (let b: Block | undefined = block; b; b = this.parentOf.get(b))
      if (this.loopBlocks.has(b) && !encloses(b)) from = this.position.get(b)!;
    return this.lastWrite(array) > from;
  }

  /** A copy of `array` made right after node `n` (once per call and array), for its backward. */
  protected snapshot(array: string, n: Node, block: Block): VarRef {
    const copies = this.plan.snapshots.get(n) ?? [];
    let copy = copies.find((x) => x.array === array);
    if (!copy) {
      copy = { name: this.names.claim(`${array}_copy`), array };
      copies.push(copy);
      this.plan.snapshots.set(n, copies);
      this.arrayKinds.set(copy.name, this.arrayKinds.get(array)!);
      this.definedIn.set(copy.name, block);
      this.snapshotsIn.set(block, [...(this.snapshotsIn.get(block) ?? []), copy.name]);
    }
    return v(copy.name);
  }

  /** a[i] = v: v receives grad_a[i], which is then cleared (the old a[i] no longer reaches the output). */
  protected store(
    s: Statement & { kind: "store" },
    block: Block,
    out: CodeStatement[],
    outflow: Map<string, Expr[]>,
  ): void {
    // A new row set into its matrix: its adjoint is already that row of the matrix's (sweep.ts).
    if (s.value.kind === "var" && this.isArray(s.value.name)) return;
    const gradArray = this.gradName.get(s.array.name)!;
    const value = s.value.kind === "var" && this.isScalar(s.value.name) ? s.value.name : undefined;
    if (value) {
      const st = {
        kind: "const" as const,
        name: this.names.claim(`grad_${value}`),
        expr: op("index", v(gradArray), s.index),
      };
      out.push(st);
      this.renamable.set(st.name, (to) => (st.name = to));
      this.add(value, v(st.name), block, outflow);
    }
    out.push({ kind: "store", array: gradArray, index: s.index, expr: c(0) });
    if (value) this.consume(value, block, out);
  }

  /** Each operand's contribution `grad * ∂out/∂operand`, writing any statements it needs. */
  protected contributions(n: Node, grad: Expr, block: Block, out: CodeStatement[]): (Expr | undefined)[] {
    if (n.op !== "call") {
      const d = ruleOf(n.op).derivative;
      if (d.kind !== "rule") return [];
      const ctx = { grad, out: v(n.name), args: n.args, x: n.args[0]!, y: n.args[1] ?? c(0) };
      return n.args.map((a, i) => (a.kind === "var" && this.isScalar(a.name) ? d.d(ctx, i) : undefined));
    }
    const callee = this.callees.get(n.callee!)!;
    if (callee.kind === "gate") return instantiate(callee.gate.backward, grad, v(n.name), n.args);
    // A call to a function: its pullback returns every parameter's gradient.
    const names = n.args.map((a) =>
      a.kind === "var" && this.isScalar(a.name) ? this.names.claim(`grad_${a.name}`) : null,
    );
    const call: Expr = { kind: "op", op: "call", callee: pullbackName(n.callee!), args: [...n.args, grad] };
    if (names.length === 1) {
      const st = { kind: "const" as const, name: names[0]!, expr: call };
      out.push(st);
      this.renamable.set(st.name, (to) => (st.name = to));
    } else {
      const st = { kind: "destructure" as const, names, expr: call };
      out.push(st);
      names.forEach((name, i) => name !== null && this.renamable.set(name, (to) => (st.names[i] = to)));
    }
    return names.map((name) => (name === null ? undefined : v(name)));
  }
}
