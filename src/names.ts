/**
 * Collision-free names for one generated function. User names are kept where free; a
 * reassigned variable gets versions (`x`, `x_1`, `x_2`); temporaries are `t1`, `t2`, ...
 * Every operation is O(1) amortised, so a 100,000-node function names in linear time.
 */
export class NameAllocator {
  private readonly taken = new Set<string>();
  private readonly nextVersion = new Map<string, number>();
  private nextTemp = 1;

  /**
   * `blocked`: names that versions and temporaries must avoid (every identifier in the source).
   */
  constructor(private readonly blocked: ReadonlySet<string> = new Set()) {}

  /** Marks a name as used, as is. */
  reserve(name: string): void {
    this.taken.add(name);
  }

  has(name: string): boolean {
    return this.taken.has(name);
  }

  /** `base` if free, else the next free `base_N`. */
  claim(base: string): string {
    if (!this.taken.has(base)) {
      this.taken.add(base);
      return base;
    }
    let n = this.nextVersion.get(base) ?? 1;
    let name = `${base}_${n}`;
    while (this.taken.has(name) || this.blocked.has(name)) name = `${base}_${++n}`;
    this.nextVersion.set(base, n + 1);
    this.taken.add(name);
    return name;
  }

  /** A fresh temporary, `tN`. */
  temp(): string {
    let name = `t${this.nextTemp++}`;
    while (this.taken.has(name) || this.blocked.has(name)) name = `t${this.nextTemp++}`;
    this.taken.add(name);
    return name;
  }
}
