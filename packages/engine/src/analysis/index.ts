export type * from './types.js';
export { STATIC_RULES, DEFAULT_MAX_POSITION_CAP } from './types.js';
export { analyzeStrategySource, sharedTypeChecker, sortFindings } from './analyze.js';
export { StrategyTypeChecker, STRATEGY_GLOBALS } from './typecheck.js';
export { applyEdits, reviewEdit, type EditReview } from './edits.js';
