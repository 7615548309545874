/** adgen's build-time `grad()` for webpack. See docs/PLUGIN.md. */
import { unplugin } from "./core.js";

export default unplugin.webpack;
export type { AdgenPluginOptions } from "./core.js";
