/**
 * Real builds with every bundler the plugin supports: the app's bundle runs in Node and its
 * gradients agree with finite differences; a generated line maps back to `f` in the user's file;
 * a compile error fails the build with the user's file, line, column and code frame; a module
 * that does not use `grad` comes out byte-identical with and without the plugin. Plus the Vite
 * dev server: a transformed module, and a recompile after `f` is edited.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { rspack, type RspackOptions } from "@rspack/core";
import * as esbuild from "esbuild";
import { rollup } from "rollup";
import { build as viteBuild, createServer } from "vite";
import webpack, { type Configuration } from "webpack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import adgenEsbuild from "../../src/plugin/esbuild.js";
import adgenRollup from "../../src/plugin/rollup.js";
import adgenRspack from "../../src/plugin/rspack.js";
import adgenVite from "../../src/plugin/vite.js";
import adgenWebpack from "../../src/plugin/webpack.js";
import { compileSync } from "../../src/index.js";
import { root } from "../support/fixtures.js";
import { close, finiteDifference } from "../support/numeric.js";
import { BAD_MODEL, createProject, MODEL, type Project } from "./project.js";

type GradFn = (...xs: number[]) => { value: number; grad: Record<string, number> };

interface Bundler {
  name: string;
  /** Which copy of the app it builds. */
  variant: "ts" | "js";
  /** Bundles `entry` (relative to the variant's folder) to an ES module; returns its path and the files it watches. */
  build(
    project: Project,
    entry: string,
    out: string,
    plugin: boolean,
  ): Promise<{ file: string; watchFiles?: string[] }>;
  /** The built-in error shape's location of a failed build, where the bundler has one. */
  location?(error: unknown): { file?: string; line?: number; column?: number } | undefined;
}

const ext = (variant: "ts" | "js", entry: boolean) => (variant === "ts" ? ".ts" : entry ? ".mjs" : ".js");

function webpackLike(compile: typeof webpack | typeof rspack, plugin: () => unknown, variant: "ts" | "js") {
  return async (project: Project, entry: string, out: string, withPlugin: boolean) => {
    const outDir = join(project.dir, "out", out);
    const config = {
      mode: "none",
      context: join(project.dir, variant),
      entry: `./${entry}${ext(variant, true)}`,
      target: "node",
      devtool: "source-map",
      experiments: { outputModule: true },
      output: { path: outDir, filename: "bundle.mjs", module: true, library: { type: "module" } },
      resolve: { extensions: [".ts", ".js"] },
      module: {
        rules:
          variant === "ts"
            ? [
                {
                  test: /\.ts$/,
                  loader: "builtin:swc-loader",
                  options: { jsc: { parser: { syntax: "typescript" } } },
                  type: "javascript/auto",
                },
              ]
            : [],
      },
      plugins: withPlugin ? [plugin()] : [],
    };
    const stats = await new Promise<webpack.Stats>((resolve, reject) =>
      (compile as unknown as (c: unknown, cb: (e: Error | null, s: webpack.Stats) => void) => void)(config, (e, s) =>
        e ? reject(e) : resolve(s),
      ),
    );
    if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true, colors: false }));
    return { file: join(outDir, "bundle.mjs"), watchFiles: [...stats.compilation.fileDependencies] };
  };
}

const bundlers: Bundler[] = [
  {
    name: "vite",
    variant: "ts",
    async build(project, entry, out, plugin) {
      const outDir = join(project.dir, "out", out);
      await viteBuild({
        root: join(project.dir, "ts"),
        configFile: false,
        logLevel: "silent",
        plugins: plugin ? [adgenVite()] : [],
        build: {
          outDir,
          emptyOutDir: true,
          minify: false,
          sourcemap: true,
          lib: { entry: `${entry}.ts`, formats: ["es"], fileName: () => "bundle.mjs" },
        },
      });
      return { file: join(outDir, "bundle.mjs") };
    },
    location: (e) => (e as { errors?: { loc?: { file: string; line: number; column: number } }[] }).errors?.[0]?.loc,
  },
  {
    name: "rollup",
    variant: "js",
    async build(project, entry, out, plugin) {
      const file = join(project.dir, "out", out, "bundle.mjs");
      const bundle = await rollup({
        input: join(project.dir, "js", `${entry}.mjs`),
        external: ["adgen/gates"],
        plugins: plugin ? [adgenRollup()] : [],
      });
      await bundle.write({ file, format: "es", sourcemap: true });
      await bundle.close();
      return { file, watchFiles: bundle.watchFiles };
    },
    location: (e) => (e as { loc?: { file: string; line: number; column: number } }).loc,
  },
  {
    name: "esbuild",
    variant: "ts",
    async build(project, entry, out, plugin) {
      const file = join(project.dir, "out", out, "bundle.mjs");
      await esbuild.build({
        absWorkingDir: project.dir,
        entryPoints: [`ts/${entry}.ts`],
        bundle: true,
        format: "esm",
        platform: "node",
        outfile: file,
        sourcemap: true,
        logLevel: "silent",
        plugins: plugin ? [adgenEsbuild()] : [],
      });
      return { file };
    },
    location: (e) => {
      const loc = (e as esbuild.BuildFailure).errors?.[0]?.location;
      return loc ? { file: loc.file, line: loc.line, column: loc.column } : undefined;
    },
  },
  { name: "webpack", variant: "js", build: webpackLike(webpack, () => adgenWebpack(), "js") },
  { name: "rspack", variant: "ts", build: webpackLike(rspack, () => adgenRspack(), "ts") },
];

let project: Project;
beforeAll(() => {
  project = createProject();
});
afterAll(() => project?.remove());

/** Whether this compiler generates `f_<mode>` (the Hessian and Jacobian modes come with their own branch). */
const generates = (mode: string) =>
  compileSync("export function f(x: number) { return x * x; }", { modes: [mode] as never }).functions.some(
    (f) => f.name === `f_${mode}`,
  );

const importFresh = (file: string) => import(`${pathToFileURL(file).href}?t=${Date.now()}`);
const linesOf = (text: string) => text.split("\n");

describe.each(bundlers.map((b) => [b.name, b] as const))("%s", (name, bundler) => {
  const model = () => join(project.dir, bundler.variant, `model${ext(bundler.variant, false)}`);
  let built: { file: string; watchFiles?: string[] };
  let buildMs = 0;
  beforeAll(async () => {
    const t0 = performance.now();
    built = await bundler.build(project, "app", `${name}-app`, true);
    buildMs = performance.now() - t0;
    console.log(`${name}: app built in ${buildMs.toFixed(0)} ms`);
  });

  it("bundles gradients that agree with finite differences", async () => {
    type Fn = (...xs: number[]) => number;
    type Keyed = Record<string, number>;
    const app = (await importFresh(built.file)) as {
      [k in "dloss" | "dlossWb" | "dlocal"]: GradFn;
    } & { [k in "loss" | "local"]: Fn } & { describe: (w: number, b: number) => string } & {
      jloss: (...xs: [...number[], Keyed]) => { value: number; tangent: number };
      hlossWb: (...xs: [...number[], Keyed]) => { value: number; grad: Keyed; hvp: Keyed };
    };
    const points = [
      [0.5, 0.1, 2, 1],
      [-1.3, 0.7, -0.4, 0],
    ];
    for (const xs of points) {
      const { value, grad } = app.dloss(...xs);
      expect(value).toBe(app.loss(...xs));
      expect(Object.keys(grad)).toEqual(["w", "b", "x", "y"]);
      Object.values(grad).forEach((g, i) => {
        const fd = finiteDifference((ys) => app.loss(...ys), xs, i);
        expect(close(g, fd, 1e-7), `${name} ∂loss/∂${Object.keys(grad)[i]}: ${g} vs ${fd}`).toBe(true);
      });
      const wb = app.dlossWb(...xs);
      expect(wb).toEqual({ value, grad: { w: grad.w, b: grad.b } });
      // jvp(loss): the gradient's product with the tangents.
      const t = { w: 0.5, b: -1, y: 2 };
      const j = app.jloss(...xs, t);
      expect(j.value).toBe(value);
      expect(close(j.tangent, t.w * grad.w! + t.b * grad.b! + t.y * grad.y!, 1e-12)).toBe(true);
      // hvp(loss, { wrt: ["w", "b"] }): differences of the gradient along v.
      const v = { w: 1, b: 0.5 };
      const h = app.hlossWb(...xs, v);
      expect(h.grad).toEqual(wb.grad);
      for (const p of ["w", "b"]) {
        const fd = finiteDifference(
          ([e]) => app.dlossWb(xs[0]! + e! * v.w, xs[1]! + e! * v.b, xs[2]!, xs[3]!).grad[p]!,
          [0],
          0,
        );
        expect(close(h.hvp[p]!, fd, 1e-7), `${name} (H v)_${p}: ${h.hvp[p]} vs ${fd}`).toBe(true);
      }
    }
    const local = app.dlocal(1.2, -0.5);
    expect(local.value).toBe(app.local(1.2, -0.5));
    expect(
      close(
        local.grad.a!,
        finiteDifference((ys) => app.local(...ys), [1.2, -0.5], 0),
      ),
    ).toBe(true);
    expect(close(local.grad.c!, Math.sin(1.2))).toBe(true);
    expect(app.describe(1, 2)).toBe("model: w = 1, b = 2");
  });

  it("leaves the compiler out of the bundle", () => {
    const code = readFileSync(built.file, "utf8");
    expect(code).toContain("loss_grad");
    expect(code).toContain("loss_jvp");
    expect(code).toContain("loss_hvp");
    expect(code).not.toMatch(/ts-morph|compileSync|new Function/);
  });

  it("maps generated lines back to f in the user's file", () => {
    const code = linesOf(readFileSync(built.file, "utf8"));
    const map = new TraceMap(readFileSync(`${built.file}.map`, "utf8"));
    const source = linesOf(readFileSync(model(), "utf8"));
    const expectations: [string, string][] = [
      ["const grad_p = ", "const p = sigmoid(z);"], // an adjoint: the statement it differentiates
      ["const e = p - y", "const e = p - y;"],
      ["value: loss", "return e * e;"], // the returned object
    ];
    for (const [generated, original] of expectations) {
      const line = code.findIndex((l) => l.includes(generated));
      expect(line, `${generated} in the bundle`).toBeGreaterThanOrEqual(0);
      const column = code[line]!.indexOf(generated);
      const pos = originalPositionFor(map, { line: line + 1, column });
      expect(pos.source, generated).toMatch(new RegExp(`model${ext(bundler.variant, false).replace(".", "\\.")}$`));
      expect(source[pos.line! - 1]!.trim(), generated).toBe(original);
    }
  });

  it.runIf(bundler.name === "rollup" || bundler.name === "webpack")(
    "declares f's file and its imports to the watcher",
    () => {
      const dir = join(project.dir, bundler.variant);
      expect(built.watchFiles).toEqual(expect.arrayContaining([join(dir, "model.js"), join(dir, "helpers.js")]));
    },
  );

  it("fails a build whose f cannot be compiled, at the user's location", async () => {
    const error = await bundler.build(project, "broken", `${name}-broken`, true).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "the build fails").toBeDefined();
    // Rollup keeps the code frame apart from the message, and its CLI prints both.
    const text = `${String((error as Error).message ?? error)}\n${(error as { frame?: string }).frame ?? ""}`;
    const badModel = `bad-model${ext(bundler.variant, false)}`;
    expect(text).toContain(badModel);
    expect(text).toContain("ADG3003");
    expect(text).toContain("> 3 |   return Math.random() * y;");
    expect(text).toContain("    |          ^^^^^^^^^^^");
    expect(text).not.toMatch(/\n\s+at .*:\d+:\d+/); // no stack trace
    if (bundler.name === "webpack" || bundler.name === "rspack") expect(text).toContain(`${badModel}:3:10 - error`);
    const loc = bundler.location?.(error);
    if (bundler.location) {
      expect(loc?.file).toMatch(new RegExp(`${badModel.replace(".", "\\.")}$`));
      expect(loc?.line).toBe(3);
      expect(loc?.column).toBe(9); // 0-based, as each of these bundlers reports columns
    }
    expect(BAD_MODEL.split("\n")[2]!.indexOf("Math.random")).toBe(9);
  });

  it("outputs an unrelated module byte-identical with and without the plugin", async () => {
    const withPlugin = await bundler.build(project, "unrelated", `${name}-unrelated-with`, true);
    const without = await bundler.build(project, "unrelated", `${name}-unrelated-without`, false);
    expect(readFileSync(withPlugin.file, "utf8")).toBe(readFileSync(without.file, "utf8"));
    expect((await importFresh(withPlugin.file)).answer(1)).toBe(47);
  });
});

describe("vjp(f) in a real build (esbuild)", () => {
  const esbuildBundler = bundlers.find((b) => b.name === "esbuild")!;
  const VEC = `export function layer(w: Float64Array, x: number[], b: number): Float64Array {
  const y = new Float64Array(2);
  for (let r = 0; r < 2; r++) {
    let s = b;
    for (let c = 0; c < x.length; c++) {
      s += w[r * x.length + c] * x[c];
    }
    y[r] = Math.tanh(s);
  }
  return y;
}
`;

  it("bundles f_vjp, whose gradient is that of grad_out · f by finite differences", async () => {
    project.write("ts/vec.ts", VEC);
    project.write(
      "ts/vec-app.ts",
      `import { vjp } from "adgen";\nimport { layer } from "./vec";\n\nexport const dlayer = vjp(layer);\nexport { layer };\n`,
    );
    const built = await esbuildBundler.build(project, "vec-app", "esbuild-vjp", true);
    expect(readFileSync(built.file, "utf8")).not.toContain("compileSync");
    type Layer = (w: Float64Array, x: number[], b: number) => Float64Array;
    const app = (await importFresh(built.file)) as {
      layer: Layer;
      dlayer: (...args: [...Parameters<Layer>, Float64Array]) => {
        value: Float64Array;
        grad: { w: Float64Array; x: number[]; b: number };
      };
    };
    const w = new Float64Array([0.3, -0.5, 0.8, 0.1, 0.4, -0.2]);
    const x = [0.7, -1.1, 0.4];
    const b = 0.05;
    const gradOut = new Float64Array([1.5, -0.75]);
    const { value, grad } = app.dlayer(w, x, b, gradOut);
    expect(value).toEqual(app.layer(w, x, b));
    // grad_out · f as a function of all parameters flattened: w (6), x (3), b (1).
    const flat = [...w, ...x, b];
    const dotF = (ys: number[]) => {
      const y = app.layer(Float64Array.from(ys.slice(0, 6)), ys.slice(6, 9), ys[9]!);
      return gradOut[0]! * y[0]! + gradOut[1]! * y[1]!;
    };
    const analytic = [...grad.w, ...grad.x, grad.b];
    expect(grad.w).toBeInstanceOf(Float64Array);
    expect(Array.isArray(grad.x)).toBe(true);
    analytic.forEach((g, i) => {
      const fd = finiteDifference(dotF, flat, i);
      expect(close(g, fd, 1e-7), `∂(grad_out · layer)/∂#${i}: ${g} vs ${fd}`).toBe(true);
    });
  });

  it("fails a build that asks grad of a vector-valued function, at the call, saying to use vjp", async () => {
    project.write("ts/vec.ts", VEC);
    project.write(
      "ts/vec-wrong.ts",
      `import { grad } from "adgen";\nimport { layer } from "./vec";\n\nexport const dlayer = grad(layer);\n`,
    );
    const error = await esbuildBundler.build(project, "vec-wrong", "esbuild-vjp-wrong", true).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "the build fails").toBeDefined();
    expect(String((error as Error).message)).toContain(
      "grad(layer): 'layer' returns an array, not a number, so it has no gradient; use vjp(layer)",
    );
    const loc = esbuildBundler.location!(error);
    expect(loc?.file).toMatch(/vec-wrong\.ts$/);
    expect(loc).toMatchObject({ line: 4, column: 22 });
  });
});

describe("jvp(f), hvp(f), hessian(f), jacobian(f) of a vector-valued function in a real build (esbuild)", () => {
  const esbuildBundler = bundlers.find((b) => b.name === "esbuild")!;
  const VEC = `export function layer(w: Float64Array, x: number[], b: number): Float64Array {
  const y = new Float64Array(2);
  for (let r = 0; r < 2; r++) {
    let s = b;
    for (let c = 0; c < x.length; c++) {
      s += w[r * x.length + c] * x[c];
    }
    y[r] = Math.tanh(s);
  }
  return y;
}
`;
  type Layer = (w: Float64Array, x: number[], b: number) => Float64Array;
  const w = new Float64Array([0.3, -0.5, 0.8, 0.1, 0.4, -0.2]);
  const x = [0.7, -1.1, 0.4];

  it("bundles f_jvp: its tangent is the derivative along the tangents, by finite differences", async () => {
    project.write("ts/vec.ts", VEC);
    project.write(
      "ts/jvp-app.ts",
      `import { jvp } from "adgen";\nimport { layer } from "./vec";\n\nexport const jlayer = jvp(layer, { wrt: ["w", "x", "b"] });\nexport { layer };\n`,
    );
    const built = await esbuildBundler.build(project, "jvp-app", "esbuild-jvp", true);
    expect(readFileSync(built.file, "utf8")).not.toContain("compileSync");
    const app = (await importFresh(built.file)) as {
      layer: Layer;
      jlayer: (...args: [...Parameters<Layer>, { w?: Float64Array; b?: number }]) => {
        value: Float64Array;
        tangent: Float64Array;
      };
    };
    const dw = new Float64Array([1, 0, -1, 0.5, 0.5, 2]);
    const { value, tangent } = app.jlayer(w, x, 0.05, { w: dw, b: -0.5 });
    expect(value).toEqual(app.layer(w, x, 0.05));
    expect(tangent).toBeInstanceOf(Float64Array);
    for (let r = 0; r < 2; r++) {
      const fd = finiteDifference(
        ([e]) =>
          app.layer(
            Float64Array.from(w, (wi, i) => wi + e! * dw[i]!),
            x,
            0.05 - 0.5 * e!,
          )[r]!,
        [0],
        0,
      );
      expect(close(tangent[r]!, fd, 1e-7), `tangent[${r}]: ${tangent[r]} vs ${fd}`).toBe(true);
    }
  });

  it("fails a build that asks hvp of a vector-valued function, at the call, saying what to use", async () => {
    project.write("ts/vec.ts", VEC);
    project.write(
      "ts/hvp-wrong.ts",
      `import { hvp } from "adgen";\nimport { layer } from "./vec";\n\nexport const hlayer = hvp(layer);\n`,
    );
    const error = await esbuildBundler.build(project, "hvp-wrong", "esbuild-hvp-wrong", true).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, "the build fails").toBeDefined();
    expect(String((error as Error).message)).toContain(
      "hvp(layer): 'layer' returns an array, not a number, so it has no Hessian-vector product; use jacobian(layer)",
    );
    expect(esbuildBundler.location!(error)).toMatchObject({ line: 4, column: 22 });
  });

  it.runIf(generates("hessian") && generates("jacobian"))(
    "bundles f_jacobian and f_hessian: rows of vjp(f) and columns of hvp(f) along unit vectors",
    async () => {
      project.write("ts/vec.ts", VEC);
      project.write(
        "ts/matrices-app.ts",
        [
          `import { hessian, hvp, jacobian, vjp } from "adgen";`,
          `import { layer } from "./vec";`,
          `import { loss } from "./model";`,
          `export const J = jacobian(layer, { wrt: ["b"] });`,
          `export const vl = vjp(layer, { wrt: ["w", "x", "b"] });`,
          `export const H = hessian(loss, { wrt: ["w", "b"] });`,
          `export const hl = hvp(loss, { wrt: ["w", "b"] });`,
        ].join("\n"),
      );
      const built = await esbuildBundler.build(project, "matrices-app", "esbuild-matrices", true);
      type Fn = (...args: unknown[]) => Record<string, unknown>;
      const app = (await importFresh(built.file)) as Record<"J" | "vl" | "H" | "hl", Fn>;
      const J = app.J(w, x, 0.05).jacobian as number[][];
      const unit = (r: number) => Float64Array.from([0, 1], (c) => (c === r ? 1 : 0));
      const row = (r: number) => (app.vl(w, x, 0.05, unit(r)).grad as Record<string, number>).b;
      expect(J).toEqual([[row(0)], [row(1)]]);
      const at = [0.5, 0.1, 2, 1];
      const H = app.H(...at).hessian as number[][];
      const columns = [{ w: 1 }, { b: 1 }].map((v) => app.hl(...at, v).hvp as Record<string, number>);
      expect(H).toEqual([0, 1].map((i) => columns.map((c) => [c.w, c.b][i])));
    },
  );
});

describe("esbuild's messages", () => {
  it("carry the line's text, and come once however many companions share the function", async () => {
    project.write(
      "ts/bad-model.ts",
      `export function loss(w: number, b: number) {\n  return Math.random() * w + b;\n}\n`,
    );
    project.write(
      "ts/bad-app.ts",
      `import { grad } from "adgen";\nimport { loss } from "./bad-model";\n\nexport const a = grad(loss);\nexport const b = grad(loss, { wrt: ["w"] });\n`,
    );
    const error = (await esbuild
      .build({
        absWorkingDir: project.dir,
        entryPoints: ["ts/bad-app.ts"],
        bundle: true,
        format: "esm",
        platform: "node",
        write: false,
        logLevel: "silent",
        plugins: [adgenEsbuild()],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as esbuild.BuildFailure | undefined;
    expect(error, "the build fails").toBeDefined();
    expect(error!.errors).toHaveLength(1);
    expect(error!.errors[0]!.location).toMatchObject({
      file: expect.stringMatching(/bad-model\.ts$/),
      line: 2,
      column: 9,
      lineText: "  return Math.random() * w + b;",
    });
  });
});

describe("a call left to the runtime compiler", () => {
  const APP = `import { grad } from "adgen";\n\nexport function differentiate(f: (x: number) => number) {\n  return grad(f);\n}\n`;
  const esbuildApp = (platform: "browser" | "node", options = {}) =>
    esbuild.build({
      absWorkingDir: project.dir,
      entryPoints: ["ts/runtime-app.ts"],
      bundle: true,
      format: "esm",
      platform,
      external: ["adgen"],
      write: false,
      logLevel: "silent",
      plugins: [adgenEsbuild(options)],
    });

  it("fails a client build at the call: the compiler would be bundled for the browser", async () => {
    project.write("ts/runtime-app.ts", APP);
    const error = (await esbuildApp("browser").then(
      () => undefined,
      (e: unknown) => e,
    )) as esbuild.BuildFailure | undefined;
    expect(error, "the build fails").toBeDefined();
    expect(error!.errors[0]!.text).toMatch(/'f' is not a top-level function.*client bundle.*runtimeFallback: true/);
    expect(error!.errors[0]!.location).toMatchObject({ file: expect.stringMatching(/runtime-app\.ts$/), line: 4 });

    const vite = await viteBuild({
      root: join(project.dir, "ts"),
      configFile: false,
      logLevel: "silent",
      plugins: [adgenVite()],
      build: {
        write: false,
        lib: { entry: "runtime-app.ts", formats: ["es"] },
        rollupOptions: { external: ["adgen"] },
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(vite)).toMatch(/client bundle/);
  });

  it("only warns in a server build, or where the user opts in", async () => {
    project.write("ts/runtime-app.ts", APP);
    const node = await esbuildApp("node");
    expect(node.errors).toEqual([]);
    expect(node.warnings.map((w) => w.text).join("\n")).toMatch(/left to the runtime grad\(\)/);
    const optedIn = await esbuildApp("browser", { runtimeFallback: true });
    expect(optedIn.errors).toEqual([]);
    expect(optedIn.warnings.map((w) => w.text).join("\n")).toMatch(/left to the runtime grad\(\)/);
  });
});

describe("vite dev server", () => {
  it("serves transformed modules and recompiles when f is edited", async () => {
    const dir = join(project.dir, "dev");
    const modelFile = project.write("dev/model.ts", MODEL);
    project.write("dev/helpers.ts", `export const label = "model";\n`);
    project.write(
      "dev/app.ts",
      `import { grad } from "adgen";\nimport { loss } from "./model";\n\nexport const dloss = grad(loss, { wrt: ["w"] });\n`,
    );
    const server = await createServer({
      root: dir,
      configFile: false,
      logLevel: "silent",
      plugins: [adgenVite()],
      appType: "custom",
      server: { middlewareMode: true, hmr: false, ws: false },
      optimizeDeps: { noDiscovery: true },
    });
    try {
      const app = await server.transformRequest("/app.ts");
      expect(app!.code).not.toMatch(/from "adgen"/);
      const companionUrl = /import (__adgen_loss_grad) from "([^"]+)"/.exec(app!.code)?.[2];
      expect(companionUrl).toBe("/model.ts?adgen-grad=export:loss:w");
      const companion = await server.transformRequest(companionUrl!);
      expect(companion!.code).toContain("function loss_grad(w, b, x, y)");
      expect(companion!.map).toBeTruthy();
      // The companion depends on model.ts and what model.ts imports.
      const node = await server.moduleGraph.getModuleByUrl(companionUrl!);
      expect([...node!.importedModules].map((m) => m.file)).toEqual(
        expect.arrayContaining([modelFile, join(dir, "helpers.ts")]),
      );

      const point = [0.5, 0.1, 2, 1];
      const before = ((await server.ssrLoadModule("/app.ts")).dloss as GradFn)(...point);
      writeFileSync(modelFile, MODEL.replace("return e * e;", "return 3 * e * e;"));
      let after = before;
      for (let i = 0; i < 100 && after.value === before.value; i++) {
        await new Promise((r) => setTimeout(r, 50));
        after = ((await server.ssrLoadModule("/app.ts")).dloss as GradFn)(...point);
      }
      expect(after.value).toBeCloseTo(3 * before.value, 12);
      expect(after.grad.w).toBeCloseTo(3 * before.grad.w!, 12);
    } finally {
      await server.close();
    }
  });
});

describe("examples/logistic-regression", () => {
  const example = join(root, "examples", "logistic-regression");
  const alias = { "adgen/gates": join(root, "src", "gates", "index.ts") };

  it("builds with Vite and fits its model", async () => {
    const outDir = join(project.dir, "out", "example");
    const t0 = performance.now();
    await viteBuild({
      root: example,
      configFile: false,
      logLevel: "silent",
      plugins: [adgenVite()],
      resolve: { alias },
      build: { outDir, emptyOutDir: true, ssr: "src/cli.ts", minify: false },
    });
    console.log(`example: built in ${(performance.now() - t0).toFixed(0)} ms`);
    const code = readFileSync(join(outDir, "cli.js"), "utf8");
    expect(code).toContain("function loss_grad(w1, w2, b, x1, x2, label)");
    expect(code).not.toMatch(/from "adgen"/);
    const { train } = (await importFresh(join(outDir, "cli.js"))) as {
      train: (log?: (line: string) => void) => { first: number; last: number; accuracy: number };
    };
    const result = train(() => {});
    expect(result.last).toBeLessThan(result.first / 2);
    expect(result.accuracy).toBeGreaterThan(0.9);
  });

  it("builds when the project aliases adgen to its sources, as monorepos do", async () => {
    const outDir = join(project.dir, "out", "example-aliased");
    await viteBuild({
      root: example,
      configFile: false,
      logLevel: "silent",
      plugins: [adgenVite()],
      resolve: { alias: { ...alias, adgen: join(root, "src", "index.ts") } },
      build: { outDir, emptyOutDir: true, ssr: "src/cli.ts", minify: false },
    });
    expect(readFileSync(join(outDir, "cli.js"), "utf8")).toContain("function loss_grad(w1, w2, b, x1, x2, label)");
  });

  it("has its training module transformed by the Vite dev server", async () => {
    const server = await createServer({
      root: example,
      configFile: false,
      logLevel: "silent",
      plugins: [adgenVite()],
      resolve: { alias },
      appType: "custom",
      server: { middlewareMode: true, hmr: false, ws: false },
      optimizeDeps: { noDiscovery: true },
    });
    try {
      const train = await server.transformRequest("/src/train.ts");
      expect(train!.code).toContain('from "/src/model.ts?adgen-grad=export:loss:w1,w2,b"');
      expect(train!.code).not.toMatch(/from "adgen"/);
      const companion = await server.transformRequest("/src/model.ts?adgen-grad=export:loss:w1,w2,b");
      expect(companion!.code).toContain("function loss_grad(w1, w2, b, x1, x2, label)");
    } finally {
      await server.close();
    }
  });
});
