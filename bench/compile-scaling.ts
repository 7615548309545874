/**
 * Compile-time scaling: adgen on random straight-line functions of 1,000, 10,000 and 100,000
 * operations (bench/generate.ts), each measurement in a fresh process so that its peak memory
 * is its own:
 * - compileSync (no prettier): the first call in the process (cold: what a build sees,
 *   JIT warm-up included) and the median of later calls (warm: the algorithm's cost);
 * - compile() (formatted by prettier), the first call;
 * - the CLI, `node dist/cli/adgen.js <file> -o <out>`, wall time of the whole process.
 * A measurement that passes the time limit is killed and reported as "> limit"; a mode that
 * timed out, or whose time at one size predicts more than the limit at ten times the size, is
 * not tried on the larger sizes.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateProgram } from "./generate.js";

export type Mode = "compileSync" | "compile" | "cli";

export interface ScalingResult {
  ops: number;
  /** Lines of the generated TypeScript input. */
  inputLines: number;
  mode: Mode;
  /** Median over processes of the first call (compileSync, compile) or the process (cli), ms. */
  ms?: number;
  /** compileSync only: median of the calls after the first, ms. */
  warmMs?: number;
  /** Every process's time, ms. */
  samples?: number[];
  /** Characters of the generated code: compile()'s equals compileSync's when it was not formatted. */
  outputChars?: number;
  /** Peak resident memory of the process, MB (the largest over its processes). */
  maxRssMB?: number;
  /** Set when the measurement passed the limit and was killed. */
  timedOutAfterMs?: number;
  /** Set when the mode was not run at this size, with the reason. */
  skipped?: string;
}

export interface ScalingOptions {
  sizes: number[];
  /** Fresh processes per measurement, by size (default 1). */
  processes: (ops: number) => number;
  /** compileSync calls per process (the first is the cold one). */
  calls: (ops: number) => number;
  timeoutMs: number;
  outDir: string;
  root: string;
  log: (line: string) => void;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const SEED = 7;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Run {
  ms: number;
  warm: number[];
  maxRssMB: number;
  /** Characters of generated code (not known for the CLI). */
  length?: number;
}

function runChild(args: string[], timeoutMs: number, root: string, rssFile?: string): Run | "timeout" {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: "utf8",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 256 * 2 ** 20,
    env: { ...process.env, ...(rssFile ? { BENCH_RSS_FILE: rssFile } : {}) },
  });
  const wall = performance.now() - t0;
  if (child.error && (child.error as NodeJS.ErrnoException).code === "ETIMEDOUT") return "timeout";
  if (child.signal === "SIGKILL") return "timeout";
  if (child.status !== 0) throw new Error(`${args.join(" ")} failed (${child.status}): ${child.stderr.slice(0, 2000)}`);
  if (rssFile) return { ms: wall, warm: [], maxRssMB: Number(readFileSync(rssFile, "utf8")) };
  const line = child.stdout.trim().split("\n").pop()!;
  const r = JSON.parse(line) as { ms: number[]; maxRssMB: number; length: number };
  return { ms: r.ms[0]!, warm: r.ms.slice(1), maxRssMB: r.maxRssMB, length: r.length };
}

export function compileScaling(options: ScalingOptions): ScalingResult[] {
  const { outDir, root, timeoutMs } = options;
  mkdirSync(outDir, { recursive: true });
  const results: ScalingResult[] = [];
  const timedOut = new Set<Mode>();
  const last = new Map<Mode, ScalingResult>();
  for (const ops of options.sizes) {
    const program = generateProgram({ ops, seed: SEED + ops, name: `scale${ops}` });
    const input = join(outDir, `scale${ops}.ts`);
    writeFileSync(input, program.source);
    const inputLines = program.source.split("\n").length;
    for (const mode of ["compileSync", "compile", "cli"] as Mode[]) {
      const row: ScalingResult = { ops: program.ops, inputLines, mode };
      results.push(row);
      const previous = last.get(mode);
      if (timedOut.has(mode)) row.skipped = "not run: timed out on a smaller size";
      else if (previous?.ms !== undefined && (previous.ms * ops) / previous.ops > timeoutMs)
        row.skipped = `not run: ${(previous.ms / 1000).toFixed(1)} s at ${previous.ops} operations predicts more than the ${timeoutMs / 1000} s limit`;
      if (row.skipped) {
        options.log(`  ${mode} ${ops}: ${row.skipped}`);
        continue;
      }
      last.set(mode, row);
      const runs: Run[] = [];
      const processes = mode === "compileSync" ? options.processes(ops) : 1;
      for (let p = 0; p < processes; p++) {
        const rssFile = join(outDir, "cli-rss.txt");
        rmSync(rssFile, { force: true });
        const r =
          mode === "cli"
            ? runChild(
                [
                  "--import",
                  join(here, "rss-preload.mjs"),
                  join(root, "dist/cli/adgen.js"),
                  input,
                  "-o",
                  join(outDir, `scale${ops}.grad.ts`),
                ],
                timeoutMs,
                root,
                rssFile,
              )
            : runChild(
                [
                  join(here, "compile-child.mjs"),
                  input,
                  mode === "compile" ? "format" : "sync",
                  String(mode === "compile" ? 1 : options.calls(ops)),
                ],
                timeoutMs,
                root,
              );
        if (r === "timeout") {
          row.timedOutAfterMs = timeoutMs;
          timedOut.add(mode);
          break;
        }
        runs.push(r);
      }
      if (runs.length > 0 && !row.timedOutAfterMs) {
        row.samples = runs.map((r) => r.ms);
        row.ms = median(row.samples);
        const warm = runs.flatMap((r) => r.warm);
        if (warm.length > 0) row.warmMs = median(warm);
        row.maxRssMB = Math.max(...runs.map((r) => r.maxRssMB));
        row.outputChars = runs[0]!.length;
      }
      options.log(
        `  ${mode.padEnd(11)} ${String(program.ops).padStart(6)} ops: ` +
          (row.timedOutAfterMs
            ? `> ${timeoutMs / 1000} s (killed)`
            : `${row.ms!.toFixed(0)} ms${row.warmMs !== undefined ? ` (warm ${row.warmMs.toFixed(0)} ms)` : ""}, peak ${row.maxRssMB!.toFixed(0)} MB`),
      );
    }
  }
  return results;
}
