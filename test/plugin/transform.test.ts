/**
 * The plugin's transform and load hooks on their own (AdgenContext, no bundler): which calls are
 * replaced and how, what is left alone, the companion each id yields, and the messages.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdgenContext, type HookContext } from "../../src/plugin/context.js";
import { companionId, companionSpecifier, parseCompanionId } from "../../src/plugin/id.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "adgen-transform-"));
  writeFileSync(
    join(dir, "model.ts"),
    `export function loss(w: number, b: number): number {\n  const r = w * 2 + b;\n  return r * r;\n}\n\nexport default function other(x: number) {\n  return x * x;\n}\n`,
  );
  writeFileSync(
    join(dir, "vec.ts"),
    `export function twice(x: Float64Array, k: number): Float64Array {\n  const y = new Float64Array(x.length);\n  for (let i = 0; i < x.length; i++) y[i] = k * x[i];\n  return y;\n}\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Messages {
  errors: { message: string; loc?: { line: number; column: number }; frame?: string }[];
  warnings: { message: string; frame?: string }[];
  watched: string[];
}

function hook(): HookContext & Messages {
  const m: Messages = { errors: [], warnings: [], watched: [] };
  return {
    ...m,
    error: (e) => m.errors.push(e as Messages["errors"][number]),
    warn: (w) => m.warnings.push(w as Messages["warnings"][number]),
    addWatchFile: (f) => m.watched.push(f),
  } as HookContext & Messages;
}

async function transform(code: string, name = "app.ts") {
  const h = hook();
  const result = await new AdgenContext("rollup").transform(h, code, join(dir, name));
  return { result, code: result?.code, ...h };
}

const specifier = (kind: string, name: string, wrt: string, file: string) =>
  JSON.stringify(`\0adgen-grad:${kind}:${name}:${wrt}:${join(dir, file)}`);

describe("transform", () => {
  it("replaces grad(f) of a relative import with the companion's default export, on the same lines", async () => {
    const input = [
      `import { grad } from "adgen";`,
      `import { loss } from "./model";`,
      ``,
      `export const dloss = grad(loss);`,
      `export const dw = grad(loss, { wrt: ["w"] });`,
      `export const again = grad(loss);`,
      ``,
    ].join("\n");
    const { code, warnings, errors } = await transform(input);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(code).toBe(
      [
        `import __adgen_loss_grad from ${specifier("export", "loss", "*", "model.ts")}; ` +
          `import __adgen_loss_grad_2 from ${specifier("export", "loss", "w", "model.ts")};`,
        `import { loss } from "./model";`,
        ``,
        `export const dloss = __adgen_loss_grad;`,
        `export const dw = __adgen_loss_grad_2;`,
        `export const again = __adgen_loss_grad;`,
        ``,
      ].join("\n"),
    );
  });

  it("follows aliases, namespace imports, default imports and `as const` options", async () => {
    const { code } = await transform(
      [
        `import { grad as g, version } from "adgen";`,
        `import * as m from "./model";`,
        `import other from "./model";`,
        `export const a = g(m.loss, { wrt: ["w", "b"] as const });`,
        `export const b = g(other);`,
        `export const v = version;`,
      ].join("\n"),
    );
    expect(code).toContain(`import __adgen_loss_grad from ${specifier("export", "loss", "w,b", "model.ts")};`);
    expect(code).toContain(`import __adgen_default_grad from ${specifier("export", "default", "*", "model.ts")};`);
    expect(code).toContain(`import { version } from "adgen";`);
    expect(code).toContain(`export const a = __adgen_loss_grad;`);
    expect(code).toContain(`export const b = __adgen_default_grad;`);

    const ns = await transform(
      `import * as ad from "adgen";\nfunction f(x: number) { return x * x; }\nexport const d = ad.grad(f);\n`,
    );
    expect(ns.code).toBe(
      `import __adgen_f_grad from ${specifier("local", "f", "*", "app.ts")};\nfunction f(x: number) { return x * x; }\nexport const d = __adgen_f_grad;\n`,
    );
  });

  it("differentiates the module's own functions and const arrows", async () => {
    const { code } = await transform(
      `import { grad } from "adgen";\nconst sq = (x: number) => x * x;\nexport function cube(x: number) { return x * x * x; }\nexport const d = [grad(sq), grad(cube)];\n`,
    );
    expect(code).toContain(`import __adgen_sq_grad from ${specifier("local", "sq", "*", "app.ts")};`);
    expect(code).toContain(`import __adgen_cube_grad from ${specifier("local", "cube", "*", "app.ts")};`);
    expect(code).toContain(`export const d = [__adgen_sq_grad, __adgen_cube_grad];`);
  });

  it("keeps the import where grad is still used, and leaves calls it cannot see to the runtime", async () => {
    const { code, warnings } = await transform(
      [
        `import { grad } from "adgen";`,
        `import { loss } from "./model";`,
        `export const dloss = grad(loss);`,
        `export function differentiate(f: (x: number) => number) {`,
        `  return grad(f);`,
        `}`,
      ].join("\n"),
    );
    expect(code!.split("\n")[0]).toBe(
      `import __adgen_loss_grad from ${specifier("export", "loss", "*", "model.ts")}; import { grad } from "adgen";`,
    );
    expect(code).toContain("  return grad(f);");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/'f' is not a top-level function .* left to the runtime grad\(\)/);
    expect(warnings[0]!.frame).toContain("> 5 |   return grad(f);");

    const value = await transform(`import { grad } from "adgen";\nexport const g = grad;\nexport { grad };\n`);
    expect(value.result).toBeUndefined();
  });

  it("is not fooled by a local variable that shadows grad", async () => {
    const { code } = await transform(
      [
        `import { grad } from "adgen";`,
        `import { loss } from "./model";`,
        `export const dloss = grad(loss);`,
        `export function step(grad: (w: number) => number, w: number) {`,
        `  return w - grad(w);`,
        `}`,
        `export function report(r: { grad: number }) {`,
        `  const { grad } = r;`,
        `  return { grad };`,
        `}`,
      ].join("\n"),
    );
    expect(code!.split("\n")[0]).toBe(`import __adgen_loss_grad from ${specifier("export", "loss", "*", "model.ts")};`);
    expect(code).toContain("return w - grad(w);");
    expect(code).toContain("return { grad };");
  });

  it("replaces vjp(f) with f_vjp, and reports grad of a vector-valued f (or vjp of a scalar one) at the call", async () => {
    const ok = await transform(
      `import { vjp } from "adgen";\nimport * as ad from "adgen";\nimport { twice } from "./vec";\nexport const d = vjp(twice);\nexport const e = ad.vjp(twice, { wrt: ["x"] });\n`,
    );
    expect(ok.errors).toEqual([]);
    const vjpSpecifier = (wrt: string) => JSON.stringify(`\0adgen-vjp:export:twice:${wrt}:${join(dir, "vec.ts")}`);
    expect(ok.code).toContain(`import __adgen_twice_vjp from ${vjpSpecifier("*")};`);
    expect(ok.code).toContain(`import __adgen_twice_vjp_2 from ${vjpSpecifier("x")};`);
    expect(ok.code).toContain("export const d = __adgen_twice_vjp;");
    expect(ok.code).toContain("export const e = __adgen_twice_vjp_2;");
    expect(ok.code).not.toContain(`from "adgen";`);

    const wrong = await transform(
      `import { grad, vjp } from "adgen";\nimport { twice } from "./vec";\nimport { loss } from "./model";\nexport const d = grad(twice);\nexport const e = vjp(loss);\n`,
    );
    expect(wrong.errors).toHaveLength(2);
    expect(wrong.errors[0]).toMatchObject({
      message:
        "grad(twice): 'twice' returns an array, not a number, so it has no gradient; use vjp(twice) for its " +
        "vector-Jacobian product (the gradient of grad_out · twice)",
      loc: { file: join(dir, "app.ts"), line: 4, column: 17 },
    });
    expect(wrong.errors[0]!.frame).toContain("> 4 | export const d = grad(twice);");
    expect(wrong.errors[1]).toMatchObject({
      message: "vjp(loss): 'loss' returns a number, not an array; use grad(loss) for its gradient",
      loc: { file: join(dir, "app.ts"), line: 5, column: 17 },
    });
  });

  it("reports options that are not literal, and imports that do not resolve", async () => {
    const { errors } = await transform(
      `import { grad } from "adgen";\nimport { loss } from "./model";\nconst wrt = ["w"];\nexport const d = grad(loss, { wrt });\n`,
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/options must be written out/);
    expect(errors[0]!.loc).toEqual({ file: join(dir, "app.ts"), line: 4, column: 28 });
    expect(errors[0]!.frame).toContain("> 4 | export const d = grad(loss, { wrt });");

    const missing = await transform(
      `import { grad } from "adgen";\nimport { f } from "./nowhere";\nexport const d = grad(f);\n`,
    );
    expect(missing.errors[0]!.message).toMatch(/cannot resolve '\.\/nowhere'/);
  });

  it("leaves modules that do not import grad from adgen untouched", async () => {
    for (const code of [
      `export const s = "adgen";\n`,
      `import { compile } from "adgen";\nexport const c = compile;\n`,
      `import type { GradFunction } from "adgen";\nexport type T = GradFunction<(x: number) => number>;\n`,
      `import { grad } from "./adgen";\nexport const d = grad((x: number) => x);\n`,
    ])
      expect((await transform(code)).result).toBeUndefined();
  });

  it("handles .js, .mjs, .tsx and .jsx modules", async () => {
    const js = `import { grad } from "adgen";\nimport { loss } from "./model.js";\nexport const d = grad(loss);\n`;
    for (const name of ["app.js", "app.mjs"]) {
      const { code } = await transform(js, name);
      expect(code).toContain(`import __adgen_loss_grad from ${specifier("export", "loss", "*", "model.ts")};`);
    }
    const tsx = `import { grad } from "adgen";\nconst sq = (x: number) => x * x;\nexport const d = grad(sq);\nexport const el = <div>{d(2).value}</div>;\n`;
    expect((await transform(tsx, "app.tsx")).code).toContain("export const d = __adgen_sq_grad;");
    expect((await transform(tsx.replace(": number", ""), "app.jsx")).code).toContain(
      "export const d = __adgen_sq_grad;",
    );
  });

  it("is idempotent: a second pass leaves the output as it is", async () => {
    const once = await transform(
      `import { grad } from "adgen";\nimport { loss } from "./model";\nexport const d = grad(loss);\n`,
    );
    const twice = await transform(once.code!);
    expect(twice.result).toBeUndefined();
  });

  it("maps the replaced call back to grad(loss) in the source", async () => {
    const input = `import { grad } from "adgen";\nimport { loss } from "./model";\n\nexport const dloss = grad(loss);\n`;
    const { result } = await transform(input);
    const map = new TraceMap(result!.map as never);
    const line = result!.code.split("\n")[3]!;
    const pos = originalPositionFor(map, { line: 4, column: line.indexOf("__adgen") });
    expect(pos).toMatchObject({ source: join(dir, "app.ts"), line: 4, column: input.split("\n")[3]!.indexOf("grad(") });
  });
});

describe("companion ids", () => {
  it("round-trip through specifiers and resolved ids", () => {
    const r = { kind: "export" as const, name: "loss", wrt: ["w", "b"], file: "/p/src/model.ts" };
    expect(companionId(r)).toBe("/p/src/model.ts?adgen-grad=export:loss:w,b");
    expect(parseCompanionId(companionId(r))).toEqual(r);
    expect(parseCompanionId("\0adgen-grad:local:f:*:/p/a.ts")).toEqual({ kind: "local", name: "f", file: "/p/a.ts" });
    // Specifiers start with \0, the bundlers' mark of a virtual module: an alias of `adgen` cannot take them.
    expect(companionSpecifier(r).startsWith("\0adgen-grad:")).toBe(true);
    expect(parseCompanionId("adgen/grad:local:f:*:/p/a.ts")).toBeUndefined();
    expect(parseCompanionId("/p/a.ts")).toBeUndefined();
  });
});

describe("load", () => {
  async function load(file: string, text: string, name: string, kind: "export" | "local" = "export", wrt?: string[]) {
    const path = join(dir, file);
    writeFileSync(path, text);
    const h = hook();
    const result = await new AdgenContext("rollup").load(
      h,
      companionId({ kind, name, file: path, ...(wrt ? { wrt } : {}) }),
    );
    return { result, ...h };
  }

  it("compiles the one function asked for, default-exporting its companion", async () => {
    const text = [
      `import { label } from "./labels";`,
      `export function describe(w: number): string {`,
      `  return label + w;`,
      `}`,
      `function bowl(x: number, y: number) {`,
      `  return x * x + 3 * y * y;`,
      `}`,
      `export { bowl as objective };`,
    ].join("\n");
    writeFileSync(join(dir, "labels.ts"), `export const label = "w = ";\n`);
    const { result, errors, watched } = await load("select.ts", text, "objective", "export", ["x"]);
    expect(errors).toEqual([]);
    expect(result!.code).toMatch(/^export function bowl_grad\(x, y\) \{$/m);
    expect(result!.code).not.toContain("describe");
    expect(result!.code).toMatch(/return \{ value: bowl, grad: \{ x: [^,}]+ \} \};/);
    expect(result!.code.endsWith("export default bowl_grad;\n")).toBe(true);
    expect(watched).toEqual([join(dir, "select.ts"), join(dir, "labels.ts")]);
  });

  it("compiles a function of records from its TypeScript: the companion takes the records and returns their gradients as records", async () => {
    const text = [
      `interface Vec2 {`,
      `  x: number;`,
      `  y: number;`,
      `}`,
      `const dot = (a: Vec2, b: Vec2): number => a.x * b.x + a.y * b.y;`,
      `export function shade(n: Vec2, light: Vec2, k: number): number {`,
      `  return k * Math.max(0, dot(n, light));`,
      `}`,
    ].join("\n");
    const { result, errors } = await load("records.ts", text, "shade");
    expect(errors).toEqual([]);
    const code = result!.code;
    expect(code).toMatch(/^export function shade_grad\(n, light, k\) \{$/m);
    expect(code).toContain("const { x: n_x, y: n_y } = n;");
    const shade_grad = new Function(
      `${code.replace(/^export default .*$/m, "").replace(/^export /gm, "")}; return shade_grad;`,
    )() as (...args: unknown[]) => {
      value: number;
      grad: { n: { x: number; y: number }; light: { x: number; y: number }; k: number };
    };
    const { value, grad } = shade_grad({ x: 1, y: 2 }, { x: 3, y: 0.5 }, 2);
    expect(value).toBe(2 * (3 + 1));
    expect(grad).toEqual({ n: { x: 6, y: 1 }, light: { x: 2, y: 4 }, k: 4 });
    // wrt by position: a record parameter is one parameter, typed by its shape.
    expect((await load("records.ts", text, "shade", "export", ["k"])).errors.map((e) => e.message).join("\n")).toMatch(
      /ADG1003.*wrt lists 'k' \(number\) 1st.*'n' \(\{ x: number; y: number \}\)/,
    );
    expect((await load("records.ts", text, "shade", "export", ["n", "light"])).errors).toEqual([]);
  });

  it("refuses a wrt that grad()'s result type would get wrong (its i-th name typed as the i-th parameter)", async () => {
    const text = `export function scale(xs: Float64Array, k: number) {\n  return xs[0]! * k;\n}\n`;
    const { errors } = await load("mixed.ts", text, "scale", "export", ["k"]);
    expect(errors.map((e) => e.message).join("\n")).toMatch(
      /ADG1003.*wrt lists 'k' \(number\) 1st.*'xs' \(Float64Array\)/,
    );
    expect((await load("mixed.ts", text, "scale", "export", ["xs"])).errors).toEqual([]);
  });

  it("compiles an anonymous default export, named after its file", async () => {
    for (const text of [
      `export default function (x: number, y: number) {\n  return x * y;\n}\n`,
      `export default (x: number, y: number) => x * y;\n`,
    ]) {
      const { result, errors } = await load("unit-cost.ts", text, "default");
      expect(errors).toEqual([]);
      expect(result!.code).toMatch(/^export function unitCost_grad\(x, y\) \{$/m);
      expect(result!.code).toContain("export default unitCost_grad;");
    }
  });

  it("finds default exports and the module's own functions", async () => {
    const byDefault = await load(
      "default.ts",
      `export default function area(r: number) {\n  return Math.PI * r * r;\n}\n`,
      "default",
    );
    expect(byDefault.result!.code).toContain("export default area_grad;");
    const local = await load("local.ts", `const half = (x: number) => x / 2;\nexport const n = 1;\n`, "half", "local");
    expect(local.result!.code).toContain("export default half_grad;");
  });

  it("follows re-exports to the file that defines the function", async () => {
    const named = await load("barrel.ts", `export { loss as objective } from "./model";\n`, "objective");
    expect(named.errors).toEqual([]);
    expect(named.result!.code).toContain("export default loss_grad;");
    const star = await load("star.ts", `export * from "./labels";\nexport * from "./model";\n`, "loss");
    expect(star.result!.code).toContain("export default loss_grad;");
    expect(star.watched).toContain(join(dir, "model.ts"));
    const map = star.result!.map as unknown as { sources: string[] };
    expect(map.sources).toEqual([join(dir, "model.ts")]);
  });

  it("reports compile diagnostics at the user's location, quoting the user's lines", async () => {
    const text = `export function g(x: number) {\n  return Math.random() * x;\n}\n`;
    const { errors } = await load("bad.ts", text, "g");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: expect.stringMatching(/^ADG3003: 'Math.random' is not supported/),
      loc: { file: join(dir, "bad.ts"), line: 2, column: 9 },
    });
    // The frame shows `export` as written, though the compiled copy had it blanked out.
    expect(errors[0]!.frame).toBe(
      [
        "  1 | export function g(x: number) {",
        "> 2 |   return Math.random() * x;",
        "    |          ^^^^^^^^^^^",
        "  3 | }",
      ].join("\n"),
    );
  });

  it("reports diagnostics in an imported helper at the helper's location", async () => {
    writeFileSync(join(dir, "noisy.ts"), `export function h(x: number) {\n  return Math.random() * x;\n}\n`);
    const { errors, watched } = await load(
      "uses-helper.ts",
      `import { h } from "./noisy";\nexport function f(x: number) {\n  return h(x) * 2;\n}\n`,
      "f",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ loc: { file: join(dir, "noisy.ts"), line: 2, column: 9 } });
    expect(errors[0]!.frame).toContain("> 2 |   return Math.random() * x;");
    expect(watched).toContain(join(dir, "noisy.ts"));
  });

  it("default-exports f_vjp for a vjp id", async () => {
    const h = hook();
    const id = companionId({ mode: "vjp", kind: "export", name: "twice", file: join(dir, "vec.ts") });
    expect(id).toBe(`${join(dir, "vec.ts")}?adgen-vjp=export:twice:*`);
    expect(parseCompanionId(id)).toEqual({ mode: "vjp", kind: "export", name: "twice", file: join(dir, "vec.ts") });
    const result = await new AdgenContext("rollup").load(h, id);
    expect(h.errors).toEqual([]);
    expect(result!.code).toMatch(/^export function twice_vjp\(x, k, grad_out\) \{$/m);
    expect(result!.code.endsWith("export default twice_vjp;\n")).toBe(true);
    // Its source map points into the source like f_grad's (it used to be empty).
    const header = result!.code.split("\n").findIndex((l) => l.startsWith("export function twice_vjp("));
    const pos = originalPositionFor(new TraceMap(result!.map as never), { line: header + 1, column: 0 });
    expect(pos.source).toBe(join(dir, "vec.ts"));
  });

  it("reports a name the module does not export", async () => {
    const { errors } = await load("none.ts", `export const k = 1;\n`, "missing");
    expect(errors[0]!.message).toBe("cannot differentiate export 'missing': the module has no export 'missing'");
  });
});
