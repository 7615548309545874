/**
 * Records in the runtime `grad(f)`: a plain-object argument is typed by its shape (numbers,
 * arrays, nested plain objects), compiled for that shape once, and its gradient is a record of
 * the same shape, checked here against finite differences. An array of plain objects is an array
 * of records, and a class instance is the record of its own fields (its gradient a plain record).
 */
import { describe, expect, it } from "vitest";
import { grad, GradError } from "../src/index.js";
import { close, finiteDifference } from "./support/numeric.js";
import { at, copy, leafPaths, withLeaf, type Value } from "./support/points.js";

interface Arm {
  base: { x: number; y: number };
  lengths: number[];
  angles: Float64Array;
}

/** The end of a planar arm: segments of the given lengths, each turned by its angle. */
function reach(arm: Arm, tx: number, ty: number): number {
  let x = arm.base.x;
  let y = arm.base.y;
  let a = 0;
  for (let i = 0; i < arm.lengths.length; i++) {
    a += arm.angles[i]!;
    x += arm.lengths[i]! * Math.cos(a);
    y += arm.lengths[i]! * Math.sin(a);
  }
  return (x - tx) ** 2 + (y - ty) ** 2;
}

function agrees(f: (...xs: never[]) => number, xs: Value[]): void {
  const g = grad(f as (...xs: Value[]) => number) as unknown as (...xs: Value[]) => {
    value: number;
    grad: Record<string, Value>;
  };
  const { value, grad: gr } = g(...xs.map(copy));
  const run = f as unknown as (...xs: Value[]) => number;
  expect(value).toBe(run(...xs.map(copy)));
  const names = Object.keys(gr);
  xs.forEach((x, i) => {
    for (const path of leafPaths(x)) {
      const fd = finiteDifference(
        (ys) => run(...xs.map((v, j) => (j === i ? withLeaf(v, path, ys[0]!) : copy(v)))),
        [at(x, path) as number],
        0,
      );
      const ad = at(gr[names[i]!]!, path) as number;
      expect(close(ad, fd), `∂/∂${names[i]}.${path.join(".")}: adgen ${ad}, fd ${fd}`).toBe(true);
    }
  });
}

describe("runtime grad(f) with records", () => {
  const arm = (): Arm => ({
    base: { x: 0.2, y: -0.1 },
    lengths: [1, 0.7, 0.4],
    angles: Float64Array.from([0.3, -0.5, 0.9]),
  });

  it("differentiates a nested record with array fields; the gradient has the argument's shape", () => {
    agrees(reach, [arm() as unknown as Value, 0.5, 1.2]);
    const r = grad(reach)(arm(), 0.5, 1.2);
    expect(Object.keys(r.grad.arm as object)).toEqual(["base", "lengths", "angles"]);
    expect((r.grad.arm as Arm).angles).toBeInstanceOf(Float64Array);
    expect(Array.isArray((r.grad.arm as Arm).lengths)).toBe(true);
  });

  it("types each shape of argument by itself: its gradient has that shape", () => {
    const norm = (p: { x: number; y: number; z?: number }) => Math.sqrt(p.x * p.x + p.y * p.y);
    const g = grad(norm) as (...xs: unknown[]) => { value: number; grad: Record<string, unknown> };
    const gradOf = (p: object) => g(p).grad.p as Record<string, number>;
    expect(Object.keys(gradOf({ x: 3, y: 4 }))).toEqual(["x", "y"]);
    expect(gradOf({ x: 0, y: 2 })).toEqual({ x: 0, y: 1 });
    // A field f does not read still gets its (zero) gradient: the record's shape is the argument's.
    const withZ = gradOf({ x: 3, y: 4, z: 12 });
    expect(Object.keys(withZ)).toEqual(["x", "y", "z"]);
    expect(withZ.z).toBe(0);
    expect(withZ.x).toBeCloseTo(0.6, 15);
    agrees(norm, [{ x: 1.5, y: -0.5 }]);
  });

  it("writes to a record argument's fields inside f, and helpers of records are f's own text", () => {
    const spring = (b: { x: number; v: number }, k: number) => {
      for (let i = 0; i < 10; i++) {
        b.v -= k * b.x * 0.1;
        b.x += b.v * 0.1;
      }
      return b.x * b.x + b.v * b.v;
    };
    agrees(spring, [{ x: 0.8, v: -0.2 }, 2.5]);
  });

  it("differentiates a record whose fields are matrices (number[][]): each W's gradient is a matrix", () => {
    const loss = (net: { hidden: { W: number[][]; b: number[] }; out: { w: number[] } }, x: number[]): number => {
      let s = 0;
      for (let i = 0; i < net.hidden.W.length; i++) {
        let z = net.hidden.b[i]!;
        for (let j = 0; j < x.length; j++) z += net.hidden.W[i]![j]! * x[j]!;
        s += net.out.w[i]! * Math.tanh(z);
      }
      return s * s;
    };
    const net = {
      hidden: {
        W: [
          [0.1, 0.2],
          [0.3, -0.4],
          [0.6, 0.1],
        ],
        b: [0.5, -0.1, 0.2],
      },
      out: { w: [1, -2, 0.5] },
    };
    agrees(loss, [net as unknown as Value, [1, 2]]);
  });

  it("differentiates an array of records: the gradient is an array of records of the same length", () => {
    const spread = (ps: { x: number; y: number; m: number }[], cx: number) => {
      let s = 0;
      for (const p of ps) s += p.m * ((p.x - cx) ** 2 + Math.sin(p.y) * p.y);
      return s + ps.reduce((a, p) => a + p.x * p.y, 0);
    };
    const ps = [
      { x: 0.3, y: -1.1, m: 2 },
      { x: 1.4, y: 0.2, m: 0.5 },
      { x: -0.7, y: 0.9, m: 1.2 },
    ];
    agrees(spread, [ps as unknown as Value, 0.25]);
    const r = grad(spread)(ps, 0.25);
    expect(r.grad.ps).toHaveLength(3);
    expect(Object.keys((r.grad.ps as object[])[1]!)).toEqual(["x", "y", "m"]);
    // Arrays of records inside records, and records in the elements, are typed from the values too.
    const nested = (w: { pts: { p: { x: number }; w: number[] }[] }) => w.pts[0]!.p.x * w.pts[1]!.w[0]!;
    expect(() =>
      grad(nested)({
        pts: [
          { p: { x: 1 }, w: [2] },
          { p: { x: 3 }, w: [4] },
        ],
      }),
    ).toThrow(/ADG20\d\d/);
  });

  it("takes a class instance for the record of its fields: its gradient is a plain record", () => {
    class Body {
      constructor(
        public x: number,
        public v: number,
        public mass: number,
      ) {}
      energy(): number {
        return 0.5 * this.mass * this.v * this.v;
      }
    }
    const fly = (b: Body, dt: number) => {
      let x = b.x;
      let v = b.v;
      for (let i = 0; i < 5; i++) {
        v -= (dt * x) / b.mass;
        x += dt * v;
      }
      return x * x + v * v;
    };
    agrees(fly as (...xs: never[]) => number, [new Body(0.9, -0.3, 1.7) as unknown as Value, 0.1]);
    const g = grad(fly)(new Body(0.9, -0.3, 1.7), 0.1).grad.b as object;
    expect(Object.getPrototypeOf(g)).toBe(Object.prototype);
    expect(Object.keys(g)).toEqual(["x", "v", "mass"]);
    // An array of instances is an array of records.
    const total = (bs: Body[]) => bs.reduce((s, b) => s + b.mass * b.v * b.v, 0);
    agrees(total as (...xs: never[]) => number, [[new Body(1, 2, 3), new Body(-1, 0.5, 2)] as unknown as Value]);
    // Its methods are not f's text: the failure says so, and names the bundler plugin.
    const kinetic = (b: Body) => b.energy();
    expect(() => grad(kinetic)(new Body(1, 2, 3))).toThrow(/'b' is a record[^]*'b' \(Body\)[^]*bundler plugin/);
  });

  it("refuses built-in objects, arrays of mixed records and fields that are not numbers", () => {
    const f = (p: { x: number; y: number }) => p.x * p.y;
    const call = (...xs: unknown[]) => (grad(f) as (...ys: unknown[]) => unknown)(...xs);
    expect(() => call(new Map())).toThrow(GradError);
    expect(() => call(new Map())).toThrow(/argument 'p' is a Map; adgen differentiates numbers/);
    expect(() => call({ x: 1, y: "2" })).toThrow(/'p.y' is a string/);
    expect(() => call({ x: 1, y: [{ a: 1 }, 2] })).toThrow(/'p.y\[1\]' is a number, where 'p.y\[0\]' is a record/);
    expect(() => call({ x: 1, y: [{ a: 1 }, { b: 1 }] })).toThrow(
      /'p.y\[1\]' is \{ b: number \} where 'p.y\[0\]' is \{ a: number \}; the elements of an array of records must all have the same fields/,
    );
    expect(() => call({})).toThrow(/argument 'p' is an object without fields/);
  });
});
