/** adgen's build-time `grad()` for rollup. See docs/PLUGIN.md. */
import { unplugin } from "./core.js";
import type { AdgenPluginOptions, RollupLikePlugin } from "./options.js";

const adgen: (options?: AdgenPluginOptions) => RollupLikePlugin = unplugin.rollup as (
  options?: AdgenPluginOptions,
) => RollupLikePlugin;

export default adgen;
export type { AdgenPluginOptions } from "./options.js";
