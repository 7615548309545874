/**
 * `read-file.ts` in a browser: there is no disk, so without a `readFile` option a relative
 * import is a module adgen cannot find (a diagnostic, as for a missing file).
 */
export function readFile(_path: string): string | undefined {
  return undefined;
}
