/**
 * The playground: a static page where adgen compiles in the browser (`npm run playground` serves
 * it, `npm run playground:build` writes plain files to playground/dist).
 */
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * ts-morph ships TypeScript's lib .d.ts files as strings (2.7 MB) for projects that type-check in
 * memory; adgen's parser only parses (`skipLoadingLibFiles`), so the page leaves them out.
 */
const dropTsMorphLibFiles: Plugin = {
  name: "adgen-playground-drop-ts-morph-lib-files",
  transform(code, id) {
    if (!id.includes("@ts-morph/common/dist/ts-morph-common.js")) return undefined;
    const start = code.indexOf("const libFiles = [{");
    const end = code.indexOf("function getLibFiles()");
    if (start < 0 || end < start) throw new Error("ts-morph's libFiles moved: update playground/vite.config.ts");
    return { code: `${code.slice(0, start)}const libFiles = [];\n\n${code.slice(end)}`, map: null };
  },
};

export default defineConfig({
  root: here("."),
  base: "./", // plain files: the page works from any folder it is copied to
  plugins: [dropTsMorphLibFiles],
  resolve: {
    alias: [
      // What package.json's `browser` field does for the published package.
      { find: /^\.\/read-file\.js$/, replacement: here("../src/read-file.browser.ts") },
      { find: /^adgen\/gates$/, replacement: here("../src/gates/index.ts") },
    ],
  },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 8000 },
});
