/**
 * Turns a generated module (compiled with `language: "js"`) into a live function with
 * `new Function`: its `adgen/gates` imports become parameters bound to adgen's own gates, its
 * `export` keywords are dropped, and the companion is returned.
 */
import { GATES_MODULE } from "../conventions.js";
import { GradError } from "./error.js";

/** The module generated code imports its gates from (the compiler's documented output contract). */

const NAMED_IMPORT = /^import \{([^}]*)\} from "([^"]+)";\s*$/;
const NAMESPACE_IMPORT = /^import \* as ([\w$]+) from "([^"]+)";\s*$/;

export function instantiate(
  code: string,
  exportName: string,
  gates: ReadonlyMap<string, Function>,
  label: string,
): Function {
  const bindings: { local: string; value: unknown }[] = [];
  const body: string[] = [];
  for (const line of code.split("\n")) {
    if (!/^import\b/.test(line)) {
      body.push(line.replace(/^export\s+(?=(async\s+)?function\b|const\b|let\b|class\b)/, ""));
      continue;
    }
    const named = NAMED_IMPORT.exec(line);
    const namespace = NAMESPACE_IMPORT.exec(line);
    if ((named ?? namespace)?.[2] !== GATES_MODULE)
      throw new GradError(`${label}: the generated code imports from outside ${GATES_MODULE}: ${line}`);
    if (named) {
      for (const spec of named[1]!
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)) {
        const [imported, local = imported] = spec.split(/\s+as\s+/) as [string, string?];
        bindings.push({ local, value: gate(gates, imported, label) });
      }
    } else {
      bindings.push({ local: namespace![1]!, value: Object.freeze(Object.fromEntries(gates)) });
    }
  }
  let factory: Function;
  try {
    factory = new Function(...bindings.map((b) => b.local), `"use strict";\n${body.join("\n")}\nreturn ${exportName};`);
  } catch (e) {
    if (e instanceof EvalError)
      throw new GradError(
        `${label}: this environment forbids new Function (a Content Security Policy without 'unsafe-eval'), ` +
          `so grad() cannot compile at run time; use adgen's bundler plugin to compile at build time`,
      );
    throw e;
  }
  return factory(...bindings.map((b) => b.value)) as Function;
}

function gate(gates: ReadonlyMap<string, Function>, name: string, label: string): Function {
  const g = gates.get(name);
  if (!g) throw new GradError(`${label}: the generated code imports '${name}', which adgen/gates does not export`);
  return g;
}
