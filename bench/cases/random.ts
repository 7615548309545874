/**
 * Random straight-line programs from the seeded generator (bench/generate.ts). The primal is
 * written next to the generated gradients (bench/.out/gen) and imported from there.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { generateProgram } from "../generate.js";
import type { BenchCase, Primal } from "./types.js";

export const RANDOM_SEED = 20240601;

export async function randomCase(ops: number, outDir: string): Promise<BenchCase> {
  const name = `random${ops}`;
  const program = generateProgram({ ops, seed: RANDOM_SEED + ops, name });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}.mjs`);
  writeFileSync(file, program.js);
  writeFileSync(join(outDir, `${name}.ts`), program.source);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, Primal>;
  return {
    name: `random-${ops >= 1000 ? `${ops / 1000}k` : ops}`,
    title: `random straight-line program, ${program.ops} operations, ${program.params.length} parameters, ${(100 * program.live).toFixed(0)}% of statements live (seed ${RANDOM_SEED + ops})`,
    fileName: `bench/.out/gen/${name}.ts`,
    source: program.source,
    fn: name,
    f: mod[name]!,
    params: program.params.map((p) => ({ name: p, domain: program.domain })),
  };
}
