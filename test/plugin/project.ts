/**
 * A small project in a temporary directory for the bundler tests: the same app in TypeScript
 * (`ts/`) and in JavaScript (`js/`), each with a model, an app module that differentiates it, an
 * unrelated module, and a module whose `grad` hits a compile error. `node_modules/adgen` links to
 * this repository, as an install would, so `adgen/gates` resolves to the built gates.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { root } from "../support/fixtures.js";

export interface Project {
  dir: string;
  /** Writes a file under the project; returns its absolute path. */
  write(path: string, text: string): string;
  remove(): void;
}

export const MODEL = `import { sigmoid } from "adgen/gates";
import { label } from "./helpers";

export function loss(w: number, b: number, x: number, y: number): number {
  const z = w * x + b;
  const p = sigmoid(z);
  const e = p - y;
  return e * e;
}

export function describe(w: number, b: number): string {
  return label + ": w = " + w + ", b = " + b;
}
`;

const APP = `import { grad, hvp, jvp } from "adgen";
import { loss, describe } from "./model";

function local(a: number, c: number) {
  return Math.sin(a) * c;
}

export const dloss = grad(loss);
export const dlossWb = grad(loss, { wrt: ["w", "b"] });
export const dlocal = grad(local);
export const jloss = jvp(loss);
export const hlossWb = hvp(loss, { wrt: ["w", "b"] });
export { loss, local, describe };
`;

const HELPERS = `export const label = "model";\n`;
const UNRELATED = `import { label } from "./helpers";

export const answer = (x: number) => x * 42 + label.length;
`;
export const BAD_MODEL = `export function g(x: number) {
  const y = x * 2;
  return Math.random() * y;
}
`;
const BROKEN = `import { grad } from "adgen";
import { g } from "./bad-model";

export const dg = grad(g);
`;

/** TypeScript to the JavaScript subset the same files need: drop `: number`/`: string` and use explicit extensions. */
function toJs(ts: string, ext: string): string {
  return ts
    .replace(/: (number|string)/g, "")
    .replace(/from "\.\/(model|helpers|bad-model)"/g, (_, m: string) => `from "./${m}${ext}"`);
}

export function createProject(): Project {
  const dir = mkdtempSync(join(tmpdir(), "adgen-plugin-"));
  const write = (path: string, text: string) => {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  write("package.json", JSON.stringify({ name: "adgen-plugin-test", private: true, type: "module" }));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(root, join(dir, "node_modules", "adgen"), "dir");

  const files: Record<string, string> = {
    model: MODEL,
    app: APP,
    helpers: HELPERS,
    unrelated: UNRELATED,
    "bad-model": BAD_MODEL,
    broken: BROKEN,
  };
  for (const [name, text] of Object.entries(files)) {
    write(`ts/${name}.ts`, text);
    // The JavaScript app: `.mjs` entries importing `.js` modules.
    const entry = name === "app" || name === "broken" || name === "unrelated";
    write(`js/${name}${entry ? ".mjs" : ".js"}`, toJs(text, ".js"));
  }
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
