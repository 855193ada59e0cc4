/** Sweeps, walk-forward and overfitting tests over a strategy's declared params. See README.md here. */
export { paramSpace, snap, levels, valueCount, paramKey, type ParamSpace, type ParamDimension, type ParamSet } from './space.js';
export { createSearch, gridPoints, TPE_BATCH, type Search, type SearchMethod } from './search.js';
export { scoreOf, OBJECTIVES, type Objective } from './objective.js';
export { walkForwardWindows, MIN_WINDOW_BARS, type FoldWindows, type WindowMode } from './windows.js';
export { monteCarlo, tradeReturns, pathOf, type MonteCarloResult, type Distribution } from './montecarlo.js';
export { deflatedSharpe, expectedMaxSharpe, probabilisticSharpe, overfittingProbability, type DeflatedSharpe, type OverfittingProbability } from './overfitting.js';
export { normalCdf, normalQuantile, moments, curveReturns, periodSharpe } from './stats.js';
export { LocalTrialPool, SweepStopped, type TrialPool, type TrialJob, type TrialOutput, type LocalPoolOptions } from './pool.js';
export { runSweep, trialKey, seriesHash, SweepInterrupted, type SweepPlan, type SweepResult, type SweepProgress, type TrialRecord, type TrialRole, type FoldResult } from './sweep.js';
export { summariseReport } from './sweep.js';
export type { TrialSummary } from './pool.js';
export { tierEvidence, nextTier, paperQualifier, paperRetirement, TIERS, DEFAULT_TIER_RULES, type Tier, type TierEvidence, type TierRules, type PaperSessionEvidence } from './tiers.js';
export { paperSessions, reviewTierOnPaper, reviewTiersAfterSession } from './paper-tiers.js';
export { heatmapOf, heatmapAxes, HEATMAP_CELLS, type Heatmap } from './heatmap.js';
export { evaluateAgents, formatAgentEvaluation, WEIGHT_CANDIDATES, type AgentEvaluation, type AgentEvaluationRow, type ArmResult, type EvaluationDataSet, type WeightCandidate, type EvaluateAgentsOptions } from './agents-evaluation.js';
export { suggestParams, type ParamSuggestion, type SuggestOptions } from './suggest.js';
export { describePending, pendingSuggestions, recordSuggestions, type PendingSuggestion, type SuggestionSource } from './suggest-record.js';
