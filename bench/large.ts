/**
 * Gradient/primal of large random programs (every statement live), with and without splitting
 * large functions (src/simplify/split.ts): the measurement behind issue 14's "large programs".
 *
 *   node --no-concurrent-recompilation --import tsx bench/large.ts 2000 10000 100000
 *   SPLIT=0 node ... bench/large.ts 10000        the same, unsplit
 *
 * Times are CPU time of this process (process.cpuUsage), so that other work on a loaded machine
 * counts less; `--no-concurrent-recompilation` optimises on the main thread, so a busy machine
 * cannot leave the code in the interpreter for the whole warm-up. The figure is the best of 21
 * alternating repetitions of f and f_grad. Prints one JSON line per size.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compileSync } from "../src/index.js";
import { generateProgram } from "./generate.js";

const dir = join(fileURLToPath(new URL(".", import.meta.url)), ".out", "large");
mkdirSync(dir, { recursive: true });
const split = process.env.SPLIT !== "0";
const warmMs = Number(process.env.WARM ?? 1500);
let sink = 0;

type Fn = (...a: number[]) => number | { value: number };

/** CPU microseconds per call of `fn` over `args`, for at least `ms` of CPU time. */
function time(fn: Fn, args: number[][], ms: number): number {
  let n = 0;
  const start = process.cpuUsage();
  let elapsed = 0;
  do {
    for (let i = 0; i < 8; i++) {
      const v = fn(...args[n++ % args.length]!);
      sink += typeof v === "number" ? v : v.value;
    }
    const d = process.cpuUsage(start);
    elapsed = (d.user + d.system) / 1000;
  } while (elapsed < ms);
  return (elapsed * 1000) / n;
}

for (const ops of process.argv.slice(2).map(Number)) {
  const name = `random${ops}`;
  const program = generateProgram({ ops, seed: 20240601 + ops, name });
  const t0 = performance.now();
  const result = compileSync(program.source, { language: "js", fileName: `${name}.ts`, split });
  const compileMs = performance.now() - t0;
  if (result.diagnostics.length > 0) throw new Error(result.diagnostics[0]!.message);
  const primal = join(dir, `${name}.mjs`);
  const gradient = join(dir, `${name}.${split ? "split" : "whole"}.grad.mjs`);
  writeFileSync(primal, program.js);
  writeFileSync(gradient, result.code);
  const f = ((await import(pathToFileURL(primal).href)) as Record<string, Fn>)[name]!;
  const g = ((await import(pathToFileURL(gradient).href)) as Record<string, Fn>)[`${name}_grad`]!;
  const args = Array.from({ length: 64 }, (_, k) => program.params.map((_, i) => 0.5 + ((k * 7 + i * 13) % 97) / 97));
  let error: string | undefined;
  try {
    time(f, args, warmMs);
    time(g, args, warmMs);
  } catch (e) {
    error = String(e);
  }
  const tf: number[] = [];
  const tg: number[] = [];
  for (let rep = 0; !error && rep < 21; rep++) {
    tf.push(time(f, args, 40));
    tg.push(time(g, args, 40));
  }
  const best = (a: number[]) => Math.min(...a);
  console.log(
    JSON.stringify({
      ops: program.ops,
      live: program.live,
      split,
      parts: result.functions.filter((x) => x.kind === "part").length,
      compileS: +(compileMs / 1000).toFixed(1),
      ...(error
        ? { error }
        : {
            fUs: +best(tf).toFixed(2),
            gradUs: +best(tg).toFixed(2),
            gradOverF: +(best(tg) / best(tf)).toFixed(2),
          }),
    }),
  );
}
if (sink === 12345) console.log(sink);
