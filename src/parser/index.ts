/**
 * Phase 1, parse: TypeScript source -> Program (one SSA graph per function, and every callee).
 */
export { parseProgram, type Host, type ParseResult } from "./program.js";
export type { CompanionRequest } from "./files.js";
export { GATES_MODULE } from "../conventions.js";
