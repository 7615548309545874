import type { Diagnostic } from "../diagnostics.js";

/** Raised when `grad(f)` cannot compile `f`; `diagnostics` holds what the compiler said, if it got that far. */
export class GradError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = "GradError";
  }
}
