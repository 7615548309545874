import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * `import "./input.ts?all-exports"` also exports every top-level function (and class), so the fixture
 * test can compare a generated `f_grad` with `f` even where the input file keeps `f` private, and
 * build the instances of a class an `f` takes.
 */
const allExports = {
  name: "adgen-all-exports",
  transform(code: string, id: string) {
    if (!id.endsWith("?all-exports")) return undefined;
    const listed = new Set(
      [...code.matchAll(/export\s*\{([^}]*)\}/g)].flatMap((m) => m[1]!.split(",").map((s) => s.trim().split(/\s+/)[0])),
    );
    const names = [...code.matchAll(/^(?:function\s+(\w+)|const\s+(\w+)\s*=\s*(?:\(|function)|class\s+(\w+))/gm)]
      .map((m) => m[1] ?? m[2] ?? m[3])
      .filter((n) => !listed.has(n));
    return names.length > 0 ? `${code}\nexport { ${names.join(", ")} };\n` : undefined;
  },
};

export default defineConfig({
  plugins: [allExports],
  resolve: {
    // Generated code imports "adgen/gates"; tests run it against the sources.
    alias: [
      { find: /^adgen\/gates$/, replacement: here("./src/gates/index.ts") },
      { find: /^adgen$/, replacement: here("./src/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/build.ts"],
    testTimeout: 60_000,
  },
});
