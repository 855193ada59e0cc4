/**
 * The workspace settings, read from the nearest `volt.config.json` at or above the folder Volt
 * works in (findConfigFile) and merged over DEFAULT_CONFIG. The sidecar's `workspace/configuration`
 * settings (section `volt`) use the same shape and override the file field by field. Relative
 * paths in the file are its own folder's: loadConfig makes them absolute as it reads it.
 *
 * Problems (load.ts): invalid JSON, a wrong value, or a key one or two letters off a known one
 * are errors at their line (loadConfig throws the first; the sidecar shows them all and keeps the
 * default for each); any other unknown key is a warning naming the closest known key
 * (setConfigWarningHandler hears them; the CLI prints them once on stderr). `$` keys are JSON
 * tooling's and pass in silence.
 */

export type AgentsMode = 'off' | 'rules' | 'ollama';

export interface VoltConfig {
  data: {
    /** Data for backtests that name none: 'synthetic:SEED' or a file path. */
    default: string;
    /** A market symbol → its data (a file path or an exchange spec): picking the symbol tests that market. */
    symbols?: Record<string, string>;
  };
  backtest: {
    /** Starting cash in quote currency. */
    capital: number;
    /** Taker fee per fill, a fraction of notional (0.001 = 0.1%). */
    feeRate: number;
    /** Slippage per market fill, a fraction of price, against you. */
    slippage: number;
    /** A sidecar backtest running longer than this is stopped and reported. */
    timeoutMs: number;
    /** Heap limit of a backtest worker, in MB. */
    maxMemoryMb: number;
    /** Warm backtest workers the sidecar keeps ready. */
    workers: number;
    /** Recorded option chains for ctx.options: a chain file, or `deribit:BTC` (the Deribit chains in .volt/cache/); default the synthetic chain. */
    optionsChain?: string;
  };
  /** Hard limits the risk gate enforces, whatever a strategy or an agent asks for. */
  risk: {
    /** Largest position, a fraction of equity. */
    maxPositionPct: number;
    /** Drawdown from the peak at which trading stops (and VOLT203 warns), a fraction. */
    maxDrawdown: number;
    /** Loss within one UTC day at which trading stops for the day, a fraction of equity. */
    maxDailyLoss: number;
    /** Losing trades in a row after which the circuit breaker trips. */
    maxConsecutiveLosses: number;
    /** Options entries (options/README.md, "Risk flags"): widest leg bid-ask as a fraction of mid. */
    maxBidAskPct: number;
    /** Options entries: largest share of open interest within 1% of spot into expiry. */
    maxPinning: number;
    /** Options entries: largest expected IV drop after an event. */
    maxVolatilityCrush: number;
    /** Options entries: largest early-assignment figure of a short leg. */
    maxEarlyAssignment: number;
    /** Options entries that are short gamma: the lowest dealers' net gamma share (−1 to 1) to sell into. */
    minDealerGamma: number;
  };
  lint: {
    /** Largest `risk.maxPositionPct` a strategy may declare before VOLT102 flags it. */
    maxPositionCap: number;
    /** Quiet time after an edit before diagnostics are recomputed. */
    debounceMs: number;
  };
  agents: {
    /** Who reviews each entry in backtests: 'off' nobody (the strategy's orders as written); 'rules' the rule agents' panel and the risk gate; 'ollama' LLM agents where available, rules elsewhere. */
    mode: AgentsMode;
    /** Weight of each agent role's vote; extra roles may be added. */
    weights: { volatility: number; hedge: number; trend: number; [role: string]: number };
    /** Consensus needed to act, by market regime (0–1). */
    thresholds: { normal: number; highVolatility: number; crash: number };
    /** A VIX series (file path) for regime detection; without it, realized-volatility percentiles. */
    vix?: string;
    /** The rest of the VIX term structure (file paths, CBOE's format): contango / backwardation in the regime. */
    vix9d?: string;
    vix3m?: string;
    vix6m?: string;
    /** An implied-volatility index (vol points, like VIX) for IV rank and percentile; default the VIX. */
    impliedVol?: string;
    /** A calendar of volatility events (CSV: date,symbol,event[,expected_move]). */
    events?: string;
    /** A folder of recorded outside-signal fixtures (`<source>.json`, signals/README.md); the journal's cached values win over them. */
    signals?: string;
    /** How the market analyst weighs its technical reading against the outside signals (default technical 0.6, outside 0.4). */
    blend?: { technical: number; outside: number };
    /** Bounds of the track-record multiplier on each weight (default 0.5–1.5), and whether a run starts from the journal's record (default false: a backtest stays reproducible). */
    trackRecord?: { min: number; max: number; carry: boolean };
    /**
     * The LLM seats' hindsight guard (agents/README.md, "Hindsight"): `mask` (default true) hides the
     * asset's name, the dates and the price level from their prompts; `tokenBudget` caps the tokens
     * (Ollama's prompt_eval_count + eval_count) one run's LLM answers may cost, after which the rule
     * agents answer the remaining proposals.
     */
    llm?: { mask?: boolean; tokenBudget?: number };
  };
  ollama: {
    /** e.g. 'http://127.0.0.1:11434'; unset: OLLAMA_HOST, else the ollama client's default. */
    host?: string;
    /** Model per role; extra roles may be added. */
    models: { critique: string; risk: string; market: string; [role: string]: string };
    timeoutMs: number;
    /**
     * Knowledge cutoff per model ("YYYY-MM", or "YYYY-MM-DD"), over the table Volt knows
     * (agents/hindsight.ts): a run whose data ends before a seat's cutoff is marked "LLM votes may
     * contain hindsight". A name without its tag (`llama3.3`) covers every tag.
     */
    cutoffs?: Record<string, string>;
  };
  journal: {
    /** SQLite journal, relative to the workspace root. */
    path: string;
  };
  /** Obsidian vault to export the journal into; no export when unset. */
  vault?: {
    path: string;
  };
  /**
   * The weekly report: where `volt report weekly` POSTs its summary by default, and for paper and
   * live sessions, which write the week's note as each week ends (exchange clock) and, with
   * `everyHours`, the week so far that often.
   */
  weeklyReport?: {
    webhook?: string;
    everyHours?: number;
  };
  /** The agent bus over Redis pub/sub (signals, positions, risk alerts); in-process when unset. */
  bus?: {
    redis: string;
  };
  /** Limits of portfolio backtests (`--symbols`); the CLI's --max-gross, --max-net, … override each. */
  portfolio?: {
    /** Gross exposure, a fraction of equity (1.5 = 150 %). */
    maxGross?: number;
    /** Net exposure, a fraction of equity. */
    maxNet?: number;
    /** Markets held at once. */
    maxPositions?: number;
    /** Refuse an entry whose returns correlate above this with a market held (sides counted). */
    maxCorrelation?: number;
    /** Bars of returns the correlation looks back over (default 50). */
    correlationLookback?: number;
  };
  onSave: {
    /** Backtest a strategy on every save. */
    backtest: boolean;
    /** Ask the critique model on every save. */
    critique: boolean;
  };
}

/** Any part of the config, as written in volt.config.json or sent by an editor. */
export type VoltConfigInput = {
  [K in keyof VoltConfig]?: VoltConfig[K] extends object ? DeepPartial<VoltConfig[K]> : VoltConfig[K];
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
