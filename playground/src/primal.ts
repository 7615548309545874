/**
 * The user's own functions, live: the source transpiled by TypeScript (the copy the compiler
 * already bundles) to CommonJS and run with `new Function`, its one possible import, adgen/gates,
 * bound to the page's gates. The check panel compares a generated f_grad against these.
 */
import { ts } from "ts-morph";
import * as gates from "../../src/gates/index.js";

/** The functions `names` of `source`, by name. Throws what transpiling or running the module throws. */
export function livePrimals(source: string, names: string[]): Map<string, Function> {
  // Exported again by name, so that functions the file keeps private can be checked too.
  const withExports = `${source}\n;export { ${names.join(", ")} };\n`;
  const { outputText } = ts.transpileModule(withExports, {
    fileName: "input.ts",
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true },
  });
  const exports: Record<string, unknown> = {};
  const require = (spec: string) => {
    if (spec === "adgen/gates") return gates;
    throw new Error(`the page has no module '${spec}': only adgen/gates can be imported here`);
  };
  new Function("exports", "require", outputText)(exports, require);
  return new Map(
    names.flatMap((n) => (typeof exports[n] === "function" ? [[n, exports[n] as Function] as const] : [])),
  );
}
