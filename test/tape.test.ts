/**
 * The tapes generated code reverses loops with (src/gates/tape.ts on src/gates/segments.ts): a
 * typed array that doubles up to a segment's length, then chained segments. With segments of a few
 * values, every push and pop below crosses a boundary often; a Tape or Decisions must give back
 * exactly what a plain array used as a stack gives, in any order of pushes and pops, across
 * releases. A tape that loses or reorders a value at a segment's edge fails.
 */
import { describe, expect, it } from "vitest";
import { Decisions, Tape } from "../src/gates/index.js";
import { FIRST, SEGMENT, Segments } from "../src/gates/segments.js";
import { rng } from "./support/numeric.js";

/** Random runs of pushes and pops (never below empty), checked against a plain array as the stack. */
function exercise<T>(stack: { push(v: T): void; pop(): T; length: number }, value: (i: number) => T, steps: number) {
  const random = rng(7);
  const reference: T[] = [];
  for (let step = 0; step < steps; step++) {
    const run = 1 + Math.floor(random() * 40);
    if (random() < 0.55)
      for (let k = 0; k < run; k++) {
        const v = value(reference.length * 31 + step);
        stack.push(v);
        reference.push(v);
      }
    else
      for (let k = 0; k < run && reference.length > 0; k++)
        if (stack.pop() !== reference.pop()) expect.fail(`step ${step}: a value popped out of order`);
    if (stack.length !== reference.length) expect.fail(`step ${step}: ${stack.length} values, not ${reference.length}`);
  }
  while (reference.length > 0) expect(stack.pop()).toBe(reference.pop());
  expect(stack.length).toBe(0);
}

describe("Tape", () => {
  for (const segment of [1, 2, 3, 8, 1000])
    it(`gives back what was pushed, in reverse, with segments of ${segment}`, () => {
      exercise(new Tape(segment), (i) => i + 0.5, 2000);
    });

  it("pops from an empty tape with an error, not a value", () => {
    const tape = new Tape(4);
    expect(() => tape.pop()).toThrow(/empty/);
    tape.push(1);
    expect(tape.pop()).toBe(1);
    expect(() => tape.pop()).toThrow(/empty/);
  });

  it("holds more values than one segment's length at the default size, and is reused whole after release", () => {
    const n = 3 * SEGMENT + 12345;
    const tape = Tape.acquire();
    for (let i = 0; i < n; i++) tape.push(i);
    expect(tape.length).toBe(n);
    for (let i = n - 1; i >= n - 100; i--) expect(tape.pop()).toBe(i);
    // Released part-way (as when a caller stops early): the next user starts empty.
    tape.release();
    const again = Tape.acquire();
    expect(again).toBe(tape);
    expect(again.length).toBe(0);
    for (let i = 0; i < n; i++) again.push(-i);
    let wrong = 0;
    for (let i = n - 1; i >= 0; i--) if (again.pop() !== -i) wrong++;
    expect(wrong).toBe(0);
    again.release();
  });
});

describe("Decisions", () => {
  for (const segment of [1, 2, 5, 1000])
    it(`gives back the decisions pushed, in reverse, with segments of ${segment}`, () => {
      exercise(new Decisions(segment), (i) => (i * 2654435761) % 7 < 3, 2000);
    });

  it("is what Tape.decisions() gives, pooled", () => {
    const d = Tape.decisions();
    d.push(true);
    d.push(false);
    expect(d.pop()).toBe(false);
    expect(d.pop()).toBe(true);
    d.release();
    expect(Tape.decisions()).toBe(d);
  });
});

describe("Segments", () => {
  it("doubles up to a segment's length, copying, then chains segments without copying", () => {
    let made = 0;
    const segments = new Segments(8, (n) => (made++, new Float64Array(n)));
    let a = new Float64Array(2);
    a.set([1, 2]);
    a = segments.grow(a);
    expect([...a]).toEqual([1, 2, 0, 0]);
    a = segments.grow(a);
    expect(a.length).toBe(8);
    expect(segments.depth).toBe(0);
    const full = a;
    a = segments.grow(a);
    expect(a.length).toBe(8);
    expect(segments.depth).toBe(1);
    expect(segments.shrink(a)).toBe(full);
    // The segment popped empty is reused for the next one, not made again.
    const before = made;
    segments.grow(full);
    expect(made).toBe(before);
    expect(() => new Segments(0, (n) => new Float64Array(n))).toThrow(RangeError);
    expect(FIRST).toBeLessThanOrEqual(SEGMENT);
  });
});
