/**
 * The vector and matrix gates of adgen/gates: the lecture's numbers, every gate's backward
 * against finite differences of its forward (a gate without a check fails), and shape errors.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as gates from "../src/gates/index.js";
import { fixturesDir } from "./support/fixtures.js";
import { close, finiteDifference, rng } from "./support/numeric.js";

const F = (xs: number[]) => Float64Array.from(xs);
const flat = (rows: number[][]) => F(rows.flat());

describe("the lecture's numbers", () => {
  const x = flat([
    [2, 1, -3],
    [-3, 4, 2],
  ]);
  const w = flat([
    [3, 2, 1, -1],
    [2, 1, 3, 2],
    [3, 2, 1, -2],
  ]);
  const dy = flat([
    [2, 3, -3, 9],
    [-8, 1, 4, 6],
  ]);

  it("matmul: y = x w", () => {
    expect([...gates.matmul(x, w, 2, 3, 4)]).toEqual([-1, -1, 2, 6, 5, 2, 11, 7]);
  });

  it("matmul backward: dL/dx = dL/dy wᵀ, dL/dw = xᵀ dL/dy", () => {
    const [dx, dw] = gates.matmul.backward(dy, gates.matmul(x, w, 2, 3, 4), x, w, 2, 3, 4);
    expect([...dx]).toEqual([0, 16, -9, -24, 9, -30]);
    expect([...dw]).toEqual([28, 3, -18, 0, -30, 7, 13, 33, -22, -7, 17, -15]);
  });

  it("relu routes where x > 0: [4, 0, 5, 0], not the slide's [4, 0, 5, 9]", () => {
    const a = F([1, -2, 3, -1]);
    const [g] = gates.reluArray.backward(F([4, -1, 5, 9]), gates.reluArray(a), a);
    expect([...g]).toEqual([4, 0, 5, 0]);
    expect([...gates.relu(a)]).toEqual([1, 0, 3, 0]);
  });

  it("f = ||W x||² through adgen: value 0.116, grad_W and grad_x as in the lecture", async () => {
    const { f_grad } = (await import(join(fixturesDir, "matrix/lecture-norm/output.ts"))) as {
      f_grad: (W: Float64Array, x: Float64Array) => { value: number; grad: { W: Float64Array; x: Float64Array } };
    };
    const { value, grad } = f_grad(
      flat([
        [0.1, 0.5],
        [-0.3, 0.8],
      ]),
      F([0.2, 0.4]),
    );
    expect(value).toBeCloseTo(0.116, 12);
    [0.088, 0.176, 0.104, 0.208].forEach((v, i) => expect(grad.W[i]).toBeCloseTo(v, 12));
    [-0.112, 0.636].forEach((v, i) => expect(grad.x[i]).toBeCloseTo(v, 12));
    expect(readFileSync(join(fixturesDir, "matrix/lecture-norm/output.ts"), "utf8")).toContain("matvec.backward(");
  });
});

/** How to call each gate on random inputs. */
const shapes: Record<string, (r: () => number) => (Float64Array | number)[]> = {
  matmul: (r) => [rand(r, 6), rand(r, 12), 2, 3, 4],
  matvec: (r) => [rand(r, 6), rand(r, 3), 2, 3],
  dot: (r) => [rand(r, 5), rand(r, 5)],
  sum: (r) => [rand(r, 5)],
  sqnorm: (r) => [rand(r, 5)],
  add: (r) => [rand(r, 4), rand(r, 4)],
  mul: (r) => [rand(r, 4), rand(r, 4)],
  reluArray: (r) => [rand(r, 6)],
  logSumExp: (r) => [rand(r, 5)],
};
function rand(r: () => number, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => r() * 4 - 2);
}

type AnyGate = ((...xs: (Float64Array | number)[]) => Float64Array | number) & {
  inputs: readonly string[];
  reads: readonly number[];
  output: "array" | "number";
  backward: (
    grad: Float64Array | number,
    out: Float64Array | number,
    ...xs: (Float64Array | number)[]
  ) => (Float64Array | number | undefined)[];
  tangent: ((
    out: Float64Array | number,
    ...inputsThenTangents: (Float64Array | number | undefined)[]
  ) => Float64Array | number) & {
    inputs: readonly string[];
    reads: readonly number[];
    backward: (
      grad: Float64Array | number,
      tout: Float64Array | number,
      out: Float64Array | number,
      ...rest: (Float64Array | number | undefined)[]
    ) => (Float64Array | number | undefined)[];
  };
};
const topGates = Object.entries(gates).filter(([, g]) => typeof g === "function" && "inputs" in g) as [
  string,
  AnyGate,
][];
/** An upstream gradient or a tangent shaped as `x`. */
const like = (r: () => number, x: Float64Array | number) => (typeof x === "number" ? r() * 4 - 2 : rand(r, x.length));
/** How many steps of derivatives from each gate are checked as gates. */
const DEPTH = 3;
type Shape = (r: () => number) => (Float64Array | number)[];
/**
 * Every derivative of each gate to DEPTH steps, checked as gates: its tangent (`matmul.tangent`,
 * taking `(out, ...inputs, ...tangents)`) and the parts of its backward (`matmul.backward[0]`,
 * taking `(grad, out, ...inputs)`), then theirs (`matmul.tangent.backward[1]`,
 * `dot.backward[0].backward[0]`, ...), logSumExp's too (src/gates/elementary.ts).
 */
const derived: [string, AnyGate][] = [];
function expand(name: string, gate: AnyGate, depth: number): void {
  if (depth === DEPTH) return;
  const children: [string, AnyGate | undefined, Shape][] = [
    [
      `${name}.tangent`,
      gate.tangent as unknown as AnyGate,
      (r) => {
        const inputs = shapes[name]!(r);
        const tangents = inputs.flatMap((x, i) => (gate.inputs[i] === "size" ? [] : [like(r, x)]));
        return [gate(...inputs), ...inputs, ...tangents];
      },
    ],
    ...gate.inputs.map((_, i): [string, AnyGate | undefined, Shape] => [
      `${name}.backward[${i}]`,
      (gate.backward as unknown as Record<number, AnyGate | undefined>)[i],
      (r) => {
        const inputs = shapes[name]!(r);
        const out = gate(...inputs);
        return [like(r, out), out, ...inputs];
      },
    ]),
  ];
  for (const [child, g, shape] of children) {
    if (g === undefined || (g as { tangent?: unknown }).tangent === undefined) continue;
    shapes[child] = shape;
    derived.push([child, g]);
    expand(child, g, depth + 1);
  }
}
for (const [name, gate] of topGates) expand(name, gate, 0);
const arrayGates = [...topGates, ...derived];

describe("the derivatives checked", () => {
  it("are every gate's to three steps, logSumExp's too", () => {
    const names = new Set(derived.map(([n]) => n));
    for (const name of [
      "matmul.tangent.backward[1]",
      "dot.backward[0].backward[0]",
      "sqnorm.tangent.tangent.backward[2]",
      "reluArray.backward[0].tangent",
      "logSumExp.tangent.backward[0]",
      "logSumExp.tangent.tangent",
      "logSumExp.backward[0].backward[2]",
      "logSumExp.backward[0].tangent.backward[3]",
      "logSumExp.backward[0].tangent.tangent",
      "logSumExp.tangent.backward[2].backward[3]",
    ])
      expect(names.has(name), name).toBe(true);
    expect(derived.length).toBeGreaterThan(200);
  });
});

describe.each(arrayGates)("array gate %s's backward", (name, gate) => {
  // Generated code is valid input: each entry of a backward is a gate (a part) computing exactly
  // that entry (an entry that came back empty, ZERO_GRADIENT, as zeros), so adgen can
  // differentiate the call again.
  it("has a part per differentiated input, computing that entry of the backward exactly", () => {
    const r = rng(name.length * 17 + 1);
    const inputs = shapes[name]!(r);
    const out = gate(...inputs);
    const upstream = like(r, out);
    const full = gate.backward(upstream, out, ...inputs);
    gate.inputs.forEach((kind, i) => {
      const part = (gate.backward as unknown as Record<number, AnyGate | undefined>)[i];
      if (kind === "size") return expect(part, `${name}.backward[${i}]`).toBeUndefined();
      expect(part, `${name}.backward[${i}]`).toBeDefined();
      const entry = full[i];
      const zero = entry instanceof Float64Array && entry.length === 0;
      const expected = zero ? new Float64Array((inputs[i] as Float64Array).length) : entry;
      expect(part!(upstream, out, ...inputs), `${name}.backward[${i}]`).toEqual(expected);
    });
  });
});

describe.each(arrayGates)("array gate %s", (name, gate) => {
  it("has a check", () => expect(shapes[name], `${name} has no shapes to be checked with`).toBeDefined());

  it("backward matches finite differences of forward", () => {
    const r = rng(name.length * 101);
    const inputs = shapes[name]!(r);
    const out = gate(...inputs);
    // A random upstream gradient; the objective is upstream · forward.
    const upstream = typeof out === "number" ? 1.7 : rand(r, out.length);
    const objective = (xs: (Float64Array | number)[]) => {
      const y = gate(...xs);
      if (typeof y === "number") return (upstream as number) * y;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += (upstream as Float64Array)[i]! * y[i]!;
      return s;
    };
    const grads = gate.backward(upstream, out, ...inputs);
    gate.inputs.forEach((kind, i) => {
      if (kind === "number") {
        // A number input (a part's upstream gradient `grad`, logSumExp's part's `out`).
        const fd = finiteDifference(
          ([v]) => objective(inputs.map((x, j) => (j === i ? v! : x))),
          [inputs[i] as number],
          0,
          1e-4,
        );
        expect(
          close(grads[i] as number, fd, 1e-6),
          `${name} input ${i}: backward ${grads[i]}, finite differences ${fd}`,
        ).toBe(true);
        return;
      }
      if (kind !== "array") return;
      const a = inputs[i] as Float64Array;
      // A tangent's backward may give a gradient that is zero everywhere as an empty array.
      const empty = (grads[i] as Float64Array).length === 0 && name.endsWith(".tangent");
      const g = empty ? new Float64Array(a.length) : (grads[i] as Float64Array);
      expect(g.length).toBe(a.length);
      for (let k = 0; k < a.length; k++) {
        const fd = finiteDifference(
          ([v]) => {
            const copy = a.slice();
            copy[k] = v!;
            return objective(inputs.map((x, j) => (j === i ? copy : x)));
          },
          [a[k]!],
          0,
          1e-4,
        );
        expect(close(g[k]!, fd, 1e-6), `${name} input ${i}[${k}]: backward ${g[k]}, finite differences ${fd}`).toBe(
          true,
        );
      }
    });
  });
});

describe.each(arrayGates)("array gate %s's tangent (forward mode)", (name, gate) => {
  // tangent(v) = J v: against finite differences of forward along v, and against the backward
  // (u · J v = (Jᵀ u) · v), with some inputs' tangents left out (undefined: zero).
  it("matches finite differences along a direction and the backward", () => {
    const r = rng(name.length * 37 + 5);
    const inputs = shapes[name]!(r);
    const out = gate(...inputs);
    for (const omit of [-1, 0, 1]) {
      const tangents = gate.inputs.flatMap((kind, i) =>
        kind === "size"
          ? []
          : [i === omit ? undefined : kind === "array" ? rand(r, (inputs[i] as Float64Array).length) : r()],
      );
      const t = gate.tangent(out, ...inputs, ...tangents);
      const along = (e: number) => {
        let k = 0;
        return inputs.map((x, i) => {
          if (gate.inputs[i] === "size") return x;
          const d = tangents[k++];
          if (d === undefined) return x;
          return typeof x === "number" ? x + e * (d as number) : x.map((v, j) => v + e * (d as Float64Array)[j]!);
        });
      };
      const u = typeof out === "number" ? 1 : rand(r, out.length);
      const project = (y: Float64Array | number) =>
        typeof y === "number" ? y * (u as number) : y.reduce((s, v, j) => s + v * (u as Float64Array)[j]!, 0);
      const fd = finiteDifference(([e]) => project(gate(...along(e!))), [0], 0, 1e-4);
      expect(close(project(t), fd, 1e-6), `${name}: tangent ${project(t)}, differences ${fd}`).toBe(true);
      const grads = gate.backward(u, out, ...inputs);
      let k = 0;
      const viaBackward = inputs.reduce<number>((s, _, i) => {
        if (gate.inputs[i] === "size") return s;
        const d = tangents[k++];
        if (d === undefined) return s;
        return (
          s +
          (typeof d === "number"
            ? (grads[i] as number) * d
            : (grads[i] as Float64Array).reduce((a, g, j) => a + g * d[j]!, 0))
        );
      }, 0);
      expect(
        close(project(t), viaBackward, 1e-9),
        `${name}: u · tangent ${project(t)}, backward · v ${viaBackward}`,
      ).toBe(true);
    }
  });
});

describe.each(arrayGates)("array gate %s's tangent's backward (second order)", (name, gate) => {
  // f_hvp differentiates the tangent again: its backward against finite differences of the
  // tangent in each argument it takes (out, when the tangent reads it; each input; each tangent
  // given), with a tangent left out too.
  it("matches finite differences of the tangent in every argument", () => {
    const r = rng(name.length * 53 + 11);
    const inputs = shapes[name]!(r);
    const out = gate(...inputs);
    const kinds = gate.tangent.inputs;
    expect(kinds.length).toBe(1 + gate.inputs.length + gate.inputs.filter((k) => k !== "size").length);
    expect(gate.tangent.reads).toEqual(kinds.flatMap((k, i) => (k === "array" ? [i] : [])));
    for (const omit of [-1, 0, 1]) {
      const tangents = gate.inputs.flatMap((kind, i) =>
        kind === "size"
          ? []
          : [i === omit ? undefined : kind === "array" ? rand(r, (inputs[i] as Float64Array).length) : r()],
      );
      const args: (Float64Array | number | undefined)[] = [out, ...inputs, ...tangents];
      const t = gate.tangent(...(args as [Float64Array | number, ...(Float64Array | number | undefined)[]]));
      const u = typeof t === "number" ? 1.3 : rand(r, t.length);
      const project = (y: Float64Array | number) =>
        typeof y === "number" ? y * (u as number) : y.reduce((s, v, j) => s + v * (u as Float64Array)[j]!, 0);
      const grads = gate.tangent.backward(u, t, ...(args as [Float64Array | number, ...(Float64Array | number)[]]));
      expect(grads.length).toBe(args.length);
      args.forEach((a, i) => {
        if (kinds[i] === "size" || a === undefined) {
          if (i > 0 && kinds[i] === "size") expect(grads[i], `${name} size ${i}`).toBeUndefined();
          return;
        }
        const g = grads[i];
        const moved = (k: number, e: number) =>
          project(
            gate.tangent(
              ...(args.map((x, j) =>
                j !== i ? x : typeof x === "number" ? e : (x as Float64Array).map((v, m) => (m === k ? e : v)),
              ) as [Float64Array | number, ...(Float64Array | number | undefined)[]]),
            ),
          );
        if (typeof a === "number") {
          const fd = finiteDifference(([e]) => moved(0, e!), [a], 0, 1e-4);
          expect(close(g as number, fd, 1e-6), `${name} argument ${i}: backward ${g}, differences ${fd}`).toBe(true);
          return;
        }
        // A gradient that is zero everywhere may come back empty (ZERO_GRADIENT): then zeros.
        const empty = (g as Float64Array).length === 0;
        if (!empty) expect((g as Float64Array).length, `${name} argument ${i}`).toBe(a.length);
        for (let k = 0; k < a.length; k++) {
          const fd = finiteDifference(([e]) => moved(k, e!), [a[k]!], 0, 1e-4);
          const gk = empty ? 0 : (g as Float64Array)[k]!;
          expect(close(gk, fd, 1e-6), `${name} argument ${i}[${k}]: backward ${gk}, differences ${fd}`).toBe(true);
        }
      });
    }
  });
});

describe.each(arrayGates)("array gate %s declares what its backward reads", (name, gate) => {
  // Generated code copies only the inputs in `reads` when the program writes them after the call,
  // so a backward must not depend on the values of any other array, nor of an array `out`.
  it("gives the same gradients when the arrays it does not read hold other values", () => {
    const r = rng(name.length * 7);
    const inputs = shapes[name]!(r);
    const out = gate(...inputs);
    const upstream = typeof out === "number" ? 0.9 : rand(r, out.length);
    const expected = gate.backward(upstream, out, ...inputs);
    const scrambled = inputs.map((x, i) =>
      gate.inputs[i] === "array" && !gate.reads.includes(i) ? rand(r, (x as Float64Array).length) : x,
    );
    const otherOut = typeof out === "number" ? out : rand(r, out.length);
    expect(gate.backward(upstream, otherOut, ...scrambled)).toEqual(expected);
  });

  // f_hvp hands a tangent's backward the tangent it returned, which the program may since have
  // written in place (a sum into it), and copies none of the arrays its tangent does not read.
  it("gives the same tangent gradients when its array result and the arrays its tangent does not read hold other values", () => {
    const r = rng(name.length * 13 + 5);
    const inputs = shapes[name]!(r);
    const out = gate(...inputs);
    const tangents = gate.inputs.flatMap((kind, i) =>
      kind === "size" ? [] : [kind === "array" ? rand(r, (inputs[i] as Float64Array).length) : r()],
    );
    const args = [out, ...inputs, ...tangents] as [Float64Array | number, ...(Float64Array | number)[]];
    const t = gate.tangent(...args);
    const u = typeof t === "number" ? 1.3 : rand(r, t.length);
    const expected = gate.tangent.backward(u, t, ...args);
    const other = (x: Float64Array | number) => (typeof x === "number" ? x : rand(r, x.length));
    const scrambled = args.map((x, i) => (gate.tangent.inputs[i] === "size" ? other(x) : x)) as typeof args;
    expect(gate.tangent.backward(u, other(t), ...scrambled)).toEqual(expected);
  });

  it("reads only array inputs, each once", () => {
    expect(gate.reads.every((i) => gate.inputs[i] === "array")).toBe(true);
    expect(new Set(gate.reads).size).toBe(gate.reads.length);
  });
});

/**
 * Choices of wanted flags for `n` gradients: every one for up to six, else each gradient alone,
 * all but each one, and 16 at random (a derivative three steps down has up to 32 arguments).
 */
function wantedFlags(n: number, r: () => number): boolean[][] {
  if (n <= 6)
    return Array.from({ length: 1 << n }, (_, mask) => Array.from({ length: n }, (_, k) => (mask & (1 << k)) !== 0));
  const one = (k: number, w: boolean) => Array.from({ length: n }, (_, j) => (j === k) === w);
  return [
    ...Array.from({ length: n }, (_, k) => one(k, true)),
    ...Array.from({ length: n }, (_, k) => one(k, false)),
    ...Array.from({ length: 16 }, () => Array.from({ length: n }, () => r() < 0.5)),
  ];
}

describe.each(arrayGates.filter(([, g]) => (g as { partial?: boolean }).partial))(
  "partial array gate %s skips the gradients not wanted",
  (name, gate) => {
    // adgen passes a wanted flag per differentiated input after the inputs when some gradient is
    // not wanted: each wanted one is the full backward's, each other one empty (never read).
    it("gives the full backward's gradient for every wanted input, an empty array for the others", () => {
      const r = rng(name.length * 13);
      const inputs = shapes[name]!(r);
      const out = gate(...inputs);
      const upstream = typeof out === "number" ? 0.7 : rand(r, out.length);
      const full = gate.backward(upstream, out, ...inputs);
      const differentiated = gate.inputs.flatMap((kind, i) => (kind === "size" ? [] : [i]));
      for (const wanted of wantedFlags(differentiated.length, r)) {
        const partial = (gate.backward as (...xs: unknown[]) => (Float64Array | number | undefined)[])(
          upstream,
          out,
          ...inputs,
          ...wanted,
        );
        differentiated.forEach((input, k) => {
          if (wanted[k]) expect(partial[input]).toEqual(full[input]);
          // A gate's own tangent's backward (tangent-backward.ts) may leave a gradient not wanted
          // undefined or compute it anyway: generated code never reads it.
          else if (/^\w+\.tangent$/.test(name)) return;
          else if (typeof full[input] === "number") expect(partial[input]).toBe(0);
          else expect((partial[input] as Float64Array).length).toBe(0);
        });
      }
    });
  },
);

describe.each(arrayGates)("array gate %s's tangent's backward skips the gradients not wanted", (name, gate) => {
  // f_hvp passes a wanted flag per input and tangent with a gradient, after every tangent slot
  // (a tangent left out as undefined): each wanted gradient is the full backward's.
  it("gives the full backward's gradient for every wanted argument", () => {
    expect((gate.tangent as { partial?: boolean }).partial).toBe(true);
    const r = rng(name.length * 29 + 3);
    const inputs = shapes[name]!(r);
    const out = gate(...inputs);
    const kinds = gate.tangent.inputs;
    const flagged = kinds.flatMap((k, i) => (k === "size" ? [] : [i]));
    for (const omit of [-1, 0, 1]) {
      const tangents = gate.inputs.flatMap((kind, i) =>
        kind === "size"
          ? []
          : [i === omit ? undefined : kind === "array" ? rand(r, (inputs[i] as Float64Array).length) : r()],
      );
      const args = [out, ...inputs, ...tangents] as [Float64Array | number, ...(Float64Array | number)[]];
      const t = gate.tangent(...args);
      const u = typeof t === "number" ? 0.8 : rand(r, t.length);
      const full = gate.tangent.backward(u, t, ...args);
      const backward = gate.tangent.backward as (...xs: unknown[]) => (Float64Array | number | undefined)[];
      for (const wanted of wantedFlags(flagged.length, r)) {
        const partial = backward(u, t, ...args, ...wanted);
        flagged.forEach((i, k) => {
          if (wanted[k] && args[i] !== undefined) expect(partial[i], `${name} argument ${i}`).toEqual(full[i]);
        });
      }
    }
  });
});

describe("shape errors are clear run-time errors", () => {
  it("matmul with a wrong length", () => {
    expect(() => gates.matmul(F([1, 2, 3]), F([1, 2]), 2, 2, 1)).toThrow(
      "adgen/gates matmul: 'x' has length 3, but the shape n×d = 2×2 needs 4",
    );
  });
  it("dot of different lengths", () => {
    expect(() => gates.dot(F([1, 2]), F([1]))).toThrow("adgen/gates dot: the arrays have lengths 2 and 1");
  });
});

describe("forward mode's fused products: gate.jvp is [gate(...), gate.tangent(...)]", () => {
  // Sizes the tiles (4 rows × 2 columns, rows of 4 columns, gemm's rows of 8) do not divide,
  // 1×N and N×1 results, batch 1 and larger, each tangent given or left out, and aliased operands
  // (one array as both inputs, or as an input and a tangent). The value is the gate's bit for bit
  // (f_jvp's and f_hvp's value is f's exactly); the tangent sums in another order than the
  // gate's tangent (two products added), so it agrees to rounding.
  const r = rng(4711);
  const agree = (a: Float64Array, b: Float64Array, what: string) => {
    expect(a.length, what).toBe(b.length);
    a.forEach((v, i) => expect(close(v, b[i]!, 1e-12), `${what}[${i}]: ${v} against ${b[i]}`).toBe(true));
  };
  const choices = <T>(a: T, b: T) => [
    [a, b],
    [a, undefined],
    [undefined, b],
  ];
  /** The check of each gate's `jvp`, by name: a gate with a `jvp` and no check fails. */
  const checks: Record<string, () => void> = {};
  checks.matmul = () => {
    for (const [n, d, m] of [
      [1, 7, 5],
      [1, 9, 13],
      [3, 7, 5],
      [5, 11, 3],
      [6, 3, 1],
      [7, 9, 1],
      [9, 10, 7],
      [1, 64, 10],
    ] as const) {
      const [x, w] = [rand(r, n * d), rand(r, d * m)];
      const out = gates.matmul(x, w, n, d, m);
      for (const [dx, dw] of choices(rand(r, n * d), rand(r, d * m))) {
        const [y, dy] = gates.matmul.jvp(x, w, n, d, m, dx, dw);
        expect(y, `matmul ${n}×${d}×${m}`).toEqual(out);
        agree(dy, gates.matmul.tangent(out, x, w, n, d, m, dx, dw), `matmul's tangent ${n}×${d}×${m} ${!!dx} ${!!dw}`);
      }
    }
    // Aliased: s·s, with s also its own tangent.
    for (const k of [1, 3, 5, 9]) {
      const s = rand(r, k * k);
      const out = gates.matmul(s, s, k, k, k);
      for (const [ds, dt] of [...choices(s, s), ...choices(rand(r, k * k), undefined)]) {
        const [y, dy] = gates.matmul.jvp(s, s, k, k, k, ds, dt ?? ds);
        expect(y, `matmul(s, s) ${k}`).toEqual(out);
        agree(dy, gates.matmul.tangent(out, s, s, k, k, k, ds, dt ?? ds), `matmul(s, s)'s tangent ${k}`);
      }
    }
  };
  checks.matvec = () => {
    for (const [n, d] of [
      [1, 7],
      [3, 5],
      [5, 9],
      [8, 8],
      [9, 1],
      [6, 13],
    ] as const) {
      const [w, x] = [rand(r, n * d), rand(r, d)];
      const out = gates.matvec(w, x, n, d);
      for (const [dw, dx] of choices(rand(r, n * d), rand(r, d))) {
        const [y, dy] = gates.matvec.jvp(w, x, n, d, dw, dx?.subarray(0, d));
        expect(y, `matvec ${n}×${d}`).toEqual(out);
        agree(dy, gates.matvec.tangent(out, w, x, n, d, dw, dx?.subarray(0, d)), `matvec's tangent ${n}×${d}`);
      }
    }
    // Aliased: a row times itself, a·a (1×d by d), with a also its own tangent.
    for (const d of [1, 5, 9]) {
      const a = rand(r, d);
      const out = gates.matvec(a, a, 1, d);
      for (const t of [a, rand(r, d)]) {
        const [y, dy] = gates.matvec.jvp(a, a, 1, d, t, t);
        expect(y, `matvec(a, a) ${d}`).toEqual(out);
        agree(dy, gates.matvec.tangent(out, a, a, 1, d, t, t), `matvec(a, a)'s tangent ${d}`);
      }
    }
  };
  const fused = topGates.filter(([, g]) => typeof (g as { jvp?: unknown }).jvp === "function").map(([name]) => name);
  it("some gates have a fused jvp", () => expect(fused.length).toBeGreaterThan(0));
  it.each(fused)("%s.jvp is the gate's value (bit for bit) and its tangent", (name) => {
    expect(checks[name], `${name}.jvp has no check`).toBeDefined();
    checks[name]!();
  });
  it("a wrong length is the gate's error", () => {
    expect(() => gates.matmul.jvp(F([1, 2, 3]), F([1, 2]), 2, 2, 1)).toThrow(
      "adgen/gates matmul: 'x' has length 3, but the shape n×d = 2×2 needs 4",
    );
    expect(() => gates.matmul.jvp(F([1, 2]), F([1, 2]), 1, 2, 1, undefined, F([1]))).toThrow(
      "adgen/gates matmul: 'dw' has length 1, but the shape d×m = 2×1 needs 2",
    );
  });
});
