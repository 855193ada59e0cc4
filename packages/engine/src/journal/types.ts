import type { BacktestReport, EquityCurve, ExitReason } from '../backtest/index.js';
import type { Metrics } from '../metrics/index.js';

export type RunStatus = 'running' | 'complete' | 'incomplete' | 'failed';

/** What became of a trade (and of the decision that opened it). Rules in journal/README.md. */
export type OutcomeLabel = 'PENDING' | 'CORRECT' | 'FALSE_POSITIVE' | 'STOPPED';
export const OUTCOME_LABELS: readonly OutcomeLabel[] = ['PENDING', 'CORRECT', 'FALSE_POSITIVE', 'STOPPED'];

/** What the risk gate and the agents made of a proposal. A plain backtest signal is 'approved'. */
export type DecisionStatus = 'approved' | 'modified' | 'rejected';

export type Vote = 'BUY' | 'SELL' | 'HOLD';

/** One agent's view of a proposal, as DESIGN.md stores it. */
export interface AgentResult {
  decision: Vote;
  confidence: number;
  reasoning?: string;
  modifications?: unknown;
  [extra: string]: unknown;
}

export interface ConsensusDecision {
  decision: Vote;
  vote_breakdown: Partial<Record<Vote, number>>;
  [extra: string]: unknown;
}

/**
 * The structured decision of DESIGN.md, exactly the JSON the agents emit and the journal exports:
 * `{ timestamp, agent_results, consensus_decision, recommendations }`.
 */
export interface DecisionJson {
  timestamp: string;
  agent_results: Record<string, AgentResult>;
  consensus_decision: ConsensusDecision | null;
  recommendations: unknown[];
}

/** Who ran what, on which data: everything known when a run starts. */
export interface RunMeta {
  strategyName: string;
  strategyPath?: string;
  /** sha256 of the strategy source; computed from strategyPath when left out. */
  contentHash?: string;
  /** Commit of the git repository holding the strategy; looked up when left out. */
  gitCommit?: string | null;
  params?: Record<string, number>;
  symbol?: string;
  timeframe?: string;
  dataSource?: string;
  dataFrom?: number;
  dataTo?: number;
  bars?: number;
  /** 'off' for a plain backtest, 'rules', 'llm', … as the agents capability names it. */
  agentsMode?: string;
  /** Wall-clock start in epoch ms (default now). */
  startedAt?: number;
}

/** A decision to record: a strategy signal, optionally with the agents' votes on it. */
export interface DecisionInput {
  /** Market time of the bar the decision was taken at (epoch ms). */
  time: number;
  bar?: number;
  symbol?: string;
  action: 'buy' | 'sell' | 'exit' | 'hold';
  confidence?: number;
  reason?: string;
  status?: DecisionStatus;
  /** Why nothing happened (already in position, rejected by the risk gate, …). */
  ignored?: string;
  /** The run's trade number (Trade.id) the decision opened or closed. */
  tradeNo?: number;
  /** Calls of the strategy this row stands for (default 1); see Signal.repeats. */
  repeats?: number;
  agent_results?: Record<string, AgentResult>;
  consensus_decision?: ConsensusDecision;
  recommendations?: unknown[];
  /** Each technical reading at the decision by name (indicators, momentum, volatility…): the decisions.technical_signals column. */
  technical_signals?: Record<string, number | string | null>;
  /** Each outside signal at the decision and their score: decisions.outside_signals. */
  outside_signals?: Record<string, number | null>;
}

/** One message on the agent bus. */
export interface AgentMessageInput {
  time: number;
  from: string;
  to?: string;
  kind?: string;
  model?: string;
  /** Any JSON value: a prompt, a reply, a vote, a correction from the auditor. */
  content: unknown;
  /** The decision (its seq in the run, as RunRecorder.recordDecision returned) it belongs to. */
  decisionSeq?: number;
}

/** A trade that is still open: live and paper trading record these, then close them. */
export interface OpenTradeInput {
  tradeNo: number;
  symbol: string;
  side: 'long' | 'short';
  qty: number;
  entryTime: number;
  entryBar?: number;
  entryPrice: number;
  confidence?: number;
  reason?: string;
  stopPrice?: number;
  takeProfitPrice?: number;
  fees?: number;
}

export interface TradeExit {
  exitTime: number;
  exitBar?: number;
  exitPrice: number;
  exitReason: ExitReason;
  /** Net of fees; computed from prices and qty when left out. */
  pnl?: number;
  fees?: number;
}

export interface RunEntry {
  id: number;
  startedAt: number;
  finishedAt: number | null;
  status: RunStatus;
  pid: number | null;
  host: string | null;
  strategyName: string;
  strategyPath: string | null;
  contentHash: string | null;
  gitCommit: string | null;
  params: Record<string, number>;
  symbol: string | null;
  timeframe: string | null;
  dataSource: string | null;
  dataFrom: number | null;
  dataTo: number | null;
  bars: number | null;
  metrics: Metrics | null;
  agentsMode: string | null;
  error: string | null;
  tradeCount: number;
  decisionCount: number;
  /** Decisions the run made past MAX_DECISIONS_PER_RUN, counted but not recorded. */
  decisionsDropped: number;
}

/** What a run that used `ctx.options` keeps of its report's `options`: the curves a run view draws. */
export type RunOptionsGreeks = Pick<NonNullable<BacktestReport['options']>, 'chain' | 'hedgeEfficiency' | 'greeks'>;

export interface RunDetail extends RunEntry {
  config: BacktestReport['config'] | null;
  equityCurve: EquityCurve | null;
  /** The options book's greeks per bar and hedge efficiency; null when the run used no options (or predates them). */
  optionsGreeks: RunOptionsGreeks | null;
  outcomes: Record<OutcomeLabel, number>;
}

export interface TradeEntry {
  /** Journal-wide id: stable, used for vault note names. */
  id: number;
  runId: number;
  /** The run's own trade number (Trade.id in the report). */
  tradeNo: number;
  strategyName: string;
  symbol: string;
  side: 'long' | 'short';
  qty: number;
  entryTime: number;
  entryBar: number | null;
  entryPrice: number;
  exitTime: number | null;
  exitBar: number | null;
  exitPrice: number | null;
  exitReason: ExitReason | null;
  pnl: number | null;
  pnlPct: number | null;
  fees: number;
  barsHeld: number | null;
  confidence: number | null;
  reason: string | null;
  stopPrice: number | null;
  takeProfitPrice: number | null;
  outcome: OutcomeLabel;
  durationMs: number | null;
  /** The trader's review, when one was written (`Journal.annotateTrade`). */
  review?: TradeReview;
}

/**
 * The trader's review of a trade: an outcome of their own (the recorded one stays as it was), a
 * 1–5 rating, playbook tags and free text. Kept in `trade_reviews`, apart from what the run wrote,
 * so re-running or re-exporting never touches it.
 */
export interface TradeReview {
  /** The trader's verdict where it differs from the recorded outcome; null when they keep it. */
  outcome: OutcomeLabel | null;
  /** 1 (poor) to 5 (textbook); null when not rated. */
  rating: number | null;
  /** Playbook tags ('breakout', 'news'), without '#'. */
  tags: string[];
  review: string;
  /** Epoch ms of the last change. */
  updatedAt: number;
}

/** A change to a review: a field left out stays as it is; null (or '' / []) clears it. */
export interface TradeReviewInput {
  outcome?: OutcomeLabel | null;
  rating?: number | null;
  tags?: string[] | null;
  review?: string | null;
}

export interface DecisionEntry {
  id: number;
  runId: number;
  /** Order within its run, from 1. */
  seq: number;
  strategyName: string;
  time: number;
  bar: number | null;
  symbol: string | null;
  action: DecisionInput['action'];
  confidence: number | null;
  reason: string | null;
  status: DecisionStatus;
  ignored: string | null;
  tradeNo: number | null;
  /** Calls of the strategy this row stands for: more than 1 for collapsed repeats. */
  repeats: number;
  agentResults: Record<string, AgentResult>;
  consensus: ConsensusDecision | null;
  recommendations: unknown[];
  technicalSignals: Record<string, number | string | null> | null;
  outsideSignals: Record<string, number | null> | null;
  /** Outcome of the trade it opened or closed; null when it led to no trade. */
  outcome: OutcomeLabel | null;
}

export interface AgentMessageEntry {
  id: number;
  runId: number | null;
  decisionSeq: number | null;
  time: number;
  from: string;
  to: string | null;
  kind: string;
  model: string | null;
  content: unknown;
}

/** Filters shared by the CLI, the sidecar's volt.journal and the vault export. */
export interface JournalFilter {
  /** The strategy's name (defineStrategy's `name`). */
  strategy?: string;
  /** The strategy file, as recorded (absolute for the CLI and the sidecar). */
  strategyPath?: string;
  outcome?: OutcomeLabel;
  /** Inclusive lower bound, epoch ms: trade entry time, decision time, run start. */
  from?: number;
  /** Exclusive upper bound, epoch ms. */
  to?: number;
  runId?: number;
  status?: RunStatus;
  /** Newest first, at most this many. */
  limit?: number;
}

export interface StrategySummary {
  strategyName: string;
  runs: number;
  completeRuns: number;
  lastRunId: number;
  lastStartedAt: number;
  trades: number;
  wins: number;
  losses: number;
  stopped: number;
  pending: number;
  totalPnl: number;
}
