/**
 * The plugin's `jvp(f)`, `hvp(f)`, `hessian(f)`, `hessianDiag(f)` and `jacobian(f)` (AdgenContext,
 * no bundler): each call replaced by an import of its companion, the companion module
 * default-exporting `f_jvp` / `f_hvp` / ... with a source map, and a function that returns the
 * other kind of value reported at the call.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdgenContext, type HookContext } from "../../src/plugin/context.js";
import { COMPANION_ID, companionId, companionSpecifier, parseCompanionId } from "../../src/plugin/id.js";
import { API_NAMES } from "../../src/runtime/modes.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "adgen-modes-"));
  writeFileSync(
    join(dir, "model.ts"),
    `export function loss(w: number, b: number): number {\n  const r = w * 2 + b;\n  return r * r * w;\n}\n`,
  );
  writeFileSync(
    join(dir, "vec.ts"),
    `export function twice(x: Float64Array, k: number): Float64Array {\n  const y = new Float64Array(x.length);\n  for (let i = 0; i < x.length; i++) y[i] = k * x[i];\n  return y;\n}\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Messages {
  errors: { message: string; loc?: { file: string; line: number; column: number }; frame?: string }[];
  warnings: { message: string }[];
}

function hook(): HookContext & Messages {
  const m: Messages = { errors: [], warnings: [] };
  return {
    ...m,
    error: (e) => m.errors.push(e as Messages["errors"][number]),
    warn: (w) => m.warnings.push(w as Messages["warnings"][number]),
    addWatchFile: () => {},
  } as HookContext & Messages;
}

async function transform(code: string) {
  const h = hook();
  const result = await new AdgenContext("rollup").transform(h, code, join(dir, "app.ts"));
  return { result, code: result?.code, ...h };
}

const specifier = (mode: string, name: string, wrt: string, file: string) =>
  JSON.stringify(`\0adgen-${mode}:export:${name}:${wrt}:${join(dir, file)}`);

describe("jvp(f), hvp(f), hessian(f), hessianDiag(f), jacobian(f) in the plugin", () => {
  it("are replaced, like grad(f), by imports of their companions, named, aliased or through a namespace", async () => {
    const input = [
      `import { jvp, hvp as h, hessian, hessianDiag, jacobian } from "adgen";`,
      `import * as ad from "adgen";`,
      `import { loss } from "./model";`,
      `import { twice } from "./vec";`,
      `export const a = jvp(loss);`,
      `export const b = h(loss, { wrt: ["w"] });`,
      `export const c = [hessian(loss), hessianDiag(loss), jacobian(twice)];`,
      `export const d = [ad.jvp(twice), ad.hvp(loss, { wrt: ["w"] }), ad.grad(loss)];`,
      ``,
    ].join("\n");
    const { code, errors, warnings } = await transform(input);
    expect(warnings).toEqual([]);
    expect(errors).toEqual([]);
    expect(code).toBe(
      [
        [
          `import __adgen_loss_jvp from ${specifier("jvp", "loss", "*", "model.ts")};`,
          `import __adgen_loss_hvp from ${specifier("hvp", "loss", "w", "model.ts")};`,
          `import __adgen_loss_hessian from ${specifier("hessian", "loss", "*", "model.ts")};`,
          `import __adgen_loss_hessianDiag from ${specifier("hessianDiag", "loss", "*", "model.ts")};`,
          `import __adgen_twice_jacobian from ${specifier("jacobian", "twice", "*", "vec.ts")};`,
          `import __adgen_twice_jvp from ${specifier("jvp", "twice", "*", "vec.ts")};`,
          `import __adgen_loss_grad from ${specifier("grad", "loss", "*", "model.ts")};`,
        ].join(" "),
        ``,
        `import { loss } from "./model";`,
        `import { twice } from "./vec";`,
        `export const a = __adgen_loss_jvp;`,
        `export const b = __adgen_loss_hvp;`,
        `export const c = [__adgen_loss_hessian, __adgen_loss_hessianDiag, __adgen_twice_jacobian];`,
        `export const d = [__adgen_twice_jvp, __adgen_loss_hvp, __adgen_loss_grad];`,
        ``,
      ].join("\n"),
    );
  });

  it("report hvp, hessian or hessianDiag of a vector-valued function at the call, saying what to use", async () => {
    const { errors } = await transform(
      [
        `import { hvp, hessian, hessianDiag } from "adgen";`,
        `import { twice } from "./vec";`,
        `export const a = hvp(twice);`,
        `export const b = hessian(twice);`,
        `export const c = hessianDiag(twice, { wrt: ["x"] });`,
      ].join("\n"),
    );
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatchObject({
      message:
        "hvp(twice): 'twice' returns an array, not a number, so it has no Hessian-vector product; " +
        "use jacobian(twice) for its Jacobian, or jvp(twice) and vjp(twice) for its products with vectors",
      loc: { file: join(dir, "app.ts"), line: 3, column: 17 },
    });
    expect(errors[0]!.frame).toContain("> 3 | export const a = hvp(twice);");
    expect(errors[1]!.message).toMatch(
      /^hessian\(twice\): 'twice' returns an array, not a number, so it has no Hessian; use jacobian\(twice\)/,
    );
    expect(errors[1]!.loc).toMatchObject({ line: 4, column: 17 });
    expect(errors[2]!.message).toMatch(/^hessianDiag\(twice\): 'twice' returns an array/);
  });

  it("have ids of their own, which round-trip and the hook filters match", () => {
    for (const mode of API_NAMES) {
      const r = {
        ...(mode === "grad" ? {} : { mode }),
        kind: "local" as const,
        name: "f",
        wrt: ["x"],
        file: "/p/a.ts",
      };
      expect(parseCompanionId(companionId(r))).toEqual(r);
      expect(parseCompanionId(companionSpecifier(r))).toEqual(r);
      expect(COMPANION_ID.test(companionId(r)) && COMPANION_ID.test(companionSpecifier(r))).toBe(true);
    }
    expect(companionId({ mode: "hessianDiag", kind: "export", name: "loss", file: "/p/m.ts" })).toBe(
      "/p/m.ts?adgen-hessianDiag=export:loss:*",
    );
    expect(parseCompanionId("/p/m.ts?adgen-hessianx=export:loss:*")).toBeUndefined();
  });
});

describe("their companion modules", () => {
  async function load(request: Parameters<typeof companionId>[0]) {
    const h = hook();
    const result = await new AdgenContext("rollup").load(h, companionId(request));
    expect(h.errors).toEqual([]);
    return result!;
  }

  it("default-export f_jvp and f_hvp, mapped into the source", async () => {
    const file = join(dir, "model.ts");
    for (const mode of ["jvp", "hvp"] as const) {
      const { code, map } = await load({ mode, kind: "export", name: "loss", file });
      const last = mode === "jvp" ? "tangents" : "v";
      expect(code).toMatch(new RegExp(`^export function loss_${mode}\\(w, b, ${last}\\) \\{$`, "m"));
      expect(code.endsWith(`export default loss_${mode};\n`)).toBe(true);
      const lines = code.split("\n");
      const line = lines.findIndex((l) => l.includes("const r = "));
      const pos = originalPositionFor(new TraceMap(map as never), { line: line + 1, column: 0 });
      expect(pos).toMatchObject({ source: file, line: 2 });
    }
    // A vector-valued function's f_jvp; wrt chooses the tangents.
    const { code } = await load({ mode: "jvp", kind: "export", name: "twice", wrt: ["x"], file: join(dir, "vec.ts") });
    expect(code).toMatch(/^export function twice_jvp\(x, k, tangents\) \{$/m);
    expect(code).toContain("const { x: dot_x = new Float64Array(x.length) } = tangents;");
  });
});
