/**
 * The IR: the contract between adgen's three phases. Read this file first.
 *
 *   parser    TypeScript source  ->  Graph          (one SSA node per operation)
 *   transform Graph              ->  GradProgram    (forward assignments + adjoint assignments)
 *   emit      GradProgram        ->  TypeScript text
 *
 * Every operation, forward or backward, is named by an `OpName`: a key of the one rule table
 * (src/rules/table.ts), which says how the op evaluates, prints and differentiates.
 */

/** Key of an entry in the rule table (`"mul"`, `"sin"`, `"sigmoid"`, ...). */
export type OpName = string;

/** A reference to an SSA value: a parameter or a node, by its (unique) name. */
export interface VarRef {
  kind: "var";
  /** The SSA name; unique within its function. */
  name: string;
}

/** A numeric constant. */
export interface Const {
  kind: "const";
  /** The value, exactly as JavaScript computes it. */
  value: number;
  /** How to print it when not a plain literal (`"Math.PI"`); printed from `value` otherwise. */
  text?: string;
}

/** An operand: SSA values are only ever combined through atoms (A-normal form). */
export type Atom = VarRef | Const;

/** A nested expression. Only the transform builds these (adjoint formulas); the graph never does. */
export interface OpExpr {
  kind: "op";
  /** The operation, a rule-table key. */
  op: OpName;
  /** Its operands. */
  args: Expr[];
}

export type Expr = Atom | OpExpr;

/** One gate of the computational graph: `name = op(args...)`, a single operation on atoms. */
export interface Node {
  /** SSA name: the user's variable name where there is one (`s0`, `L`), renamed on reassignment
   * (`x`, `x_1`, ...), or a fresh temporary (`t1`) for a sub-expression. */
  name: string;
  /** The operation, a rule-table key. */
  op: OpName;
  /** Operands, in the order the op takes them. */
  args: Atom[];
  /** Source offset of the expression that produced the node, for `--emit graph` and messages. */
  pos: number;
}

/** A parameter of the differentiated function. */
export interface Param {
  /** The parameter's name, as the user wrote it. */
  name: string;
  /** Its type annotation as written, `"number"` when absent. */
  type: string;
}

/**
 * One function lowered to SSA. Straight-line for now: `body` is a topologically ordered list of
 * nodes. Control flow will arrive as structured regions alongside `Node` in `body`
 * (a branch node holding two bodies, a loop node holding one), see docs/ARCHITECTURE.md.
 */
export interface Graph {
  /** The function's name, as exported (`f` for `export const f = (...) => ...`). */
  name: string;
  /** Parameters in declaration order. */
  params: Param[];
  /** The nodes, each defined before it is used. */
  body: Node[];
  /** What the function returns. */
  result: Atom;
  /** Source offset of the function's name, for diagnostics about the whole function. */
  pos: number;
}

/** A single `const name = expr` in generated code. */
export interface Assign {
  /** The variable assigned. */
  name: string;
  /** Its value. */
  expr: Expr;
}

/** What the transform hands to the emitter for one function: everything `f_grad` computes. */
export interface GradProgram {
  /** The source function (its name and parameters are reused). */
  graph: Graph;
  /** Name of the companion function, `<name>_grad`. */
  name: string;
  /** Forward pass: one assignment per live node, in order. */
  forward: Assign[];
  /** Backward pass: one assignment per `grad_` variable, each assigned before it is read. */
  backward: Assign[];
  /** The function's value. */
  value: Atom;
  /** One entry per differentiated parameter, in declaration order: its gradient. */
  grads: { param: string; value: Expr }[];
}
