/**
 * adgen's functions that take a function and return one of its generated companions, in one table
 * the runtime (`grad.ts`) and the bundler plugin (`src/plugin`) both read: which `compile()` mode
 * makes the companion, what it is called, what it takes after `f`'s own arguments, and what `f`
 * must return for it.
 */
import { compileSync, type CompileOptions, type CompileResult } from "../compile.js";
import { companionName, type CompanionKind } from "../conventions.js";

/** The functions of `adgen` that differentiate a function: `grad(f)`, `jvp(f)`, ... */
export type ApiName = "grad" | "vjp" | "jvp" | "hvp" | "hessian" | "hessianDiag" | "jacobian";

/**
 * A `compile()` mode. `hessian`, `hessian_diag` and `jacobian` are the compiler's own Hessian
 * and Jacobian companions (`f_hessian`, `f_hessian_diag`, `f_jacobian`), named here ahead of
 * `CompileOptions["modes"]`.
 */
export type CompileMode = NonNullable<CompileOptions["modes"]>[number] | "hessian" | "hessian_diag" | "jacobian";

export interface ApiMode {
  name: ApiName;
  /** The `compile()` mode that generates the companion. */
  mode: CompileMode;
  /** The companion's suffix: `f_<suffix>`. */
  suffix: string;
  /** What the companion takes after `f`'s arguments, if anything (named as in messages). */
  extra?: "grad_out" | "tangents" | "v";
  /** What `f` must return: `grad(f)` a number, `vjp(f)` an array, `jvp(f)` and `jacobian(f)` either. */
  returns: "number" | "array" | "any";
  /**
   * Whether the companion's types key values by `wrt`'s names (`GradsOf`): then a `wrt` that those
   * types would get wrong is refused (`wrtByPosition`). A Jacobian is a matrix: any `wrt` will do.
   */
  keyed: boolean;
}

export const API_MODES: Record<ApiName, ApiMode> = {
  grad: { name: "grad", mode: "grad", suffix: "grad", returns: "number", keyed: true },
  vjp: { name: "vjp", mode: "grad", suffix: "vjp", extra: "grad_out", returns: "array", keyed: true },
  jvp: { name: "jvp", mode: "jvp", suffix: "jvp", extra: "tangents", returns: "any", keyed: true },
  hvp: { name: "hvp", mode: "hvp", suffix: "hvp", extra: "v", returns: "number", keyed: true },
  hessian: { name: "hessian", mode: "hessian", suffix: "hessian", returns: "number", keyed: true },
  hessianDiag: { name: "hessianDiag", mode: "hessian_diag", suffix: "hessian_diag", returns: "number", keyed: true },
  jacobian: { name: "jacobian", mode: "jacobian", suffix: "jacobian", returns: "any", keyed: false },
};

export const API_NAMES = Object.keys(API_MODES) as ApiName[];

/** `compile()`'s options for this companion: its mode (reverse mode by default), and `wrtByPosition` where its types need it. */
export function compileModes(
  api: ApiName,
  wrt: readonly string[] | undefined,
): Pick<CompileOptions, "modes" | "wrtByPosition"> {
  const { mode, keyed } = API_MODES[api];
  return {
    ...(mode === "grad" ? {} : { modes: [mode] as CompileOptions["modes"] }),
    ...(wrt && keyed ? { wrtByPosition: true } : {}),
  };
}

/** The name of `name`'s companion for `api`: `loss_grad`, `angle_jvp`, `loss_hessian_diag`. */
export function apiCompanionName(name: string, api: ApiName): string {
  // `hessian`, `hessian_diag` and `jacobian` join CompanionKind with the compiler's companions.
  return companionName(name, API_MODES[api].suffix as CompanionKind);
}

/**
 * Why `api` does not apply to `name`, a function that returns a number or an array (the other of
 * what `api` needs), and what to use instead: for build errors and `GradError`s.
 */
export function wrongReturnMessage(api: ApiName, name: string, returns: "number" | "array"): string {
  const call = `${api}(${name})`;
  if (returns === "number")
    return `${call}: '${name}' returns a number, not an array; use grad(${name}) for its gradient`;
  return api === "grad"
    ? `${call}: '${name}' returns an array, not a number, so it has no gradient; ` +
        `use vjp(${name}) for its vector-Jacobian product (the gradient of grad_out · ${name})`
    : `${call}: '${name}' returns an array, not a number, so it has no ${api === "hvp" ? "Hessian-vector product" : "Hessian"}; ` +
        `use jacobian(${name}) for its Jacobian, or jvp(${name}) and vjp(${name}) for its products with vectors`;
}

export type CompanionBuild =
  /** The compiled module, and the name of the companion it defines. */
  | { result: CompileResult; exportName: string }
  /** The compiler's diagnostics. */
  | { diagnostics: CompileResult["diagnostics"] }
  /** `f` returns a number where `api` needs an array, or the other way round (see `wrongReturnMessage`). */
  | { wrongReturn: "number" | "array" }
  /** The compiler generated no such companion. */
  | { missing: string };

/**
 * Compiles `source` (which exports the function `name`) for `api`'s companion (`options` without
 * `modes` and `wrtByPosition`, which `api` decides). Where `f` returns
 * the other kind of value than `api` needs, says so: `grad` of a vector-valued function compiles
 * to `f_vjp`; `hvp` of one is refused by the mode (ADG4001), and then a reverse-mode compile
 * (only on such a failure) tells which kind `f` returns.
 */
export function compileCompanion(source: string, options: CompileOptions, name: string, api: ApiName): CompanionBuild {
  const { returns } = API_MODES[api];
  const exportName = apiCompanionName(name, api);
  const result = compileSync(source, { ...options, ...compileModes(api, options.wrt) });
  const reverse = () =>
    API_MODES[api].mode === "grad"
      ? result
      : compileSync(source, { ...options, modes: ["grad"], wrtByPosition: false });
  const returned = (r: CompileResult): "number" | "array" | undefined => {
    const has = (kind: "grad" | "vjp") => r.functions.some((f) => f.name === companionName(name, kind));
    return has("grad") ? "number" : has("vjp") ? "array" : undefined;
  };
  const mismatch = () => {
    const kind = returns === "any" ? undefined : returned(reverse());
    return kind !== undefined && kind !== returns ? { wrongReturn: kind } : undefined;
  };
  if (result.diagnostics.length > 0) {
    // ADG4xxx: what a mode cannot do; reverse mode would fail on anything else too.
    const modeOnly = result.diagnostics.every((d) => d.code.startsWith("ADG4"));
    return (modeOnly ? mismatch() : undefined) ?? { diagnostics: result.diagnostics };
  }
  if (result.functions.some((f) => f.name === exportName)) return { result, exportName };
  return mismatch() ?? { missing: `the generated code has no function ${exportName}` };
}
