/**
 * The models adgen differentiates for the tool, and the companions each needs. Their generated
 * modules, model/<name>.grad.ts, are committed; `npx tsx gradbench/tool/companions.ts` writes them
 * again and test/gradbench-tool.test.ts checks that they are current.
 */
import type { CompileOptions } from "../../src/index.js";

type Mode = NonNullable<CompileOptions["modes"]>[number];

export const companions: { name: string; modes: Mode[] }[] = [
  { name: "hello", modes: ["grad"] },
  { name: "lse", modes: ["grad"] },
  { name: "llsq", modes: ["grad"] },
  { name: "det", modes: ["grad"] },
  { name: "ode", modes: ["grad"] },
  { name: "gmm", modes: ["grad"] },
  { name: "kmeans", modes: ["hvp"] },
];

export const modelFile = (name: string) => `gradbench/tool/model/${name}.ts`;
export const companionFile = (name: string) =>
  `gradbench/tool/model/${name}.grad.ts`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const { readFileSync, writeFileSync } = await import("node:fs");
  const { compile, formatDiagnostic } = await import("../../src/index.js");
  for (const { name, modes } of companions) {
    const file = modelFile(name);
    const result = await compile(readFileSync(file, "utf8"), {
      fileName: file,
      modes,
      format: true,
    });
    if (result.diagnostics.length > 0)
      throw new Error(result.diagnostics.map(formatDiagnostic).join("\n"));
    writeFileSync(companionFile(name), result.code);
    console.error(`wrote ${companionFile(name)}`);
  }
}
