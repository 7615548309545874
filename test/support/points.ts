/** Points to check generated functions at: parameters of fixtures, sampled as options.json says. */
import type { Fixture } from "./fixtures.js";

export type Value = number | Float64Array | number[];
export type Fn = (...xs: Value[]) => Value;
export type GradFn = (...xs: Value[]) => { value: Value; grad: Record<string, Value> };

export function paramNames(f: Function): string[] {
  // Parameters of compiled functions are plain identifiers (the subset adgen accepts).
  const src = f.toString();
  const open = src.indexOf("(");
  const close = src.indexOf(")", open);
  const list = src.slice(open + 1, close).trim();
  return list ? list.split(",").map((p) => p.trim().split(/[\s:=]/)[0]!) : [];
}

/** A parameter's kind, from options.json `params`: an array spec, a fixed number, or sampled. */
export function paramSpec(
  f: Fixture,
  p: string,
): { array: "Float64Array" | "number[]"; length: number } | { fixed: number } | undefined {
  const spec = f.options.params?.[p];
  if (typeof spec === "number") return { fixed: spec };
  const m = spec === undefined ? null : /^(Float64Array|number\[\])\((\d+)\)$/.exec(spec);
  if (m) return { array: m[1] as "Float64Array" | "number[]", length: Number(m[2]) };
  return undefined;
}

export function samplePoint(f: Fixture, params: string[], random: () => number): Value[] {
  const d = f.options.domain;
  const draw = (p: string) => {
    const [lo, hi] = Array.isArray(d) ? d : (d?.[p] ?? [-2, 2]);
    return lo + (hi - lo) * random();
  };
  return params.map((p) => {
    const spec = paramSpec(f, p);
    if (spec && "fixed" in spec) return spec.fixed;
    if (spec) {
      const values = Array.from({ length: spec.length }, () => draw(p));
      return spec.array === "Float64Array" ? Float64Array.from(values) : values;
    }
    return draw(p);
  });
}

export const copy = (x: Value): Value => (typeof x === "number" ? x : x.slice());
export const dotWith = (w: ArrayLike<number>, y: Value): number => {
  if (typeof y === "number") throw new Error("expected an array result");
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i]! * y[i]!;
  return s;
};
