/**
 * The shape of src/: no import cycles, and no stage imports a later one (parse -> optimise ->
 * transform -> simplify -> emit; the shared modules below them, the API, plugin, runtime and picture above).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./support/fixtures.js";

const src = join(root, "src");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : [],
  );
}

/** Each source file's relative imports (type-only imports included: they are dependencies too). */
const imports = new Map(
  files(src).map((file) => {
    const text = readFileSync(file, "utf8");
    const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)].map((m) => m[1]!);
    const targets = specifiers.map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts")));
    return [relative(src, file), targets.map((t) => relative(src, t))] as const;
  }),
);

/** Where a file stands: shared modules 0, the stages 1-5 in order, the API and its users 6. */
function rank(file: string): number {
  const top = file.split("/")[0]!;
  const stages: Record<string, number> = { parser: 1, optimise: 2, transform: 3, simplify: 4, emit: 5 };
  if (top in stages) return stages[top]!;
  if (["plugin", "runtime", "picture", "index.ts", "compile.ts"].includes(top)) return 6;
  return 0;
}

describe("src/ architecture", () => {
  it("keeps every file small: at most 400 lines", () => {
    const long = files(src)
      .map((f) => [relative(src, f), readFileSync(f, "utf8").split("\n").length] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });

  it("reads its imports", () => {
    expect(imports.size).toBeGreaterThan(20);
    expect(imports.get("compile.ts")).toContain("parser/index.ts");
  });

  it("has no import cycles", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const path: string[] = [];
    const visit = (file: string) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
        return;
      }
      state.set(file, "open");
      path.push(file);
      for (const next of imports.get(file) ?? []) visit(next);
      path.pop();
      state.set(file, "done");
    };
    for (const file of [...imports.keys()].sort()) visit(file);
    expect(cycles).toEqual([]);
  });

  it("imports no later stage", () => {
    const backwards = [...imports].flatMap(([file, targets]) =>
      targets.filter((t) => rank(t) > rank(file) && !(rank(t) === 6 && rank(file) === 6)).map((t) => `${file} -> ${t}`),
    );
    expect(backwards).toEqual([]);
  });

  it("has stages that talk only through the IR: no stage imports another", () => {
    const crossing = [...imports].flatMap(([file, targets]) =>
      targets
        .filter((t) => rank(file) >= 1 && rank(file) <= 5 && rank(t) >= 1 && rank(t) <= 5 && rank(t) !== rank(file))
        .map((t) => `${file} -> ${t}`),
    );
    expect(crossing).toEqual([]);
  });
});
