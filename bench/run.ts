/**
 * `npm run bench`: adgen's generated gradients against the primal, hand-written gradients and
 * the peers (tfjs, mathjs, finite differences), then compile-time scaling. Prints a table and
 * writes BENCHMARKS.md and bench/results.json.
 *
 *   npm run bench                      the full run (a few minutes)
 *   npm run bench -- --smoke           seconds: every case checked against finite differences,
 *                                      every code path run once, nothing written (CI)
 *   npm run bench -- --only neuron,mlp run some cases only (nothing written)
 *   npm run bench -- --no-compile      leave out compile-time scaling (nothing written)
 *   npm run bench -- --warm-max 120    let the warm-up of a case last up to 120 s (default 30;
 *                                      bench/measure.ts `warmUp` says when a variant is warm)
 *   npm run bench -- --report          rewrite BENCHMARKS.md from bench/results.json (after
 *                                      editing bench/FINDINGS.md), measuring nothing
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import * as prettier from "prettier";
import { generate, type Generated } from "./adgen.js";
import { isSkipped, loadCases, type BenchCase } from "./cases/index.js";
import type { GradResult } from "./cases/types.js";
import { compileScaling, type ScalingResult } from "./compile-scaling.js";
import { loadNow, machine } from "./machine.js";
import {
  bytesPerCall,
  consumed,
  directionLike,
  median,
  directRunner,
  peerRunner,
  time,
  timeTogether,
  type Probe,
  type Runner,
  type TimingOptions,
} from "./measure.js";
import { sampledDifferences } from "./fd-sample.js";
import { centralDifferences, finiteDifferences } from "./peers/finite-differences.js";
import { mathjsPeer } from "./peers/mathjs.js";
import { tensorPeers } from "./peers/tensors.js";
import { tfjsPeer } from "./peers/tfjs.js";
import type { Peer, PeerInstance } from "./peers/types.js";
import { renderMarkdown, renderTable, warmupText, type CaseResult, type Results } from "./report.js";
import { rng, uniform } from "./rng.js";
import { tapeBytesPerCall } from "./tape-bytes.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, "bench", ".out");
const genDir = join(outDir, "gen");

// ---- options ------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const value = (name: string) => {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return argv[i]!.includes("=") ? argv[i]!.split("=")[1] : argv[i + 1];
};
const smoke = flag("smoke") || process.env.BENCH_SMOKE === "1";
const only = value("only")?.split(",");
const withCompile = !flag("no-compile");
const write = !smoke && !only && withCompile && !flag("no-write");

/**
 * f, f_grad, the hand-written gradient, f_jvp and f_hvp warm up under one rule (bench/measure.ts
 * `warmUp`): at least 400 ms and 1,000 calls each, then until each one's time per call has
 * settled, at most `--warm-max` seconds per case.
 */
const timing: TimingOptions = smoke
  ? { warmMs: 5, repMs: 2, reps: 1 }
  : { warmMs: 400, warmMaxMs: Number(value("warm-max") ?? 30) * 1000, warmCalls: 1000, repMs: 30, reps: 15 };
const peerTiming: TimingOptions = smoke ? { warmMs: 5, repMs: 2, reps: 1 } : { warmMs: 200, repMs: 100, reps: 5 };
/**
 * How many of `functions` V8 has optimised with TurboFan (`%GetOptimizationStatus`, natives
 * syntax switched on at run time for this one function): the warm-up waits until that stops
 * changing (bench/measure.ts `warmUp`).
 */
function optimisedProbe(functions: unknown[]): Probe {
  setFlagsFromString("--allow-natives-syntax");
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const status = new Function("f", "return %GetOptimizationStatus(f);") as (f: unknown) => number;
  return () => functions.filter((f) => (status(f) & TURBOFANNED) !== 0).length;
}
/** `%GetOptimizationStatus` bit: the function has TurboFan code. */
const TURBOFANNED = 1 << 6;

/** In smoke mode the peers run on the small cases only (the checks still cover every case). */
const SMOKE_PEER_OPS = 200;
const POOL = 1024;

/** Normwise relative difference of two gradients (value included). */
function difference(a: { value: number; grad: number[] }, b: { value: number; grad: number[] }): number {
  if (a.grad.length !== b.grad.length) return Infinity;
  let scale = Math.max(1, Math.abs(b.value));
  let diff = Math.abs(a.value - b.value) / scale;
  scale = Math.max(1, ...b.grad.map(Math.abs));
  for (let i = 0; i < a.grad.length; i++) diff = Math.max(diff, Math.abs(a.grad[i]! - b.grad[i]!) / scale);
  return Number.isNaN(diff) ? Infinity : diff;
}

/** A GradResult as a flat list, in the order of the differentiated parameters. */
function flatten(r: GradResult, keys: string[]): { value: number; grad: number[] } {
  const grad: number[] = [];
  for (const k of keys) {
    const g = r.grad[k];
    if (typeof g === "number") grad.push(g);
    else if (g) grad.push(...Array.from(g));
    else grad.push(NaN);
  }
  return { value: r.value, grad };
}

/** Allowed disagreement with the reference gradient, by variant. */
const TOLERANCE: Record<string, number> = { hand: 1e-9, fd: 1e-5, mathjs: 1e-8, tfjs: 2e-2, jvp: 1e-9, hvp: 1e-9 };
// The tensor peers (bench/peers/tensors.ts): float32 ones to what single precision gives on sums of 784 terms.
// jax-js's float64 exp, tanh and log are accurate to about 1e-8 (log 5e-7), not to the last bit.
Object.assign(TOLERANCE, { "tfjs-cpu": 1e-4, "tfjs-wasm": 1e-4, "jax-f32": 1e-4, "jax-f64": 1e-5 });

/** `Σ grad · direction`: the directional derivative f_jvp must return. */
function along(sample: GradResult, direction: ReturnType<typeof directionLike>): number {
  let s = 0;
  for (const [key, g] of Object.entries(sample.grad)) {
    const d = direction[key]!;
    if (typeof g === "number") s += g * (d as number);
    else for (let i = 0; i < g.length; i++) s += g[i]! * (d as ArrayLike<number>)[i]!;
  }
  return s;
}

/**
 * Checks f_jvp against the gradient (tangent = grad · t) and f_hvp's value and gradient against
 * f_grad's, at a few points; returns, per mode checked, what it takes after f's arguments (the
 * direction), to time it on f's own pool.
 */
function checkModes(c: BenchCase, r: CaseResult, gen: Generated, pool: unknown[][], keys: string[]) {
  if (typeof gen.grad === "string") return {};
  const grad = gen.grad;
  const direction = directionLike(grad(...(pool[0] as never[])));
  const points = pool.slice(0, c.inputs ? 1 : 3);
  const out: { jvp?: unknown[]; hvp?: unknown[] } = {};
  for (const mode of ["jvp", "hvp"] as const) {
    const fn = gen[mode];
    if (typeof fn !== "function") {
      // Not a failure: the verdicts list the cases without one.
      r.notes[mode] = fn ?? "not generated";
      log(`${c.name}: no f_${mode}: ${r.notes[mode]}`);
      continue;
    }
    const error = Math.max(
      ...points.map((args) => {
        const reference = grad(...(args as never[]));
        const result = fn(...args, direction);
        if (mode === "jvp") {
          const expected = along(reference, direction);
          const tangent = result.tangent as number;
          const scale = Math.max(1, Math.abs(expected));
          return Math.max(Math.abs(result.value - reference.value), Math.abs(tangent - expected) / scale);
        }
        return difference(flatten(result as unknown as GradResult, keys), flatten(reference, keys));
      }),
    );
    check(r, mode, error);
    out[mode] = [direction];
  }
  return out;
}

function inputPool(c: BenchCase): unknown[][] {
  if (c.inputs) return c.inputs();
  const random = rng(12345);
  return Array.from({ length: POOL }, () => c.params!.map((p) => uniform(random, p.domain[0], p.domain[1])));
}

const failures: string[] = [];
function check(result: CaseResult, variant: string, error: number): void {
  result.errors[variant] = error;
  if (!(error <= TOLERANCE[variant]!)) {
    fail(
      `${result.name}: ${variant} disagrees with the reference gradient (relative difference ${error.toExponential(2)}, tolerance ${TOLERANCE[variant]})`,
    );
  }
}

function fail(message: string): void {
  failures.push(message);
  process.stderr.write(`CHECK FAILED ${message}\n`);
}

const t0 = performance.now();
const log = (line: string) =>
  process.stdout.write(
    `${line && !line.startsWith(" ") ? `[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ` : ""}${line}\n`,
  );

// ---- the run ------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = performance.now();
  const env = machine(root);
  rmSync(genDir, { recursive: true, force: true });
  mkdirSync(genDir, { recursive: true });
  log(`adgen benchmark${smoke ? " (smoke: correctness checks, no meaningful timings)" : ""}`);
  log(`${env.cpu}, ${env.cores} cores, ${env.memoryGB} GB; Node ${env.node}; load ${env.loadStart.toFixed(2)}`);
  log(`adgen ${env.commit}`);

  const all = (await loadCases(root, genDir, only)).filter((c) => !only || only.includes(c.name));
  const results: CaseResult[] = [];
  const live: {
    c: BenchCase;
    r: CaseResult;
    pool: unknown[][];
    gen: Generated;
    keys: string[];
    modes: ReturnType<typeof checkModes>;
  }[] = [];

  // Generate, and check every gradient against finite differences before timing anything.
  for (const c of all) {
    if (isSkipped(c)) {
      results.push({ name: c.name, title: c.title, skipped: c.skipped, ns: {}, notes: {}, errors: {} });
      log(`${c.name}: skipped (${c.skipped})`);
      continue;
    }
    const r: CaseResult = { name: c.name, title: c.title, ns: {}, notes: {}, errors: {} };
    results.push(r);
    const gen = await generate(c, genDir);
    if (typeof gen.grad === "string") {
      // Every case is one adgen differentiates: a refusal is a failure, in smoke mode too.
      r.notes.adgen = gen.grad;
      fail(`${c.name}: adgen did not compile it: ${gen.grad}`);
    }
    // Graph nodes count operations only where there are no loops: the straight-line cases.
    if (c.params) r.ops = gen.graphNodes;
    r.compileMs = gen.compileMs;
    r.allocationSites = gen.allocationSites;
    const pool = inputPool(c);
    const keys = c.wrt ?? c.params!.map((p) => p.name);
    const points = pool.slice(0, c.inputs ? 1 : 3);
    const reference = (args: unknown[]) =>
      typeof gen.grad !== "string"
        ? flatten(gen.grad(...(args as never[])), keys)
        : c.hand
          ? flatten(c.hand(...(args as never[])), keys)
          : undefined;
    const fdError = Math.max(
      ...points.map((args) => {
        const ref = reference(args);
        if (ref && c.fdSample) {
          const sampled = sampledDifferences(c, args, ref);
          return difference(sampled.fd, sampled.reference);
        }
        return ref ? difference(centralDifferences(c, args), ref) : 0;
      }),
    );
    r.params = reference(points[0]!)?.grad.length;
    if (reference(points[0]!)) check(r, "fd", fdError);
    if (c.hand && typeof gen.grad !== "string")
      check(
        r,
        "hand",
        Math.max(...points.map((args) => difference(flatten(c.hand!(...(args as never[])), keys), reference(args)!))),
      );
    if (!c.hand) r.notes.hand = "none";
    log(
      `${c.name}: ${r.ops ?? "?"} ops, ${r.params ?? "?"} gradient entries; ` +
        (typeof gen.grad === "string" ? gen.grad : `adgen vs finite differences ${fdError.toExponential(1)}`),
    );
    live.push({ c, r, pool, gen, keys, modes: checkModes(c, r, gen, pool, keys) });
  }

  // Primal, adgen and hand-written, timed together.
  log("");
  log("timing f, f_grad, the hand-written gradient, f_jvp and f_hvp ...");
  for (const { c, r, pool, gen, modes } of live) {
    const runners: Runner[] = [directRunner(c.f, pool, c.f(...(pool[0] as never[])))];
    const names: ("f" | "adgen" | "hand" | "jvp" | "hvp")[] = ["f"];
    // The functions each variant runs, whose optimisation the warm-up waits for.
    const functions: unknown[][] = [[c.f]];
    if (typeof gen.grad !== "string") {
      runners.push(directRunner(gen.grad, pool, gen.grad(...(pool[0] as never[]))));
      names.push("adgen");
      functions.push(gen.functions?.adgen ?? [gen.grad]);
    }
    if (c.hand) {
      runners.push(directRunner(c.hand, pool, c.hand(...(pool[0] as never[]))));
      names.push("hand");
      functions.push([c.hand]);
    }
    for (const mode of ["jvp", "hvp"] as const) {
      const fn = gen[mode];
      const extra = modes[mode];
      if (typeof fn !== "function" || !extra) continue;
      runners.push(directRunner(fn, pool, fn(...pool[0]!, ...extra) as never, extra));
      names.push(mode);
      functions.push(gen.functions?.[mode] ?? [fn]);
    }
    const timings = timeTogether(runners, timing, smoke ? [] : functions.map(optimisedProbe));
    timings.forEach((t, i) => {
      r.ns[names[i]!] = t.ns;
      (r.samples ??= {})[names[i]!] = t.samples;
      (r.warmup ??= {})[names[i]!] = t.warmup;
    });
    // Ratios from repetitions taken back to back, which cancels most of the machine's drift.
    const paired = (a: string, b: string) =>
      r.samples?.[a] && r.samples[b] ? median(r.samples[a]!.map((x, i) => x / r.samples![b]![i]!)) : undefined;
    r.ratios = {
      gradF: paired("adgen", "f"),
      gradHand: paired("adgen", "hand"),
      jvpF: paired("jvp", "f"),
      hvpF: paired("hvp", "f"),
    };
    // In smoke mode the allocation measurement runs once, to keep it working.
    if (typeof gen.grad !== "string" && (!smoke || r === live[0]!.r)) {
      r.bytesPerCall = bytesPerCall(gen.grad, pool, r.ns.adgen!);
      r.primalBytesPerCall = bytesPerCall(c.f, pool, r.ns.f!);
      r.tapeBytesPerCall = tapeBytesPerCall(gen.grad, pool[0]!);
      if (c.params) r.resultBytesPerCall = bytesPerCall(sameShape(gen.grad(...(pool[0] as never[]))), pool, r.ns.f!);
    }
    log(`  ${c.name.padEnd(12)} ${names.map((n) => `${n} ${r.ns[n]!.toFixed(1)} ns`).join(", ")}`);
    if (!smoke)
      log(
        `  ${"".padEnd(12)} warm-up: ${warmupText(r.warmup!, Object.fromEntries(names.map((n, i) => [n, functions[i]!.length])))}`,
      );
  }

  // The peers.
  log("");
  log("timing the peers ...");
  const peers: Peer[] = [tfjsPeer, ...tensorPeers, mathjsPeer, finiteDifferences];
  for (const { c, r, pool, gen, keys } of live) {
    for (const peer of peers) {
      if (!c.tensor && tensorPeers.includes(peer)) continue;
      const skip = c.skipPeers?.[peer.name];
      if (skip) {
        r.notes[peer.name] = skip;
        continue;
      }
      if (smoke && (r.ops === undefined || r.ops > SMOKE_PEER_OPS)) {
        r.notes[peer.name] = "not run in smoke mode";
        continue;
      }
      const instance: PeerInstance | string = await peer.prepare(c);
      if (typeof instance === "string") {
        r.notes[peer.name] = instance;
        log(`  ${c.name.padEnd(12)} ${peer.name}: ${instance}`);
        continue;
      }
      (r.setupMs ??= {})[peer.name] = instance.setupMs;
      if (instance.remark) (r.remarks ??= {})[peer.name] = instance.remark;
      if (peer.name !== "fd") {
        const ref = (args: unknown[]) =>
          typeof gen.grad !== "string" ? flatten(gen.grad(...(args as never[])), keys) : undefined;
        const points = pool.slice(0, 3).filter((args) => ref(args));
        if (points.length > 0)
          check(r, peer.name, Math.max(...points.map((args) => difference(instance.gradient(args), ref(args)!))));
      }
      const t = time(peerRunner(instance.sum, pool), peerTiming);
      r.ns[peer.name] = t.ns;
      (r.samples ??= {})[peer.name] = t.samples;
      log(`  ${c.name.padEnd(12)} ${peer.name} ${t.ns.toFixed(0)} ns`);
    }
  }

  // Compile-time scaling.
  let scaling: ScalingResult[] = [];
  if (withCompile) {
    log("");
    log("compile-time scaling ...");
    scaling = compileScaling({
      sizes: smoke ? [200] : [1000, 10000, 100000],
      processes: (ops) => (smoke || ops >= 100000 ? 1 : 3),
      calls: (ops) => (smoke ? 1 : ops >= 100000 ? 2 : 4),
      timeoutMs: Number(value("compile-timeout") ?? (smoke ? 120 : 60)) * 1000,
      outDir: join(outDir, "compile"),
      root,
      log,
    });
  }

  env.loadEnd = loadNow();
  const report: Results = {
    machine: env,
    smoke,
    timing,
    peerTiming,
    durationS: (performance.now() - started) / 1000,
    cases: results,
    compile: scaling,
    peers: peers.map((p) => ({ name: p.name, description: p.description })),
    failures,
  };
  log("");
  process.stdout.write(`${renderTable(report)}\n`);
  log(`(checksum of every result: ${consumed().toPrecision(6)}; run took ${report.durationS.toFixed(0)} s)`);
  if (write) {
    await writeReport(report);
    log("wrote BENCHMARKS.md and bench/results.json");
  } else {
    writeFileSync(join(outDir, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
  }
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.length} check(s) failed:\n${failures.join("\n")}\n`);
    return 1;
  }
  if (smoke) log(`bench smoke: ${live.length} cases checked, ${results.length - live.length} skipped`);
  return 0;
}

/** A function returning a result of the same shape as `sample` from its arguments: the floor for allocation. */
function sameShape(sample: GradResult): (...args: never[]) => unknown {
  const keys = Object.keys(sample.grad);
  const fields = keys.map((k, i) => `${JSON.stringify(k)}: a${i % 2} + ${i + 1}`).join(", ");
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function("a0", "a1", `return { value: a0 * a1, grad: { ${fields} } };`) as never;
}

/** Writes bench/results.json and BENCHMARKS.md, formatted as the rest of the repository. */
async function writeReport(report: Results): Promise<void> {
  const write = async (file: string, text: string) => {
    const options = (await prettier.resolveConfig(file)) ?? {};
    writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
  };
  await write(join(root, "bench", "results.json"), JSON.stringify(report));
  await write(join(root, "BENCHMARKS.md"), renderMarkdown(report, root));
}

async function rewriteReport(): Promise<number> {
  await writeReport(JSON.parse(readFileSync(join(root, "bench", "results.json"), "utf8")) as Results);
  process.stdout.write("rewrote BENCHMARKS.md from bench/results.json\n");
  return 0;
}

(flag("report") ? rewriteReport() : main()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
