/** adgen's build-time `grad()` for rollup. See docs/PLUGIN.md. */
import { unplugin } from "./core.js";

export default unplugin.rollup;
export type { AdgenPluginOptions } from "./core.js";
