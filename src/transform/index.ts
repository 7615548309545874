/**
 * Phase 2, transform: SSA graph -> GradProgram (forward assignments, then adjoints).
 */
export { analyzeActivity, type Activity } from "./activity.js";
export { differentiate } from "./adjoint.js";
