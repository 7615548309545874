/** adgen's build-time `grad()` for esbuild. See docs/PLUGIN.md. */
import { unplugin } from "./core.js";

export default unplugin.esbuild;
export type { AdgenPluginOptions } from "./core.js";
