/**
 * Issue 11 items 5 and 6: forward-mode output is valid input. For a deterministic half of the
 * fixtures (SAMPLE), `f_jvp` and (for a function returning a number) `f_hvp` are generated as a
 * user gets them from the CLI (compile's defaults: simplified, fused, split where large, kernels,
 * formatted). adgen reads that module back and differentiates, in reverse mode,
 *
 *     h(...params, tangents, unit) = flat(f_jvp(...params, tangents).tangent) · unit
 *     h(...params, v, unit)        = flat(f_hvp(...params, v).hvp) · unit
 *
 * with respect to `f`'s differentiated parameters and the tangents (`v`), whose fields are
 * optional: the generated entries read them by destructuring with defaults
 * (src/parser/lower/optional-fields.ts), and the directions below leave a size's field out, so the
 * defaults are taken too. Array gates' tangents (`dot.tangent(...)`) are read as array gates.
 *
 * Two forms only the default writes are read too, and every fixture whose companions have one
 * is read besides the half: the kernel of an f_hvp / f_jvp of numbers (its module-level scratch
 * array read as an array local to each call, src/parser/lower/scratch.ts) and a fused gate call
 * (`matmul.jvp`, read as the gate and its tangent, src/parser/lower/gate-backwards.ts).
 *
 * At two points per function:
 * - `h_grad`'s value is `h`'s (the companion read back computes what it computes), and its
 *   gradient agrees with finite differences of `h` along a random direction (every differentiated
 *   parameter and the tangents moved).
 * - For `f_jvp` of a function returning a number, reverse over forward is `f_hvp` computed another
 *   way (forward over reverse): `h_grad`'s gradient with respect to `f`'s parameters is `f_hvp`'s
 *   `hvp`, with respect to the tangents `f_hvp`'s `grad`, to rounding (1e-10 relative).
 * - The derivatives pass `tsc --strict` with noUncheckedIndexedAccess.
 *
 * What adgen refuses to read back is listed in `REFUSED` with its diagnostic and the reason.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { compile, type CompileResult } from "../src/index.js";
import { passingFixtures, root, type Fixture } from "./support/fixtures.js";
import { close, finiteDifference, rng } from "./support/numeric.js";
import { along, copy, flatten, paramNames, randomDirection, samplePoint, type Value } from "./support/points.js";
import { userParams, wrapper } from "./support/weighted-sum.js";

const out = join(root, "test", ".generated", "self-input");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** FNV-1a of a fixture's name: which half of the fixtures it falls in does not change as fixtures are added. */
const hash = (name: string): number =>
  [...name].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0, 2166136261);

/**
 * The fixtures read: half of them, chosen by their names' hash (the whole set takes about two
 * minutes on a loaded two-core machine), and every one of the suites about forward and second
 * order; and every other one whose f_jvp or f_hvp has a kernel or a fused gate call.
 */
const FIXTURES = passingFixtures();
const SAMPLE = FIXTURES.filter((f) => hash(f.name) % 2 === 0 || /^(forward|second-order)\//.test(f.name));
const OTHERS = FIXTURES.filter((f) => !SAMPLE.includes(f));

/** What only the default writes: a kernel's scratch array, a fused gate call. */
const KERNEL = /^const \w+_scratch(_\d+)? = new Float64Array\(\d+\);$/m;
const FUSED = /= (matmul|matvec)\.jvp\(/;

/** Relative agreement required between reverse over forward and `f_hvp`. */
const TOLERANCE = 1e-10;

/** What adgen does not read back, by diagnostic code, as `suite/case (companion)`, each group with its reason. */
const REFUSED: Record<string, string[]> = {};

/**
 * Companions whose value read back may differ from theirs by rounding, each with its reason. A fused
 * `matmul.jvp` is read as the gate and its tangent (src/parser/lower/gate-backwards.ts); at shapes
 * the kernels' tiles do not divide (9×5 by 5×1, 6×9 by 9×5 and by 9×1, fused-products' point),
 * the fused tangent sums in another order than `matmul.tangent` does.
 */
const ROUNDED = ["second-order/fused-products (loss_hvp)"];

type Gradient = { value: number; grad: Record<string, Value> };
type Hvp = { value: number; grad: Record<string, Value>; hvp: Record<string, Value> };

/** `g · d` over the numbers of the direction `d`, read from the gradient `g` at the same keys (a record's fields the direction leaves out do not count). */
const dotAlong = (g: Value, d: Value): number => {
  if (typeof d === "number") return (g as number) * d;
  if (d instanceof Float64Array || Array.isArray(d))
    return Array.from(d as ArrayLike<Value>).reduce<number>(
      (s, x, k) => s + dotAlong((g as ArrayLike<Value>)[k]!, x),
      0,
    );
  return Object.entries(d).reduce((s, [k, x]) => s + dotAlong((g as Record<string, Value>)[k]!, x), 0);
};

/** The storage of a value as a generated signature writes it. */
const typeOfValue = (y: unknown): string =>
  typeof y === "number" ? "number" : y instanceof Float64Array ? "Float64Array" : "number[]";

/**
 * Forward modes of a fixture, as the CLI writes them: `f_jvp`, and `f_hvp` where `f` returns a
 * number (a fixture with a vector-valued function has an `f_vjp` in its output, as test/hvp.test.ts tells).
 */
function forward(fixture: Fixture, source: string): Promise<CompileResult> {
  const vector = readFileSync(join(fixture.dir, "output.ts"), "utf8").includes("_vjp(");
  return compile(source, {
    fileName: fixture.input,
    modes: vector ? ["jvp"] : ["jvp", "hvp"],
    ...(fixture.options.wrt ? { wrt: fixture.options.wrt } : {}),
  });
}

/** The text of the exported function `name` in a generated module, to its closing brace. */
function companionText(code: string, name: string): string {
  const start = code.indexOf(`export function ${name}(`);
  return start < 0 ? "" : code.slice(start, code.indexOf("\n}\n", start));
}

describe("f_jvp and f_hvp read back and differentiated", () => {
  it("every fixture: reverse over forward against differences and f_hvp, or a diagnostic", async () => {
    const seeded = rng(0x5e1f);
    const refused = new Map<string, string[]>();
    const messages: string[] = [];
    /** Companions read back whose module has a kernel, a fused call. */
    const withKernel: string[] = [];
    const withFused: string[] = [];
    const wrong: string[] = [];
    let functions = 0;
    let points = 0;
    /** Points skipped where the differences are not smooth. */
    const rough: string[] = [];
    let entries = 0;
    let worst = 0;
    let worstAt = "";
    let read = 0;
    for (const fixture of [...SAMPLE, ...OTHERS]) {
      const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
      const first = await forward(fixture, source);
      expect(
        first.diagnostics.map((d) => d.message),
        fixture.name,
      ).toEqual([]);
      if (!SAMPLE.includes(fixture) && !KERNEL.test(first.code) && !FUSED.test(first.code)) continue;
      read++;
      const module = fixture.name.replace("/", "--");
      writeFileSync(join(out, `${module}.ts`), first.code);
      const generated = (await import(join(out, `${module}.ts`))) as Record<string, unknown>;
      const input = (await import(`${join(fixture.dir, "input.ts")}?all-exports`)) as Record<string, unknown>;
      for (const c of first.functions.filter((g) => g.kind === "jvp" || g.kind === "hvp")) {
        const base = c.name.slice(0, -`_${c.kind}`.length);
        const f = input[base] as (...xs: Value[]) => Value;
        const fParams = paramNames(f);
        const params = userParams(c, first.code);
        const tangents = params.at(-1)!.name;
        // What the companion differentiates: its last parameter's fields (not `Data<T>` parameters).
        const fields = c.params.at(-1)!.fields ?? [];
        const fWrt = fParams.filter((p) => fields.some((q) => (q.path?.[0] ?? q.name) === p));
        const xs0 = samplePoint(fixture, fParams, seeded, input);
        const { source: wrapped, unit } = wrapper(
          c.name,
          module,
          params,
          c.kind === "jvp" ? "tangent" : "hvp",
          c.kind === "jvp"
            ? { type: typeOfValue(f(...xs0.map(copy))) }
            : params
                .filter((p) => fWrt.includes(p.name))
                .map((p) => ({ ...p, leaves: fields.filter((q) => (q.path?.[0] ?? q.name) === p.name) })),
        );
        const wrt = [...fWrt, tangents];
        const hFile = join(out, `${module}--${c.name}.ts`);
        const second = await compile(wrapped, { fileName: hFile, wrt });
        if (second.diagnostics.length > 0) {
          const d = second.diagnostics[0]!;
          const key = `${fixture.name} (${c.name})`;
          refused.set(d.code, [...(refused.get(d.code) ?? []), key]);
          messages.push(`${key}: ${relative(root, d.file)}:${d.line}:${d.column} ${d.code} ${d.message}`);
          continue;
        }
        writeFileSync(hFile, wrapped);
        writeFileSync(join(out, `${module}--${c.name}.grad.ts`), second.code);
        const h = ((await import(hFile)) as { h: (...xs: Value[]) => number }).h;
        const hGrad = ((await import(join(out, `${module}--${c.name}.grad.ts`))) as Record<string, unknown>).h_grad as (
          ...xs: Value[]
        ) => Gradient;
        const fHvp = generated[`${base}_hvp`] as ((...xs: Value[]) => Hvp) | undefined;
        const names = [...fParams, tangents, unit];
        for (const xs of [xs0, samplePoint(fixture, fParams, seeded, input)]) {
          // A direction for f: every differentiated parameter that is not a size (a size's field is left out).
          const t = randomDirection(fixture, fParams, fWrt, xs, seeded);
          const width = flatten(
            c.kind === "jvp" ? (f(...xs.map(copy)) as Value) : fWrt.map((p) => xs[fParams.indexOf(p)]!),
          ).length;
          // f_jvp's tangent of a number taken once (then h_grad is H·t, f_hvp's); other results weighted at random.
          const weights = Float64Array.from({ length: width }, () => (c.kind === "jvp" && fHvp ? 1 : seeded() * 2 - 1));
          const args: Value[] = [...xs, t, weights];
          const r = hGrad(...args.map(copy));
          const value = h(...args.map(copy));
          const rounded = ROUNDED.includes(`${fixture.name} (${c.name})`) && close(r.value, value, 1e-13);
          if (!(r.value === value || rounded || (Number.isNaN(r.value) && Number.isNaN(value))))
            wrong.push(`${fixture.name} ${c.name} at ${JSON.stringify(xs)}: h_grad's value ${r.value}, h ${value}`);
          // Along a direction moving f's differentiated parameters and the tangents, one at a time.
          const d = randomDirection(fixture, names, wrt, args, seeded);
          // f_hvp's derivative is a third derivative: a smaller step keeps the differences' error down.
          const step = (fixture.options.step ?? 1e-3) / (c.kind === "hvp" ? 4 : 1);
          const projected = Object.keys(d).reduce((s, p) => s + dotAlong(r.grad[p]!, d[p]!), 0);
          const differences = (h1: number) =>
            Object.keys(d).reduce(
              (s, p) =>
                s +
                finiteDifference(
                  (es) => h(...args.map((x, i) => (names[i] === p ? along(x, d[p], es[0]!) : copy(x)))),
                  [0],
                  0,
                  h1,
                ),
              0,
            );
          const fd = differences(step);
          const tolerance = Math.max(fixture.options.tolerance ?? 1e-6, c.kind === "hvp" ? 1e-5 : 0);
          // A kink inside the stencil (relu's, where f_jvp's tangent jumps) makes the differences
          // depend on the step: such a point is skipped, as the fuzzer does, and counted.
          if (!close(fd, differences(step / 4), 10 * tolerance)) {
            rough.push(`${fixture.name} ${c.name}`);
            continue;
          }
          points++;
          if (!close(projected, fd, tolerance))
            wrong.push(
              `${fixture.name} ${c.name} at ${JSON.stringify(xs)}: h_grad · d ${projected}, differences ${fd}`,
            );
          if (c.kind !== "jvp" || !fHvp) continue;
          // Reverse over forward = forward over reverse.
          const e = fHvp(...xs.map(copy), copy(t));
          const pairs = [
            ...fWrt.map((p) => [flatten(r.grad[p]!), flatten(e.hvp[p]!)] as const),
            ...fWrt.map(
              (p) => [flatten((r.grad[tangents] as Record<string, Value>)[p]!), flatten(e.grad[p]!)] as const,
            ),
          ];
          for (const [a, b] of pairs)
            for (let k = 0; k < Math.max(a.length, b.length); k++) {
              const [x, y] = [a[k]!, b[k]!];
              const diff = x === y ? 0 : Math.abs(x - y) / Math.max(1, Math.abs(x), Math.abs(y));
              entries++;
              if (!(diff <= worst)) {
                worst = Number.isNaN(diff) ? Infinity : diff;
                worstAt = `${fixture.name} ${c.name} at ${JSON.stringify(xs)}: ${x} and ${y}`;
              }
              if (!(diff <= TOLERANCE))
                wrong.push(`${fixture.name} ${c.name} at ${JSON.stringify(xs)}: reverse over forward ${x}, f_hvp ${y}`);
            }
        }
        functions++;
        // The companion, as the module has it: a kernel's wrapper names its scratch array, a fused call is in it.
        const text = companionText(first.code, c.name);
        if (KERNEL.test(first.code) && text.includes(`${c.name}_scratch`))
          withKernel.push(`${fixture.name} (${c.name})`);
        if (FUSED.test(text)) withFused.push(`${fixture.name} (${c.name})`);
      }
    }
    console.log(
      `f_jvp / f_hvp read back from ${read} fixtures: ${functions} functions differentiated, ${points} points against differences (${rough.length} skipped, not smooth: ${rough.join(", ")}), ` +
        `${entries} entries against f_hvp (largest relative difference ${worst}${worstAt ? `: ${worstAt}` : ""}); ` +
        `${withKernel.length} with a kernel: ${withKernel.join(", ")}; ${withFused.length} with a fused gate call: ${withFused.join(", ")}\n` +
        `${[...refused.values()].flat().length} refused:\n${messages.join("\n")}`,
    );
    expect(wrong).toEqual([]);
    // Kinks inside a stencil are rare: a handful of the points, never a way to skip a fixture.
    expect(rough.length, rough.join("\n")).toBeLessThanOrEqual(Math.ceil(points / 100));
    expect(Object.fromEntries(refused), messages.join("\n")).toEqual(REFUSED);
    expect(functions).toBeGreaterThanOrEqual(456);
    // The default's own forms are read, not avoided: companions with a kernel, with a fused call.
    expect(withKernel.length).toBeGreaterThanOrEqual(72);
    expect(withFused.length).toBeGreaterThanOrEqual(14);
    // The derivatives type-check.
    writeFileSync(
      join(out, "tsconfig.json"),
      JSON.stringify({
        extends: "../../../fixtures/tsconfig.json",
        compilerOptions: { noUncheckedIndexedAccess: true },
        include: ["*.grad.ts"],
      }),
    );
    const bin = join(root, "node_modules", ".bin", "tsc");
    const tsc = await promisify(execFile)(bin, ["-p", join(out, "tsconfig.json")], { cwd: root }).then(
      () => "",
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ""}${e.stderr ?? ""}`,
    );
    expect(tsc).toBe("");
  }, 300_000);
});
