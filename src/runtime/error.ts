import type { Diagnostic } from "../diagnostics.js";

/** Raised when `grad(f)`, `vjp(f)`, `jvp(f)`, ... cannot compile `f` (or `f` returns a number where it needs an array, or the other way round); `diagnostics` holds what the compiler said, if it got that far. */
export class GradError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = "GradError";
  }
}
