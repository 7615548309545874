/**
 * Every `_error_` fixture is rejected: no code, and diagnostics (location, code, message,
 * code frame) that match the committed `error.txt`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, formatDiagnostic } from "../src/index.js";
import { errorFixtures } from "./support/fixtures.js";

describe.each(errorFixtures().map((f) => [f.name, f] as const))("%s", (_, fixture) => {
  it("is rejected with a diagnostic", async () => {
    const source = readFileSync(join(fixture.dir, "input.ts"), "utf8");
    const result = await compile(source, {
      fileName: fixture.input,
      ...(fixture.options.wrt ? { wrt: fixture.options.wrt } : {}),
      ...(fixture.options.modes ? { modes: fixture.options.modes } : {}),
    });
    expect(result.code).toBe("");
    expect(result.diagnostics.length).toBeGreaterThan(0);
    for (const d of result.diagnostics) expect(d.code).toMatch(/^ADG\d{4}$/);
    await expect(result.diagnostics.map(formatDiagnostic).join("\n")).toMatchFileSnapshot(
      join(fixture.dir, "error.txt"),
    );
  });
});
