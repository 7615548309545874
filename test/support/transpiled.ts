/**
 * Small TypeScript programs run in a test without files: the source transpiled to JavaScript
 * and evaluated (`f` itself), and its generated companion instantiated as the runtime does.
 */
import { ts } from "ts-morph";
import * as gates from "../../src/gates/index.js";
import { compileSync } from "../../src/compile.js";
import { instantiate } from "../../src/runtime/instantiate.js";

/** The module's exports (functions and classes), from its TypeScript source. */
export function evaluate(source: string): Record<string, unknown> {
  const js = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
  }).outputText;
  const exports: Record<string, unknown> = {};
  new Function("exports", "require", js)(exports, () => gates);
  return exports;
}

const runtime = new Map(
  Object.entries(gates as Record<string, unknown>).filter((e): e is [string, Function] => typeof e[1] === "function"),
);

/** The generated `name` (`f_grad`) of `source`, live; throws the diagnostics if it does not compile. */
export function generated(source: string, name: string): Function {
  const result = compileSync(source, { fileName: "probe.ts", language: "js" });
  if (result.diagnostics.length > 0)
    throw new Error(result.diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n"));
  return instantiate(result.code, name, runtime, name);
}

/** The diagnostics' codes and messages for `source` (empty when it compiles). */
export function diagnostics(source: string): string[] {
  return compileSync(source, { fileName: "probe.ts" }).diagnostics.map((d) => `${d.code}: ${d.message}`);
}
