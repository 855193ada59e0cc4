export type * from './types.js';
export { STATIC_RULES, DEFAULT_MAX_POSITION_CAP } from './types.js';
export { analyzeStrategySource, sharedTypeChecker, sortFindings } from './analyze.js';
export { StrategyTypeChecker, STRATEGY_GLOBALS } from './typecheck.js';
export { applyEdits, reviewEdit, type EditReview } from './edits.js';
/** The lazily loaded TypeScript compiler the analysis uses (the synthesizer reads the engine's types with it). */
export { typescript as typescriptCompiler } from './typescript.js';
