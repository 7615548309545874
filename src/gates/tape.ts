/**
 * The tapes generated code uses to reverse loops: the forward loop pushes the values an
 * iteration's backward needs, the reversed loop pops them. `Tape` holds numbers, `Decisions`
 * (`Tape.decisions()`) the branch decisions, a byte each. Both are stacks on src/gates/segments.ts:
 * a typed array that doubles up to a segment's length, then chained segments, so a tape grows as far
 * as memory allows. Tapes are pooled, so a gradient called repeatedly allocates no tape after the
 * first calls; a released tape keeps its segments for the next call (the memory of the longest
 * tape so far, as the doubling array before it kept its largest buffer).
 */
import { FIRST, SEGMENT, Segments } from "./segments.js";

export class Tape {
  private static readonly pool: Tape[] = [];
  private readonly segments: Segments<Float64Array>;
  private buffer: Float64Array;
  private top = 0;

  /** A tape whose arrays hold at most `segment` values (tests give a small one). */
  constructor(segment = SEGMENT) {
    this.segments = new Segments(segment, (length) => new Float64Array(length));
    this.buffer = new Float64Array(Math.min(FIRST, segment));
  }

  /** A tape from the pool (empty), or a new one. */
  static acquire(): Tape {
    return Tape.pool.pop() ?? new Tape();
  }

  /** A tape of decisions from its pool (empty), or a new one. */
  static decisions(): Decisions {
    return Decisions.acquire();
  }

  /** Returns this tape to the pool; it must not be used afterwards. */
  release(): void {
    this.buffer = this.segments.bottom(this.buffer);
    this.top = 0;
    Tape.pool.push(this);
  }

  push(value: number): void {
    if (this.top === this.buffer.length) this.up();
    this.buffer[this.top++] = value;
  }

  pop(): number {
    if (this.top === 0) this.down();
    return this.buffer[--this.top]!;
  }

  /** How many values the tape holds. */
  get length(): number {
    return this.segments.depth * this.segments.segment + this.top;
  }

  /** The current array is full: a bigger one (values copied), or a new segment on top. */
  private up(): void {
    const copied = this.buffer.length < this.segments.segment;
    this.buffer = this.segments.grow(this.buffer);
    if (!copied) this.top = 0;
  }

  /** The current segment is empty: back to the one under it. */
  private down(): void {
    this.buffer = this.segments.shrink(this.buffer);
    this.top = this.buffer.length;
  }
}

/** Branch decisions, a byte each: `Tape.decisions()` gives one, the same stack as a Tape. */
export class Decisions {
  private static readonly pool: Decisions[] = [];
  private readonly segments: Segments<Uint8Array>;
  private buffer: Uint8Array;
  private top = 0;

  /** A stack whose arrays hold at most `segment` decisions (tests give a small one). */
  constructor(segment = SEGMENT) {
    this.segments = new Segments(segment, (length) => new Uint8Array(length));
    this.buffer = new Uint8Array(Math.min(FIRST, segment));
  }

  /** A stack from the pool (empty), or a new one. */
  static acquire(): Decisions {
    return Decisions.pool.pop() ?? new Decisions();
  }

  /** Returns this stack to the pool; it must not be used afterwards. */
  release(): void {
    this.buffer = this.segments.bottom(this.buffer);
    this.top = 0;
    Decisions.pool.push(this);
  }

  push(decision: boolean): void {
    if (this.top === this.buffer.length) this.up();
    this.buffer[this.top++] = decision ? 1 : 0;
  }

  pop(): boolean {
    if (this.top === 0) this.down();
    return this.buffer[--this.top] !== 0;
  }

  /** How many decisions the stack holds. */
  get length(): number {
    return this.segments.depth * this.segments.segment + this.top;
  }

  private up(): void {
    const copied = this.buffer.length < this.segments.segment;
    this.buffer = this.segments.grow(this.buffer);
    if (!copied) this.top = 0;
  }

  private down(): void {
    this.buffer = this.segments.shrink(this.buffer);
    this.top = this.buffer.length;
  }
}
