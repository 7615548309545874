/**
 * Forward mode on every fixture: `f_jvp`'s value is `f`'s exactly, and its tangent along a
 * random direction agrees with finite differences of `f` (one parameter's move at a time, summed)
 * and with the gradient
 * (`tangent = grad · t`; for a vector-valued function, `w · tangent = vjp(w) · t`). Forward
 * mode takes every fixture reverse mode takes: numbers, arrays, matrices (tangents shaped like
 * them), records, tuples and arrays of them, classes, gates and array gates.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/index.js";
import { passingFixtures, root } from "./support/fixtures.js";
import { close, finiteDifference, rng } from "./support/numeric.js";
import {
  along,
  copy,
  dotWith,
  inner,
  paramNames,
  randomDirection,
  samplePoint,
  type Fn,
  type GradFn,
  type Value,
} from "./support/points.js";

type JvpFn = (...xs: [...Value[], Record<string, Value>]) => { value: Value; tangent: Value };

const out = join(root, "test", ".generated", "forward");
mkdirSync(out, { recursive: true });

describe.each(passingFixtures().map((f) => [f.name, f] as const))("%s", (_, fixture) => {
  it("f_jvp agrees with finite differences and with the gradient", async () => {
    const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
    const result = await compile(source, {
      fileName: fixture.input,
      modes: ["jvp"],
      ...(fixture.options.wrt ? { wrt: fixture.options.wrt } : {}),
    });
    expect(result.diagnostics.map((d) => d.message)).toEqual([]);
    const file = join(out, `${fixture.name.replace("/", "--")}.ts`);
    writeFileSync(file, result.code);
    const input = (await import(`${join(fixture.dir, "input.ts")}?all-exports`)) as Record<string, unknown>;
    const reverse = (await import(join(fixture.dir, "output.ts"))) as Record<string, unknown>;
    const forward = (await import(file)) as Record<string, unknown>;
    const names = Object.keys(forward).filter((k) => k.endsWith("_jvp"));
    expect(names.length).toBeGreaterThan(0);
    const seeded = rng(0x7a9);
    for (const name of names) {
      const base = name.slice(0, -"_jvp".length);
      const f = input[base] as Fn;
      const jvp = forward[name] as JvpFn;
      // A fixture whose Jacobian is by columns alone has no reverse companion to compare with.
      const vjp = (reverse[`${base}_grad`] ?? reverse[`${base}_vjp`]) as GradFn | undefined;
      if (!vjp) expect(fixture.options.modes, `${base} has no f_grad or f_vjp`).toContain("jacobian");
      const params = paramNames(f);
      // What the companion differentiates: its last parameter's fields (not `Data<T>` parameters).
      const fields = result.functions.find((g) => g.name === name)!.params.at(-1)!.fields ?? [];
      const wrt = params.filter((p) => fields.some((q) => (q.path?.[0] ?? q.name) === p));
      const points = Array.from({ length: 3 }, () => samplePoint(fixture, params, seeded, input));
      for (const xs of [...(fixture.options.at ?? []).filter((a) => a.length === params.length), ...points]) {
        // A direction: every differentiated parameter that is not a size moves.
        const t = randomDirection(fixture, params, wrt, xs, seeded);
        const y = f(...xs.map(copy));
        const args = xs.map(copy);
        const { value, tangent } = jvp(...args, t);
        expect(value, `${name} value`).toEqual(y);
        args.forEach((a, i) => expect(a, `${name} must not modify ${params[i]}`).toEqual(xs[i]));
        const vector = typeof y !== "number";
        const w = vector ? Array.from({ length: (y as ArrayLike<number>).length }, () => seeded() * 2 - 1) : [];
        // Moving one parameter at a time, as the gradient check does: a direction that moves an
        // integer parameter and another together would cross `n === 2` off its diagonal.
        const objective = (p: string, e: number) => {
          const fy = f(...xs.map((x, i) => (params[i] === p ? along(x, t[p], e) : copy(x))));
          return vector ? dotWith(w, fy) : (fy as number);
        };
        const projected = vector ? dotWith(w, tangent) : (tangent as number);
        const fd = Object.keys(t).reduce(
          (s, p) => s + finiteDifference((es) => objective(p, es[0]!), [0], 0, fixture.options.step),
          0,
        );
        const tol = fixture.options.tolerance ?? 1e-6;
        expect(close(projected, fd, tol), `${name} along t at [${xs}]: tangent ${projected}, differences ${fd}`).toBe(
          true,
        );
        if (!vjp) continue;
        const seed = vector ? [(y instanceof Float64Array ? Float64Array.from(w) : w) as Value] : [];
        const { grad } = vjp(...xs.map(copy), ...seed);
        const viaGrad = Object.entries(t).reduce((s, [p, tp]) => s + inner(grad[p]!, tp), 0);
        expect(close(projected, viaGrad, 1e-9), `${name}: tangent ${projected}, grad · t ${viaGrad}`).toBe(true);
      }
    }
  });
});
