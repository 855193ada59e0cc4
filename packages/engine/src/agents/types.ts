import type { OptionsRiskFlags, RiskStatusName } from '../risk/index.js';

/**
 * The shapes every agent shares. A strategy signal becomes a `Proposal`; each agent assesses it
 * against a `MarketContext`; the panel weighs the votes; the risk gate has the last word.
 */

export type TradeDecision = 'BUY' | 'SELL' | 'HOLD';

/**
 * The panel's seats. `volatility`, `hedge` and `trend` carry the default voting weights; `market`,
 * `execution` and `auditor` advise (weight 0 unless volt.config.json gives them one).
 */
export type AgentRole = 'volatility' | 'hedge' | 'trend' | 'market' | 'execution' | 'auditor';

export const AGENT_ROLES: readonly AgentRole[] = ['volatility', 'hedge', 'trend', 'market', 'execution', 'auditor'];

/** The name each seat goes by in journaled JSON (`agent_results`) and in status output. */
export const AGENT_NAMES: Readonly<Record<AgentRole, string>> = {
  volatility: 'volatility_assessor',
  hedge: 'hedge_optimizer',
  trend: 'trend_analyzer',
  market: 'market_analyst',
  execution: 'execution_agent',
  auditor: 'auditor',
};

/** Market regime, which sets how sure the panel must be before a trade goes through. */
export type MarketRegime = 'normal' | 'highVolatility' | 'crash';

/** A trade the strategy wants, in the words of the desk. */
export interface Proposal {
  symbol: string;
  /** BUY opens or adds to a long, SELL a short. */
  side: 'BUY' | 'SELL';
  /** Size as a fraction of equity (0.15 = 15%). */
  pct: number;
  /** Absolute stop price; NaN when the strategy set none. */
  stopPrice: number;
  /** Absolute take-profit price; NaN when none. */
  takeProfitPrice: number;
  /** The strategy's own confidence, 0–1. */
  confidence: number;
  reason: string;
  /** Index of the bar whose close produced the signal. */
  bar: number;
  /** That bar's time, epoch ms UTC. */
  time: number;
  /** That bar's close: the reference price for stop distances and slippage. */
  price: number;
  /** Account equity when the signal fired. */
  equity: number;
  /**
   * An options position's worst case as a fraction of equity (Infinity: unlimited); when set, the
   * gate reviews it as a defined-risk entry (`RiskGate.checkDefinedRisk`) and `pct` equals it.
   */
  maxLossPct?: number;
  /** The position's options risk flags (liquidity, pinning, volatility crush), for the gate's limits. */
  optionsFlags?: OptionsRiskFlags;
  /** The strategy's indicators at the signal bar, when the backtester passed them (the decision record keeps their values). */
  indicators?: Readonly<Record<string, { readonly value: number; readonly ready: boolean }>>;
}

/** What an agent may ask to change. The risk gate only accepts changes that reduce risk. */
export interface ProposalModifications {
  pct?: number;
  stopPrice?: number;
  takeProfitPrice?: number;
}

export interface Assessment {
  decision: TradeDecision;
  /** 0–1. */
  confidence: number;
  reasoning: string;
  modifications?: ProposalModifications;
}

/** What the agents see of the market at the signal bar: the past only. */
export interface MarketContext {
  symbol: string;
  bar: number;
  time: number;
  price: number;
  /** Return over the last bar (close/close − 1). */
  lastReturn: number;
  /** Return over the trend window (default 20 bars). */
  momentum: number;
  /** Fast minus slow moving average, as a fraction of the slow one. */
  trendSpread: number;
  /** Standard deviation of per-bar returns over the volatility window. */
  realizedVol: number;
  /** Where realizedVol sits among its own recent values, 0–1; NaN while warming up. */
  volPercentile: number;
  /** (high − low) / close of the signal bar: a spread and liquidity proxy. */
  barRange: number;
  /** Volume of the signal bar (0 on a dead bar). */
  volume: number;
  /** Last known VIX close before this bar; NaN when no VIX series is configured. */
  vix: number;
  /** Last known VIX3M close (3-month VIX) before this bar; NaN without a term structure. */
  vix3m: number;
  /**
   * The VIX curve's front over its back: VIX / VIX3M (else VIX / VIX6M, else VIX9D / VIX). Above 1
   * is backwardation (near-term fear priced over later), below 1 contango; NaN when unknown.
   */
  termRatio: number;
  termStructure: 'contango' | 'backwardation' | 'flat' | 'unknown';
  /** Implied volatility, annualised fraction (0.20 = 20%): the IV series' last reading (default VIX / 100); NaN when none. */
  impliedVol: number;
  /** IV rank and IV percentile, 0–100, of that reading among the IV series' last 252 (options/volatility.ts); NaN when none. */
  ivRank: number;
  ivPercentile: number;
  /** realizedVol annualised by the series' timeframe (× √bars per year). */
  realizedVolAnnual: number;
  /** impliedVol − realizedVolAnnual: positive when options price more movement than the market shows; NaN when either is missing. */
  volSpread: number;
  /** The next scheduled volatility event for the symbol (event calendar), '' when none is known. */
  nextEvent: string;
  /** Days from this bar to it (NaN when none), and the move it is priced for (fraction; NaN when not given). */
  daysToEvent: number;
  eventMove: number;
  regime: MarketRegime;
  /** The regime's consensus threshold. */
  threshold: number;
  /** Fraction below the running equity peak, 0 when at a peak. */
  drawdown: number;
  /** The outside signals at this close, by index into SIGNAL_NAMES (NaN: none published yet); reused between bars. */
  signals: Float64Array;
  /** The outside signals' joint score, −1 (against buying) to +1 (for); NaN without any. */
  outsideScore: number;
  /** How the market analyst blends its technical reading with `outsideScore` (signals.blend in volt.config.json). */
  blend: Readonly<import('../signals/index.js').SignalBlend>;
}

/** A rule-based agent: synchronous, deterministic, allocation-light. */
export interface Agent {
  readonly role: AgentRole;
  readonly kind: 'rules' | 'llm';
  /**
   * The returned object may be reused by the next call (like `ctx.bar`): copy what you keep.
   */
  assess(proposal: Readonly<Proposal>, context: Readonly<MarketContext>): Assessment;
}

/** An agent that thinks for a while (an LLM). It still answers when its model does not. */
export interface AsyncAgent {
  readonly role: AgentRole;
  readonly kind: 'rules' | 'llm';
  assess(proposal: Readonly<Proposal>, context: Readonly<MarketContext>, signal?: AbortSignal): Promise<Assessment>;
}

/** Voting weights by role (default volatility 0.40, hedge 0.35, trend 0.25, others 0). */
export type AgentWeights = Partial<Record<AgentRole, number>>;

/** Consensus thresholds per regime. */
export interface RegimeThresholds {
  normal: number;
  highVolatility: number;
  crash: number;
}

export const DEFAULT_WEIGHTS: Readonly<Record<AgentRole, number>> = {
  volatility: 0.4,
  hedge: 0.35,
  trend: 0.25,
  market: 0,
  execution: 0,
  auditor: 0,
};

export const DEFAULT_THRESHOLDS: Readonly<RegimeThresholds> = { normal: 0.55, highVolatility: 0.7, crash: 0.8 };

/** The structured record of one decision, as journaled (DESIGN.md, Agents). */
export interface DecisionRecord {
  timestamp: string;
  proposal: {
    symbol: string;
    side: 'BUY' | 'SELL';
    pct: number;
    stop_price: number | null;
    take_profit_price: number | null;
    confidence: number;
    reason: string;
    bar: number;
    price: number;
  };
  regime: MarketRegime;
  threshold: number;
  agent_results: Record<string, { decision: TradeDecision; confidence: number; reasoning: string; kind: 'rules' | 'llm'; weight: number }>;
  consensus_decision: {
    decision: TradeDecision;
    score: number;
    vote_breakdown: Record<TradeDecision, number>;
  };
  risk_review: {
    status: RiskStatusName;
    pct: number;
    stop_price: number | null;
    take_profit_price: number | null;
    reasons: string[];
    modifications: Array<{ field: string; from: number | null; to: number; rule: string }>;
  } | null;
  /** APPROVED, APPROVED_WITH_MODIFICATIONS or REJECTED, and who rejected. */
  outcome: { status: RiskStatusName; rejected_by?: 'consensus' | 'risk_gate' };
  recommendations: string[];
  /** Each technical reading at the decision, by name (the journal's decisions.technical_signals). */
  technical_signals: Record<string, number | string | null>;
  /** Each outside signal at the decision and the blended score (decisions.outside_signals); null values were not published yet. */
  outside_signals: Record<string, number | null>;
}

/** A message between agents, in the format the journal's agent_messages table keeps. */
export interface AgentMessage {
  timestamp: string;
  from: string;
  to: string;
  message: {
    type: 'TRADE_PROPOSAL' | 'RISK_REVIEW' | 'CORRECTION';
    [field: string]: unknown;
  };
}
