export type * from './types.js';
export { defineStrategy, resolveParams, paramValue, isParamSpec, describeRange } from './define.js';
export { validateStrategy, strategyProblems, strategyProblemErrors, closestKey, editDistance } from './validate.js';
export type { StrategyProblem } from './validate.js';
export { locateProperty, positionAt, definitionOffset } from './source-location.js';
export type { SourcePosition } from './source-location.js';
export {
  transpileStrategy,
  evaluateStrategy,
  loadStrategyFile,
  loadTranspiledStrategy,
  strategyRuntimeError,
} from './loader.js';
export type { TranspiledStrategy, EvaluateOptions } from './loader.js';
export { transpileStrategyCached, BUNDLE_CACHE_DIR, type BundleCacheUse } from './bundle-cache.js';
