/** The agents' panel: rule agents, LLM seats, weighted consensus by regime, the auditor. */
export * from './types.js';
export { VixSeries, VixTermStructure, MarketContextBuilder, classifyRegime, loadVixSeries, loadVixTermStructure, termStructureOf, DEFAULT_REGIME_LEVELS, type RegimeLevels, type MarketContextOptions, type VixCurve } from './context.js';
export { TrendAnalyzer, VolatilityAssessor, HedgeOptimizer, MarketAnalyst, ExecutionAgent, AuditorAgent, ruleAgents } from './rules.js';
export { TrackRecord, loadTrackRecords, addTrackRecords, DEFAULT_TRACK_RECORD_BOUNDS, type TrackRecordBounds, type TrackRecordRow } from './track-record.js';
export { auditExecution, SLIPPAGE_LIMIT, SIZE_TOLERANCE, type ApprovedEntry, type ExecutedEntry, type AuditIssue } from './auditor.js';
export { AgentPanel, decisionMessages, correctionMessage, type AgentVote, type PanelDecision, type PanelOptions } from './panel.js';
export { LlmAgent, ReplaySeat, PromptMemo, PanelAnswers, PROMPT_VERSION, ASSESSMENT_SCHEMA, proposalPrompt, type PromptOptions } from './llm-agent.js';
export { KNOWN_CUTOFFS, HINDSIGHT_WARNING, MASKED_ASSET, checkHindsight, cutoffOf, cutoffEnd, maskText, type HindsightCheck, type SeatHindsight } from './hindsight.js';
export { AgentReview, formatAgentSummary, type AgentJournal, type AgentReviewSummary } from './review.js';
export {
  backtestWithAgents,
  formatLlmUse,
  panelFromConfig,
  llmSeatModels,
  type AgentsConfig,
  type AgentBacktestOptions,
  type AgentBacktestResult,
} from './backtest.js';
export { agentStatus, agentMetrics, formatAgentStatus, formatLastEvaluation, type AgentStatus, type AgentStatusEntry, type AgentMetrics, type DecisionSource } from './status.js';
export { loadVolatilityInputs, VOLATILITY_KEYS, volatilitySources, type LoadedVolatility, type VolatilityKey, type VolatilitySources } from './volatility-files.js';
export { learningInputs, recordTrackRecords } from './learning.js';
export { recordAgentEvaluation, lastAgentEvaluation, type RecordedAgentEvaluation } from './evaluation-record.js';
