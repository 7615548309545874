import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Generated code imports "adgen/gates"; tests run it against the sources.
    alias: [
      { find: /^adgen\/gates$/, replacement: here("./src/gates/index.ts") },
      { find: /^adgen$/, replacement: here("./src/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
