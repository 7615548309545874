import { createRequire } from "node:module";

/** adgen's version, from its package.json (one directory above src/ and dist/src/). */
function readVersion(): string {
  const require = createRequire(import.meta.url);
  for (const path of ["../package.json", "../../package.json"]) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === "adgen" && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return "0.0.0";
}

export const version = readVersion();
