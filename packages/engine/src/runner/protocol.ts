/** What the runner and its sandbox process say to each other, and what a run's caller gets back. */
import type { AgentBacktestResult, AgentReviewSummary, AgentsConfig } from '../agents/index.js';
import type { VolatilityEvent } from '../data/index.js';
import type { BacktestOptions, BacktestReport } from '../backtest/index.js';
import type { CandleSeries } from '../data/index.js';
import type { StructuredOutcome, StructuredRequest } from '../llm/index.js';
import type { ParamsDef } from '../strategy/index.js';
import type { CheckpointLocation } from './instrument.js';

/** The stage of a run strategy code was in: the message of a stopped run names it. */
export type RunPhase = 'top level' | 'indicators' | 'onBar' | 'lookahead';

/** Why a run produced no report. */
export interface RunFailure {
  /**
   * threw: the strategy's code threw; load: it could not be loaded or is not a valid strategy;
   * data: the data could not be had; timeout / memory: it overstayed backtest.timeoutMs or
   * backtest.maxMemoryMb; sandbox: it tried to act (write files, start processes, use the
   * network); crashed: the sandbox process died for another reason.
   */
  kind: 'threw' | 'load' | 'data' | 'timeout' | 'memory' | 'sandbox' | 'crashed';
  message: string;
  /** Absolute file and 1-based line/column where the strategy failed, when known. */
  file?: string;
  line?: number;
  column?: number;
  /** Bar index the strategy was at, when it failed inside the run. */
  bar?: number;
  phase?: RunPhase;
  hint?: string;
  /** The kind of the VoltError behind it ('usage' for a --param the strategy does not have). */
  errorKind?: import('../errors.js').VoltErrorKind;
}

/** The runtime lookahead check: a second run on data cut at `cutBar`, compared with the full run. */
export interface LookaheadCheck {
  cutBar: number;
  /** First bar (before the cut) whose signal differs, or undefined when all agree. */
  firstDifference?: { bar: number; time: number; full: string; cut: string };
}

/** What a loaded strategy declares, as plain data (the definition's functions stay in the sandbox). */
export interface StrategyFacts {
  name: string;
  timeframe?: string;
  symbols?: string[];
  params: ParamsDef;
  path: string;
  contentHash: string;
  /** The risk block and pyramiding: a market session's trusted stepper applies them outside the sandbox. */
  risk?: import('../strategy/index.js').RiskSpec;
  pyramiding?: boolean;
}

/** One call the agents made on the journal, in order, replayed into the real journal by the caller. */
export type JournalEvent =
  | { kind: 'signal'; signal: import('../backtest/index.js').Signal }
  | { kind: 'trade'; trade: import('../backtest/index.js').Trade }
  | { kind: 'decision'; seq: number; decision: Parameters<import('../agents/index.js').AgentJournal['recordDecision']>[0] }
  | { kind: 'message'; message: Parameters<import('../agents/index.js').AgentJournal['recordMessage']>[0] };

export interface AgentsRun {
  summary: AgentReviewSummary | null;
  /** The journal calls of the run that counts; empty when the run was not journaled. */
  events: JournalEvent[];
  llm?: AgentBacktestResult['llm'];
}

/** A VixSeries, a VixTermStructure and an EventCalendar as their fields (see host.ts's rebuild). */
export interface VolatilityData {
  vix?: SeriesData;
  term?: Partial<Record<'vix9d' | 'vix' | 'vix3m' | 'vix6m', SeriesData>>;
  impliedVol?: SeriesData;
  events?: { events: VolatilityEvent[]; source: string };
}

export interface SeriesData {
  time: Float64Array;
  close: Float64Array;
  source: string;
  maxStaleMs: number;
}

export interface SandboxLimits {
  timeoutMs: number;
  maxMemoryMb: number;
}

export interface SandboxRun {
  /** The strategy bundle with checkpoints (see instrument.ts). */
  code: string;
  path: string;
  contentHash: string;
  inputs: string[];
  source: string;
  tickName: string;
  checkpoints: CheckpointLocation[];
  shifts: Record<number, [number, number][]>;
  series: CandleSeries;
  options: BacktestOptions;
  lookahead: boolean;
  /** A session's recorded bars (the drift report): the first ones only warm up, as in the session. */
  warmupBars?: number;
  limits: SandboxLimits;
  /** Portfolio backtests (portfolio/README.md): every market's candles; `series` is the first of them. */
  portfolio?: { markets: CandleSeries[]; limits: import('../portfolio/index.js').PortfolioLimits };
  agents?: {
    mode: 'rules' | 'ollama';
    config: AgentsConfig;
    /** The volatility inputs, as plain data: classes do not cross the channel, the host builds them again. */
    volatility: VolatilityData;
    journaled: boolean;
    trackRecords?: import('../agents/index.js').TrackRecordRow[];
    host: string;
    /** Why the runner's host setting cannot be used: the sandbox says so and asks nothing. */
    hostProblem?: string;
  };
}

/** One parameter set of a sweep, on the whole series or a window of it (epoch ms, `to` exclusive). */
export interface SweepTrial {
  params: Record<string, number>;
  from?: number;
  to?: number;
}

export type ToSandbox =
  | { type: 'run'; run: SandboxRun }
  /** A market session's strategy: loaded once, then fed one closed bar at a time (trading/README.md). */
  | { type: 'seat'; run: SandboxRun }
  | { type: 'bar'; candle: import('../data/index.js').Candle; view: import('../trading/seat.js').SeatView }
  /** `summaries`: send each trial's TrialSummary instead of its ~250 KB report (a sweep keeps no more). */
  /** `more`: when these are done the sandbox asks for more trials of the same run ('want') before it ends. */
  | { type: 'sweep'; run: SandboxRun; trials: SweepTrial[]; summaries?: boolean; more?: boolean }
  /** The answer to 'want': more trials (indices go on from the last), or none, and the sweep ends. */
  | { type: 'sweep-more'; trials: SweepTrial[] }
  | { type: 'llm-answer'; id: number; outcome: StructuredOutcome<unknown> }
  | { type: 'llm-reachable'; id: number; reachable: boolean };

export type FromSandbox =
  | { type: 'ready' }
  | { type: 'loaded'; facts: StrategyFacts }
  | { type: 'phase'; phase: RunPhase; pass?: number }
  | { type: 'progress'; done: number; total: number }
  | { type: 'llm-ask'; id: number; request: Omit<StructuredRequest, 'signal'> }
  | { type: 'llm-reachable?'; id: number }
  | { type: 'llm-pass'; pass: number; missing: number }
  | { type: 'notice'; key: string; message: string }
  | {
      type: 'result';
      report: BacktestReport;
      lookahead?: LookaheadCheck;
      agents?: AgentsRun;
      /** Combined panel answers to keep in the caller's LLM cache. */
      cachePuts?: [string, string, string][];
      durationMs: number;
    }
  | { type: 'failure'; failure: RunFailure }
  | { type: 'orders'; orders: import('../trading/seat.js').SeatOrder[] }
  | { type: 'trial'; index: number; report?: BacktestReport; summary?: import('../optimize/pool.js').TrialSummary; failure?: RunFailure; durationMs: number }
  /** Every trial so far is reported; the sandbox waits for 'sweep-more'. */
  | { type: 'want' }
  | { type: 'swept'; trials: number };
