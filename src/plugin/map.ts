/**
 * The companion's source map, from the position compile() gives each generated line: a line of
 * the forward or backward pass points at the expression its value comes from, the signature,
 * return and braces at the function; lines from a function inlined from another module point
 * into that module.
 */
import { encode, type SourceMapSegment } from "@jridgewell/sourcemap-codec";
import type { SourcePosition } from "../compile.js";

export interface SourceMap {
  version: 3;
  sources: string[];
  sourcesContent: string[];
  names: string[];
  mappings: string;
}

/**
 * `code`'s map: its first `lines.length` lines are compile()'s output, whose positions `lines`
 * gives; `source(file)` is a position's file as a path and its text (undefined: not mapped).
 */
export function companionMap(
  code: string,
  lines: (SourcePosition | null)[],
  source: (file: string) => { path: string; text: string } | undefined,
): SourceMap {
  const sources: { path: string; text: string }[] = [];
  const index = new Map<string, number | undefined>();
  const indexOf = (file: string): number | undefined => {
    if (!index.has(file)) {
      const s = source(file);
      index.set(file, s === undefined ? undefined : sources.push(s) - 1);
    }
    return index.get(file);
  };
  const segments: SourceMapSegment[][] = code.split("\n").map((_, i) => {
    const p = lines[i];
    const k = p ? indexOf(p.file) : undefined;
    return p && k !== undefined ? [[0, k, p.line - 1, p.column - 1]] : [];
  });
  return {
    version: 3,
    sources: sources.map((s) => s.path),
    sourcesContent: sources.map((s) => s.text),
    names: [],
    mappings: encode(segments),
  };
}
