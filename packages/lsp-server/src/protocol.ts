/**
 * The one declaration of Volt's custom LSP surface. The VS Code extension and the Obsidian plugin
 * import this file; the Neovim plugin mirrors it in Lua, which is why every name is a plain string
 * and every argument is a single JSON object.
 *
 * Calling a command: `workspace/executeCommand` with `{ command: Commands.backtest, arguments: [params] }`
 * where `params` is the `…Params` type below. A bare URI string as the only argument is accepted too
 * (`arguments: ['file:///…/rsi.strategy.ts']`). The response is the matching `…Result`.
 * Requests (`Requests`, e.g. `volt/bars`) are plain JSON-RPC requests: one `…Params` object in, the
 * matching `…Result` out.
 *
 * This module is types and string constants only: no runtime imports, safe to bundle anywhere.
 */
import type { BacktestReport, VoltConfigInput } from '@volt/engine';

/** `workspace/executeCommand` names. */
export const Commands = {
  /** Static findings plus the last backtest's findings for a file. */
  analyze: 'volt.analyze',
  /** Run a backtest of a file now and return its report. Reports `$/progress`, honours cancellation. */
  backtest: 'volt.backtest',
  /** Recent journal entries (runs and trades). */
  journal: 'volt.journal',
  /** Agents, their kind (rules or LLM) and whether Ollama is reachable. */
  agentStatus: 'volt.agentStatus',
} as const;
export type CommandName = (typeof Commands)[keyof typeof Commands];
export const ALL_COMMANDS: readonly CommandName[] = Object.values(Commands);

/** Custom notifications the server sends; clients may ignore them. */
export const Notifications = {
  /** A backtest of a file started, finished or failed (on save, on disk change, or by command). */
  backtestStatus: 'volt/backtestStatus',
  /** How an on-save LLM critique went (CritiqueStatusParams): it ran, came from the cache, or could not. */
  critiqueStatus: 'volt/critiqueStatus',
} as const;

/** Custom requests clients send (plain JSON-RPC requests, not commands). */
export const Requests = {
  /** Candles of a data spec (or of a strategy's data), downsampled for a chart: `BarsParams` → `BarsResult`. */
  bars: 'volt/bars',
  /** The markets the workspace has data for, for a symbol picker: `SymbolsParams` → `SymbolsResult`. */
  symbols: 'volt/symbols',
} as const;

/** The `workspace/configuration` section and `initializationOptions` key the server reads. */
export const CONFIGURATION_SECTION = 'volt';

/** Diagnostic `source` of everything Volt publishes. */
export const DIAGNOSTIC_SOURCE = 'volt';

// ---------------------------------------------------------------------------------------------
// Shared shapes (structurally identical to LSP's, declared here so no client needs LSP types)

export interface Position {
  /** 0-based. */
  line: number;
  /** 0-based, UTF-16 code units. */
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}

export type FindingSeverity = 'error' | 'warning' | 'info' | 'hint';

/** Where a finding comes from: VOLT1xx static, VOLT2xx backtest, VOLT3xx LLM critique, TSnnnn compiler. */
export type FindingSource = 'static' | 'typescript' | 'backtest' | 'critique' | 'session';

/** One finding about a strategy file, as `volt.analyze` returns it (diagnostics carry the same). */
export interface VoltFinding {
  /** Stable code: 'VOLT101' … 'VOLT111', 'VOLT201' … 'VOLT205', 'VOLT3xx', or 'TS2304'. */
  code: string;
  severity: FindingSeverity;
  message: string;
  range: Range;
  source: FindingSource;
  /** Title of the code action that fixes it, when there is a mechanical fix. */
  fixTitle?: string;
}

/** Headline numbers of one run, what the code lens shows. Fractions are fractions (0.12 = 12%). */
export interface BacktestSummary {
  strategy: string;
  symbol: string;
  timeframe: string;
  /** Data spec the run used, e.g. 'synthetic:42' or a file path. */
  data: string;
  bars: number;
  from: number;
  to: number;
  sharpe: number;
  maxDrawdown: number;
  trades: number;
  winRate: number;
  totalReturn: number;
  /** sha256 of the strategy source that ran. */
  contentHash?: string;
  /** Wall time of the run in milliseconds. */
  durationMs: number;
  /** Epoch ms when the run finished. */
  finishedAt: number;
  /** Journal run id, when the run was recorded. */
  runId?: number | string;
  /** The agents' panel, when agents.mode is rules or ollama: every entry went through it. */
  agents?: AgentsSummary;
  /** The run was on the synthetic market, not on a real one: every face says so. */
  synthetic?: boolean;
  /** Why the data is what it is, when that is worth saying (a symbol without data of its own). */
  dataNote?: string;
}

/** What the agents' panel did with a run's entries (agents.mode rules or ollama). */
export interface AgentsSummary {
  mode: 'rules' | 'ollama';
  proposals: number;
  approved: number;
  modified: number;
  rejected: number;
  /** The same as `volt backtest --agents` prints: one line each, for faces to show as they are. */
  lines: string[];
}

export interface SymbolsParams {
  /** A strategy whose declared symbols are listed too (first, marked `declared`). */
  uri?: string;
}

export interface SymbolsResult {
  symbols: {
    symbol: string;
    /** The data a run of it uses: a file path or an exchange spec. */
    data: string;
    /** Mapped in data.symbols of volt.config.json, found in the exchange cache, or declared by the strategy without data (it would run on the synthetic market). */
    source: 'config' | 'cache' | 'declared';
  }[];
}

/**
 * Change of each headline number since the previous run of the same file (this minus previous).
 * Every face shows a fraction's change in percentage points with one decimal and a space, signed:
 * `+2.1 pp`, `-0.4 pp`, `±0.0 pp` when it rounds to nothing (the lens, the report, Neovim).
 */
export interface SummaryDelta {
  sharpe: number;
  maxDrawdown: number;
  trades: number;
  winRate: number;
  totalReturn: number;
}

// ---------------------------------------------------------------------------------------------
// volt.analyze

export interface AnalyzeParams {
  /** Document URI (file://…). The open buffer's text is used when the file is open. */
  uri: string;
}
export interface AnalyzeResult {
  uri: string;
  /** Version of the open document analysed, null when read from disk. */
  version: number | null;
  /** Static, compiler and last-backtest findings, in document order. */
  findings: VoltFinding[];
  /** The last backtest of this file, null when none has run yet. */
  lastBacktest: BacktestSummary | null;
  /** How the LLM critique (VOLT3xx, included in `findings`) went: asked, replayed from the cache, or why not. */
  critique?: CritiqueStatus;
}

export interface CritiqueStatus {
  source: 'llm' | 'cache' | 'unavailable' | 'cancelled';
  model: string;
  /** Why there is no critique, in a sentence, when source is 'unavailable'. */
  reason?: string;
}

/** Payload of `volt/critiqueStatus`: the critique of a save, so "no findings" never reads as "the model found nothing". */
export interface CritiqueStatusParams extends CritiqueStatus {
  uri: string;
  /** Epoch ms when the critique ended. */
  at: number;
  /** VOLT3xx findings it published (0 when unavailable). */
  findings: number;
}

// ---------------------------------------------------------------------------------------------
// volt.backtest

export interface BacktestParams {
  uri: string;
  /** Symbol to label/select the data by; default the strategy's first symbol. */
  symbol?: string;
  /** Start of the range: ISO date ('2024-01-01') or epoch ms. */
  from?: string | number;
  /** End of the range (inclusive): ISO date or epoch ms. */
  to?: string | number;
  /** Data spec overriding the workspace default: 'synthetic:SEED' or a CSV/JSON path. */
  data?: string;
  /**
   * Run even when this content already ran on this data: by default the last result of the same
   * inputs is returned as it is (a run is deterministic), so showing a report records nothing new.
   */
  rerun?: boolean;
}
export interface BacktestResult {
  uri: string;
  summary: BacktestSummary;
  /** Null on the first run of this file. */
  delta: SummaryDelta | null;
  /** VOLT2xx findings of this run. */
  findings: VoltFinding[];
  /** The full report (schemaVersion 1): metrics, trades, signals, equity curve. */
  report: BacktestReport;
}

/** Payload of the `volt/backtestStatus` notification. */
export interface BacktestStatusParams {
  uri: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** Present when state is 'done'. */
  summary?: BacktestSummary;
  delta?: SummaryDelta | null;
  /** Present when state is 'failed': what went wrong, with file:line when known. */
  message?: string;
}

// ---------------------------------------------------------------------------------------------
// volt.journal (served once the journal lands; until then the command answers with an error)

export interface JournalParams {
  /** Only runs of this strategy (a URI, a path, or a strategy name). */
  strategy?: string;
  outcome?: 'PENDING' | 'CORRECT' | 'FALSE_POSITIVE' | 'STOPPED';
  /** ISO date or epoch ms. */
  from?: string | number;
  to?: string | number;
  /** Most recent first; default 20. */
  limit?: number;
}
export interface JournalRunEntry {
  runId: number | string;
  strategy: string;
  path?: string;
  contentHash?: string;
  startedAt: number;
  data: string;
  summary: Omit<BacktestSummary, 'durationMs' | 'finishedAt' | 'runId'> | null;
  /** False when the run was interrupted before it finished. */
  complete: boolean;
  /** Path of the vault note for this run, when a vault is configured. */
  notePath?: string;
}
export interface JournalTradeEntry {
  tradeId: number | string;
  runId: number | string;
  asset: string;
  action: 'BUY' | 'SELL';
  entry: number;
  exitPrice: number | null;
  pnl: number | null;
  outcome: 'PENDING' | 'CORRECT' | 'FALSE_POSITIVE' | 'STOPPED';
  confidence: number;
  strategy: string;
  entryTime: number;
  notePath?: string;
}
export interface JournalResult {
  runs: JournalRunEntry[];
  trades: JournalTradeEntry[];
  /** Absolute path of the journal database. */
  journalPath: string;
  vaultPath?: string;
}

// ---------------------------------------------------------------------------------------------
// volt.agentStatus

export type AgentStatusParams = Record<string, never>;
export interface AgentStatusEntry {
  role: string;
  /** The agent's name in journaled decisions, e.g. 'volatility_assessor'. */
  name?: string;
  kind: 'rules' | 'llm';
  /** Model name when kind is 'llm' (the configured one, whether or not Ollama answers). */
  model?: string;
  weight: number;
  available: boolean;
  /** From the journal's decisions, when there is a journal. */
  metrics?: { proposals: number; approvals: number; avgConfidence: number; winRate: number | null };
}
export interface AgentStatusResult {
  /** `agents.mode` in force: 'off', 'rules' or 'ollama'. */
  mode?: string;
  agents: AgentStatusEntry[];
  llm: {
    host: string;
    /** False shows as "LLM unavailable": the rule-based agents stand in. */
    available: boolean;
    /** Why it is unavailable, when it is. */
    reason?: string;
    /** Ollama's version, when it answered. */
    version?: string;
    /** Models installed at the host. */
    models: string[];
    /** The configured critique model (`ollama.models.critique`). */
    critiqueModel?: string;
  };
  riskGate?: {
    /** Fractions, a count and a cooldown in ms: `maxPositionPct`, `maxDailyLoss`, `maxDrawdown`, `maxConsecutiveLosses`, … */
    limits: { maxPositionPct: number; maxDailyLoss: number; maxDrawdown: number; maxConsecutiveLosses: number };
    metrics?: { reviews: number; rejections: number; modifications: number };
  };
  /** Journaled decisions the metrics come from. */
  decisionsRead?: number;
}

// ---------------------------------------------------------------------------------------------
// volt/bars: the candles a chart draws (the report's price chart)

export interface BarsParams {
  /** Data spec: 'synthetic:SEED[:BARS[:TF]]', 'exchange:…' or a CSV/JSON path (relative to the
   * workspace). Either this or `uri`. */
  data?: string;
  /** A strategy's URI: its data, the workspace's `data.default`. Used when `data` is absent. */
  uri?: string;
  /** First bar: ISO date ('2024-01-01') or epoch ms. Default the data's first. */
  from?: string | number;
  /** Last bar (inclusive, as volt.backtest's `to`): ISO date or epoch ms. Default the data's last. */
  to?: string | number;
  /** At most this many candles (default 5000, at most 20000): a longer range is downsampled, each
   * candle standing for `step` consecutive bars (open of the first, high and low of all, close of
   * the last, volume summed). */
  maxBars?: number;
}
export interface BarsResult {
  /** Epoch ms of each candle's open, ascending. */
  time: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
  symbol: string;
  /** The candles' timeframe: the data's own, times `step` when downsampled ('unknown' when irregular). */
  timeframe: string;
  /** Where the bars came from: a file path, 'synthetic:SEED' or an exchange id. */
  source: string;
  /** Bars of the data in the range, before downsampling. */
  bars: number;
  /** Bars per candle: 1 unless downsampled. */
  step: number;
  /** The highest high of the whole data set, whatever the range: a face picks its price decimals
   * from it, so every range of one instrument reads with the same number of them. */
  dataHigh: number;
}

// ---------------------------------------------------------------------------------------------
// Settings: `workspace/configuration` section `volt` (and `initializationOptions.volt`) override the
// matching fields of volt.config.json at the workspace root. Every field is optional.
// The shape is volt.config.json's own (engine `VoltConfigInput`): `data.default`, `onSave.backtest`,
// `onSave.critique`, `lint.maxPositionCap`, `lint.debounceMs`, `risk.maxDrawdown`,
// `backtest.timeoutMs|maxMemoryMb|workers|capital|feeRate|slippage`, `ollama.host|models`, …
export type VoltSettings = VoltConfigInput;

/** Data field of every Volt diagnostic, so clients can tell a code action apart without parsing. */
export interface VoltDiagnosticData {
  /** Stable finding code, same as diagnostic.code. */
  code: string;
  /** Document version the finding was computed on. */
  version: number | null;
  /** Title of its code action, when there is one. */
  fixTitle?: string;
}

// ---------------------------------------------------------------------------------------------
// Paper and live sessions (issue 14): what the journal knows of `volt paper` / `volt live`
// sessions, the kill switch, and a session's drift as VOLT206 on the strategy's lines.

export const PaperRequests = {
  /** Every session in the workspace journal: `PaperStatusParams` → `PaperStatusResult`. */
  status: 'volt.paper.status',
  /** Pull a running session's kill switch: `PaperStopParams` → `PaperStopResult`. */
  stop: 'volt.paper.stop',
  /** Start a session of a strategy as a detached `volt paper` process: `PaperStartParams` → `PaperStartResult`. */
  start: 'volt.paper.start',
} as const;

export interface PaperStatusParams {
  /** Only the sessions of this strategy (its uri). */
  uri?: string;
}

export interface PaperSessionStatus {
  id: number;
  mode: 'paper' | 'live' | 'testnet';
  status: 'running' | 'stopped' | 'finished' | 'failed';
  strategyPath: string;
  exchange: string;
  symbol: string;
  timeframe: string;
  startedAt: number;
  /** Bars after the warm-up, closed trades, open trades, realized P&L and its fraction of capital. */
  bars: number;
  trades: number;
  open: number;
  pnl: number;
  pnlPct: number;
  stopReason: string | null;
  /** The lens text: 'paper: +0.8% · 2 trades · 1 open'. */
  label: string;
  /** Lines of its drift report that differ, when `volt drift` was run. */
  driftLines?: number;
}

export interface PaperStatusResult {
  sessions: PaperSessionStatus[];
}

export interface PaperStartParams {
  /** The strategy. */
  uri: string;
  exchange: string;
  symbol: string;
  timeframe: string;
  capital?: number;
  hours?: number;
  warmup?: number;
  /** A mirror of the exchange's API (`--api-url`). */
  apiUrl?: string;
}

export interface PaperStartResult {
  /** The session's process; its session shows in volt.paper.status with this pid once it has started. */
  pid: number;
}

export interface PaperStopParams {
  session: number;
}

export interface PaperStopResult {
  /** False when the session was not running (nothing to stop). */
  stopped: boolean;
  status: PaperSessionStatus['status'];
}

