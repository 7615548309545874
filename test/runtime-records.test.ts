/**
 * Records in the runtime `grad(f)`: a plain-object argument is typed by its shape (numbers,
 * arrays, nested plain objects), compiled for that shape once, and its gradient is a record of
 * the same shape, checked here against finite differences. Class instances are refused.
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

  it("refuses class instances, arrays of objects and fields that are not numbers", () => {
    class Vec {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    const f = (p: { x: number; y: number }) => p.x * p.y;
    const call = (...xs: unknown[]) => (grad(f) as (...ys: unknown[]) => unknown)(...xs);
    expect(() => call(new Vec(1, 2))).toThrow(GradError);
    expect(() => call(new Vec(1, 2))).toThrow(/argument 'p' is a Vec \(an instance of Vec[^]*bundler plugin/);
    expect(() => call({ x: 1, y: "2" })).toThrow(/'p.y' is a string/);
    expect(() => call({ x: 1, y: [{ a: 1 }] })).toThrow(/'p.y\[0\]' is a Object/);
    expect(() => call({})).toThrow(/argument 'p' is an object without fields/);
  });
});
