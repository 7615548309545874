import type { Diagnostic } from "../diagnostics.js";

/** Raised when `grad(f)` or `vjp(f)` cannot compile `f` (or is the wrong one of the two for it); `diagnostics` holds what the compiler said, if it got that far. */
export class GradError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = "GradError";
  }
}

/** Why `grad` (or `vjp`) does not apply to `name`, and what to use instead: for build errors and `GradError`s. */
export function wrongModeMessage(mode: "grad" | "vjp", name: string): string {
  return mode === "grad"
    ? `grad(${name}): '${name}' returns an array, not a number, so it has no gradient; ` +
        `use vjp(${name}) for its vector-Jacobian product (the gradient of grad_out · ${name})`
    : `vjp(${name}): '${name}' returns a number, not an array; use grad(${name}) for its gradient`;
}
