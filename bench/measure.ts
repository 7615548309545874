/**
 * Timing. Each variant runs in its own loop, compiled for it with `new Function` so that the
 * JIT's type feedback for one variant never mixes with another's (as benchmark.js does). The
 * loop walks a pool of pre-generated inputs, so no two consecutive calls see the same input,
 * and adds the value and every gradient entry to a sum that is returned and printed: the JIT
 * cannot drop any of the work, the backward pass included.
 *
 * Method: calibrate a call count that fills `repMs`, warm up for `warmMs`, then take `reps`
 * timed repetitions; the result is the median time per call. Variants that are compared
 * with each other (primal, adgen, hand-written) are timed round-robin, one repetition each in
 * turn, so that drift in the machine's speed hits them alike.
 */
import type { GradResult } from "./cases/types.js";

/** Runs `count` calls and returns the sum of everything they produced. */
export type Runner = (count: number) => number;

export interface TimingOptions {
  warmMs: number;
  repMs: number;
  reps: number;
}

export interface Timing {
  /** Median nanoseconds per call. */
  ns: number;
  /** Nanoseconds per call of every repetition. */
  samples: number[];
  /** Calls per repetition. */
  calls: number;
}

let sink = 0;
/** Everything every loop produced: printed at the end, so no result is dead. */
export const consumed = () => sink;

/** Code that adds a `GradResult` held in `r` to `s`, reading every entry of its gradient. */
function readerCode(sample: GradResult): string {
  const lines = ["s += r.value;"];
  const result = sample as unknown as Record<string, unknown>;
  // f_jvp's directional derivative (a number for the scalar cases).
  if (typeof result.tangent === "number") lines.push("s += r.tangent;");
  // f_grad's gradient, and f_hvp's too, with its Hessian-vector product.
  for (const record of ["grad", "hvp"]) {
    const entries = result[record] as GradResult["grad"] | undefined;
    if (!entries) continue;
    lines.push(`{ const g = r.${record};`);
    for (const [key, value] of Object.entries(entries)) {
      const field = `g[${JSON.stringify(key)}]`;
      if (typeof value === "number") lines.push(`s += ${field};`);
      else lines.push(`{ const v = ${field}; for (let j = 0; j < v.length; j++) s += v[j]; }`);
    }
    lines.push("}");
  }
  return lines.join("\n    ");
}

/**
 * A loop that calls `fn` with each argument list of `pool` in turn (`pool.length` a power of
 * two). `sample` is one result of `fn`: a number (a primal), or a GradResult (or f_jvp's
 * `{ value, tangent }`, f_hvp's `{ value, grad, hvp }`) whose every entry the loop reads.
 */
export function directRunner(
  fn: (...args: never[]) => unknown,
  pool: unknown[][],
  sample: number | GradResult,
  /**
   * Arguments passed after each list of the pool, the same in every call (f_jvp's and f_hvp's
   * direction). Apart from the pool, so that the pool is the one f is timed on: a pool whose
   * lists also held the direction object would hold its numbers boxed, and the loop would pay
   * for reading them (about 5 ns a call on the pendulum) where f's does not.
   */
  extra: unknown[] = [],
): Runner {
  const arity = pool[0]!.length;
  const args = [...Array.from({ length: arity }, (_, i) => `a[${i}]`), ...extra.map((_, i) => `extra[${i}]`)];
  const call = `fn(${args.join(", ")})`;
  const body = typeof sample === "number" ? `s += ${call};` : `const r = ${call};\n    ${readerCode(sample)}`;
  const source = `
  return function loop(count) {
    let s = 0;
    const mask = pool.length - 1;
    for (let i = 0; i < count; i++) {
      const a = pool[i & mask];
      ${body}
    }
    return s;
  };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function("fn", "pool", "extra", source)(fn, pool, extra) as Runner;
}

/** A loop over a peer that already returns the sum of its value and gradient entries. */
export function peerRunner(peer: (args: unknown[]) => number, pool: unknown[][]): Runner {
  const mask = pool.length - 1;
  return (count) => {
    let s = 0;
    for (let i = 0; i < count; i++) s += peer(pool[i & mask]!);
    return s;
  };
}

/** Calls per repetition so that one takes about `repMs`; at least one. */
function calibrate(run: Runner, repMs: number): number {
  let count = 1;
  for (;;) {
    const t0 = performance.now();
    sink += run(count);
    const ms = performance.now() - t0;
    if (ms >= repMs / 8 || count >= 1 << 30) return Math.max(1, Math.round((count * repMs) / Math.max(ms, 1e-3)));
    count *= 4;
  }
}

function warm(run: Runner, count: number, warmMs: number): void {
  const until = performance.now() + warmMs;
  do sink += run(count);
  while (performance.now() < until);
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Times several runners round-robin (see the module comment). */
export function timeTogether(runners: Runner[], options: TimingOptions): Timing[] {
  const counts = runners.map((run) => calibrate(run, options.repMs));
  runners.forEach((run, i) => warm(run, counts[i]!, options.warmMs));
  // Calibrate again once the code is optimised: the first guess was made on cold code.
  const warmCounts = runners.map((run) => calibrate(run, options.repMs));
  const samples: number[][] = runners.map(() => []);
  for (let r = 0; r < options.reps; r++) {
    runners.forEach((run, i) => {
      const count = warmCounts[i]!;
      const t0 = performance.now();
      sink += run(count);
      samples[i]!.push(((performance.now() - t0) * 1e6) / count);
    });
  }
  return samples.map((s, i) => ({ ns: median(s), samples: s, calls: warmCounts[i]! }));
}

/** Times one runner. */
export function time(run: Runner, options: TimingOptions): Timing {
  return timeTogether([run], options)[0]!;
}

/**
 * Bytes allocated per call of `fn`, measured: the median growth of `heapUsed` over chunks of
 * calls whose results are kept alive (stored in a ring), so that escape analysis cannot remove
 * the result object and what is counted is everything a call allocates. Chunks during which a
 * garbage collection ran show a drop and fall out of the median.
 */
export function bytesPerCall(fn: (...args: never[]) => unknown, pool: unknown[][], nsPerCall: number): number {
  // About a second in all, whatever a call costs.
  const chunks = Math.max(5, Math.min(31, Math.floor(2e8 / nsPerCall)));
  const arity = pool[0]!.length;
  const args = Array.from({ length: arity }, (_, i) => `a[${i}]`).join(", ");
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const run = new Function(
    "fn",
    "pool",
    "keep",
    `return function loop(count) {
      const mask = pool.length - 1;
      for (let i = 0; i < count; i++) {
        const a = pool[i & mask];
        keep[i & 15] = fn(${args});
      }
      return keep.length;
    };`,
  )(fn, pool, new Array<unknown>(16).fill(null)) as Runner;
  const growth = (count: number) => {
    const deltas: number[] = [];
    for (let i = 0; i < chunks; i++) {
      const before = process.memoryUsage().heapUsed;
      run(count);
      deltas.push(process.memoryUsage().heapUsed - before);
    }
    return median(deltas);
  };
  const small = nsPerCall > 1e6 ? 1 : 16;
  const until = performance.now() + 200;
  do run(small);
  while (performance.now() < until);
  // What measuring itself allocates (process.memoryUsage's result), subtracted.
  const overhead = growth(0);
  // Chunks of about 64 KB, far below the young generation's size, so most see no collection.
  const estimate = Math.max(1, (growth(small) - overhead) / small);
  const calls = Math.max(small, Math.min(Math.floor(65536 / estimate), 4096, Math.floor(1e8 / nsPerCall)));
  return Math.max(0, (growth(calls) - overhead) / calls);
}
