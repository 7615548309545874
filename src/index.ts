/**
 * adgen: source-to-source reverse-mode automatic differentiation for TypeScript.
 * The public API; `src/compile.ts` runs the phases (parse -> optimise -> transform -> emit).
 */

export { codes, formatDiagnostic, type Diagnostic, type DiagnosticCode } from "./diagnostics.js";
export type * from "./ir.js";
export { version } from "./version.js";
export {
  grad,
  GradError,
  vjp,
  type GradFunction,
  type GradOf,
  type GradOptions,
  type GradResult,
  type GradsOf,
  type Param,
  type VjpFunction,
  type VjpResult,
} from "./runtime/grad.js";
export type { Data } from "./runtime/data.js";
export {
  hvp,
  jvp,
  type HvpFunction,
  type HvpResult,
  type JvpFunction,
  type JvpResult,
  type TangentsOf,
} from "./runtime/forward.js";
export {
  hessian,
  hessianDiag,
  jacobian,
  type HessianDiagFunction,
  type HessianDiagResult,
  type HessianFunction,
  type HessianResult,
  type JacobianFunction,
  type JacobianResult,
} from "./runtime/hessian.js";
export { compile, compileSync, type CompileOptions, type CompileResult, type GeneratedFunction } from "./compile.js";
export {
  checkGrad,
  CheckError,
  formatReport,
  type CheckKind,
  type CheckOptions,
  type CheckPoint,
  type CheckReport,
  type CheckRow,
} from "./check/index.js";
export { circuit, PictureError, renderSvg, type CircuitOptions, type CircuitResult } from "./picture/index.js";
