/**
 * The companion modules of nested differentiation (src/parser/nested.ts): `grad(g)` inside a
 * differentiated function is read as a call of `g_grad`, which adgen generates from `g`'s module
 * (through `Host.companion`, i.e. `compileSync`) and reads back as one more module of the program.
 */
import { companionName } from "../conventions.js";
import { AlreadyReported, codes, DiagnosticError } from "../diagnostics.js";
import type { SourceFiles } from "./files.js";
import type { FunctionSource, ModuleScope } from "./module.js";
import type { DerivativeRef } from "./nested.js";
import type { ts } from "ts-morph";

type Source = { fn: FunctionSource; mod: ModuleScope };

export class Companions {
  private readonly made = new Map<string, Source>();

  constructor(
    private readonly files: SourceFiles,
    private readonly functionSource: (mod: ModuleScope, name: string, at: ts.Node) => Source | undefined,
  ) {}

  /** The generated companion `ref` asks for (`g_grad`), as a function of its own module. */
  companion(ref: DerivativeRef, at: ts.Node): Source {
    const fail = (message: string): never => {
      throw new DiagnosticError(codes.nestedTarget, message, at.getStart(ref.mod.sf), at.getEnd());
    };
    const request = `${ref.kind}(${ref.fn}${ref.wrt ? `, { wrt: [${ref.wrt.map((w) => `"${w}"`).join(", ")}] }` : ""})`;
    const src =
      this.functionSource(ref.mod, ref.fn, at) ??
      fail(
        `${request}: '${ref.fn}' is not a function of this program (declared in it, or imported from a relative module)`,
      );
    const key = `${src.mod.file}#${src.fn.name}:${ref.kind}:${ref.wrt?.join(",") ?? "*"}`;
    const done = this.made.get(key);
    if (done) return done;
    const generate = this.files.host.companion;
    if (!generate) return fail(`${request}: nested differentiation needs adgen's compiler (compile or compileSync)`);
    const result = generate({
      source: src.mod.sf.getFullText(),
      fileName: src.mod.file,
      name: src.fn.name,
      mode: ref.kind,
      ...(ref.wrt ? { wrt: ref.wrt } : {}),
    });
    if (result.cycle)
      fail(
        `${request}: '${ref.fn}' is differentiated inside its own ${ref.kind} (through this request), which would never end`,
      );
    if (result.diagnostics.length > 0) {
      // The inner compilation's diagnostics are about the user's files: reported as they are.
      for (const d of result.diagnostics) {
        const sink = this.files.sink(d.file);
        const seen = sink.diagnostics.some((o) => o.line === d.line && o.column === d.column && o.code === d.code);
        if (!seen) sink.diagnostics.push(d);
      }
      throw new AlreadyReported();
    }
    const name = companionName(src.fn.name, ref.kind);
    const file = `${src.mod.file}#${ref.kind === "grad" ? name : `${name}`}${ref.wrt ? `(${ref.wrt.join(",")})` : ""}`;
    const mod = this.files.load(file, result.code);
    if (!mod) throw new AlreadyReported();
    mod.companionOf = request;
    const b = mod.bindings.get(name);
    if (b?.kind !== "function") {
      const vjp = mod.bindings.get(companionName(src.fn.name, "vjp"));
      return fail(
        vjp
          ? `${request}: '${ref.fn}' returns an array; grad differentiates a function returning a number`
          : `${request}: adgen generated no '${name}' for '${ref.fn}'`,
      );
    }
    const made = { fn: b.fn, mod };
    this.made.set(key, made);
    return made;
  }
}
