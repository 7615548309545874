/**
 * The runtime `jvp(f)`, `hvp(f)`, `hessian(f)`, `hessianDiag(f)` and `jacobian(f)`: the same numbers
 * as the compiler's `f_jvp` / `f_hvp` on the fixtures they can see whole (arrays and loops
 * included), derivatives that agree with finite differences and with each other, their errors, and
 * their types.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import { compileSync, grad, GradError, hessian, hessianDiag, hvp, jacobian, jvp, vjp } from "../../src/index.js";
import { dot } from "../../src/gates/index.js";
import { passingFixtures, root, type Fixture } from "../support/fixtures.js";
import { close, finiteDifference, rng } from "../support/numeric.js";
import { copy, paramNames, randomDirection, samplePoint, type Value } from "../support/points.js";
import { refusedForInvisibleNames } from "../support/runtime.js";

const out = join(root, "test", ".generated", "runtime-modes");
mkdirSync(out, { recursive: true });

type Companion = (...xs: Value[]) => Record<string, unknown>;

/** Whether this compiler generates `f_<suffix>` for `mode` (the Hessian and Jacobian modes come with their own branch). */
function generates(mode: string, suffix = mode): boolean {
  const result = compileSync("export function f(x: number, y: number) { return x * x * y; }", {
    modes: [mode] as never,
  });
  return result.functions.some((f) => f.name === `f_${suffix}`);
}

/** Fixtures of numbers and arrays (the runtime refuses records), in the suites with loops and arrays. */
const fixtures = passingFixtures().filter(
  (f) =>
    ["forward/", "loops/", "arrays/", "data/"].some((s) => f.name.startsWith(s)) &&
    !Object.values(f.options.params ?? {}).some((p) => typeof p === "object"),
);

describe("runtime jvp(f) and hvp(f) against the compiler's f_jvp and f_hvp", () => {
  it("give the same numbers on every fixture they can see whole, and refuse the others", async () => {
    const same: string[] = [];
    const refused: string[] = [];
    let companions = 0;
    for (const fixture of fixtures) {
      const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
      const input = (await import(`${join(fixture.dir, "input.ts")}?all-exports`)) as Record<string, unknown>;
      const wrt = fixture.options.wrt ? { wrt: fixture.options.wrt } : {};
      // The functions the fixture differentiates, and whether each returns a number (f_grad) or an array (f_vjp).
      const output = readFileSync(join(fixture.dir, "output.ts"), "utf8");
      const entries = [...output.matchAll(/^export function ([\w$]+)_(grad|vjp)\(/gm)].map((m) => ({
        name: m[1]!,
        scalar: m[2] === "grad",
      }));
      // What each differentiates (not its Data<T> parameters): the fields of f_jvp's tangents.
      let moves: Map<string, string[]> | undefined;
      for (const mode of ["jvp", "hvp"] as const) {
        const result = compileSync(source, { fileName: fixture.input, modes: [mode], ...wrt });
        const file = join(out, `${fixture.name.replace("/", "--")}-${mode}.ts`);
        if (result.diagnostics.length === 0) writeFileSync(file, result.code);
        const built = result.diagnostics.length === 0 ? ((await import(file)) as Record<string, Companion>) : {};
        moves ??= new Map(
          result.functions.map((g) => [
            g.name.replace(/_jvp$/, ""),
            (g.params.at(-1)?.fields ?? []).map((p) => p.name),
          ]),
        );
        // hvp is for functions returning a number (the errors for the others are tested below).
        for (const { name } of entries.filter((g) => mode === "jvp" || g.scalar)) {
          companions++;
          const f = input[name] as (...xs: Value[]) => Value;
          const params = paramNames(f);
          const moved = moves.get(name) ?? params;
          const options =
            fixture.options.wrt || moved.length < params.length ? { wrt: fixture.options.wrt ?? moved } : {};
          const random = rng(0x7e57);
          try {
            const runtime = (mode === "jvp"
              ? jvp(f as never, options)
              : hvp(f as never, options)) as unknown as Companion;
            for (let k = 0; k < 2; k++) {
              const xs = samplePoint(fixture, params, random);
              const t = randomDirection(fixture, params, fixture.options.wrt ?? moved, xs, random) as Value;
              const got = runtime(...xs.map(copy), t);
              const companion = built[`${name}_${mode}`];
              if (!companion)
                throw new Error(`${fixture.name}: the compiler refuses ${mode}(${name}), the runtime does not`);
              expect(got, `${fixture.name} ${mode}(${name})`).toEqual(companion(...xs.map(copy), t));
            }
            same.push(`${fixture.name}#${mode}(${name})`);
          } catch (e) {
            const modeOnly =
              e instanceof GradError && e.diagnostics.length > 0 && e.diagnostics.every((d) => d.code === "ADG4001");
            // Refused where the compiler refuses it, or for names f's text does not show.
            if (modeOnly) expect(result.diagnostics.length, String(e)).toBeGreaterThan(0);
            else
              expect(refusedForInvisibleNames(e, fixture), `${fixture.name} ${mode}(${name}): ${String(e)}`).toBe(true);
            refused.push(`${fixture.name}#${mode}(${name})`);
          }
        }
      }
    }
    console.log(`runtime jvp/hvp: ${same.length} agree exactly; ${refused.length} refused: ${refused.join(", ")}`);
    expect(same).toEqual(
      expect.arrayContaining([
        "forward/neuron#jvp(f)",
        "forward/neuron#hvp(f)",
        "forward/prefix-sums#jvp(prefixSquares)",
        "forward/two-layer#jvp(loss)",
        "forward/vector-valued#jvp(affine)",
        "loops/horner#hvp(horner)",
        "data/linear-fit#hvp(loss)",
      ]),
    );
    expect(same.length + refused.length).toBe(companions);
    expect(same.length).toBeGreaterThan(2 * refused.length);
  });
});

/** The pendulum of fixtures/forward/pendulum, with g inside (the runtime sees only f's text). */
function angle(theta0: number, length: number, dt: number, n: number): number {
  const g = 9.81;
  let theta = theta0;
  let omega = 0;
  for (let i = 0; i < n; i++) {
    const alpha = (-g / length) * Math.sin(theta);
    omega += alpha * dt;
    theta += omega * dt;
  }
  return theta;
}
const squares = (x: Float64Array, k: number): Float64Array => {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = k * x[i]! * x[i]!;
  return out;
};
const prefix = (x: number[]): number[] => {
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i]! * x[i]!;
    out[i] = s;
  }
  return out;
};
/** ∇f = (2xy, x² + cos y), H = [[2y, 2x], [2x, -sin y]]. */
const saddle = (x: number, y: number) => x * x * y + Math.sin(y);

describe("runtime jvp(f)", () => {
  it("is f's derivative along the tangents: the pendulum's sensitivity to its length", () => {
    const { value, tangent } = jvp(angle)(0.5, 1.2, 0.01, 100, { length: 1 });
    expect(value).toBe(angle(0.5, 1.2, 0.01, 100));
    const fd = finiteDifference(([l]) => angle(0.5, l!, 0.01, 100), [1.2], 0);
    expect(close(tangent, fd, 1e-7), `${tangent} vs ${fd}`).toBe(true);
    // Linear in the tangents, and the gradient's product with them.
    const { grad: g } = grad(angle)(0.5, 1.2, 0.01, 100);
    const both = jvp(angle)(0.5, 1.2, 0.01, 100, { theta0: 0.3, length: -2 }).tangent;
    expect(close(both, 0.3 * g.theta0! - 2 * g.length!, 1e-12)).toBe(true);
    expect(jvp(angle)(0.5, 1.2, 0.01, 100, {}).tangent).toBe(0);
  });

  it("gives an array result an array tangent of its kind", () => {
    const x = Float64Array.of(0.5, -1, 2);
    const dx = Float64Array.of(1, 0.5, -0.25);
    const r = jvp(squares)(x, 3, { x: dx, k: 0.5 });
    expect(r.value).toEqual(squares(x, 3));
    expect(r.tangent).toEqual(Float64Array.from(x, (xi, i) => 6 * xi * dx[i]! + 0.5 * xi * xi));
    const p = jvp(prefix)([1, 2], { x: [1, 0] });
    expect(p).toEqual({ value: [1, 5], tangent: [2, 2] });
    expect(Array.isArray(p.tangent)).toBe(true);
  });

  it("is compiled once per function, mode and wrt; wrt restricts the tangents", () => {
    expect(jvp(angle)).toBe(jvp(angle));
    expect(jvp(angle)).not.toBe(grad(angle) as unknown);
    const byLength = jvp(angle, { wrt: ["theta0", "length"] });
    expect(byLength).toBe(jvp(angle, { wrt: ["theta0", "length"] }));
    expect(byLength(0.5, 1.2, 0.01, 100, { length: 1 })).toEqual(jvp(angle)(0.5, 1.2, 0.01, 100, { length: 1 }));
  });

  it("needs the tangents, keyed by the names of differentiated parameters", () => {
    const call =
      (...args: unknown[]) =>
      () =>
        (jvp(angle) as (...xs: unknown[]) => unknown)(...args);
    expect(call(0.5, 1.2, 0.01, 100)).toThrow("jvp(angle): takes angle's 4 argument(s) and then tangents, got 4");
    expect(call(0.5, 1.2, 0.01, 100, 1)).toThrow(/tangents must be an object keyed by parameter name/);
    // A misspelt name would be a direction of 0: an error, not a tangent of 0.
    expect(call(0.5, 1.2, 0.01, 100, { lenght: 1 })).toThrow(
      "jvp(angle): tangents has 'lenght', which is not a differentiated parameter (theta0, length, dt, n)",
    );
    expect(() =>
      (jvp(angle, { wrt: ["length"] }) as (...xs: unknown[]) => unknown)(0.5, 1.2, 0.01, 100, { theta0: 1 }),
    ).toThrow("tangents has 'theta0', which is not a differentiated parameter (length)");
  });
});

describe("runtime hvp(f)", () => {
  it("is the Hessian times v, with f's value and gradient", () => {
    const [x, y] = [0.7, 2];
    expect(hvp(saddle)(x, y, { x: 1 })).toEqual({
      value: saddle(x, y),
      grad: { x: 2 * x * y, y: x * x + Math.cos(y) },
      hvp: { x: 2 * y, y: 2 * x },
    });
    const r = hvp(saddle)(x, y, { x: 0.5, y: -1 });
    expect(close(r.hvp.x!, 0.5 * 2 * y - 2 * x, 1e-12)).toBe(true);
    expect(close(r.hvp.y!, 0.5 * 2 * x + Math.sin(y), 1e-12)).toBe(true);
    // With wrt: only those entries, typed by name.
    const onlyX = hvp(saddle, { wrt: ["x"] })(x, y, { x: 1 });
    expect(onlyX).toEqual({ value: saddle(x, y), grad: { x: 2 * x * y }, hvp: { x: 2 * y } });
  });

  it("of a function of arrays: H v shaped like the gradient", () => {
    const norm4 = (w: Float64Array) => {
      let s = 0;
      for (let i = 0; i < w.length; i++) s += w[i]! * w[i]! * w[i]! * w[i]!;
      return s;
    };
    const w = Float64Array.of(1, -2, 0.5);
    const v = Float64Array.of(1, 1, 2);
    const r = hvp(norm4)(w, { w: v });
    expect(r.grad.w).toEqual(Float64Array.from(w, (wi) => 4 * wi ** 3));
    expect(r.hvp.w).toEqual(Float64Array.from(w, (wi, i) => 12 * wi * wi * v[i]!));
  });

  it("refuses a function returning an array, saying what to use", () => {
    expect(() => (hvp(squares as never) as (...xs: unknown[]) => unknown)(Float64Array.of(1), 2, {})).toThrow(
      "hvp(squares): 'squares' returns an array, not a number, so it has no Hessian-vector product; " +
        "use jacobian(squares) for its Jacobian, or jvp(squares) and vjp(squares) for its products with vectors",
    );
    const pair = (x: number) => [x, x * x];
    expect(() => hvp(pair as never)).toThrow(GradError);
    expect(() => hvp(pair as never)).toThrow(/hvp\(pair\): 'pair' returns an array/);
    expect(() => (hvp(saddle) as (...xs: unknown[]) => unknown)(1, 2)).toThrow(/and then v, got 2/);
  });

  it("differentiates through array gates: H v of a · b is (v.b, v.a)", () => {
    const f = (a: Float64Array, b: Float64Array) => dot(a, b);
    const r = (hvp(f) as (...xs: unknown[]) => { value: number; hvp: Record<string, Float64Array> })(
      Float64Array.of(1, 3),
      Float64Array.of(2, -1),
      { a: Float64Array.of(0.5, 2), b: Float64Array.of(-1, 4) },
    );
    expect(r.value).toBe(-1);
    expect([...r.hvp.a!]).toEqual([-1, 4]);
    expect([...r.hvp.b!]).toEqual([0.5, 2]);
  });
});

describe.runIf(generates("hessian") && generates("hessian_diag") && generates("jacobian"))(
  "runtime hessian(f), hessianDiag(f), jacobian(f)",
  () => {
    it("hessian(f) and hessianDiag(f) are H, whose columns are hvp(f) along unit vectors", () => {
      const [x, y] = [0.7, 2];
      const h = hessian(saddle)(x, y);
      expect(h.value).toBe(saddle(x, y));
      expect(h.grad).toEqual(grad(saddle)(x, y).grad);
      expect(h.hessian).toEqual([
        [hvp(saddle)(x, y, { x: 1 }).hvp.x, hvp(saddle)(x, y, { y: 1 }).hvp.x],
        [hvp(saddle)(x, y, { x: 1 }).hvp.y, hvp(saddle)(x, y, { y: 1 }).hvp.y],
      ]);
      expect(close(h.hessian[1]![1]!, -Math.sin(y), 1e-12)).toBe(true);
      const d = hessianDiag(saddle)(x, y);
      expect(d).toEqual({ value: h.value, grad: h.grad, diag: [h.hessian[0]![0], h.hessian[1]![1]] });
    });

    it("flatten array parameters in order", () => {
      const f = (w: Float64Array, b: number) => (w[0]! * w[1]! + b) ** 2;
      const w = Float64Array.of(0.5, -1.5);
      const { hessian: H } = hessian(f)(w, 0.25);
      const unit = (i: number) => ({ w: Float64Array.from([0, 1], (j) => (i === j ? 1 : 0)), b: i === 2 ? 1 : 0 });
      for (let i = 0; i < 3; i++) {
        const col = hvp(f, { wrt: ["w", "b"] })(w, 0.25, unit(i)).hvp;
        expect(H.map((row) => row[i])).toEqual([...col.w, col.b]);
      }
    });

    it("jacobian(f) has a row per output, each vjp(f) along a unit vector; a number's is its gradient", () => {
      const g = grad(saddle, { wrt: ["x", "y"] })(0.7, 2).grad;
      expect(jacobian(saddle)(0.7, 2)).toEqual({ value: saddle(0.7, 2), jacobian: [[g.x, g.y]] });
      const x = Float64Array.of(0.5, -1, 2);
      const { value, jacobian: J } = jacobian(squares)(x, 3);
      expect(value).toEqual(squares(x, 3));
      expect(J).toHaveLength(3);
      J.forEach((row, i) => {
        const g = vjp(squares)(
          x,
          3,
          Float64Array.from(x, (_, j) => (i === j ? 1 : 0)),
        ).grad;
        expect(row).toEqual([...(g.x as Float64Array), g.k]);
      });
      // wrt chooses the columns, in any order: a matrix has no names for TypeScript to get wrong.
      expect(jacobian(squares, { wrt: ["k"] })(x, 3).jacobian).toEqual(J.map((row) => [row[3]]));
    });

    it("hessian(f) of a function returning an array says what to use", () => {
      expect(() => (hessian(squares as never) as (...xs: unknown[]) => unknown)(Float64Array.of(1), 2)).toThrow(
        /hessian\(squares\): 'squares' returns an array, not a number, so it has no Hessian; use jacobian\(squares\)/,
      );
    });
  },
);

describe("the runtime's types", () => {
  it("jvp(f): f's parameters, then tangents keyed like the gradient; a tangent shaped like f's value", () => {
    expectTypeOf(jvp(angle)).parameters.toEqualTypeOf<
      [theta0: number, length: number, dt: number, n: number, tangents: Partial<{ [x: string]: number }>]
    >();
    expectTypeOf(jvp(angle)).returns.toEqualTypeOf<{ value: number; tangent: number }>();
    expectTypeOf(jvp(angle, { wrt: ["length"] })).parameters.toEqualTypeOf<
      [theta0: number, length: number, dt: number, n: number, tangents: { length?: number }]
    >();
    expectTypeOf(jvp(prefix)).returns.toEqualTypeOf<{ value: number[]; tangent: number[] }>();
    // (expect-type cannot compare Float64Array types with themselves: their buffer type defeats it.)
    type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
    const dsq = jvp(squares, { wrt: ["x", "k"] });
    const parameters: Equal<
      Parameters<typeof dsq>,
      [x: Float64Array, k: number, tangents: { x?: Float64Array; k?: number }]
    > = true;
    const returns: Equal<ReturnType<typeof dsq>, { value: Float64Array; tangent: Float64Array }> = true;
    expect([parameters, returns]).toEqual([true, true]);
  });

  it("hvp(f), hessian(f), hessianDiag(f): the gradient's keys; jacobian(f): f's value and a matrix", () => {
    expectTypeOf(hvp(saddle, { wrt: ["x", "y"] })).parameters.toEqualTypeOf<
      [x: number, y: number, v: { x?: number; y?: number }]
    >();
    expectTypeOf(hvp(saddle, { wrt: ["x", "y"] })).returns.toEqualTypeOf<{
      value: number;
      grad: { x: number; y: number };
      hvp: { x: number; y: number };
    }>();
    // (Not called: the Hessian and Jacobian modes may not be in this compiler yet.)
    expectTypeOf(() => hessian(saddle)).returns.parameters.toEqualTypeOf<[x: number, y: number]>();
    expectTypeOf(() => hessian(saddle, { wrt: ["y"] })).returns.returns.toEqualTypeOf<{
      value: number;
      grad: { y: number };
      hessian: number[][];
    }>();
    expectTypeOf(() => hessianDiag(saddle)).returns.returns.toEqualTypeOf<{
      value: number;
      grad: { [x: string]: number };
      diag: number[];
    }>();
    expectTypeOf(() => jacobian(prefix)).returns.toEqualTypeOf<
      (x: number[]) => { value: number[]; jacobian: number[][] }
    >();
    // @ts-expect-error: hvp needs a function returning a number
    expect(() => hvp(squares)).toBeDefined();
    // @ts-expect-error: hessian needs a function returning a number
    expect(() => hessian(prefix)).toBeDefined();
    expectTypeOf(() => jacobian(saddle)).returns.returns.toEqualTypeOf<{ value: number; jacobian: number[][] }>();
  });
});
