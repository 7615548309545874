// Module hooks that let Node load @tensorflow/tfjs-core's gradient definitions.
//
// tfjs-core's Node bundle (dist/tf-core.node.js) has every op but no gradients: they ship only
// as separate ES modules (dist/gradients/*.js, registered by dist/register_all_gradients.js)
// written for bundlers, with extensionless relative imports, in a package without
// "type": "module". These hooks resolve those imports (`./x` -> `./x.js` or `./x/index.js`) and
// load the files as ES modules. The gradients register into tfjs's global registry, which the
// Node bundle reads, so `tf.valueAndGrads` then works as it does in a bundled application.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const inCoreModules = (url) =>
  typeof url === "string" &&
  url.includes("/node_modules/@tensorflow/tfjs-core/dist/") &&
  !/\/dist\/tf-core[^/]*\.js$/.test(url);

export async function resolve(specifier, context, next) {
  if (inCoreModules(context.parentURL) && specifier.startsWith(".") && !specifier.endsWith(".js")) {
    const path = fileURLToPath(new URL(specifier, context.parentURL));
    const file = existsSync(`${path}.js`) ? `${path}.js` : `${path}/index.js`;
    return { url: pathToFileURL(file).href, format: "module", shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (inCoreModules(url) && url.endsWith(".js")) return next(url, { ...context, format: "module" });
  return next(url, context);
}
