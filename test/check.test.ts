/**
 * checkGrad (src/check): passes correct companions, throws a readable CheckError on wrong ones,
 * walks arrays and records, skips points at kinks and jumps (and only those), and checks a vjp by
 * the dot-product test.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkGrad, CheckError, formatReport, type CheckReport } from "../src/index.js";
import { derivative } from "../src/check/difference.js";
import { parameterNames } from "../src/check/params.js";
import { root } from "./support/fixtures.js";
import { f } from "../fixtures/core/lecture/input.js";
import { f_grad } from "../fixtures/core/lecture/output.js";
import { affine_vjp } from "../fixtures/arrays/vector-valued/output.js";

/** `companion` with one entry of its gradient changed by `change`; keeps the companion's name. */
function broken<A extends unknown[]>(
  companion: (...args: A) => { value: unknown; grad: Record<string, unknown> },
  change: (grad: Record<string, unknown>) => void,
) {
  const wrong = (...args: A) => {
    const r = companion(...args);
    const grad = { ...r.grad };
    change(grad);
    return { value: r.value, grad };
  };
  Object.defineProperty(wrong, "name", { value: companion.name });
  return wrong;
}

const failure = (run: () => unknown): CheckError => {
  try {
    run();
  } catch (e) {
    if (e instanceof CheckError) return e;
    throw e;
  }
  throw new Error("expected a CheckError");
};

describe("checkGrad on gradients", () => {
  it("passes the lecture's f_grad at 5 seeded random points", () => {
    const report = checkGrad(f, f_grad);
    expect(report.ok).toBe(true);
    expect(report.kind).toBe("grad");
    expect(report.params).toEqual(["w0", "x0", "w1", "x1", "w2"]);
    expect(report.points).toHaveLength(5);
    expect(report.counts).toEqual({ ok: 25, mismatch: 0, skipped: 0 });
    expect(checkGrad(f, f_grad).points).toEqual(report.points);
    expect(checkGrad(f, f_grad, { seed: 2 }).points).not.toEqual(report.points);
  });

  it("throws a CheckError naming the wrong partial, with the table as its message", () => {
    const wrong = broken(f_grad, (g) => (g.x1 = (g.x1 as number) * 1.001));
    const e = failure(() => checkGrad(f, wrong, { points: 2 }));
    expect(e.report.counts).toEqual({ ok: 8, mismatch: 2, skipped: 0 });
    expect(e.message).toMatch(
      /^f_grad against finite differences of f: 2 random points \(seed 1\), tolerance 1e-6: 2 MISMATCHES \(8 ok\)\n/,
    );
    expect(e.message).toMatch(/^ {2}1 {6}x1 .* MISMATCH$/m);
    expect(e.message).toMatch(/^ {2}1 {6}w1 .* ok$/m);
    // throwOnMismatch: false returns the failed report instead.
    expect(checkGrad(f, wrong, { points: 2, throwOnMismatch: false }).ok).toBe(false);
  });

  it("catches a wrong value even where every derivative is right", () => {
    const wrong = (...xs: Parameters<typeof f_grad>) => ({ ...f_grad(...xs), value: 0.5 });
    const e = failure(() => checkGrad(f, wrong, { points: 1, params: ["w0", "x0", "w1", "x1", "w2"] }));
    expect(e.report.rows[0]).toMatchObject({ parameter: "value", verdict: "mismatch", adgen: 0.5 });
  });

  it("checks a missing or extra gradient as a mismatch", () => {
    const missing = broken(f_grad, (g) => (g.w0 = undefined));
    expect(failure(() => checkGrad(f, missing, { points: 1 })).report.rows[0]).toMatchObject({
      parameter: "w0",
      verdict: "mismatch",
    });
    const extra = broken(f_grad, (g) => (g.q = 1));
    expect(failure(() => checkGrad(f, extra, { points: 1 })).message).toContain(
      "returns a gradient for 'q', which is not a parameter of f",
    );
  });

  it("walks arrays element by element: Float64Array and number[]", () => {
    const g = (a: Float64Array, b: number[]) => a[0]! * b[1]! + Math.sin(a[1]!) * b[0]!;
    const g_grad = (a: Float64Array, b: number[]) => ({
      value: g(a, b),
      grad: { a: Float64Array.of(b[1]!, Math.cos(a[1]!) * b[0]!), b: [Math.sin(a[1]!), a[0]!] },
    });
    const at = [[Float64Array.of(1, 2), [3, 4]]];
    const report = checkGrad(g, g_grad, { at, points: 3 });
    expect(report.rows.map((r) => r.parameter).slice(0, 4)).toEqual(["a[0]", "a[1]", "b[0]", "b[1]"]);
    expect(report.points).toHaveLength(4);
    // Random points take the shape and kinds of `at`.
    expect(report.points[1]!.args[0]).toBeInstanceOf(Float64Array);
    expect(Array.isArray(report.points[1]!.args[1])).toBe(true);
    const wrong = broken(g_grad, (gr) => (gr.b = [(gr.b as number[])[0]!, 0]));
    expect(
      failure(() => checkGrad(g, wrong, { at })).report.rows.find((r) => r.verdict === "mismatch")?.parameter,
    ).toBe("b[1]");
  });

  it("checks a long array along a random direction", () => {
    const sq = (a: Float64Array) => a.reduce((s, x) => s + x * x, 0);
    const sq_grad = (a: Float64Array) => ({ value: sq(a), grad: { a: a.map((x) => 2 * x) } });
    const at = [new Float64Array(40).map((_, i) => Math.sin(i))] as [Float64Array];
    const report = checkGrad(sq, sq_grad, { at: [at] });
    expect(report.rows).toMatchObject([{ parameter: "a (along v)", verdict: "ok" }]);
    const wrong = (a: Float64Array) => ({ value: sq(a), grad: { a: a.map((x, i) => (i === 17 ? x : 2 * x)) } });
    expect(checkGrad(sq, wrong, { at: [at], throwOnMismatch: false }).counts.mismatch).toBe(1);
  });

  it("walks records and nested arrays", () => {
    type P = { w: number[]; b: { c: number } };
    const h = (p: P, x: number) => p.w[0]! * x + p.w[1]! * p.b.c;
    const h_grad = (p: P, x: number) => ({
      value: h(p, x),
      grad: { p: { w: [x, p.b.c], b: { c: p.w[1]! } }, x: p.w[0]! },
    });
    const report = checkGrad(h, h_grad, { at: [[{ w: [1, 2], b: { c: 3 } }, 4]], points: 2 });
    expect(report.rows.slice(0, 4).map((r) => r.parameter)).toEqual(["p.w[0]", "p.w[1]", "p.b.c", "x"]);
    expect(report.counts).toEqual({ ok: 12, mismatch: 0, skipped: 0 });
  });
});

describe("kinks and jumps", () => {
  const abs = (x: number) => 3 * Math.abs(x);
  const abs_grad = (x: number) => ({ value: abs(x), grad: { x: 3 * Math.sign(x) } });

  it("skips a point at a kink (and next to one) and says so; passes everywhere else", () => {
    const report = checkGrad(abs, abs_grad, { at: [[0], [1e-5], [0.5]] });
    expect(report.rows.map((r) => r.verdict)).toEqual(["skipped", "skipped", "ok"]);
    expect(report.rows[0]!.note).toBe("kink or jump nearby");
    expect(report.ok).toBe(true);
    expect(formatReport(report)).toMatch(/^ {2}1 {6}x +0 +- +- +skipped \(kink or jump nearby\)$/m);
  });

  it("a wrong derivative at a kink is not judged, but one beside it is", () => {
    const wrong = (x: number) => ({ value: abs(x), grad: { x: 1 } });
    expect(checkGrad(abs, wrong, { at: [[0]] }).counts).toEqual({ ok: 0, mismatch: 0, skipped: 1 });
    expect(checkGrad(abs, wrong, { at: [[0.01]], throwOnMismatch: false }).counts.mismatch).toBe(1);
  });

  it("relu, max and min at many random points: no false mismatch", () => {
    const g = (x: number, y: number) => Math.max(x, 0) + Math.max(y, x) - Math.min(x * y, 1);
    const g_grad = (x: number, y: number) => ({
      value: g(x, y),
      grad: {
        x: (x > 0 ? 1 : 0) + (x > y ? 1 : 0) - (x * y < 1 ? y : 0),
        y: (y >= x ? 1 : 0) - (x * y < 1 ? x : 0),
      },
    });
    const report = checkGrad(g, g_grad, { points: 200 });
    expect(report.counts.mismatch).toBe(0);
    expect(report.counts.ok).toBeGreaterThan(390);
    // On a boundary: x = 0, x = y, x*y = 1.
    const edges = checkGrad(g, g_grad, {
      at: [
        [0, 1],
        [0.5, 0.5],
        [2, 0.5],
      ],
    });
    expect(edges.rows.filter((r) => r.verdict === "skipped").map((r) => `${r.point}${r.parameter}`)).toEqual([
      "0x",
      "1x",
      "1y",
      "2x",
      "2y",
    ]);
  });

  it("a jump is skipped too", () => {
    const step = (x: number) => (x < 0 ? 0 : 1 + x);
    const step_grad = (x: number) => ({ value: step(x), grad: { x: x < 0 ? 0 : 1 } });
    expect(checkGrad(step, step_grad, { at: [[0], [-1e-5], [1]] }).rows.map((r) => r.verdict)).toEqual([
      "skipped",
      "skipped",
      "ok",
    ]);
  });

  it("a staircase finer than the differences' step is skipped, not judged", () => {
    // fixtures/loops/do-while-break: near x = 0.05 the trip count changes every ~2e-5.
    const stairs = (x: number) => {
      let s = 0;
      let n = 0;
      do {
        s += x * x;
        n++;
        if (s > 3) break;
      } while (s < 10);
      return { value: s * x, grad: { x: 3 * n * x * x } };
    };
    const f = (x: number) => stairs(x).value;
    const report = checkGrad(f, stairs, { at: [[0.057], [1.2]] });
    expect(report.rows.map((r) => [r.verdict, r.note])).toEqual([
      ["skipped", "differences change with the step: fine jumps or fast curvature"],
      ["ok", undefined],
    ]);
  });

  it("a jump in f'' at the point (an error linear in the step) is a kink", () => {
    const g = (x: number) => (x > 0 ? 2 * x * x : 3 * x * x) + x;
    const g_grad = (x: number) => ({ value: g(x), grad: { x: 1 } });
    expect(checkGrad(g, g_grad, { at: [[0]] }).rows[0]!.verdict).toBe("skipped");
  });

  it("derivative(): smooth functions with large curvature are estimates, not kinks", () => {
    for (const [phi, d] of [
      [(t: number) => Math.exp(10 * (1 + t)), 10 * Math.exp(10)],
      [(t: number) => Math.sin(30 * t), 30],
      [(t: number) => 1e8 + t, 1],
      [(t: number) => (1 + t) ** 7, 7],
    ] as const) {
      const e = derivative(phi, 1e-3, 1e-6);
      expect(e.kind, String(phi)).toBe("ok");
      if (e.kind === "ok") expect(Math.abs(e.value - d)).toBeLessThan(1e-6 * (1 + Math.abs(d)) + e.noise);
    }
    expect(derivative((t) => Math.abs(t - 1e-9), 1e-3, 1e-6).kind).toBe("kink");
    expect(derivative((t) => Math.log(t), 1e-3, 1e-6).kind).toBe("not finite");
  });
});

describe("points where f is not defined", () => {
  it("draws again where f is NaN or throws, and says when it never found one", () => {
    const log = (x: number) => Math.log(x);
    const log_grad = (x: number) => ({ value: Math.log(x), grad: { x: 1 / x } });
    const report = checkGrad(log, log_grad, { points: 5 });
    expect(report.ok).toBe(true);
    expect(report.points.every((p) => (p.args[0] as number) > 0)).toBe(true);
    const e = failure(() => checkGrad(log, log_grad, { range: [-2, -1], points: 1 }));
    expect(e.report.notes[0]).toMatch(
      /^random point 1: no arguments out of 20 drawn where log is defined and finite \(last: log returns NaN at x=-1\.\d+\); give points$/,
    );
    expect(e.message).toContain("NOT CHECKED");
  });

  it("says a given point was not checked", () => {
    const log = (x: number) => Math.log(x);
    const log_grad = (x: number) => ({ value: Math.log(x), grad: { x: 1 / x } });
    const report = checkGrad(log, log_grad, { at: [[-1], [1]] });
    expect(report.notes).toEqual(["given point 1 (x=-1) not checked: log returns NaN"]);
    expect(report.counts.ok).toBe(1);
  });
});

/** fixtures/arrays/vector-valued/input.ts (which is not written for noUncheckedIndexedAccess). */
function affine(w: Float64Array, x: Float64Array, b: number, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = b;
    for (let c = 0; c < cols; c++) s += w[r * cols + c]! * x[c]!;
    y[r] = Math.tanh(s);
  }
  return y;
}

describe("vjp: the dot-product test", () => {
  const at = [[Float64Array.of(1, 2, 3, 4, 5, 6), Float64Array.of(0.5, -1, 2), 0.25, 2, 3]];

  it("passes adgen's affine_vjp, one row per parameter", () => {
    const report: CheckReport = checkGrad(affine, affine_vjp, {
      at,
      points: 2,
      sample: (r) => [rand(r, 6), rand(r, 3), r(), 2, 3],
    });
    expect(report.kind).toBe("vjp");
    expect(report.rows.filter((r) => r.point === 0).map((r) => r.parameter)).toEqual(["w", "x", "b", "rows", "cols"]);
    expect(report.counts.mismatch).toBe(0);
    expect(report.counts.ok).toBe(9);
    // Sizes change the output's length: not differentiable, skipped.
    expect(report.counts.skipped).toBe(6);
    expect(report.points[0]!.cotangent).toBeInstanceOf(Float64Array);
    expect(formatReport(report)).toContain("dot-product test u·J·v");
  });

  it("tells a vjp from a gradient by what f returns when the companion's name does not say", () => {
    const vjp = (...args: Parameters<typeof affine_vjp>) => affine_vjp(...args);
    expect(checkGrad(affine, vjp, { at }).kind).toBe("vjp");
  });

  it("finds a wrong vjp", () => {
    const wrong = broken(affine_vjp, (g) => {
      const w = (g.w as Float64Array).slice();
      w[4] = w[4]! + 0.1;
      g.w = w;
    });
    const e = failure(() => checkGrad(affine, wrong, { at }));
    expect(e.report.rows.filter((r) => r.verdict === "mismatch").map((r) => r.parameter)).toEqual(["w"]);
  });
});

describe("jvp: forward mode, f_jvp(...args, tangents) -> { value, tangent }", () => {
  // Written by hand to the contract of adgen's forward mode (one tangent per parameter, by name, a missing one zero).
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  function f_jvp(w0: number, x0: number, w1: number, x1: number, w2: number, t: Record<string, number | undefined>) {
    const L = f(w0, x0, w1, x1, w2);
    const ds = (t.w0 ?? 0) * x0 + w0 * (t.x0 ?? 0) + (t.w1 ?? 0) * x1 + w1 * (t.x1 ?? 0) + (t.w2 ?? 0);
    return { value: L, tangent: ds * sig(w0 * x0 + w1 * x1 + w2) * (1 - L) };
  }
  function affine_jvp(
    w: Float64Array,
    x: Float64Array,
    b: number,
    rows: number,
    cols: number,
    t: { w?: Float64Array; x?: Float64Array; b?: number },
  ) {
    const y = affine(w, x, b, rows, cols);
    const tangent = y.map((yr, r) => {
      let ds = t.b ?? 0;
      for (let c = 0; c < cols; c++) ds += (t.w?.[r * cols + c] ?? 0) * x[c]! + w[r * cols + c]! * (t.x?.[c] ?? 0);
      return ds * (1 - yr * yr);
    });
    return { value: y, tangent };
  }
  const at = [[Float64Array.of(1, 2, 3, 4, 5, 6), Float64Array.of(0.5, -1, 2), 0.25, 2, 3]];

  it("passes a right jvp, one row per parameter, told by its name", () => {
    const report = checkGrad(f, f_jvp, { points: 3 });
    expect(report.kind).toBe("jvp");
    expect(report.counts).toEqual({ ok: 15, mismatch: 0, skipped: 0 });
    expect(formatReport(report)).toContain("J·v along a random v per parameter, 3 random points");
  });

  it("checks a jvp of an f returning an array as u·J·v; wrt leaves the sizes out", () => {
    const report = checkGrad(affine, affine_jvp, { at, wrt: ["w", "x", "b"] });
    expect(report.rows.map((r) => [r.parameter, r.verdict])).toEqual([
      ["w", "ok"],
      ["x", "ok"],
      ["b", "ok"],
    ]);
    expect(formatReport(report)).toContain("(as u·J·v)");
  });

  it("finds a wrong tangent and a wrong value", () => {
    const wrong = function f_jvp2(...args: Parameters<typeof f_jvp>) {
      const r = f_jvp(...args);
      return { value: r.value, tangent: args[5].x1 === undefined ? r.tangent : r.tangent * 1.01 };
    };
    const e = failure(() => checkGrad(f, wrong, { kind: "jvp", points: 1 }));
    expect(e.report.rows.filter((r) => r.verdict === "mismatch").map((r) => r.parameter)).toEqual(["x1"]);
    const badValue = function g_jvp(...args: Parameters<typeof f_jvp>) {
      return { ...f_jvp(...args), value: 0 };
    };
    expect(failure(() => checkGrad(f, badValue, { points: 1 })).report.rows[0]).toMatchObject({ parameter: "value" });
  });
});

function rand(r: () => number, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => r() * 4 - 2);
}

describe("parameterNames", () => {
  it.each([
    [
      function named(a: number, b: number) {
        return a + b;
      },
      ["a", "b"],
    ],
    [(x: number) => x, ["x"]],
    [(x = 1, ys: number[] = [1, 2], ...rest: number[]) => x + ys.length + rest.length, ["x", "ys", "rest"]],
    [
      {
        m(p: number, q: number) {
          return p * q;
        },
      }.m,
      ["p", "q"],
    ],
  ] as [Function, string[]][])("%s", (fn, names) => {
    expect(parameterNames(fn)).toEqual(names);
  });
  it("reads no names from native code", () => {
    expect(parameterNames(Math.max)).toEqual([]);
  });
});

it("src/check imports nothing but its own files: it runs in a browser too", () => {
  const dir = join(root, "src", "check");
  for (const file of readdirSync(dir)) {
    const text = readFileSync(join(dir, file), "utf8");
    const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]!);
    for (const s of specifiers) expect(s, `${file} imports ${s}`).toMatch(/^\.\/[\w-]+\.js$/);
  }
});
