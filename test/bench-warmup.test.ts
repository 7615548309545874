/**
 * The bench's warm-up rule (bench/measure.ts): a variant is warm once its time per call has
 * settled and it has been called often enough for V8 to have optimised straight-line code. Run
 * on simulated functions and a simulated clock, so that the test is exact and takes no time.
 */
import { describe, expect, it } from "vitest";
import { hasSettled, timeTogether, warmUp, type Runner, type WarmSample } from "../bench/measure.js";

/** Samples one per `every` ms from 0 to `until`, of ns per call `ns(t)`. */
const series = (until: number, every: number, ns: (t: number) => number): WarmSample[] =>
  Array.from({ length: Math.floor(until / every) }, (_, i) => ({ at: (i + 1) * every, ns: ns((i + 1) * every) }));

describe("hasSettled", () => {
  it("is true for a flat time once there are repetitions on both sides of the window", () => {
    expect(
      hasSettled(
        series(400, 30, () => 100),
        400,
      ),
    ).toBe(true);
    expect(
      hasSettled(
        series(120, 30, () => 100),
        120,
      ),
    ).toBe(false);
  });

  it("is false while the time falls slowly but steadily, the window growing with the warm-up", () => {
    // 18 ms per call falling to 5 ms over 40 s, as hundreds of parts get optimised in turn: 5.5%
    // in the last quarter of 10 s, 30% in that of 30 s (in that of 2 s, 0.9%: the number of
    // calls the warm-up also waits for covers its start).
    const falling = (t: number) => 18e6 - (13e6 * Math.min(t, 40_000)) / 40_000;
    for (const now of [10_000, 30_000]) expect(hasSettled(series(now, 30, falling), now)).toBe(false);
    expect(hasSettled(series(60_000, 30, falling), 60_000)).toBe(true);
  });

  it("ignores a slower repetition (the machine's noise) but not a faster one", () => {
    const noisy = series(2_000, 30, (t) => (Math.round(t / 30) % 7 === 0 ? 150 : 100));
    expect(hasSettled(noisy, 2_000)).toBe(true);
    const faster = series(2_000, 30, (t) => (t > 1_900 ? 90 : 100));
    expect(hasSettled(faster, 2_000)).toBe(false);
  });
});

/**
 * Simulated variants on a simulated clock: each call advances the clock by its cost, which may
 * depend on how many calls came before (a function optimised after some calls).
 */
function simulate(costs: ((calls: number) => number)[]) {
  let now = 0;
  const made = costs.map(() => 0);
  const runners: Runner[] = costs.map((cost, i) => (count) => {
    for (let k = 0; k < count; k++) now += cost(made[i]!++);
    return 0;
  });
  return { runners, made, clock: () => now };
}

describe("warmUp", () => {
  // A straight-line function as V8 runs it: 18 ms per call in the baseline tier until its 500th
  // call, then 5 ms once TurboFan has optimised it (random-100k's f_grad).
  const tierUp = (calls: number) => (calls < 500 ? 18 : 5);
  const flat = () => 0.1;

  it("waits for the calls after which V8 optimises, where the time alone looks settled long before", () => {
    const early = simulate([flat, tierUp]);
    const byTime = warmUp(early.runners, [300, 2], {
      warmMs: 400,
      warmMaxMs: 120_000,
      repMs: 30,
      reps: 1,
      clock: early.clock,
    });
    expect(byTime.every((w) => w.warm)).toBe(true);
    expect(early.made[1]).toBeLessThan(500);

    const sim = simulate([flat, tierUp]);
    const [f, g] = warmUp(sim.runners, [300, 2], {
      warmMs: 400,
      warmMaxMs: 120_000,
      warmCalls: 1000,
      repMs: 30,
      reps: 1,
      clock: sim.clock,
    });
    expect(f!.warm && g!.warm).toBe(true);
    expect(g!.calls).toBeGreaterThanOrEqual(1000);
    expect(g!.ms).toBeGreaterThan(9_000);
    expect(f!.ms).toBeLessThan(1_000);
    // The variant that is warm is kept hot with one call a round while the other warms up (at
    // 300 calls a round, it would have made tens of thousands).
    expect(f!.calls).toBeLessThan(5_000);
  });

  it("stops at the cap, and says which variants were not warm", () => {
    const sim = simulate([flat, () => 200]);
    const [f, g] = warmUp(sim.runners, [300, 1], {
      warmMs: 400,
      warmMaxMs: 5_000,
      warmCalls: 1000,
      repMs: 30,
      reps: 1,
      clock: sim.clock,
    });
    expect(f!.warm).toBe(true);
    expect(g!.warm).toBe(false);
    expect(g!.ms).toBeGreaterThanOrEqual(5_000);
    expect(g!.ms).toBeLessThan(5_000 + 2 * 200 + 30);
  });

  it("is a fixed warm-up without a cap above it (smoke mode)", () => {
    const sim = simulate([flat, tierUp]);
    timeTogether(sim.runners, { warmMs: 5, repMs: 2, reps: 1, clock: sim.clock });
    expect(sim.clock()).toBeLessThan(200);
  });
});
