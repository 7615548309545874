/**
 * Builds the Program: lowers the functions to differentiate and, on demand, every function and
 * gate they call, across relative imports and the built-in gates. Each callee is lowered once,
 * under one name in the generated module; recursion is detected on the way.
 */
import { ts } from "ts-morph";
import { SourceFiles, type Host } from "./files.js";
import { companionNames, GATES_MODULE, pullbackName } from "../conventions.js";
import { AlreadyReported, codes, DiagnosticError, DiagnosticSink } from "../diagnostics.js";
import type { ArrayGateCallee, Callee, Gate, Graph, Program } from "../ir.js";
import { builtinGate } from "../gates/find.js";
import { NameAllocator } from "../names.js";
import { Companions } from "./companions.js";
import { ModuleConstants, type ConstantLookup } from "./constants.js";
import type { DerivativeRef } from "./nested.js";
import { lowerFunction, type CalleeResolver, type CallTarget } from "./lower/index.js";
import { renameShadowingLocals } from "./rename.js";
import { typeProgram } from "../ir-types.js";
import { scanModule, type FunctionNode, type FunctionSource, type ModuleBinding, type ModuleScope } from "./module.js";

export type { Host } from "./files.js";

export interface ParseResult {
  program: Program;
  /** One sink per file read; each holds that file's diagnostics. */
  sinks: DiagnosticSink[];
}

/** `only`: differentiate just these of the file's functions (others are still read as helpers). */
export function parseProgram(source: string, fileName: string, host: Host, only?: string[]): ParseResult {
  return new ProgramBuilder(host).build(source, fileName, only);
}

class ProgramBuilder implements CalleeResolver {
  private readonly files: SourceFiles;
  private readonly callees = new Map<string, Callee>();
  /** `file#name` -> key in `callees`; null while being lowered (a call then is recursion). */
  private readonly keys = new Map<string, string | null>();
  private readonly failed = new Set<string>();
  private readonly names = new NameAllocator();
  private readonly stack: string[] = [];
  private readonly graphs = new Map<string, Graph>();
  private readonly arrayGateKeys = new Map<string, string>();
  private readonly constants = new ModuleConstants({
    claim: (name) => this.names.claim(name),
    follow: (mod, from, imported, at) => this.follow(mod, from, imported, at),
    reportIn: (mod, error) => this.reportIn(mod, error),
  });

  private readonly companions: Companions;

  constructor(host: Host) {
    this.files = new SourceFiles(host);
    this.companions = new Companions(this.files, (mod, name, at) => this.functionSource(mod, name, at));
  }

  companion(ref: DerivativeRef, at: ts.Node): { fn: FunctionSource; mod: ModuleScope } {
    return this.companions.companion(ref, at);
  }

  build(source: string, fileName: string, only?: string[]): ParseResult {
    const loaded = this.files.load(fileName, source);
    const entries: Graph[] = [];
    let mod = loaded;
    if (loaded && only) {
      // Any top-level function may be picked, exported or not.
      const all = [...loaded.bindings.values()].flatMap((b) => (b.kind === "function" ? [b.fn] : []));
      const missing = only.filter((n) => !all.some((f) => f.name === n));
      for (const name of missing)
        this.files
          .sink(fileName)
          .report(
            codes.noFunction,
            `--function '${name}' is not a function of this file (${all.map((f) => `'${f.name}'`).join(", ") || "it has none"})`,
            0,
          );
      mod = missing.length > 0 ? null : { ...loaded, functions: all.filter((f) => only.includes(f.name)) };
    }
    if (mod) {
      if (mod.functions.length === 0)
        this.files
          .sink(fileName)
          .report(
            codes.noFunction,
            "no function to differentiate: export a function (or an arrow function assigned to a const)",
            0,
          );
      for (const fn of mod.functions) for (const n of companionNames(fn.name)) this.names.reserve(n);
      // Parameters keep their names in generated code: imports must not take them.
      for (const fn of mod.functions)
        for (const p of fn.node.parameters) if (ts.isIdentifier(p.name)) this.names.reserve(p.name.text);
      for (const fn of mod.functions) {
        const graph = this.files.sink(fileName).guard(() => this.lowerFunctionOnce(mod, fn));
        if (graph) entries.push(graph);
      }
    }
    const program = {
      entries,
      callees: this.callees,
      tapeClass: this.names.claim("Tape"),
      constants: this.constants.declared,
      lineStarts: new Map(this.files.modules().flatMap((m) => (m ? [[m.file, m.sf.getLineStarts()] as const] : []))),
    };
    renameShadowingLocals(program, ["Math", program.tapeClass, ...program.constants.keys()]);
    typeProgram(program);
    return { program, sinks: this.files.sinks() };
  }

  reserved(): Iterable<string> {
    return [...this.keys.values()].filter((k): k is string => k !== null);
  }

  resolve(mod: ModuleScope, name: string, at: ts.Node): CallTarget {
    const b = mod.bindings.get(name);
    if (!b) throw new DiagnosticError(codes.unknownCall, `'${name}' is not defined`, at.getStart(), at.getEnd());
    return this.resolveBinding(mod, name, b, at);
  }

  constant(mod: ModuleScope, name: string, at: ts.Node): ConstantLookup {
    return this.constants.lookup(mod, name, at);
  }

  constantMember(mod: ModuleScope, ns: string, member: string, at: ts.Node): ConstantLookup {
    return this.constants.member(mod, ns, member, at);
  }

  /** The module and local name `import { imported } from "from"` refers to; undefined for a package. */
  private follow(
    mod: ModuleScope,
    from: string,
    imported: string,
    at: ts.Node,
  ): { mod: ModuleScope; name: string | undefined } | undefined {
    if (!from.startsWith(".")) return undefined;
    const target = this.files.loadRelative(mod.file, from);
    if (target === null) throw new AlreadyReported();
    if (!target)
      throw new DiagnosticError(
        codes.moduleNotFound,
        `cannot find module '${from}' imported by ${mod.file}`,
        at.getStart(mod.sf),
        at.getEnd(),
      );
    return { mod: target, name: target.exports.get(imported) };
  }

  arrayVariant(key: string): CallTarget | undefined {
    const callee = this.callees.get(key);
    return callee?.kind === "gate" && callee.gate.exportName
      ? this.arrayGate(`${callee.gate.exportName}Array`)
      : undefined;
  }

  derivedGate(key: string, step: string): CallTarget | undefined {
    const c = this.callees.get(key);
    if (c?.kind !== "arrayGate") return undefined;
    // A tangent (out, ...inputs, ...tangents): the inputs' gradients may come back empty for zero, as in f_hvp.
    const zero = step === ".tangent" ? c.inputs.map((_, i) => 1 + i) : undefined;
    return this.arrayGate(`${c.name}${step}`, `${key}${step}`, zero);
  }

  /**
   * A vector or matrix gate of adgen/gates, registered under its own name; a part of a backward
   * (`matmul.backward[0]`) under `partKey`, the gate's name in generated code then the path.
   */
  private arrayGate(name: string, partKey?: string, zeroAsEmpty?: number[]): CallTarget | undefined {
    const value = builtinGate(name) as
      | {
          inputs?: ArrayGateCallee["inputs"];
          reads?: ArrayGateCallee["reads"];
          output?: ArrayGateCallee["output"];
          partial?: boolean;
        }
      | undefined;
    if (!value?.inputs || !value.reads || !value.output) return undefined;
    let key = this.arrayGateKeys.get(partKey ?? name);
    if (!key) {
      key = partKey ?? this.names.claim(name);
      this.arrayGateKeys.set(partKey ?? name, key);
      this.callees.set(key, {
        kind: "arrayGate",
        name,
        inputs: [...value.inputs],
        reads: [...value.reads],
        output: value.output,
        ...(value.partial ? { partial: true } : {}),
        ...(zeroAsEmpty ? { zeroAsEmpty } : {}),
        module: GATES_MODULE,
      });
    }
    return { key, arity: value.inputs.length, inputs: [...value.inputs], output: value.output };
  }

  functionSource(mod: ModuleScope, name: string, at: ts.Node): { fn: FunctionSource; mod: ModuleScope } | undefined {
    const b = mod.bindings.get(name);
    if (b?.kind === "function") return { fn: b.fn, mod };
    if (b?.kind !== "import" || !b.from.startsWith(".")) return undefined;
    const target = this.files.loadRelative(mod.file, b.from);
    if (target === null) throw new AlreadyReported();
    if (!target)
      throw new DiagnosticError(
        codes.moduleNotFound,
        `cannot find module '${b.from}' imported by ${mod.file}`,
        at.getStart(),
        at.getEnd(),
      );
    const local = target.exports.get(b.imported);
    return local === undefined ? undefined : this.functionSource(target, local, at);
  }

  reportIn(mod: ModuleScope, error: unknown): never {
    if (error instanceof DiagnosticError) {
      this.files.sink(mod.file).report(error.code, error.message, error.start, error.end);
      throw new AlreadyReported();
    }
    throw error;
  }

  resolveMember(mod: ModuleScope, ns: string, member: string, at: ts.Node): CallTarget {
    const b = mod.bindings.get(ns);
    if (b?.kind !== "namespace")
      throw new DiagnosticError(codes.unknownCall, `'${ns}' is not a namespace import`, at.getStart(), at.getEnd());
    return this.resolveImport(mod, b.from, member, `${ns}.${member}`, at);
  }

  private resolveBinding(
    mod: ModuleScope,
    name: string,
    b: ModuleBinding,
    at: ts.Node,
  ): { key: string; arity: number } {
    const fail = (message: string): never => {
      throw new DiagnosticError(codes.unknownCall, message, at.getStart(), at.getEnd());
    };
    switch (b.kind) {
      case "function": {
        const graph = this.lowerCallee(mod, b.fn, at);
        return { key: this.keys.get(`${mod.file}#${b.fn.name}`)!, arity: graph.params.length };
      }
      case "gate": {
        const gate = this.lowerGate(mod, b);
        return { key: gate.name, arity: gate.forward.params.length };
      }
      case "import":
        return this.resolveImport(mod, b.from, b.imported, name, at);
      default:
        return fail(`'${name}' is not a function`);
    }
  }

  private resolveImport(mod: ModuleScope, from: string, imported: string, shown: string, at: ts.Node): CallTarget {
    const fail = (message: string, code: (typeof codes)[keyof typeof codes] = codes.unknownCall): never => {
      throw new DiagnosticError(code, message, at.getStart(), at.getEnd());
    };
    let target: ModuleScope | null;
    const arrayGate = from === GATES_MODULE ? this.arrayGate(imported) : undefined;
    if (arrayGate) return arrayGate;
    if (from === GATES_MODULE) target = this.files.builtins();
    else if (from.startsWith("."))
      target =
        this.files.loadRelative(mod.file, from) ??
        fail(`cannot find module '${from}' imported by ${mod.file}`, codes.moduleNotFound);
    else
      return fail(
        `'${shown}' is imported from '${from}', and adgen has no derivative rule for it; define it as a gate or in your own module`,
      );
    if (target === null) throw new AlreadyReported();
    const local = target.exports.get(imported);
    const b = local === undefined ? undefined : target.bindings.get(local);
    if (!b) return fail(`'${from}' has no export '${imported}' that adgen can differentiate`);
    if (b.kind !== "function" && b.kind !== "gate" && b.kind !== "import") return fail(`'${shown}' is not a function`);
    // Errors found while resolving are reported at the call site, in the caller's file.
    return this.resolveBinding(target, local!, b, at);
  }

  /** Lowers a called function once, under a unique name; detects recursion. */
  private lowerCallee(mod: ModuleScope, fn: FunctionSource, at: ts.Node): Graph {
    const id = `${mod.file}#${fn.name}`;
    if (this.stack.includes(id)) {
      const cycle = [...this.stack.slice(this.stack.indexOf(id)), id].map((s) => s.slice(s.indexOf("#") + 1));
      const through =
        cycle.length > 2
          ? ` through ${cycle
              .slice(1, -1)
              .map((n) => `'${n}'`)
              .join(", ")}`
          : "";
      throw new DiagnosticError(
        codes.recursion,
        `'${fn.name}' calls itself${through}; recursion is not supported`,
        at.getStart(),
        at.getEnd(),
      );
    }
    const graph = this.lowerFunctionOnce(mod, fn);
    if (!this.keys.get(id)) {
      // The key and its pullback's name must both be free (a user function may be called `g_pullback`).
      let key = this.names.claim(fn.name);
      while (this.names.has(pullbackName(key))) key = this.names.claim(fn.name);
      this.names.reserve(pullbackName(key));
      this.keys.set(id, key);
      this.callees.set(key, { kind: "function", graph });
    }
    return graph;
  }

  /** Lowers a function of a module once; errors are reported in that module's file. */
  private lowerFunctionOnce(mod: ModuleScope, fn: FunctionSource): Graph {
    const id = `${mod.file}#${fn.name}`;
    const done = this.graphs.get(id);
    if (done) return done;
    if (this.failed.has(id)) throw new AlreadyReported();
    this.stack.push(id);
    try {
      const graph = this.files.sink(mod.file).guard(() => lowerFunction(fn, mod, this));
      if (!graph) {
        this.failed.add(id);
        throw new AlreadyReported();
      }
      this.graphs.set(id, graph);
      return graph;
    } finally {
      this.stack.pop();
    }
  }

  private lowerGate(mod: ModuleScope, b: Extract<ModuleBinding, { kind: "gate" }>): Gate {
    const id = `${mod.file}#${b.name}`;
    const key = this.keys.get(id);
    if (key) return (this.callees.get(key) as { gate: Gate }).gate;
    if (this.failed.has(id)) throw new AlreadyReported();
    const gate = this.files.sink(mod.file).guard(() => this.gateOf(mod, b));
    if (!gate) {
      this.failed.add(id);
      throw new AlreadyReported();
    }
    // A built-in gate keeps its export name unless a function of the user's took it first; then
    // generated code imports it under another (`import { dot as dot_1 }`).
    const name = this.names.claim(b.name);
    gate.name = name;
    if (mod.file === GATES_MODULE) {
      gate.module = GATES_MODULE;
      gate.exportName = b.name;
    }
    this.keys.set(id, name);
    this.callees.set(name, { kind: "gate", gate });
    return gate;
  }

  /** Checks and lowers `gate({ forward, backward })`. */
  private gateOf(mod: ModuleScope, b: Extract<ModuleBinding, { kind: "gate" }>): Gate {
    const fail = (message: string, node: ts.Node): never => {
      throw new DiagnosticError(codes.gate, message, node.getStart(mod.sf), node.getEnd());
    };
    const part = (name: string): FunctionNode | undefined => {
      for (const p of b.spec.properties) {
        if (!p.name || !ts.isIdentifier(p.name) || p.name.text !== name) continue;
        if (ts.isMethodDeclaration(p)) return p;
        if (ts.isPropertyAssignment(p) && (ts.isArrowFunction(p.initializer) || ts.isFunctionExpression(p.initializer)))
          return p.initializer;
        return fail(`gate '${b.name}': '${name}' must be a function`, p);
      }
      return undefined;
    };
    const forwardNode = part("forward") ?? fail(`gate '${b.name}' has no forward function`, b.nameNode);
    const backwardNode =
      part("backward") ??
      fail(`gate '${b.name}' has no backward function: give it backward(grad, out, ...inputs)`, b.nameNode);
    for (const p of b.spec.properties)
      if (p.name && ts.isIdentifier(p.name) && p.name.text !== "forward" && p.name.text !== "backward")
        fail(`gate '${b.name}' has an unknown member '${p.name.text}'; a gate has forward and backward`, p);
    const forward = lowerFunction({ name: b.name, node: forwardNode, nameNode: b.nameNode }, mod, this);
    const inputs = forward.params.length;
    if (backwardNode.parameters.length > inputs + 2)
      fail(
        `backward of gate '${b.name}' takes ${backwardNode.parameters.length} parameters, but it is given only grad, out and the ${inputs} input${inputs === 1 ? "" : "s"}`,
        backwardNode.parameters[inputs + 2]!,
      );
    const backward = lowerFunction(
      { name: `${b.name}.backward`, node: backwardNode, nameNode: b.nameNode },
      mod,
      this,
      { role: "backward", gate: b.name },
    );
    if (backward.results.length !== inputs)
      fail(
        `backward of gate '${b.name}' returns ${backward.results.length} gradient${backward.results.length === 1 ? "" : "s"}, but forward has ${inputs} input${inputs === 1 ? "" : "s"}`,
        backwardNode,
      );
    return { name: b.name, forward, backward };
  }
}
