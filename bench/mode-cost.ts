/**
 * jvp/f and hvp/f (and grad/f) of some bench cases, in CPU time, each companion compiled from
 * src/ (not dist/) and warmed until optimised: the measurement behind issue 11's "f_jvp costs at
 * most 2x f, f_hvp at most 5x f" on a shared machine.
 *
 *   node --no-concurrent-recompilation --allow-natives-syntax --import tsx bench/mode-cost.ts pendulum random-2k
 *
 * Each variant runs in its own loop that reads every entry of its result (bench/measure.ts's
 * `directRunner`), over the bench's pool of inputs and direction. Times are CPU time of this
 * process (process.cpuUsage), so that other work on a loaded machine counts less; the figure is
 * the best of `REPS` (default 15) alternating repetitions of about 40 ms each. With
 * `--allow-natives-syntax` it also prints which exported companions V8 has not optimised (a
 * small one may be inlined into its loop instead: that is fine).
 * Writes bench/.out/mode-cost/<case>.<mode>.mjs, nothing else.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compileSync } from "../src/index.js";
import { isSkipped, loadCases, type BenchCase } from "./cases/index.js";
import type { GradResult } from "./cases/types.js";
import { directionLike, directRunner, type Runner } from "./measure.js";
import { rng, uniform } from "./rng.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = join(root, "bench", ".out", "mode-cost");
mkdirSync(dir, { recursive: true });
const REPS = Number(process.env.REPS ?? 15);
const WARM_MS = Number(process.env.WARM ?? 1500);
let sink = 0;

/** CPU microseconds per call of `run`, for at least `ms` of CPU time. */
function cpuTime(run: Runner, count: number, ms: number): number {
  let n = 0;
  const start = process.cpuUsage();
  let elapsed = 0;
  do {
    sink += run(count);
    n += count;
    const d = process.cpuUsage(start);
    elapsed = (d.user + d.system) / 1000;
  } while (elapsed < ms);
  return (elapsed * 1000) / n;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = (...args: any[]) => any;
const natives = process.execArgv.includes("--allow-natives-syntax");
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const status = natives ? (new Function("f", "return %GetOptimizationStatus(f)") as (f: Any) => number) : undefined;
/** Whether V8 runs `f` optimised (TurboFan) or not, from %GetOptimizationStatus's bits. */
const optimised = (f: Any) => (status ? ((status(f) & 16) !== 0 ? "opt" : "NOT-opt") : "?");

async function compiled(c: BenchCase, mode: string): Promise<Record<string, Any>> {
  const result = compileSync(c.source, {
    fileName: c.fileName,
    language: "js",
    functions: [c.fn],
    modes: [mode as "grad"],
    ...(c.wrt ? { wrt: c.wrt } : {}),
  });
  if (result.diagnostics.length > 0) throw new Error(result.diagnostics[0]!.message);
  const file = join(dir, `${c.name}.${mode}.mjs`);
  writeFileSync(file, result.code);
  return (await import(pathToFileURL(file).href)) as Record<string, Any>;
}

const wanted = process.argv.slice(2);
const cases = (await loadCases(root, join(dir, "gen"), wanted)).filter(
  (c): c is BenchCase => !isSkipped(c) && wanted.includes(c.name),
);
for (const c of cases) {
  const pool: unknown[][] = c.inputs
    ? c.inputs()
    : (() => {
        const random = rng(12345);
        return Array.from({ length: 1024 }, () => c.params!.map((p) => uniform(random, p.domain[0], p.domain[1])));
      })();
  const mods = {
    grad: await compiled(c, "grad"),
    jvp: await compiled(c, "jvp"),
    hvp: await compiled(c, "hvp"),
  };
  const fns: Record<string, Any> = { f: c.f };
  for (const [mode, mod] of Object.entries(mods)) fns[mode] = mod[`${c.fn}_${mode}`]!;
  const direction = directionLike(fns.grad!(...pool[0]!) as GradResult);
  const runners: Record<string, Runner> = {};
  for (const [name, fn] of Object.entries(fns)) {
    const extra = name === "jvp" || name === "hvp" ? [direction] : [];
    runners[name] = directRunner(fn, pool, fn(...pool[0]!, ...extra), extra);
  }
  // Calls per repetition: about 40 ms of the primal's time.
  const counts: Record<string, number> = {};
  for (const [name, run] of Object.entries(runners)) {
    const t = cpuTime(run, 1, 20);
    counts[name] = Math.max(1, Math.round(40000 / 4 / Math.max(t, 1e-3)));
  }
  for (const [name, run] of Object.entries(runners)) cpuTime(run, counts[name]!, WARM_MS);
  const best: Record<string, number> = {};
  for (let r = 0; r < REPS; r++)
    for (const [name, run] of Object.entries(runners)) {
      const t = cpuTime(run, counts[name]!, 40);
      best[name] = Math.min(best[name] ?? Infinity, t);
    }
  const opt: Record<string, string> = {};
  for (const [mode, mod] of Object.entries(mods))
    for (const [name, fn] of Object.entries(mod))
      if (typeof fn === "function" && name.startsWith(`${c.fn}_${mode}`)) opt[name] = optimised(fn);
  const notOpt = Object.entries(opt)
    .filter(([, s]) => s !== "opt")
    .map(([n]) => n);
  console.log(
    JSON.stringify({
      case: c.name,
      fUs: +best.f!.toFixed(4),
      gradF: +(best.grad! / best.f!).toFixed(2),
      jvpF: +(best.jvp! / best.f!).toFixed(2),
      hvpF: +(best.hvp! / best.f!).toFixed(2),
      f: natives ? optimised(c.f) : "?",
      notOptimised: natives ? notOpt : "?",
    }),
  );
}
if (sink === 12345) console.log(sink);
