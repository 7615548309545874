/**
 * The IR: the contract between adgen's three phases. Read this file first.
 *
 *   parser    TypeScript source  ->  Program     (each function an SSA Graph, one node per operation)
 *   transform Program            ->  CodeModule  (forward statements + adjoint statements, per function)
 *   emit      CodeModule         ->  TypeScript text
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
  /** The operation: a rule-table key, or `"call"` for a call to `callee`. */
  op: OpName;
  /** Its operands. */
  args: Expr[];
  /** With op `"call"`: the function called, a key of `Program.callees` or a pullback's name. */
  callee?: string;
}

export type Expr = Atom | OpExpr;

/** One gate of the computational graph: `name = op(args...)`, a single operation on atoms. */
export interface Node {
  kind: "node";
  /** SSA name: the user's variable name where there is one (`s0`, `L`), renamed on reassignment
   * (`x`, `x_1`, ...), or a fresh temporary (`t1`) for a sub-expression. */
  name: string;
  /** The operation: a rule-table key, or `"call"` for a call to a user function or gate. */
  op: OpName;
  /** Operands, in the order the op takes them. */
  args: Atom[];
  /** With op `"call"`: the key of the callee in `Program.callees`. */
  callee?: string;
  /** Source offset of the expression that produced the node, for `--emit graph` and messages. */
  pos: number;
  /** The file `pos` is in, when not its graph's (a node inlined from an imported function). */
  file?: string;
}

/** A value chosen by a branch: `name = cond ? then : else`, defined where the branch ends. */
export interface Merge {
  /** SSA name of the merged value. */
  name: string;
  /** Its value when the condition holds (an atom of the then-arm or from before the branch). */
  then: Atom;
  /** Its value otherwise. */
  else: Atom;
}

/**
 * `if (cond) { then } else { else }`, structured: each arm is a body of its own, and the values
 * the branch produces are its `merges` (like MLIR's `scf.if` with results). Early returns and
 * `?:` are lowered to this form. `cond` is a recorded boolean, reused by the backward pass.
 */
export interface Branch {
  kind: "branch";
  /** The decision: a boolean variable computed before the branch. */
  cond: VarRef;
  then: Statement[];
  else: Statement[];
  merges: Merge[];
  pos: number;
}

/** `array[index] = value`: a write to memory. Arrays are the only values that change in place. */
export interface Store {
  kind: "store";
  /** The array written (an array-valued SSA name). */
  array: VarRef;
  index: Atom;
  value: Atom;
  pos: number;
}

/** A value carried from one iteration of a loop to the next. */
export interface Carried {
  /** SSA name of the value at the start of each iteration, and after the loop. */
  name: string;
  /** Its value before the first iteration. */
  init: Atom;
  /** Its value at the end of an iteration (defined in the body, or from outside it). */
  next: Atom;
}

/**
 * `while (cond) { body }` in structured form: `head` computes `cond` before each iteration,
 * `carried` are the loop's phis. `for`, `for...of`, `do...while`, `break` and `continue` are
 * lowered to this form (the last two through boolean carried flags).
 */
export interface Loop {
  kind: "loop";
  carried: Carried[];
  /** Statements computing `cond` (conditions only: never differentiated). */
  head: Statement[];
  cond: VarRef;
  body: Statement[];
  pos: number;
}

/** What a function body is made of. */
export type Statement = Node | Branch | Store | Loop;

/** The types a parameter can be declared with. */
export type ValueType = "number" | "boolean" | "Float64Array" | "number[]" | NestedType;

/** An array of arrays (a matrix, possibly ragged): its rows are `number[]` or `Float64Array`s. */
export type NestedType = "number[][]" | "Float64Array[]";

/**
 * The type of an SSA value (src/ir-types.ts infers it). `integer` is a number known to hold an
 * integer (a length, a counter, `floor(x)`): TypeScript's `number`, differentiated as one.
 * Records, tuples, nested arrays and tangents add kinds here.
 */
export type Type =
  | { kind: "number" }
  | { kind: "integer" }
  | { kind: "boolean" }
  /** An array; its element is a number, or for an array of arrays (`number[][]`) a row's array type. */
  | { kind: "array"; element: Type; storage: "Float64Array" | "number[]" }
  /** A record (an interface, a type alias, a type literal): named fields of numbers, arrays and records.
   * Only the parser meets it: record values are lowered to one SSA value per field (src/parser/lower/records.ts). */
  | {
      kind: "record";
      name?: string;
      fields: RecordField[];
      /** A tuple (`[number, number]`): a record whose fields are named `0`, `1`, ... */
      tuple?: true;
      /** An array of records (`Vec2[]`, `[number, number][]`), lowered as a record of arrays, one
       * `number[]` per leaf of the element type (structure of arrays); this is the element type. */
      elements?: Extract<Type, { kind: "record" }>;
    };

/** A field of a record type. */
export interface RecordField {
  name: string;
  type: Type;
  readonly?: true;
  /** `x?: T`: may be absent (f_jvp's `tangents`), read by destructuring with a default (ADG2120). */
  optional?: true;
}

/** A parameter of the differentiated function. */
export interface Param {
  /** The parameter's name, as the user wrote it. */
  name: string;
  /** Its type: `number` (also when unannotated), or an array type. */
  type: ValueType;
  /** Declared `readonly number[]` or `ReadonlyArray<number>`: generated signatures keep it readonly. */
  readonly?: true;
  /** An object of optional fields instead (`f_jvp`'s `tangents: { x?: number; a?: Float64Array }`). */
  fields?: Param[];
  /** Declared `Data<T>` (adgen's type): data, not differentiated unless `wrt` names it. */
  data?: true;
  /**
   * A leaf of a record parameter: the user's parameter and the fields leading to this value
   * (`["p", "pos", "x"]` for `p.pos.x`, lowered as the parameter `p_pos_x`). Generated entries
   * take the user's parameter and return its gradient as a record of the same shape. A digit is a
   * tuple's element (`["p", "0"]`), `"[]"` each element of an array of records (`["pts", "[]",
   * "x"]`: the `number[]` of every element's `x`).
   */
  path?: string[];
  /** Under optional fields (`t: { p?: { y?: number } }`): their positions in `path` (`[1, 2]`); `fallback`, its default where absent, a zero in earlier parameters. */
  optional?: number[];
  fallback?: Expr;
}

/** One function lowered to SSA. */
export interface Graph {
  /** The function's name, as exported (`f` for `export const f = (...) => ...`). */
  name: string;
  /** Parameters in declaration order. */
  params: Param[];
  /** The statements, each value defined before it is used. */
  body: Statement[];
  /** What the function returns: one atom, or one per input for a gate's backward (a tuple). */
  results: Atom[];
  /** The type of every SSA value: parameters, nodes, merges, loop phis (src/ir-types.ts). */
  types: Map<string, Type>;
  /** Source offset of the function's name, for diagnostics about the whole function. */
  pos: number;
  /** The file the function is in, as adgen names it in messages. */
  file: string;
  /** Source offset of its last `return` (or an arrow function's expression body). */
  returnPos?: number;
}

/**
 * A gate: a function whose gradient comes from its own `backward`, not from differentiating
 * `forward`. Built-in gates (`adgen/gates`) and user gates (`gate({ forward, backward })`) alike.
 */
export interface Gate {
  /** Name of the forward function in generated code. */
  name: string;
  /** `forward` lowered; emitted as a local function unless `module` provides it. */
  forward: Graph;
  /** `backward(grad, out, ...inputs)` lowered; `results` has one gradient per input. */
  backward: Graph;
  /** The module generated code imports the forward from (`adgen/gates`), if any. */
  module?: string;
  /** Its name in that module, when generated code imports it under another (`name`). */
  exportName?: string;
}

/** A vector or matrix gate of adgen/gates (`matmul`, ...): generated code calls `name(...)` and `name.backward(...)`. */
export interface ArrayGateCallee {
  kind: "arrayGate";
  /** Its export name, also its name in generated code. */
  name: string;
  /** Per input: an array, a number, or a size (never differentiated). */
  inputs: ("array" | "number" | "size")[];
  /** The array inputs whose values (not only lengths) its backward reads, by index. */
  reads: number[];
  output: "array" | "number";
  /** Its backward takes, after the inputs, a boolean per array or number input: is its gradient wanted (default true). */
  partial?: boolean;
  /** Inputs whose gradient may come back empty when zero (a gate's tangent's): added, never kept (direct.ts). */
  zeroAsEmpty?: number[];
  /** The module generated code imports it from. */
  module: string;
}

/** A function called from a differentiated function. */
export type Callee = { kind: "function"; graph: Graph } | { kind: "gate"; gate: Gate } | ArrayGateCallee;

/** Everything the parser hands on: the functions to differentiate and all they call. */
export interface Program {
  /** The functions to differentiate, in source order. */
  entries: Graph[];
  /** Every function and gate reachable by calls, by the unique name used in generated code. */
  callees: Map<string, Callee>;
  /** The name generated code gives adgen's `Tape` class (`Tape`, unless the user's code took it). */
  tapeClass: string;
  /**
   * Module-level numeric constants the functions read (`const RATE = 0.05`, `const A = Math.PI / 6`),
   * by the unique name generated code declares them under, each with its initializer. A graph
   * reads one as a `Const` whose `text` is that name. Dependencies come before their users.
   */
  constants: Map<string, Expr>;
  /** Per source file the graphs come from: the offset at which each of its lines starts. */
  lineStarts: Map<string, readonly number[]>;
}

/** Where generated code comes from: an offset in a source file. */
export interface Origin {
  file: string;
  pos: number;
}

/** One statement of generated code. */
export type CodeStatement =
  /** `const name = expr;`, or with `type`, `const name: type = expr;` */
  | { kind: "const"; name: string; expr: Expr; type?: "boolean" | "number" }
  /** `let name: type;`, or with `init`, `let name = init;` (e.g. a value hoisted out of a branch) */
  | {
      kind: "let";
      name: string;
      init?: Expr | boolean;
      /** `tape`: a pooled Tape of numbers; `decisions`: a pooled tape of decisions (`Tape.decisions()`); `arrays`: a tape of arrays. */
      type?: ValueType | "tape" | "decisions" | "arrays";
      /** `let name!: type;`: assigned on the one path that reads it, which TypeScript cannot see. */
      definite?: true;
      tapeClass?: string;
    }
  /** `name = expr;` (a `let` declared earlier) */
  | { kind: "set"; name: string; expr: Expr }
  /** `const [a, , c] = expr;` (`null` skips an element) */
  | { kind: "destructure"; names: (string | null)[]; expr: Expr }
  /** `const { key: name = fallback, ... } = source;` (`f_jvp` reading its tangents) */
  | { kind: "fields"; source: string; fields: { key: string; name: string; fallback: Expr }[] }
  /** `if (cond) { then } else { else }` */
  | { kind: "if"; cond: Expr; then: CodeStatement[]; else: CodeStatement[] }
  /** `array[index] = expr;`, or with `add`, `array[index] += expr;` */
  | { kind: "store"; array: string; index: Expr; expr: Expr; add?: boolean }
  /** `while (cond) { body }`; with `head`, `while (true) { head; if (!cond) break; body }` */
  | { kind: "while"; head: CodeStatement[]; cond: Expr; body: CodeStatement[] }
  /** `for (let counter = from; counter > 0; counter--) { body }`: a reversed loop */
  | { kind: "repeat"; counter: string; from: Expr; body: CodeStatement[] }
  /** `for (let counter = init; cond; counter += step) { body }` (`counter++` for a step of 1, `counter--` for -1) */
  | { kind: "for"; counter: string; init: Expr; cond: Expr; step: number; body: CodeStatement[] }
  /** `tape.push(values...)`; with `each`, one `tape.push(value)` per value (a Tape takes one at a time) */
  | { kind: "push"; tape: string; values: Expr[]; each?: boolean }
  /** `tape.release();`: returns a pooled tape (of numbers or of decisions) */
  | { kind: "release"; tape: string }
  /** `const name = tape.pop();` (`tape.pop() as Float64Array` from the tape of arrays, with `cast`) */
  | { kind: "pop"; tape: string; name: string; cast?: "Float64Array" | "number[]" }
  /** `name++;` */
  | { kind: "increment"; name: string }
  /** `name += expr;` */
  | { kind: "accumulate"; name: string; expr: Expr }
  /** `for (let counter = 0; counter < source.length; counter++) target[counter] += source[counter];` */
  | { kind: "addArray"; target: string; source: string; counter: string }
  /** `callee(args...);`: a call for its effects (a part of a split function, src/simplify/split.ts) */
  | { kind: "call"; callee: string; args: Expr[] };

/** A function of the generated module. */
export interface CodeFunction {
  /** `entry`: the exported `f_grad`; `pullback`: a callee's `g_pullback`; `primal`: a callee's
   * forward, for its callers' forward passes; `part`: a piece of a function too large for
   * JavaScript engines to optimise, which reads and writes the values it shares with the rest
   * through a scratch array (src/simplify/split.ts). */
  kind: "entry" | "pullback" | "primal" | "part";
  /** For an entry: what it computes, the gradient (`f_grad`), a vector-Jacobian product (`f_vjp`)
   * or a Jacobian-vector product (`f_jvp`, forward mode). */
  companion?: "grad" | "vjp" | "jvp" | "hvp" | "hessian" | "hessian_diag" | "jacobian";
  name: string;
  params: Param[];
  /** The forward pass (all a primal has). */
  forward: CodeStatement[];
  /** The backward pass: the `grad_` statements. */
  backward: CodeStatement[];
  /**
   * Where the function comes from, and per name it defines (values and their `grad_`s), where
   * that comes from; under the key `return`, where its return statement does.
   */
  origin?: Origin;
  origins?: ReadonlyMap<string, Origin>;
  /** Temporaries read once, which the simplify stage writes in place (forward mode's `d1`). */
  temporaries?: ReadonlySet<string>;
  /** What it returns: `{ value, grad: {...} }` for an entry, a tuple of gradients (or a single
   * number) for a pullback, the value for a primal. */
  returns:
    | {
        kind: "entry";
        value: Expr;
        grads: { param: string; value: Expr }[];
        /** `f_hvp`: the Hessian-vector product, keyed like `grads`. */
        hvps?: { param: string; value: Expr }[];
      }
    | { kind: "tuple"; values: Expr[] }
    | { kind: "tangent"; value: Expr; tangent: Expr }
    | { kind: "value"; value: Expr }
    /** A companion made of calls to others (`f_hessian`): its whole body is the driver's. */
    | { kind: "driver"; driver: Driver }
    /** A part of a split function: it returns nothing (its results are in the scratch array). */
    | { kind: "none" };
}

/**
 * A companion built on other companions, by calling them once per input or output: `f_hessian`
 * and `f_hessian_diag` on `f_hvp` (one unit vector per input), `f_jacobian` on `f_jvp` (a column
 * per input) and `f_vjp` (a row per output). The emitter writes its loop (src/emit/drivers.ts).
 */
export interface Driver {
  kind: "hessian" | "hessian_diag" | "jacobian";
  /**
   * The differentiated parameters (a record's leaves), in order: the flattened inputs are their
   * numbers (a number itself, an array its elements), the Hessian's and Jacobian's columns.
   */
  inputs: Param[];
  /**
   * The companions it calls: `grad` for the value and gradient (a Hessian; and a scalar
   * function's Jacobian, one row), `hvp` for a Hessian's columns, `jvp` for the value and a
   * Jacobian's columns, `vjp` for its rows. A Jacobian with both chooses at run time: by
   * columns when there are fewer inputs than outputs, else by rows.
   */
  calls: { grad?: string; hvp?: string; jvp?: string; vjp?: string };
  /** `f_vjp`'s seed: the storage of the function's array result. */
  output?: "Float64Array" | "number[]";
  /** The array result's length, when the code fixes it (`return [a, b]`) and every input is a
   * number: the Jacobian's mode is then chosen at compile time, and `calls` has only that one. */
  length?: number;
}

/** What the transform hands to the emitter: the whole generated module. */
export interface CodeModule {
  /** Functions, in output order: entries first, then callees' pullbacks and primals. */
  functions: CodeFunction[];
  /** Imports by module: `adgen/gates` -> [sigmoid, ...]. */
  imports: Map<string, Set<string>>;
  /** `const NAME = expr;` before the functions: the module constants the generated code reads, in dependency order. */
  constants: { name: string; expr: Expr }[];
}
