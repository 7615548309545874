/** adgen's build-time `grad()` for vite. See docs/PLUGIN.md. */
import { unplugin } from "./core.js";

export default unplugin.vite;
export type { AdgenPluginOptions } from "./core.js";
