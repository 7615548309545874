/**
 * The plugin's options, and the shapes of the plugin objects as each bundler's configuration
 * takes them. Declared here without unplugin's types, which name every bundler's packages: the
 * published declarations then type-check with `skipLibCheck: false` whichever bundler is installed.
 */

/** Paths as globs or regular expressions (the same as unplugin's and Rollup's FilterPattern). */
export type FilterPattern = (string | RegExp)[] | string | RegExp | null;

export interface AdgenPluginOptions {
  /** Modules to look at for `grad` and `vjp` calls (default: `.ts`, `.tsx`, `.mts`, `.js`, `.jsx`, `.mjs`). */
  include?: FilterPattern;
  /** Modules never to look at (default: anything under `node_modules`). */
  exclude?: FilterPattern;
  /**
   * A `grad(f)` / `vjp(f)` the plugin cannot compile (its `f` is not a function it can find) is
   * left to the runtime compiler, which brings TypeScript's parser into the bundle (megabytes) and
   * needs `new Function`. In a client build (Vite's client environment, esbuild's browser
   * platform, a webpack/Rspack web target) that is an error at the call unless this is `true`;
   * elsewhere (Node, SSR, Rollup, which has no target) a warning.
   */
  runtimeFallback?: boolean;
}

/** A Vite or Rollup plugin (both take an object with a name and hooks). */
export interface RollupLikePlugin {
  name: string;
}

/** A webpack or Rspack plugin. */
export interface WebpackLikePlugin {
  apply(compiler: any): void;
}

/** An esbuild plugin. */
export interface EsbuildLikePlugin {
  name: string;
  setup(build: any): void | Promise<void>;
}
