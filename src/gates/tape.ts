/**
 * The tape generated code uses to reverse loops: the forward loop pushes the values an
 * iteration's backward needs, the reversed loop pops them. A Float64Array that doubles when
 * full; tapes are pooled, so a gradient called repeatedly allocates no tape after the first calls.
 */
export class Tape {
  private static readonly pool: Tape[] = [];
  private buffer = new Float64Array(1024);
  private top = 0;

  /** A tape from the pool (empty), or a new one. */
  static acquire(): Tape {
    return Tape.pool.pop() ?? new Tape();
  }

  /** Returns this tape to the pool; it must not be used afterwards. */
  release(): void {
    this.top = 0;
    Tape.pool.push(this);
  }

  push(value: number): void {
    if (this.top === this.buffer.length) {
      const bigger = new Float64Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.top++] = value;
  }

  pop(): number {
    return this.buffer[--this.top]!;
  }
}
