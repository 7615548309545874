/**
 * Companion module ids (`vjp(f)`'s, `jvp(f)`'s, ... the same with `vjp`, `jvp`, ... for `grad`). `grad(loss)` with `loss` from `./model` becomes an import of the
 * specifier `\0adgen-grad:export:loss:*:/abs/src/model.ts`, which the plugin resolves to the id
 * `/abs/src/model.ts?adgen-grad=export:loss:*` and loads as the generated companion of `loss`,
 * default-exported.
 *
 * The specifier starts with `\0`, the bundlers' mark of a virtual module, so that no other plugin
 * (an alias of `adgen` in a monorepo, say) takes it for a path; it is neither a URL scheme (webpack
 * refuses unknown schemes) nor carries `?` or `#` (enhanced-resolve would split them off before
 * plugins see them). The resolved id is the defining
 * file with a query, the convention of Vite's derived modules (`?raw`, `?worker`): bundlers then
 * resolve the companion's own imports (`adgen/gates`) from the defining file's directory, and
 * Vite's dev server invalidates the companion when that file changes.
 */
import { API_NAMES, type ApiName } from "../runtime/modes.js";

/** Which function a companion differentiates, and how. */
export interface CompanionRequest {
  /** Which of adgen's functions asked for it: `grad` (companion `<name>_grad`), `vjp` (`<name>_vjp`), `jvp`, `hvp`, ...; `grad` when absent. */
  mode?: Mode;
  /** How `name` is found in `file`: an exported name, or a top-level function's own name. */
  kind: "export" | "local";
  /** The exported name (`default` for a default export) or the local name. */
  name: string;
  /** Differentiate only these parameters; all when absent. */
  wrt?: string[];
  /** Absolute path of the file that defines the function. */
  file: string;
}

export type Mode = ApiName;

/** `grad|vjp|jvp|...`: the modes, as alternatives of a regular expression. */
const MODES = API_NAMES.join("|");
const SPECIFIER = new RegExp(`^\\x00adgen-(${MODES}):(export|local):([^:]+):([^:]*):(.+)$`);
const QUERY = new RegExp(`^(.+?)\\?adgen-(${MODES})=(export|local):([^:&]+):([^:&]*)$`);
/** Matches specifiers and resolved ids, for hook filters (also as a Go regexp, for esbuild). */
export const COMPANION_ID = new RegExp(`^\\x00adgen-(?:${MODES}):|\\?adgen-(?:${MODES})=`);
/** Matches the specifiers alone (esbuild's resolve filter). */
export const COMPANION_SPECIFIER = new RegExp(`^\\x00adgen-(?:${MODES}):`);
/** Matches resolved companion ids alone (the query part; esbuild's load filter). */
export const COMPANION_QUERY = new RegExp(`\\?adgen-(?:${MODES})=`);

/** The import specifier the transformed module uses. */
export function companionSpecifier(r: CompanionRequest): string {
  return `\0adgen-${r.mode ?? "grad"}:${r.kind}:${encodeURIComponent(r.name)}:${encodeWrt(r.wrt)}:${r.file}`;
}

/** The id a specifier resolves to. */
export function companionId(r: CompanionRequest): string {
  return `${r.file}?adgen-${r.mode ?? "grad"}=${r.kind}:${encodeURIComponent(r.name)}:${encodeWrt(r.wrt)}`;
}

/** Parses a specifier or resolved id; undefined when it is not a companion's. */
export function parseCompanionId(id: string): CompanionRequest | undefined {
  const s = SPECIFIER.exec(id);
  if (s) return request(s[1]!, s[2]!, s[3]!, s[4]!, s[5]!);
  const q = QUERY.exec(id);
  if (q) return request(q[2]!, q[3]!, q[4]!, q[5]!, q[1]!);
  return undefined;
}

function request(mode: string, kind: string, name: string, wrt: string, file: string): CompanionRequest {
  return {
    ...(mode === "grad" ? {} : { mode: mode as Mode }),
    kind: kind as CompanionRequest["kind"],
    name: decodeURIComponent(name),
    ...(wrt === "*" ? {} : { wrt: wrt ? wrt.split(",").map(decodeURIComponent) : [] }),
    file,
  };
}

function encodeWrt(wrt: string[] | undefined): string {
  return wrt ? wrt.map(encodeURIComponent).join(",") : "*";
}
