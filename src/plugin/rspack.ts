/** adgen's build-time `grad()` for rspack. See docs/PLUGIN.md. */
import { unplugin } from "./core.js";

export default unplugin.rspack;
export type { AdgenPluginOptions } from "./core.js";
