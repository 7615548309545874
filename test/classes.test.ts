/**
 * Classes, adversarially: aliasing of instances, methods writing `this` in loops and branches,
 * objects stored into others by constructors and methods, `this` returned. Each program either
 * compiles to a gradient that agrees with finite differences of the program itself (run with its
 * real classes), or is refused with the diagnostic named; never a silently wrong gradient.
 */
import { describe, expect, it } from "vitest";
import { close, finiteDifference } from "./support/numeric.js";
import { at, copy, leafPaths, withLeaf, type Value } from "./support/points.js";
import { diagnostics, evaluate, generated } from "./support/transpiled.js";

const VEC = `
export class Vec2 {
  constructor(public x: number, public y: number) {}
  add(o: Vec2): Vec2 { return new Vec2(this.x + o.x, this.y + o.y); }
  scale(k: number): Vec2 { return new Vec2(k * this.x, k * this.y); }
  shift(o: Vec2): this { this.x += o.x; this.y += o.y; return this; }
  stretch(k: number): this { this.x *= k; this.y *= k; return this; }
  norm(): number { return Math.sqrt(this.x * this.x + this.y * this.y); }
  normalize(): void { const n = this.norm(); this.x /= n; this.y /= n; }
  copy(): Vec2 { return new Vec2(this.x, this.y); }
  moveOther(o: Vec2): void { o.x += this.x; o.y += this.y; }
}
`;

/** Checks `f_grad` of `source` against central differences of `f` at `args` (built from the module's exports). */
function agrees(source: string, args: (m: Record<string, unknown>) => Value[]): void {
  const m = evaluate(source);
  const f = m.f as (...xs: Value[]) => number;
  const fGrad = generated(source, "f_grad") as (...xs: Value[]) => { value: number; grad: Record<string, Value> };
  const xs = args(m);
  const { value, grad } = fGrad(...xs.map(copy));
  expect(value).toBe(f(...xs.map(copy)));
  const names = Object.keys(grad);
  xs.forEach((x, i) => {
    for (const path of leafPaths(x)) {
      const fd = finiteDifference(
        (ys) => f(...xs.map((v, j) => (j === i ? withLeaf(v, path, ys[0]!) : copy(v)))),
        [at(x, path) as number],
        0,
      );
      const ad = at(grad[names[i]!]!, path) as number;
      expect(close(ad, fd, 1e-6), `∂/∂${names[i]}${path.map((k) => `.${k}`).join("")}: adgen ${ad}, fd ${fd}`).toBe(
        true,
      );
    }
  });
}

const vec = (m: Record<string, unknown>, x: number, y: number): Value =>
  new (m.Vec2 as new (x: number, y: number) => Value)(x, y);

describe("classes: gradients that agree with finite differences", () => {
  it("methods returning new instances, chained on a parameter", () =>
    agrees(
      `${VEC} export function f(p: Vec2, q: Vec2, k: number): number { return p.add(q).scale(k).norm(); }`,
      (m) => [vec(m, 0.3, -0.7), vec(m, 1.1, 0.4), 1.3],
    ));

  it("a method writing this, called in a loop and chained through 'this' returns", () =>
    agrees(
      `${VEC} export function f(p: Vec2, q: Vec2, k: number): number {
        const s = p.copy();
        for (let i = 0; i < 4; i++) s.shift(q).stretch(k);
        s.normalize();
        return s.x * 3 + s.y + p.x;
      }`,
      (m) => [vec(m, 0.3, -0.7), vec(m, 1.1, 0.4), 0.9],
    ));

  it("a method writing this, called on a parameter in a branch", () => {
    const src = `${VEC} export function f(p: Vec2, q: Vec2): number {
      if (q.x > 0) p.shift(q); else p.stretch(q.y);
      return p.x * p.y;
    }`;
    agrees(src, (m) => [vec(m, 0.3, -0.7), vec(m, 1.1, 0.4)]);
    agrees(src, (m) => [vec(m, 0.3, -0.7), vec(m, -1.1, 0.4)]);
  });

  it("a method writing its record parameter, and a helper writing an instance", () =>
    agrees(
      `${VEC}
      function pull(v: Vec2, k: number): void { v.stretch(k); }
      export function f(p: Vec2, q: Vec2): number {
        const r = q.copy();
        p.moveOther(r);
        pull(r, p.x);
        return r.x + 2 * r.y;
      }`,
      (m) => [vec(m, 0.3, -0.7), vec(m, 1.1, 0.4)],
    ));

  it("nested instances: fields initialised by 'new', mutated through nested receivers", () =>
    agrees(
      `${VEC}
      class Body {
        vel = new Vec2(0, 0);
        constructor(public pos: Vec2, readonly mass: number) {}
        push(fx: number, fy: number, dt: number): void {
          this.vel.shift(new Vec2(fx, fy).scale(dt / this.mass));
          this.pos = this.pos.add(this.vel.scale(dt));
        }
      }
      export function f(x: number, y: number, m: number, fx: number): number {
        const b = new Body(new Vec2(x, y), m);
        for (let i = 0; i < 5; i++) b.push(fx, -1, 0.1);
        return b.pos.x * b.pos.y + b.vel.norm();
      }`,
      () => [0.3, -0.7, 1.4, 0.8],
    ));

  it("an object a constructor keeps is still the caller's when only read", () =>
    agrees(
      `${VEC}
      class Body { constructor(public pos: Vec2) {} }
      export function f(p: Vec2): number {
        const b = new Body(p);
        return b.pos.x * p.y;
      }`,
      (m) => [vec(m, 0.3, -0.7)],
    ));

  it("fields without initializers assigned by the constructor, readonly ones included", () =>
    agrees(
      `class Spring {
        readonly k: number;
        x: number;
        v = 0;
        constructor(k: number, x0: number) { this.k = k; this.x = x0; }
        step(dt: number): void { this.v -= this.k * this.x * dt; this.x += this.v * dt; }
      }
      export function f(k: number, x0: number): number {
        const s = new Spring(k, x0);
        let i = 0;
        while (i < 6) { s.step(0.1); i++; }
        return s.x;
      }`,
      () => [2.5, 0.6],
    ));
});

describe("classes: methods in conditions, callbacks and early returns", () => {
  it("a method in a loop's condition, the body writing the object", () =>
    agrees(
      `${VEC} export function f(p: Vec2, k: number): number {
        const s = p.copy();
        let n = 0;
        while (s.norm() < 5 && n < 50) { s.stretch(k); n++; }
        return s.x - s.y;
      }`,
      (m) => [vec(m, 0.3, -0.7), 1.3],
    ));

  it("a method called in an array callback, and a method with an early return", () =>
    agrees(
      `export class Clamp {
        constructor(public lo: number, public hi: number) {}
        apply(x: number): number {
          if (x < this.lo) return this.lo;
          if (x > this.hi) return this.hi;
          return x;
        }
      }
      export function f(c: Clamp, xs: number[]): number {
        return xs.map((x) => c.apply(x) * x).reduce((a, b) => a + b, 0);
      }`,
      (m) => [new (m.Clamp as new (a: number, b: number) => Value)(-0.5, 0.6), [-1.2, -0.1, 0.3, 0.9]],
    ));
});

describe("classes: refused, never a wrong gradient", () => {
  const refused = (source: string, code: string) => {
    const found = diagnostics(source);
    expect(found.length, found.join("\n")).toBeGreaterThan(0);
    expect(found[0]).toMatch(new RegExp(`^${code}`));
  };

  it("two names for one instance, written through either", () =>
    refused(
      `${VEC} export function f(x: number): number { const p = new Vec2(x, 1); const q = p; q.x = 2 * x; return p.x; }`,
      "ADG3019",
    ));

  it("a name for the object a 'this'-returning method returns, written", () =>
    refused(
      `${VEC} export function f(x: number): number { const p = new Vec2(x, 1); const q = p.stretch(2); q.x = x; return p.x; }`,
      "ADG3019",
    ));

  it("an object a constructor keeps, written afterwards through the caller's name", () =>
    refused(
      `${VEC} class Body { constructor(public pos: Vec2) {} }
      export function f(x: number): number { const p = new Vec2(x, 1); const b = new Body(p); p.x = 5 * x; return b.pos.x; }`,
      "ADG3019",
    ));

  it("an object a method stores into this, written afterwards", () =>
    refused(
      `${VEC} class Holder { v = new Vec2(0, 0); hold(o: Vec2): void { this.v = o; } }
      export function f(x: number): number { const p = new Vec2(x, 1); const h = new Holder(); h.hold(p); p.x = 5 * x; return h.v.x; }`,
      "ADG3019",
    ));

  it("a record a helper stores into another record parameter, written afterwards", () =>
    refused(
      `interface V { x: number; y: number } interface W { r: V; k: number }
      function link(a: V, b: W): void { b.r = a; }
      export function f(x: number): number {
        const p: V = { x, y: 1 }; const w: W = { r: { x: 0, y: 0 }, k: 1 };
        link(p, w); p.x = 5 * x; return w.r.x * x;
      }`,
      "ADG3019",
    ));

  it("a method writing this, given its own object as its argument", () =>
    refused(
      `${VEC} export function f(x: number): number { const p = new Vec2(x, 1); p.shift(p); return p.x; }`,
      "ADG3019",
    ));

  it("a method returning a field of this", () =>
    refused(
      `${VEC} class Body { constructor(public pos: Vec2) {} where(): Vec2 { return this.pos; } }
      export function f(x: number): number { const b = new Body(new Vec2(x, 1)); const w = b.where(); w.x = 2; return b.pos.x; }`,
      "ADG3019",
    ));

  it("a method returning this on one path and another object on another", () =>
    refused(
      `${VEC} class W { constructor(public x: number) {} pick(o: W): W { if (o.x > 0) return this; return o; } }
      export function f(x: number): number { const a = new W(x); return a.pick(new W(1)).x; }`,
      "ADG3020",
    ));

  it("a name that is the other object on one path of a branch only, written after it", () =>
    refused(
      `${VEC} export function f(x: number): number {
        const p = new Vec2(x, 1); let q = p;
        if (x > 10) q = new Vec2(1, 2);
        q.shift(p); return p.x;
      }`,
      "ADG3019",
    ));

  it("a name made the other object late in a loop body that wrote it earlier", () =>
    refused(
      `${VEC} export function f(x: number): number {
        const p = new Vec2(x, 1); let q = new Vec2(0, 0);
        for (let i = 0; i < 3; i++) { q.stretch(x); q = p; }
        return p.x;
      }`,
      "ADG3019",
    ));

  it("'this' outside a method", () => refused(`export function f(x: number): number { return this * x; }`, "ADG2009"));
});
