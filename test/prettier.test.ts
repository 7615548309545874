/**
 * Generated code is already formatted: every fixture's committed output is a fixed point of
 * prettier, both with the options adgen formats with and with this repository's own config
 * (so `npm run format:check` never fights the snapshots).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import { format } from "../src/emit/index.js";
import { passingFixtures } from "./support/fixtures.js";

describe.each(passingFixtures().map((f) => [f.name, f] as const))("%s", (_, fixture) => {
  const path = join(fixture.dir, "output.ts");
  const code = readFileSync(path, "utf8");

  it("output.ts is unchanged by adgen's formatter", async () => {
    expect(await format(code)).toBe(code);
  });

  it("output.ts is unchanged by prettier with the repository's config", async () => {
    const options = (await prettier.resolveConfig(path)) ?? {};
    expect(await prettier.format(code, { ...options, filepath: path })).toBe(code);
  });
});
