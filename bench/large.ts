/**
 * Gradient/primal of large random programs (every statement live), with and without splitting
 * large functions (src/simplify/split.ts): the measurement behind issue 14's "large programs".
 *
 *   node --import tsx bench/large.ts 2000 10000 100000
 *   SPLIT=0 node --import tsx bench/large.ts 10000      the same, unsplit
 *   WARM_MAX=300 node --import tsx bench/large.ts 100000 a longer cap on the warm-up, s (default 120)
 *
 * Timing is the bench's (bench/measure.ts `timeTogether`: f and f_grad warmed up round-robin
 * until each has made 1,000 calls, the number of its functions V8 has optimised has stopped
 * changing and its time per call has settled, then 21 repetitions taken
 * round-robin; the ratio is the median of the paired ratios), on the CPU time of this process
 * (process.cpuUsage), so that other work on a loaded machine counts less. V8's background
 * compiler threads count too: a figure taken while TurboFan still compiles would show it.
 *
 * It also checks that the warm-up waited for the optimising compiler: it counts the functions of
 * the generated module (f_grad and its parts) that V8 has optimised with TurboFan
 * (`%GetOptimizationStatus`, natives syntax switched on at run time), after the warm-up and
 * after the timing. Prints one JSON line per size; the generated code is in bench/.out/large.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { compileSync } from "../src/index.js";
import { generateProgram } from "./generate.js";
import { consumed, directRunner, median, timeTogether } from "./measure.js";

const dir = join(fileURLToPath(new URL(".", import.meta.url)), ".out", "large");
mkdirSync(dir, { recursive: true });
const split = process.env.SPLIT !== "0";
const warmMaxMs = Number(process.env.WARM_MAX ?? 120) * 1000;

setFlagsFromString("--allow-natives-syntax");
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const status = new Function("f", "return %GetOptimizationStatus(f);") as (f: unknown) => number;
/** `%GetOptimizationStatus` bit: the function has TurboFan code. */
const TURBOFANNED = 1 << 6;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

type Fn = (...a: number[]) => number | { value: number; grad: Record<string, number> };

for (const ops of process.argv.slice(2).map(Number)) {
  const name = `random${ops}`;
  const program = generateProgram({ ops, seed: 20240601 + ops, name });
  const t0 = performance.now();
  const c0 = cpuMs();
  const result = compileSync(program.source, { language: "js", fileName: `${name}.ts`, split });
  const compile = { s: (performance.now() - t0) / 1000, cpuS: (cpuMs() - c0) / 1000 };
  if (result.diagnostics.length > 0) throw new Error(result.diagnostics[0]!.message);
  const functions = result.functions.map((x) => x.name);
  const primal = join(dir, `${name}.mjs`);
  const gradient = join(dir, `${name}.${split ? "split" : "whole"}.grad.mjs`);
  writeFileSync(primal, program.js);
  // Every function of the module, exported for the optimisation check.
  writeFileSync(gradient, `${result.code}\nexport const generatedFunctions = { ${functions.join(", ")} };\n`);
  const f = ((await import(pathToFileURL(primal).href)) as Record<string, Fn>)[name]!;
  const mod = (await import(pathToFileURL(gradient).href)) as Record<string, unknown>;
  const g = mod[`${name}_grad`] as Fn;
  const all = Object.values(mod.generatedFunctions as Record<string, unknown>);
  const count = (fns: unknown[]) => fns.filter((fn) => (status(fn) & TURBOFANNED) !== 0).length;
  const optimised = () => `${count(all)}/${all.length}`;
  const pool = Array.from({ length: 64 }, (_, k) => program.params.map((_, i) => 0.5 + ((k * 7 + i * 13) % 97) / 97));
  const line: Record<string, unknown> = {
    ops: program.ops,
    live: program.live,
    split,
    parts: result.functions.filter((x) => x.kind === "part").length,
    compileS: +compile.s.toFixed(1),
    compileCpuS: +compile.cpuS.toFixed(1),
    load: +loadavg()[0]!.toFixed(2),
  };
  try {
    const runners = [directRunner(f, pool, f(...pool[0]!) as number), directRunner(g, pool, g(...pool[0]!) as never)];
    let afterWarmup = "";
    const [tf, tg] = timeTogether(
      runners,
      {
        warmMs: 400,
        warmMaxMs,
        warmCalls: 1000,
        repMs: 40,
        reps: 21,
        clock: cpuMs,
        onWarm: () => (afterWarmup = optimised()),
      },
      [() => count([f]), () => count(all)],
    );
    const ratio = median(tg!.samples.map((x, i) => x / tf!.samples[i]!));
    Object.assign(line, {
      fUs: +(tf!.ns / 1000).toFixed(2),
      gradUs: +(tg!.ns / 1000).toFixed(2),
      gradOverF: +ratio.toFixed(2),
      warmup: { f: tf!.warmup, grad: tg!.warmup },
      turbofanned: { afterWarmup, afterTiming: optimised() },
    });
  } catch (e) {
    line.error = String(e);
  }
  line.loadEnd = +loadavg()[0]!.toFixed(2);
  console.log(JSON.stringify(line));
}
if (consumed() === 12345) console.log(consumed());
