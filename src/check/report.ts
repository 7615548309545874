/** What a check finds: one row per comparison, per point; and the error thrown on a failed check. */

/**
 * What a companion computes: a gradient (`f_grad`), a vector-Jacobian product (`f_vjp`), or a
 * Jacobian-vector product (`f_jvp`, forward mode).
 */
export type CheckKind = "grad" | "vjp" | "jvp";

/** One comparison: a partial derivative (or directional derivative) at one point. */
export interface CheckRow {
  /** Index into `CheckReport.points`. */
  point: number;
  /** `w0`, `a[2]`, `p.x`; `a (along v)` for a directional derivative; `value` for f's value. */
  parameter: string;
  /** What the companion computed. */
  adgen?: number;
  /** The finite-difference estimate (for `value`: what f returns). */
  estimate?: number;
  /** |adgen - estimate| / (1 + max(|adgen|, |estimate|)). */
  error?: number;
  verdict: "ok" | "mismatch" | "skipped";
  /** Why a row is skipped or failed when the numbers do not say it. */
  note?: string;
}

export interface CheckPoint {
  /** f's arguments. */
  args: unknown[];
  /** Given in `at` (else drawn at random). */
  given: boolean;
  /** The cotangent u of a vjp check (and of a jvp check of an f returning an array). */
  cotangent?: unknown;
}

export interface CheckReport {
  /** f's name, and the companion's. */
  function: string;
  companion: string;
  kind: CheckKind;
  /** f's parameter names. */
  params: string[];
  points: CheckPoint[];
  rows: CheckRow[];
  /** Points that could not be checked, and other things worth saying. */
  notes: string[];
  counts: { ok: number; mismatch: number; skipped: number };
  /** No mismatch, and at least one point could be evaluated. */
  ok: boolean;
  seed: number;
  tolerance: number;
  step: number;
}

/** Thrown by `checkGrad` when the check fails; the message is the report's table. */
export class CheckError extends Error {
  constructor(
    message: string,
    readonly report: CheckReport,
  ) {
    super(message);
    this.name = "CheckError";
  }
}
