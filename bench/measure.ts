/**
 * Timing. Each variant runs in its own loop, compiled for it with `new Function` so that the
 * JIT's type feedback for one variant never mixes with another's (as benchmark.js does). The
 * loop walks a pool of pre-generated inputs, so no two consecutive calls see the same input,
 * and adds the value and every gradient entry to a sum that is returned and printed: the JIT
 * cannot drop any of the work, the backward pass included.
 *
 * Method: calibrate a call count that fills `repMs`, warm up (see `warmUp`: until every variant
 * is warm, at least `warmMs`, at most `warmMaxMs`), then take `reps` timed repetitions; the
 * result is the median time per call. Variants that are compared with each other (primal, adgen,
 * hand-written, forward mode, HVP) are warmed and timed round-robin, one repetition each in
 * turn, so that drift in the machine's speed hits them alike.
 */
import type { GradResult } from "./cases/types.js";
import { rng, uniform } from "./rng.js";

/** Runs `count` calls and returns the sum of everything they produced. */
export type Runner = (count: number) => number;

export interface TimingOptions {
  /** The warm-up lasts at least this long, ms. */
  warmMs: number;
  /** ... and at most this long, ms, whether every variant is warm by then or not (default `warmMs`: a fixed warm-up). */
  warmMaxMs?: number;
  /** Calls of each variant before it may count as warm (default 0; see `warmUp`). */
  warmCalls?: number;
  repMs: number;
  reps: number;
  /** The clock, in ms (default `performance.now`: wall time; bench/large.ts passes CPU time). */
  clock?: () => number;
  /** Called between the warm-up and the timed repetitions. */
  onWarm?: () => void;
}

/** How one variant's warm-up went. */
export interface Warmup {
  /** Time from the start of the case's warm-up until this variant was warm (or until the cap), ms. */
  ms: number;
  /** Its calls during the warm-up. */
  calls: number;
  /** Whether it was warm before the cap (`warmMaxMs`). */
  warm: boolean;
  /** How many of its functions V8 had optimised at the end of the warm-up, where it was asked. */
  optimised?: number;
}

export interface Timing {
  /** Median nanoseconds per call. */
  ns: number;
  /** Nanoseconds per call of every repetition. */
  samples: number[];
  /** Calls per repetition. */
  calls: number;
  warmup: Warmup;
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
function calibrate(run: Runner, repMs: number, clock: () => number): number {
  let count = 1;
  for (;;) {
    const t0 = clock();
    sink += run(count);
    const ms = clock() - t0;
    if (ms >= repMs / 8 || count >= 1 << 30) return Math.max(1, Math.round((count * repMs) / Math.max(ms, 1e-3)));
    count *= 4;
  }
}

/**
 * When a variant's time per call has stopped falling: the best of its latest repetitions (those
 * of the last `fraction` of the warm-up so far, and at least `reps` of them) is at most `gain`
 * better than the best of the repetitions before them. The window grows with the warm-up, so
 * that a slow, steady fall (TurboFan compiling hundreds of parts one after another in the
 * background) is not mistaken for a plateau.
 */
export const SETTLE = { gain: 0.03, reps: 5, fraction: 0.25 };

/** A warm-up repetition: when it ended (ms from the start of the warm-up) and its ns per call. */
export interface WarmSample {
  at: number;
  ns: number;
}

/** Whether `samples`, the repetitions so far (oldest first), show a time per call that has settled at `now`. */
export function hasSettled(samples: readonly WarmSample[], now: number): boolean {
  let first = samples.findIndex((s) => s.at > now * (1 - SETTLE.fraction));
  if (first < 0) first = samples.length;
  first = Math.min(first, samples.length - SETTLE.reps);
  if (first < 1) return false;
  let before = Infinity;
  let latest = Infinity;
  samples.forEach((s, i) => {
    if (i < first) before = Math.min(before, s.ns);
    else latest = Math.min(latest, s.ns);
  });
  return latest >= (1 - SETTLE.gain) * before;
}

/** How many of a variant's functions V8 has optimised (bench/run.ts asks `%GetOptimizationStatus`). */
export type Probe = () => number;

/**
 * The warm-up, the same rule for every variant: round-robin repetitions of about `repMs` each,
 * until every variant is warm, which it is once (1) the warm-up has lasted `warmMs`, (2) it has
 * been called `warmCalls` times, (3) where `optimised` has a probe for it, the number of its
 * functions V8 has optimised has not changed in the second half of the warm-up, and (4) its
 * time per call has settled (`hasSettled`); or until `warmMaxMs` has passed. A variant that is warm is called once per round from then on, which
 * keeps it hot at little cost while the others warm up.
 *
 * Why a number of calls and not only a settled time: V8 optimises a function after it has
 * spent its interrupt budget (`--interrupt-budget`, 66 KB of bytecode executed) `3 + bytecode
 * size / 150` times (`--ticks-before-optimization`, `--bytecode-size-allowance-per-tick`), so a
 * straight-line function of B bytes of bytecode, which spends about B per call, is queued for
 * TurboFan after about 450 + 200,000 / B calls, however large it is. Until then its time is flat
 * in the baseline tier: at 18 ms per call (random-100k's f_grad), a plateau of ten seconds that
 * no time rule can tell from the end. Code with loops is optimised long before (each iteration
 * spends budget), and the floor then costs only time, bounded by `warmMaxMs`.
 *
 * Why the probe: V8 compiles at most 8 functions in the background at a time
 * (`--concurrent-recompilation-queue-length`); a function that becomes hot while the queue is
 * full is turned away and must spend its budget all over again. A split gradient's parts all
 * become hot together, so they are optimised in waves of about 8, some hundreds of calls apart
 * (random-10k's 36 functions: from the 760th call to the 4,500th on a loaded machine), and
 * between two waves the time per call is flat, or even lower than during the next one, whose
 * compilation takes the CPU from the calls: a plateau no time rule can tell from the end either.
 */
export function warmUp(
  runners: Runner[],
  initialCounts: number[],
  options: TimingOptions,
  optimised: (Probe | undefined)[] = [],
): Warmup[] {
  const clock = options.clock ?? (() => performance.now());
  const start = clock();
  const maxMs = Math.max(options.warmMs, options.warmMaxMs ?? options.warmMs);
  const state = runners.map(() => ({
    samples: [] as WarmSample[],
    calls: 0,
    warmAt: undefined as number | undefined,
    optimised: -1,
    changedAt: 0,
  }));
  const counts = [...initialCounts];
  for (;;) {
    runners.forEach((run, i) => {
      const s = state[i]!;
      const warm = s.warmAt !== undefined;
      const count = warm ? 1 : counts[i]!;
      const t0 = clock();
      sink += run(count);
      const t1 = clock();
      s.calls += count;
      if (warm) return;
      s.samples.push({ at: t1 - start, ns: ((t1 - t0) * 1e6) / count });
      // Repetitions of about `repMs` as the code gets faster (or slower), growing at most 4 times a round.
      counts[i] = Math.max(1, Math.min(4 * count, Math.round((count * options.repMs) / Math.max(t1 - t0, 1e-3))));
    });
    const now = clock() - start;
    state.forEach((s, i) => {
      const count = optimised[i]?.();
      if (count !== undefined && count !== s.optimised) [s.optimised, s.changedAt] = [count, now];
      if (
        s.warmAt === undefined &&
        now >= options.warmMs &&
        s.calls >= (options.warmCalls ?? 0) &&
        s.changedAt <= now / 2 &&
        hasSettled(s.samples, now)
      )
        s.warmAt = now;
    });
    if (state.every((s) => s.warmAt !== undefined) || now >= maxMs)
      return state.map((s) => ({
        ms: s.warmAt ?? now,
        calls: s.calls,
        warm: s.warmAt !== undefined,
        ...(s.optimised >= 0 ? { optimised: s.optimised } : {}),
      }));
  }
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Times several runners round-robin (see the module comment). */
export function timeTogether(
  runners: Runner[],
  options: TimingOptions,
  optimised: (Probe | undefined)[] = [],
): Timing[] {
  const clock = options.clock ?? (() => performance.now());
  const counts = runners.map((run) => calibrate(run, options.repMs, clock));
  const warmups = warmUp(runners, counts, options, optimised);
  options.onWarm?.();
  // Calibrate again once the code is optimised: the first guess was made on cold code.
  const warmCounts = runners.map((run) => calibrate(run, options.repMs, clock));
  const samples: number[][] = runners.map(() => []);
  for (let r = 0; r < options.reps; r++) {
    runners.forEach((run, i) => {
      const count = warmCounts[i]!;
      const t0 = clock();
      sink += run(count);
      samples[i]!.push(((clock() - t0) * 1e6) / count);
    });
  }
  return samples.map((s, i) => ({ ns: median(s), samples: s, calls: warmCounts[i]!, warmup: warmups[i]! }));
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

/**
 * A direction for f_jvp and f_hvp, keyed and shaped like the gradient `sample` (a number per
 * number parameter, an array of the same kind and length per array parameter).
 */
export function directionLike(sample: GradResult): Record<string, number | number[] | Float64Array> {
  const random = rng(777);
  const entry = () => uniform(random, -1, 1);
  // Built at once (Object.fromEntries), as a user's literal is: an object that grows one keyed
  // store at a time past about 20 properties becomes a dictionary in V8, and each tangent read
  // from it a hash lookup (mlp's 33: about 900 ns per call, three times f itself).
  return Object.fromEntries(
    Object.entries(sample.grad).map(([key, g]) => [
      key,
      typeof g === "number" ? entry() : g instanceof Float64Array ? g.map(entry) : Array.from(g, entry),
    ]),
  );
}
