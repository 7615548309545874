/** adgen's build-time `grad()` for rspack. See docs/PLUGIN.md. */
import { unplugin } from "./core.js";
import type { AdgenPluginOptions, WebpackLikePlugin } from "./options.js";

const adgen: (options?: AdgenPluginOptions) => WebpackLikePlugin = unplugin.rspack as (
  options?: AdgenPluginOptions,
) => WebpackLikePlugin;

export default adgen;
export type { AdgenPluginOptions } from "./options.js";
