/**
 * The package as a user gets it: dist/ (built by test/support/build.ts, as `npm pack` builds it).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Project, ts } from "ts-morph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "./support/fixtures.js";

function files(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name), suffix) : d.name.endsWith(suffix) ? [join(dir, d.name)] : [],
  );
}

describe("dist", () => {
  it("ships its source maps with the sources in them (src/ is not in the package)", () => {
    const maps = files(join(root, "dist"), ".js.map");
    expect(maps.length).toBeGreaterThan(10);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(map, "utf8")) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      expect(sourcesContent?.length, map).toBe(sources.length);
      expect(
        sourcesContent!.every((s) => typeof s === "string" && s.length > 0),
        map,
      ).toBe(true);
    }
  });
});

describe("the packed tarball, installed in an empty folder", () => {
  let app: string;
  const exec = promisify(execFile);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";

  beforeAll(async () => {
    const tmp = mkdtempSync(join(tmpdir(), "adgen-pack-"));
    app = join(tmp, "app");
    mkdirSync(app);
    // `npm pack` runs prepack (the build), as publishing does.
    const { stdout } = await exec(npm, ["pack", "--pack-destination", tmp, "--silent"], { cwd: root });
    const tarball = join(tmp, stdout.trim().split("\n").pop()!);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    // The dependencies come from npm's cache (npm ci filled it); --offline needs their metadata
    // cached too, else npm may ask the registry for it alone.
    const install = (mode: string) =>
      exec(npm, ["install", mode, "--no-audit", "--no-fund", "--silent", tarball], { cwd: app });
    await install("--offline").catch(() => install("--prefer-offline"));
  }, 240_000);
  afterAll(() => app && rmSync(join(app, ".."), { recursive: true, force: true }));

  it("has a LICENSE, the catalogue of diagnostics, and no sources", () => {
    const pkg = join(app, "node_modules", "adgen");
    expect(existsSync(join(pkg, "LICENSE"))).toBe(true);
    expect(existsSync(join(pkg, "docs", "DIAGNOSTICS.md"))).toBe(true);
    expect(existsSync(join(pkg, "src"))).toBe(false);
  });

  it("runs npx adgen", async () => {
    writeFileSync(join(app, "model.ts"), "export function f(x: number) {\n  return x * x;\n}\n");
    expect((await exec("npx", ["--no-install", "adgen", "--version"], { cwd: app })).stdout.trim()).toMatch(
      /^\d+\.\d+/,
    );
    const { stdout } = await exec("npx", ["--no-install", "adgen", "model.ts", "--lang", "js"], { cwd: app });
    expect(stdout).toMatch(/^export function f_grad\(x\) \{$/m);
  });

  it("imports adgen/gates under Node", async () => {
    const script = `const g = await import("adgen/gates"); process.stdout.write(String(g.sigmoid(0)));`;
    const { stdout } = await exec(process.execPath, ["--input-type=module", "-e", script], { cwd: app });
    expect(stdout).toBe("0.5");
  });

  it("type-checks under moduleResolution node10 with skipLibCheck: false", () => {
    writeFileSync(
      join(app, "use.ts"),
      [
        `import { sigmoid } from "adgen/gates";`,
        `import { grad } from "adgen";`,
        `import vite from "adgen/vite";`,
        `import rollup from "adgen/rollup";`,
        `import esbuild from "adgen/esbuild";`,
        `import webpack from "adgen/webpack";`,
        `import rspack from "adgen/rspack";`,
        `export const s: number = sigmoid(0);`,
        `export const g = grad((x: number) => x * x, { wrt: ["x"] });`,
        `export const plugins = [vite(), rollup({ include: [/x/] }), esbuild(), webpack(), rspack({ runtimeFallback: true })];`,
      ].join("\n"),
    );
    // TypeScript 7 (this project's tsc) has no node10: ts-morph's TypeScript 6 still does.
    const project = new Project({
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        target: ts.ScriptTarget.ES2022,
        types: [],
        ignoreDeprecations: "6.0",
      },
    });
    project.addSourceFileAtPath(join(app, "use.ts"));
    project.resolveSourceFileDependencies();
    expect(project.formatDiagnosticsWithColorAndContext(project.getPreEmitDiagnostics())).toBe("");
  });

  it("lets a bundler drop the gates a program does not use", async () => {
    const esbuild = await import("esbuild");
    writeFileSync(join(app, "entry.js"), `import { sigmoid } from "adgen/gates";\nconsole.log(sigmoid(1));\n`);
    const out = await esbuild.build({
      absWorkingDir: app,
      entryPoints: ["entry.js"],
      bundle: true,
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    const code = out.outputFiles[0]!.text;
    expect(code).toContain("sigmoid");
    expect(code).not.toMatch(/matmul|logSumExp|reluArray/);
  });
});
