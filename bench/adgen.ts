/**
 * Generates each case's gradient with the current build of adgen (dist/, through the package's
 * own name), writes it to bench/.out/gen and imports it: the benchmark always measures what the
 * compiler generates today. The generated code is compileSync's, plain JavaScript: the same
 * code compile() returns, before prettier lays it out.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compileSync } from "adgen";
import type { BenchCase, Gradient } from "./cases/types.js";

export interface Generated {
  /** `<fn>_grad`, or the reason there is none (adgen's first diagnostic). */
  grad: Gradient | string;
  /** Where the generated module was written. */
  file?: string;
  /** Nodes in adgen's SSA graph of the function (its operation count). */
  graphNodes?: number;
  /** Lines of the generated function body that are not plain `const x = <arithmetic>;`. */
  allocationSites?: string[];
  compileMs?: number;
  /** Forward mode `<fn>_jvp(...args, tangents)` and `<fn>_hvp(...args, v)`, or why there is none. */
  jvp?: Companion | string;
  hvp?: Companion | string;
  /** Every function of each generated module (a split function's parts too), by variant: the bench asks V8 whether they are optimised. */
  functions?: { adgen?: unknown[]; jvp?: unknown[]; hvp?: unknown[] };
}

/**
 * The generated code, written with an export of all its functions (`generatedFunctions`), so
 * that the bench can ask V8 whether the parts of a split function are optimised too.
 */
function withFunctionList(result: { code: string; functions: { name: string }[] }): string {
  return `${result.code}\nexport const generatedFunctions = [${result.functions.map((f) => f.name).join(", ")}];\n`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Companion = (...args: any[]) => { value: number } & Record<string, unknown>;

export async function generate(c: BenchCase, outDir: string): Promise<Generated> {
  const options = {
    fileName: c.fileName,
    language: "js" as const,
    // Only the case's function: a module's other functions need not have the parameters of `wrt`.
    functions: [c.fn],
    ...(c.wrt ? { wrt: c.wrt } : {}),
  };
  const t0 = performance.now();
  const result = compileSync(c.source, options);
  const compileMs = performance.now() - t0;
  if (result.diagnostics.length > 0) {
    const d = result.diagnostics[0]!;
    return { grad: `adgen: ${d.message}` };
  }
  const graph = compileSync(c.source, { ...options, emit: "graph" });
  const graphNodes = graphNodesOf(graph.code, c.fn);
  const file = join(outDir, `${c.name}.grad.mjs`);
  writeFileSync(file, withFunctionList(result));
  const mod = (await import(pathToFileURL(file).href)) as Record<string, Gradient>;
  const grad = mod[`${c.fn}_grad`];
  if (!grad) return { grad: `adgen generated no ${c.fn}_grad` };
  const functions: Generated["functions"] = { adgen: mod.generatedFunctions as unknown as unknown[] };
  return {
    grad,
    jvp: await companion(c, options, outDir, "jvp", functions),
    hvp: await companion(c, options, outDir, "hvp", functions),
    functions,
    file,
    graphNodes,
    allocationSites: allocationSites(result.code, `${c.fn}_grad`, c.wrt ?? c.params?.map((p) => p.name) ?? []),
    compileMs,
  };
}

/** The case's `<fn>_<mode>` (forward mode or HVP), in a module of its own, or adgen's reason for none. */
async function companion(
  c: BenchCase,
  options: Parameters<typeof compileSync>[1],
  outDir: string,
  mode: "jvp" | "hvp",
  functions: NonNullable<Generated["functions"]>,
): Promise<Companion | string> {
  const result = compileSync(c.source, { ...options, modes: [mode] });
  if (result.diagnostics.length > 0) return `adgen: ${result.diagnostics[0]!.message}`;
  const file = join(outDir, `${c.name}.${mode}.mjs`);
  writeFileSync(file, withFunctionList(result));
  const mod = (await import(pathToFileURL(file).href)) as Record<string, Companion>;
  functions[mode] = mod.generatedFunctions as unknown as unknown[];
  return mod[`${c.fn}_${mode}`] ?? `adgen generated no ${c.fn}_${mode}`;
}

/** Node lines of `graph <fn>(...)` in `--emit graph` output. */
function graphNodesOf(text: string, fn: string): number {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`graph ${fn}(`));
  let n = 0;
  for (let i = start + 1; i < lines.length && lines[i]!.startsWith("  "); i++) if (!/^\s+return /.test(lines[i]!)) n++;
  return n;
}

/**
 * A static check that `f_grad` allocates nothing but its result: the lines of the function,
 * before its final `return { value, grad: {...} }`, that can allocate: `new`, array and object
 * literals, `concat`/`slice`/`map`/`filter`, closures. (A `push` onto a tape that is created
 * here is caught by its `[]`; adgen's pooled `Tape` grows only until it fits.) The gradient arrays it returns
 * (`const grad_<param> = new Float64Array(...)`) are part of the result and not listed.
 */
function allocationSites(code: string, name: string, params: string[]): string[] {
  const lines = code.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`export function ${name}(`));
  const result = new RegExp(`^const grad_(${params.join("|")}) = new Float64Array\\(`);
  const allocates = /\bnew\b|[=(,:]\s*[[{]|\.(concat|slice|map|filter)\(|=>|\bfunction\b/;
  const sites: string[] = [];
  for (let i = start + 1; i < lines.length && lines[i] !== "}"; i++) {
    const line = lines[i]!.trim();
    if (/^return\b/.test(line) && i + 2 >= lines.length - 1) break;
    if (/^return \{ value: /.test(line)) break;
    if (result.test(line)) continue;
    if (allocates.test(line)) sites.push(line);
  }
  return sites;
}
