/**
 * The package as a user gets it: dist/ (built by test/support/build.ts, as `npm pack` builds it).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
