/**
 * Nested differentiation on a fuzzed program with a number result (docs/FUZZING.md): adgen
 * differentiates `grad(f)` and `jvp(f)` called inside a function of the same module,
 *
 *   outer_rr(xs) = Σ c · grad(f)(xs).grad        (reverse over reverse)
 *   outer_rf(xs) = jvp(f)(xs, c).tangent          (reverse over forward)
 *
 * for a fixed direction `c`, and each `outer_*_grad(xs).grad` must be the Hessian-vector
 * product H·c that `f_hvp(xs, c)` gives (forward over reverse), to 1e-8 of the largest entry;
 * `outer_rr`'s value must be Σ c · f_grad's gradient (1e-12) and `outer_rf`'s f_jvp's tangent.
 */
import { compile } from "../src/index.js";
import type { Program } from "./ast.js";
import type { Outcome } from "./check.js";
import { copy, errorName, fail, isRec, keysOf, loadGenerated, show, type Value } from "./values.js";

type Outer = (xs: unknown[]) => { value: number; grad: Record<string, Value> };
export interface Nested {
  /** The direction `c`, per parameter: a number, or an entry per array element or record field. */
  direction: number[][];
  rr?: Outer;
  rf?: Outer;
}

const entries = (x: Value): number[] =>
  typeof x === "number" ? [x] : keysOf(x).map((k) => (x as Record<string | number, number>)[k]!);

/** The outer functions, each printed after the program alone (imports hoist, so they may come last). */
function wrappers(p: Program, direction: number[][]): Record<"rr" | "rf", string> {
  const params = p.main.params.map((q) => `${q.name}: ${q.type}`).join(", ");
  const args = p.main.params.map((q) => q.name).join(", ");
  const terms: string[] = [];
  const tangents: string[] = [];
  /** Statements building the Float64Array tangents. */
  const setup: string[] = [];
  p.main.params.forEach((q, i) => {
    const c = direction[i]!;
    if (q.type === "number") {
      terms.push(`g.${q.name} * ${c[0]}`);
      tangents.push(`${q.name}: ${c[0]}`);
    } else if (q.type === "R") {
      const fields = p.record ?? [];
      fields.forEach((f, k) => terms.push(`g.${q.name}.${f} * ${c[k]}`));
      tangents.push(`${q.name}: { ${fields.map((f, k) => `${f}: ${c[k]}`).join(", ")} }`);
    } else {
      c.forEach((v, k) => terms.push(`g.${q.name}[${k}]! * ${v}`));
      if (q.type === "Float64Array") {
        setup.push(`  const t_${q.name} = new Float64Array(${c.length});`);
        c.forEach((v, k) => setup.push(`  t_${q.name}[${k}] = ${v};`));
        tangents.push(`${q.name}: t_${q.name}`);
      } else tangents.push(`${q.name}: [${c.join(", ")}]`);
    }
  });
  return {
    rr: [
      `import { grad } from "adgen";`,
      `export function outer_rr(${params}): number {`,
      `  const g = grad(f)(${args}).grad;`,
      `  return ${terms.length > 0 ? terms.join(" + ") : "0"};`,
      `}`,
    ].join("\n"),
    rf: [
      `import { jvp } from "adgen";`,
      `export function outer_rf(${params}): number {`,
      ...setup,
      `  return jvp(f)(${args}, { ${tangents.join(", ")} }).tangent;`,
      `}`,
    ].join("\n"),
  };
}

/** Compiles the two outer functions around `source`; a refusal is a failure. */
export async function loadNested(
  p: Program,
  source: string,
  lengths: number[],
  random: () => number,
): Promise<Nested | Outcome> {
  const direction = lengths.map((n) => Array.from({ length: n }, () => Math.round((random() * 2 - 1) * 1e3) / 1e3));
  const nested: Nested = { direction };
  const outer = wrappers(p, direction);
  for (const which of ["rr", "rf"] as const) {
    const name = `outer_${which}`;
    let code: string;
    try {
      const result = await compile(`${source}\n${outer[which]}\n`, { language: "js", format: false });
      const d = result.diagnostics[0];
      if (d) return fail("refused", `${name}: ${d.code}: ${d.message} (line ${d.line})`, `refused nested ${d.code}`);
      code = result.code;
    } catch (e) {
      const stack = String((e as Error)?.stack ?? e).split("\n");
      return fail("compile crash", `${name}: ${stack.slice(0, 4).join("\n")}`, `compile crash nested ${errorName(e)}`);
    }
    try {
      nested[which] = loadGenerated<ReturnType<Outer>>(code, `${name}_grad`);
    } catch (e) {
      return fail("load failure", `${name}_grad: ${String(e)}`, `load failure nested ${errorName(e)}`);
    }
  }
  return nested;
}

/** Checks the outer functions' gradients against `hvp` (f_hvp's, flattened) at one point. */
export function checkNestedAt(
  nested: Nested,
  names: string[],
  xs: Value[],
  grad: number[],
  tangent: number,
  hvp: number[],
  where: string,
): Outcome | number {
  const c = nested.direction.flat();
  let value = 0;
  grad.forEach((g, k) => (value += g * c[k]!));
  const scale = 1 + hvp.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  let compared = 0;
  for (const [which, expected] of [
    ["rr", value],
    ["rf", tangent],
  ] as const) {
    const outer = nested[which];
    if (!outer) continue;
    let out: ReturnType<Outer>;
    try {
      out = outer(xs.map(copy));
    } catch (e) {
      return fail(
        "run failure",
        `outer_${which}_grad throws ${String(e)} ${where}`,
        `run failure nested ${errorName(e)}`,
      );
    }
    if (!(Math.abs(out.value - expected) <= 1e-12 * (1 + Math.abs(expected))))
      return fail(
        "wrong value",
        `outer_${which}'s value ${out.value}, expected ${expected} ${where}`,
        "wrong value nested",
      );
    const got = names.flatMap((n) => {
      const g = out.grad?.[n];
      return g === undefined
        ? []
        : typeof g === "number" || isRec(g) || ArrayBuffer.isView(g) || Array.isArray(g)
          ? entries(g)
          : [];
    });
    if (got.length !== hvp.length)
      return fail(
        "gradient shape",
        `outer_${which}_grad has ${got.length} entries, f_hvp ${hvp.length}`,
        "nested shape",
      );
    for (let k = 0; k < hvp.length; k++)
      if (!(Math.abs(got[k]! - hvp[k]!) <= 1e-8 * scale))
        return fail(
          "wrong hvp",
          `outer_${which}_grad entry ${k} is ${got[k]}, f_hvp gives ${hvp[k]} (direction ${show(c)}) ${where}`,
          `wrong hvp nested ${which}`,
        );
    compared += hvp.length;
  }
  return compared;
}
