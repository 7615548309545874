/** adgen's gradient checker: generated companions against finite differences (see check.ts). */
export { checkGrad, type CheckOptions } from "./check.js";
export { CheckError, type CheckKind, type CheckPoint, type CheckReport, type CheckRow } from "./report.js";
export { formatReport, outcome } from "./table.js";
