/**
 * The storage behind generated code's stacks (src/gates/tape.ts): a typed array that doubles until
 * it holds `segment` values, then further segments of that length, chained, so that a stack grows
 * as far as memory allows with no array longer than `segment` (V8 refuses arrays past its limits
 * with a fatal error, not an exception) and no huge buffer copied when it fills. Only the rare
 * paths live here (a full or empty segment); push and pop on the current one are the stacks' own.
 */
export interface Segment extends ArrayLike<number> {
  set(values: ArrayLike<number>): void;
}

/** Values per segment: 2^20 (8 MB of a Float64Array). */
export const SEGMENT = 1 << 20;

/** The first array of a stack: this long, or `segment` if that is less. */
export const FIRST = 1024;

export class Segments<T extends Segment> {
  /** Full segments under the current one, the oldest first. */
  private readonly under: T[] = [];
  /** Segments popped empty, kept for the next pushes (a pooled stack allocates once). */
  private readonly spare: T[] = [];

  constructor(
    readonly segment: number,
    private readonly make: (length: number) => T,
  ) {
    if (!Number.isInteger(segment) || segment < 1)
      throw new RangeError(`a segment holds at least one value, not ${segment}`);
  }

  /** The array after `full`: twice as long, its values copied, if `full` is shorter than a segment;
   * else a new (or spare) segment on top, empty. */
  grow(full: T): T {
    if (full.length < this.segment) {
      const bigger = this.make(Math.min(full.length * 2, this.segment));
      bigger.set(full);
      return bigger;
    }
    this.under.push(full);
    return this.spare.pop() ?? this.make(this.segment);
  }

  /** The segment under `empty`, which becomes a spare; throws if `empty` is the bottom one. */
  shrink(empty: T): T {
    const below = this.under.pop();
    if (below === undefined) throw new RangeError("pop from an empty stack");
    this.spare.push(empty);
    return below;
  }

  /** The bottom array, `current` and every segment above the bottom kept as spares. */
  bottom(current: T): T {
    let array = current;
    for (let below = this.under.pop(); below !== undefined; below = this.under.pop()) {
      this.spare.push(array);
      array = below;
    }
    return array;
  }

  /** How many full segments lie under the current array. */
  get depth(): number {
    return this.under.length;
  }
}
