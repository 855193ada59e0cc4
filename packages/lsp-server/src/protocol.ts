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
import type { BacktestReport, Heatmap, RunOptionsGreeks, SweepResult, VoltConfigInput } from '@volt/engine';

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
  /** Review (issue 13): journal runs, newest first: `RunsParams` → `RunsResult`. */
  runs: 'volt/runs',
  /** One run with its metrics, equity curve and trades: `RunParams` → `RunDetailResult`. */
  run: 'volt/run',
  /** One trade with its decisions, the agents' votes, the risk gate's changes and the auditor's notes: `TradeParams` → `TradeDetailResult`. */
  trade: 'volt/trade',
  /** The trader's review of a trade, stored in the journal: `AnnotateTradeParams` → `AnnotateTradeResult`. */
  annotateTrade: 'volt/annotateTrade',
  /** The journal (or a run, or a strategy) into the Obsidian vault, unchanged notes untouched; reports `$/progress`: `ExportVaultParams` → `ExportVaultResult`. */
  exportVault: 'volt/exportVault',
  /** Strategy drafts from an idea (see the block "volt/draftStrategy" below): `DraftStrategyParams` → `DraftStrategyResult`. */
  draftStrategy: 'volt/draftStrategy',
  /** A parameter sweep of an open strategy (see the block "Optimisation" below): `OptimizeParams` → `OptimizeResult`. */
  optimize: 'volt/optimize',
  /** Bounded suggestions for an open strategy's params (see the block "volt/suggest" below): `SuggestRequestParams` → `SuggestResult`. */
  suggest: 'volt/suggest',
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
  /** Journal run id, when the run was recorded: volt.backtest answers once it is; absent when the
   * journal could not take the run (the sidecar's log says why). */
  runId?: number | string;
  /** The agents' panel, when agents.mode is rules or ollama: every entry went through it. */
  agents?: AgentsSummary;
  /** The LLM seats' use (agents.mode ollama): the hindsight mark and the tokens spent. */
  llm?: LlmRunUse;
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
  /** The journal's track records (see "Agents' evaluation" below); absent with no journal. */
  trackRecords?: AgentTrackRecordEntry[];
  /** The journal's newest `volt agents evaluate`, when one ran on it. */
  lastEvaluation?: AgentEvaluationEntry;
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
// Optimisation (issue 15): volt/optimize, its progress, and the code action that applies the result.
// A plain request; `$/cancelRequest` stops it (what finished stays journaled, `volt optimize
// --resume ID` continues it). While it runs the server sends `volt/optimizeProgress`.

export const OPTIMIZE_PROGRESS = 'volt/optimizeProgress';
/** Title prefix of the code action on a strategy's `params` block after a sweep. */
export const APPLY_PARAMS_TITLE = 'Volt: apply optimised params';

export interface OptimizeParams {
  /** The strategy's file:// URI. */
  uri: string;
  /** Data spec; default as for volt.backtest (the strategy's symbol, else data.default). */
  data?: string;
  symbol?: string;
  from?: string | number;
  to?: string | number;
  /** Trials per search (default 100). */
  trials?: number;
  method?: 'grid' | 'random' | 'tpe';
  objective?: 'sharpe' | 'sortino' | 'calmar' | 'return/drawdown';
  /** A trial with fewer trades fails (default 30). */
  minTrades?: number;
  /** Walk-forward folds (default 0: none). */
  folds?: number;
  windows?: 'rolling' | 'anchored';
  seed?: number;
  /** Sandbox processes at once (default the cores). */
  workers?: number;
  /** The heatmap's two params (default the two searched params with the most values). */
  axes?: [string, string?];
  /** Echoed in every progress notification, so a client running several tells them apart. */
  token?: string;
}

export interface OptimizeProgressParams {
  uri: string;
  token?: string;
  /** Trials finished (a resumed sweep's earlier ones included) and in all. */
  done: number;
  total: number;
  /** The whole-series search's best so far. */
  best?: { params: Record<string, number>; score: number };
}

export interface OptimizeResult {
  uri: string;
  /** The sweep's id in the journal (`volt optimize --list`, `--resume`). */
  sweep: number;
  strategy: { name: string; path: string; contentHash: string };
  data: { spec: string; symbol: string; timeframe: string; from: number; to: number; bars: number; synthetic: boolean };
  /** The sweep's result, as `volt optimize --json` prints it. Scores of +∞ are sent as null. */
  result: SweepResult;
  /** The objective over two params of the whole-series search; null when nothing was searched. */
  heatmap: Heatmap | null;
  /**
   * What the code action on the `params` block writes: the params of the walk-forward fold with
   * the best out-of-sample score (`source: 'out-of-sample'`), else the whole-series best
   * (`'in-sample'`); null when no trial passed.
   */
  apply: { params: Record<string, number>; source: 'out-of-sample' | 'in-sample'; fold?: number } | null;
}

// ---------------------------------------------------------------------------------------------
// volt/draftStrategy: strategy drafts from an idea (issue 19). The synthesizer model writes a
// strategy, the sidecar proves it (types and lint, sandbox, lookahead, walk-forward) and writes it
// only when proven. While it works, the server sends `volt/draftProgress` once as each attempt
// starts and once as it ends (and `$/progress` on the request's workDoneToken, when given).

/** Notification name of the per-attempt progress (`DraftProgressParams`). */
export const DRAFT_PROGRESS_NOTIFICATION = 'volt/draftProgress';

export interface DraftStrategyParams {
  /** What the strategy should do, in the trader's words. */
  idea: string;
  /** Data to prove it on (default the workspace's `data.default`). */
  data?: string;
  /** Where to write it, relative to the workspace root (default strategies/drafts/<name>.strategy.ts). */
  out?: string;
  /** The model (default `ollama.models.synth`, else qwen2.5-coder:7b). */
  model?: string;
  /** Answers to try (default 4). */
  attempts?: number;
  workDoneToken?: string | number;
}

export interface DraftProgressParams {
  attempt: number;
  of: number;
  /** 'asking' as an attempt starts; then 'proven' or 'refused'. */
  state: 'asking' | 'proven' | 'refused';
  /** One line for a status bar: `attempt 2 of 4: refused at type check and lint: line 11:5: error VOLT106: …`. */
  message: string;
}

export interface DraftAttemptSummary {
  attempt: number;
  /** Where it stopped: 'type check and lint', 'sandbox', 'lookahead check', 'walk-forward', 'answer' or 'proven'. */
  stage: string;
  proven: boolean;
  /** `line 11:5: error VOLT106: …`, as fed back to the model. */
  findings: string[];
}

export interface DraftStrategyResult {
  /** proven: written to `uri`; refused: no attempt proved itself; unavailable: no model answered (nothing asked twice). */
  status: 'proven' | 'refused' | 'unavailable' | 'cancelled';
  /** The draft's file, when proven. */
  uri?: string;
  /** The strategy's name, when proven. */
  name?: string;
  /** The tier it is in, when proven (COLD for a new draft). */
  tier?: string;
  /** Why nothing was written, in one sentence. */
  message?: string;
  /** The synthesis as Markdown (every attempt and its diagnostics), to show beside the draft. */
  report: string;
  /** The same report as a file under the workspace's `.volt/drafts/` (a real file, so closing it asks nothing). */
  reportUri?: string;
  attempts: DraftAttemptSummary[];
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
// Review (issue 13): volt/runs, volt/run, volt/trade, volt/annotateTrade, volt/exportVault.
// What a face needs to review trades: the journal read back, and the trader's review written to it.

export type OutcomeLabel = JournalTradeEntry['outcome'];

/** The trader's review of a trade, as the journal keeps it (engine `TradeReview`). */
export interface TradeReview {
  /** Their verdict where it differs from the recorded outcome; null keeps the recorded one. */
  outcome: OutcomeLabel | null;
  /** 1–5, null when not rated. */
  rating: number | null;
  /** Playbook tags, without '#'. */
  tags: string[];
  review: string;
  /** Epoch ms of the last change. */
  updatedAt: number;
}

export interface RunsParams {
  /** Only runs of this strategy: a name, a file path or a file URI. */
  strategy?: string;
  /** Most recent first; default 50. */
  limit?: number;
}
export interface RunsResult {
  runs: JournalRunEntry[];
  journalPath: string;
  vaultPath?: string;
}

export interface RunParams {
  runId: number;
}
/** A trade as a review lists it: the journal entry and the parts a chart and a review form need. */
export interface ReviewTradeEntry extends JournalTradeEntry {
  tradeNo: number;
  side: 'long' | 'short';
  qty: number;
  exitTime: number | null;
  exitReason: string | null;
  pnlPct: number | null;
  stopPrice: number | null;
  takeProfitPrice: number | null;
  fees: number;
  reason: string | null;
  review: TradeReview | null;
}
export interface RunDetailResult {
  run: JournalRunEntry & {
    status: 'running' | 'complete' | 'incomplete' | 'failed';
    params: Record<string, number>;
    /** The engine's metrics of the run (totalReturn, sharpe, …; fractions are fractions), null when it did not finish. */
    metrics: Record<string, number> | null;
    symbol: string | null;
    timeframe: string | null;
    dataFrom: number | null;
    dataTo: number | null;
    error: string | null;
  };
  /** Equity and drawdown (a fraction, 0 or negative) per bar; empty when none was recorded. */
  equity: { time: number[]; equity: number[]; drawdown: number[] };
  /** Oldest first. */
  trades: ReviewTradeEntry[];
  /** The options book's greeks per bar, when the run used `ctx.options` (see RunOptionsGreeks). */
  options?: RunOptionsGreeks;
}

export interface TradeParams {
  tradeId: number;
}
/** One agent's vote on a proposal. */
export interface TradeVote {
  agent: string;
  decision: 'BUY' | 'SELL' | 'HOLD';
  confidence: number;
  reasoning: string;
  kind?: string;
  weight?: number;
}
/** What the risk gate changed on the way to the fill (`field` pct, stopPrice, takeProfitPrice). */
export interface GateChange {
  field: string;
  from: number | null;
  to: number;
  rule: string;
}
export interface TradeDecision {
  seq: number;
  time: number;
  bar: number | null;
  action: 'buy' | 'sell' | 'exit' | 'hold';
  confidence: number | null;
  reason: string | null;
  status: 'approved' | 'modified' | 'rejected';
  votes: TradeVote[];
  consensus: { decision: 'BUY' | 'SELL' | 'HOLD'; score?: number; breakdown: Record<string, number> } | null;
  gateChanges: GateChange[];
  recommendations: string[];
}
export interface TradeDetailResult {
  trade: ReviewTradeEntry;
  run: { runId: number; strategy: string; path: string | null; data: string | null; timeframe: string | null; symbol: string | null };
  /** The decisions that opened and closed it, oldest first. */
  decisions: TradeDecision[];
  /** What the auditor said about the run's fills (corrections to the execution agent), as text. */
  auditorNotes: string[];
  notePath?: string;
}

export interface AnnotateTradeParams {
  tradeId: number;
  /** A field left out stays as it is; null clears it. */
  outcome?: OutcomeLabel | null;
  rating?: number | null;
  tags?: string[] | null;
  review?: string | null;
}
export interface AnnotateTradeResult {
  tradeId: number;
  review: TradeReview;
  /** The trade's note, rewritten with the review, when a vault is configured. */
  notePath?: string;
}

export interface ExportVaultParams {
  /** The vault folder (absolute or relative to the workspace); default `vault.path` of volt.config.json. */
  vault?: string;
  /** Only what this run touched. */
  runId?: number;
  /** Only this strategy's runs (its name). */
  strategy?: string;
  /** Rewrite every note even when Volt's part is unchanged. */
  force?: boolean;
  /** A `$/progress` token from `window/workDoneProgress/create`. */
  workDoneToken?: string | number;
}
export interface ExportVaultResult {
  dir: string;
  files: number;
  created: number;
  updated: number;
  unchanged: number;
  trades: number;
  runs: number;
  strategies: number;
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
  /**
   * The session's number, once the process has written it to the journal (the answer waits up to
   * 20 s for that). A process that ends first is this request's error, with its one-line message.
   */
  session?: number;
}

export interface PaperStopParams {
  session: number;
}

export interface PaperStopResult {
  /** False when the session was not running (nothing to stop). */
  stopped: boolean;
  status: PaperSessionStatus['status'];
}


// ---------------------------------------------------------------------------------------------
// Bounded suggestions in the editor (issue 16): volt/suggest runs `volt suggest` on an open
// strategy when asked (never on a keystroke) and publishes each offered change as a VOLT207 hint
// on the param's line, with a quick fix writing the suggested value. Refused changes come back in
// the result with their figures but get no diagnostic: nothing is offered that did not hold out
// of sample.

/** Title prefix of the quick fix on a VOLT207 hint. */
export const APPLY_SUGGESTION_TITLE = 'Volt: set';

export interface SuggestRequestParams {
  /** The strategy's file:// URI. */
  uri: string;
  /** Data spec; default as for volt.backtest (the strategy's symbol, else data.default). */
  data?: string;
  symbol?: string;
  from?: string | number;
  to?: string | number;
  /** Walk-forward folds (default 3). */
  folds?: number;
  /** Fewest out-of-sample trades for an offer (default 10). */
  minTrades?: number;
}

export interface SuggestResult {
  uri: string;
  data: { spec: string; symbol: string; timeframe: string; bars: number };
  /** Every change the training windows picked, offered or refused, as `volt suggest --json` prints them. */
  suggestions: {
    param: string;
    from: number;
    to: number;
    status: 'offered' | 'refused';
    picked: number;
    folds: number;
    inSample: { before: number; after: number };
    outOfSample: { before: number; after: number; trades: number };
    message: string;
  }[];
}

// ---------------------------------------------------------------------------------------------
// The LLM hindsight guard (issue 16, item 4): what a run with LLM seats (agents.mode ollama) tells
// the faces beyond the panel's lines — whether its LLM votes may know what followed the data, and
// what the run's answers cost in tokens against agents.llm.tokenBudget.

/** The lens's and the report's mark on such a run. */
export const HINDSIGHT_MARK = 'LLM votes may contain hindsight';

export interface LlmRunUse {
  /** "LLM votes may contain hindsight: llama3.3 knows up to 2023-12; the data ends 2018-01-12"; null when no seat could know. */
  hindsight: string | null;
  /** Tokens (Ollama's prompt_eval_count + eval_count) the run's LLM answers cost; `budget` null when unbounded. */
  tokens: { used: number; budget: number | null; calls: number; cached: number; exhausted: boolean };
}

// ---------------------------------------------------------------------------------------------
// Agents' evaluation in volt.agentStatus (issue 16): what the journal learned about the panel,
// the persisted track records (agent_track_records) and the last `volt agents evaluate`
// (agent_evaluations), as the engine's agentStatus returns them.

/** One agent's record in one regime of one market; `multiplier` is the weight factor it gives now. */
export interface AgentTrackRecordEntry {
  agent: string;
  /** The base asset, 'BTC'. */
  market: string;
  regime: string;
  judged: number;
  correct: number;
  multiplier: number;
}

export interface AgentEvaluationEntry {
  id: number;
  /** When it finished, epoch ms. */
  at: number;
  strategyPath?: string;
  evaluation: {
    strategy: string;
    datasets: string[];
    folds: number;
    /** Out of sample: 'no panel', 'panel', 'panel without <agent>', each weight candidate (mean Sharpe, drawdown and return; trades summed). */
    arms: { name: string; sharpe: number; maxDrawdown: number; totalReturn: number; trades: number }[];
    /** Each agent's accuracy and its marginal effect (the panel with it minus without it). */
    agents: { agent: string; weight: number; judged: number; accuracy: number; marginalSharpe: number; marginalDrawdown: number; marginalTrades: number }[];
    best: string;
  };
}

// ---------------------------------------------------------------------------------------------
// Options greeks in the run views (issue 17): volt/run carries what the journal keeps of a
// ctx.options run's report (runs.options_greeks), so a face draws the book's greeks per bar.

/** `chain` 'synthetic' or the chain file; `hedgeEfficiency` and `greeks` as in the report's `options` (engine backtest/types.ts): time in epoch ms, delta in units of the underlying, gamma per 1.00 of its price, vega per vol point and theta per day in currency. */
export type { RunOptionsGreeks } from '@volt/engine';

/** The Greeks panel's legend in every face: what each pane measures, in the engine's units (engine options/README.md). */
export const GREEKS_LEGEND =
  "The open options book at each close · delta: units of the underlying · gamma: delta per 1.00 of the underlying's price · vega: currency per vol point · theta: currency per day";

/** Decimals for a greek's axis in every face: three significant digits of its largest magnitude, 0 to 6. */
export function greekDecimals(values: readonly number[]): number {
  let top = 0;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > top) top = Math.abs(v);
  if (top === 0) return 2;
  return Math.min(6, Math.max(0, 2 - Math.floor(Math.log10(top))));
}

/** The Greeks panel's hedge line in every face: the engine's hedge efficiency, or why there is none. */
export function hedgeEfficiencyText(hedgeEfficiency: number | null): string {
  return hedgeEfficiency === null
    ? 'hedge efficiency n/a: the options and the underlying were never held over the same bar'
    : `hedge efficiency ${hedgeEfficiency.toFixed(2)}: the share of the underlying's moves the options offset (1 a perfect hedge, 0 none, below 0 adds to them)`;
}
