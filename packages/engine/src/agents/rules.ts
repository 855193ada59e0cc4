import { blendScores, describeSignals } from '../signals/index.js';
import { newHedgeQuote, quoteProtectiveSpread, type HedgeQuote } from '../options/index.js';
import { maxStopDistance } from '../risk/index.js';
import type { Agent, AgentRole, Assessment, MarketContext, Proposal, ProposalModifications, TradeDecision } from './types.js';

/**
 * The rule-based panel. Each agent fills and returns one reused Assessment, so a vote costs a few
 * comparisons and little allocation: reasoning strings are constants, except where the reasoning
 * must name the numbers it read (the volatility assessor and the hedge optimizer).
 */
abstract class RuleAgent implements Agent {
  abstract readonly role: AgentRole;
  readonly kind = 'rules' as const;
  protected readonly out: Assessment = { decision: 'HOLD', confidence: 0, reasoning: '', modifications: undefined };
  protected readonly mods: ProposalModifications = {};

  abstract assess(proposal: Readonly<Proposal>, context: Readonly<MarketContext>): Assessment;

  protected answer(decision: TradeDecision, confidence: number, reasoning: string, withMods = false): Assessment {
    const o = this.out;
    o.decision = decision;
    o.confidence = confidence < 0 ? 0 : confidence > 1 ? 1 : confidence;
    o.reasoning = reasoning;
    o.modifications = withMods ? this.mods : undefined;
    return o;
  }

  protected clearMods(): ProposalModifications {
    const m = this.mods;
    m.pct = undefined;
    m.stopPrice = undefined;
    m.takeProfitPrice = undefined;
    return m;
  }
}

/** Follows the trend: momentum and the fast/slow average spread, scaled by how noisy the market is. */
export class TrendAnalyzer extends RuleAgent {
  readonly role = 'trend' as const;
  constructor(private readonly trendBars = 20) {
    super();
  }

  assess(_p: Readonly<Proposal>, c: Readonly<MarketContext>): Assessment {
    const up = c.momentum > 0 && c.trendSpread > 0;
    const down = c.momentum < 0 && c.trendSpread < 0;
    // How many standard moves the momentum is: a 2σ trend is a confident one.
    const expected = c.realizedVol > 0 ? c.realizedVol * Math.sqrt(this.trendBars) : Number.NaN;
    const z = expected > 0 ? Math.abs(c.momentum) / expected : 1;
    const facts = `momentum ${pct(c.momentum)} over ${this.trendBars} bars (${z.toFixed(1)}σ), fast average ${pct(c.trendSpread)} ${c.trendSpread >= 0 ? 'above' : 'below'} slow`;
    if (!up && !down) return this.answer('HOLD', 0.5, `${facts}: they disagree, no clear trend`);
    const confidence = 0.5 + 0.45 * Math.tanh(z / 2);
    return up ? this.answer('BUY', confidence, `${facts}: uptrend`) : this.answer('SELL', confidence, `${facts}: downtrend`);
  }
}

/** An event this many days away or closer makes the volatility assessor less sure: a gap can jump a stop. */
export const EVENT_SOON_DAYS = 3;

/** The market facts the volatility reading rests on, in words: "VIX 27.3, backwardation 1.08, IV rank 82, …". */
export function volatilityFacts(c: Readonly<MarketContext>): string {
  const parts: string[] = [];
  if (Number.isFinite(c.vix)) parts.push(`VIX ${c.vix.toFixed(1)}`);
  if (Number.isFinite(c.termRatio)) parts.push(`${c.termStructure} ${c.termRatio.toFixed(2)} (VIX/VIX3M)`);
  if (Number.isFinite(c.ivRank)) parts.push(`IV rank ${c.ivRank.toFixed(0)}, IV percentile ${c.ivPercentile.toFixed(0)}`);
  if (Number.isFinite(c.impliedVol) && Number.isFinite(c.realizedVolAnnual)) {
    const spread = c.volSpread * 100;
    parts.push(`implied ${points(c.impliedVol)} vs realized ${points(c.realizedVolAnnual)} (${spread >= 0 ? '+' : ''}${spread.toFixed(1)} pts)`);
  } else if (Number.isFinite(c.realizedVolAnnual)) parts.push(`realized vol ${points(c.realizedVolAnnual)}`);
  if (Number.isFinite(c.volPercentile)) parts.push(`realized-vol percentile ${(c.volPercentile * 100).toFixed(0)}`);
  if (c.daysToEvent <= EVENT_SOON_DAYS * 2) {
    parts.push(`${c.nextEvent} in ${c.daysToEvent.toFixed(1)} days${Number.isFinite(c.eventMove) ? ` (priced for a ${(c.eventMove * 100).toFixed(1)}% move)` : ''}`);
  }
  return parts.length > 0 ? parts.join(', ') : 'no volatility reading yet';
}

function points(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/**
 * Reads the volatility regime (VIX, the VIX curve, realized volatility) and where implied vol
 * stands: stands aside in a crash (except for shorts), wants a stop when it is wild, is more
 * confident the cheaper volatility is, and less when the market moves more than options price.
 * Its reasoning names the numbers it read.
 */
export class VolatilityAssessor extends RuleAgent {
  readonly role = 'volatility' as const;

  assess(p: Readonly<Proposal>, c: Readonly<MarketContext>): Assessment {
    const side = p.side;
    const hasStop = Number.isFinite(p.stopPrice);
    const m = this.clearMods();
    const dist = maxStopDistance(c);
    m.stopPrice = side === 'BUY' ? c.price * (1 - dist) : c.price * (1 + dist);
    const wantsTighter = !hasStop || (side === 'BUY' ? p.stopPrice < m.stopPrice : p.stopPrice > m.stopPrice);
    const facts = volatilityFacts(c);
    const eventSoon = c.daysToEvent <= EVENT_SOON_DAYS;
    const event = eventSoon ? `; ${c.nextEvent} in ${c.daysToEvent.toFixed(1)} days: a gap can jump the stop` : '';
    const less = eventSoon ? 0.1 : 0;
    if (c.regime === 'crash') {
      if (side === 'SELL') return this.answer('SELL', 0.7, `${facts}: crash regime; shorts only, with a tight stop`, wantsTighter);
      return this.answer('HOLD', 0.85, `${facts}: crash regime; no new longs until volatility settles`);
    }
    if (c.regime === 'highVolatility') {
      const why = c.termStructure === 'backwardation' && !(c.vix > 25) ? 'high volatility (the VIX curve is inverted)' : 'high volatility';
      if (!hasStop) return this.answer('HOLD', 0.7, `${facts}: ${why} and no stop; too much tail risk${event}`, true);
      return this.answer(side, 0.6 - less, `${facts}: ${why}; acceptable with the stop tightened to the volatility table${event}`, wantsTighter);
    }
    // Where volatility sits: IV rank when an IV series is known, else realized vol's percentile.
    const rank = Number.isFinite(c.ivRank) ? c.ivRank / 100 : c.volPercentile === c.volPercentile ? c.volPercentile : 0.5;
    let confidence = 0.55 + 0.35 * (1 - rank);
    // Realized well above implied: the market moves more than options price; trust the calm less.
    const underpriced = c.volSpread < -0.05;
    if (underpriced) confidence -= 0.1;
    confidence -= less;
    return this.answer(
      side,
      confidence,
      `${facts}: normal volatility${underpriced ? ', but realized runs above implied' : ''}; the calmer the market, the more room for the trade${event}`,
      wantsTighter,
    );
  }
}

/**
 * Weighs what the trade can win against what it can lose, sizes down in a drawdown, and prices the
 * hedge a desk would put on: a 30-day put spread 5%/10% under a long (a call spread over a short)
 * at the implied vol (else realized, either to 0.1 point), naming its cost and greeks as shares of
 * the price. The quote, in the position's prices, is in `hedge`.
 */
export class HedgeOptimizer extends RuleAgent {
  readonly role = 'hedge' as const;
  /** The last hedge priced (reused: copy what you keep); cost NaN when no vol was known. */
  readonly hedge: HedgeQuote = newHedgeQuote();
  constructor(private readonly drawdownCut = 0.1) {
    super();
  }

  assess(p: Readonly<Proposal>, c: Readonly<MarketContext>): Assessment {
    const m = this.clearMods();
    const inDrawdown = c.drawdown > this.drawdownCut;
    if (inDrawdown) m.pct = p.pct / 2;
    const hedge = this.describeHedge(p, c);
    const risk = Math.abs(p.price - p.stopPrice);
    const reward = Math.abs(p.takeProfitPrice - p.price);
    const cut = inDrawdown ? `; drawdown ${(c.drawdown * 100).toFixed(1)}%: half size` : '';
    if (!(risk > 0)) return this.answer(p.side, 0.55, `no stop: the risk gate will set one; reward/risk unknown${cut}${hedge}`, inDrawdown);
    if (!(reward > 0)) return this.answer(p.side, 0.6, `stop ${pctOf(risk, p.price)} away, no target: open-ended reward${cut}${hedge}`, inDrawdown);
    const rr = reward / risk;
    const ratio = `reward ${rr.toFixed(2)}× the risk (target ${pctOf(reward, p.price)}, stop ${pctOf(risk, p.price)})`;
    if (rr >= 2) return this.answer(p.side, 0.8, `${ratio}: at least twice${cut}${hedge}`, inDrawdown);
    if (rr >= 1.5) return this.answer(p.side, 0.7, `${ratio}: 1.5× or better${cut}${hedge}`, inDrawdown);
    if (rr >= 1) return this.answer(p.side, 0.6, `${ratio}: about even${cut}${hedge}`, inDrawdown);
    return this.answer('HOLD', 0.65, `${ratio}: smaller than the risk taken${hedge}`);
  }

  /** The hedge in words, kept while side, vol (to 0.1 point) and IV rank stay the same: it is the same hedge. */
  private hedgeText = '';
  private textLong = false;
  private textVol = Number.NaN;
  private textRank = Number.NaN;
  private textImplied = false;
  /** The spread priced on an underlying at 1.00: costs and greeks scale with the price. */
  private readonly unit: HedgeQuote = newHedgeQuote();

  private describeHedge(p: Readonly<Proposal>, c: Readonly<MarketContext>): string {
    const implied = Number.isFinite(c.impliedVol) && c.impliedVol > 0;
    const raw = implied ? c.impliedVol : c.realizedVolAnnual;
    const h = this.hedge;
    if (!(raw > 0) || !(p.price > 0)) {
      h.cost = h.costPct = Number.NaN;
      return '';
    }
    const long = p.side === 'BUY';
    const vol = Math.round(raw * 1000) / 1000;
    const rank = Number.isFinite(c.ivRank) ? Math.round(c.ivRank) : Number.NaN;
    const u = this.unit;
    const same = long === this.textLong && vol === this.textVol && implied === this.textImplied && (rank === this.textRank || (rank !== rank && this.textRank !== this.textRank));
    if (!same) {
      quoteProtectiveSpread(long, 1, vol, u);
      const source = `${implied ? 'implied' : 'realized'} vol ${(vol * 100).toFixed(1)}%`;
      const rich = rank >= 70 ? `, dear at IV rank ${rank}` : rank <= 30 ? `, cheap at IV rank ${rank}` : '';
      this.hedgeText =
        `; hedge: 30-day ${u.kind} 5%/10% ${long ? 'below' : 'above'} the price costs ${(u.costPct * 100).toFixed(2)}% of it to cover ${(u.maxPayoutPct * 100).toFixed(0)}%` +
        ` (delta ${u.delta.toFixed(2)}; vega ${(u.vegaPerPoint * 100).toFixed(3)}% and theta ${(u.thetaPerDay * 100).toFixed(3)}% of the price per vol point and per day; ${source}${rich})`;
      this.textLong = long;
      this.textVol = vol;
      this.textRank = rank;
      this.textImplied = implied;
    }
    const s = p.price;
    h.kind = u.kind;
    h.longStrike = u.longStrike * s;
    h.shortStrike = u.shortStrike * s;
    h.years = u.years;
    h.cost = u.cost * s;
    h.costPct = u.costPct;
    h.delta = u.delta;
    h.gamma = u.gamma / s;
    h.thetaPerDay = u.thetaPerDay * s;
    h.vegaPerPoint = u.vegaPerPoint * s;
    h.maxPayoutPct = u.maxPayoutPct;
    return this.hedgeText;
  }
}

function pctOf(x: number, of: number): string {
  return `${((x / of) * 100).toFixed(1)}%`;
}


/** A blended score this close to 0 is no lean: the market analyst holds. */
export const MARKET_DEAD_BAND = 0.1;

function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
}

/**
 * The market's own direction and mood, with the outside signals: shock bars and crashes make it
 * wait; otherwise it leans the way momentum (in standard moves) blended with the outside signals'
 * score points (`agents.blend`, default technical 0.6 / outside 0.4), and says the numbers.
 */
export class MarketAnalyst extends RuleAgent {
  readonly role = 'market' as const;

  assess(p: Readonly<Proposal>, c: Readonly<MarketContext>): Assessment {
    const sigma = c.realizedVol > 0 ? Math.abs(c.lastReturn) / c.realizedVol : 0;
    if (sigma > 3) return this.answer('HOLD', 0.7, `last bar ${pct(c.lastReturn)}, ${sigma.toFixed(1)}σ: a shock bar, let the market settle first`);
    if (c.regime === 'crash') {
      return p.side === 'SELL'
        ? this.answer('SELL', 0.65, `crash regime (realized-vol percentile ${(c.volPercentile * 100).toFixed(0)}): it favours the short side`)
        : this.answer('HOLD', 0.75, `crash regime (realized-vol percentile ${(c.volPercentile * 100).toFixed(0)}): buying into a falling market`);
    }
    // The technical reading (momentum in standard moves) blended with the outside signals' score.
    const expected = c.realizedVol > 0 ? c.realizedVol * Math.sqrt(20) : Number.NaN;
    const technical = expected > 0 ? Math.tanh(c.momentum / expected) : Math.sign(c.momentum);
    const blended = blendScores(technical, c.outsideScore, c.blend);
    const outside = c.outsideScore === c.outsideScore ? `; ${describeSignals(c.signals)}: outside ${signed(c.outsideScore)}` : '';
    const why = `drift ${pct(c.momentum)} over 20 bars: technical ${signed(technical)}${outside}; blended ${signed(blended)}`;
    const confidence = 0.5 + 0.4 * Math.min(1, Math.abs(blended));
    if (blended > MARKET_DEAD_BAND) return this.answer('BUY', confidence, `${why}: leans long`);
    if (blended < -MARKET_DEAD_BAND) return this.answer('SELL', confidence, `${why}: leans short`);
    return this.answer('HOLD', 0.5, `${why}: no lean either way`);
  }
}

/** Judges whether the order can fill well; learns from the auditor's corrections. */
export class ExecutionAgent extends RuleAgent {
  readonly role = 'execution' as const;
  /** Widest acceptable signal-bar range (high − low) / close; the auditor's corrections narrow it. */
  maxBarRange: number;
  /** The largest size it will pass on after a size violation (NaN: no cap of its own). */
  sizeCap = Number.NaN;
  corrections = 0;

  constructor(maxBarRange = 0.05) {
    super();
    this.maxBarRange = maxBarRange;
  }

  assess(p: Readonly<Proposal>, c: Readonly<MarketContext>): Assessment {
    if (c.volume <= 0) return this.answer('HOLD', 0.8, 'volume 0 on the signal bar: a market order would fill blind');
    const range = `range ${(c.barRange * 100).toFixed(2)}% of the close (limit ${(this.maxBarRange * 100).toFixed(2)}%)`;
    if (c.barRange > this.maxBarRange) return this.answer('HOLD', 0.7, `${range}: too wide, expect heavy slippage`);
    const capped = this.sizeCap === this.sizeCap && p.pct > this.sizeCap;
    if (capped) this.clearMods().pct = this.sizeCap;
    return this.answer(p.side, 0.65, `volume ${c.volume.toPrecision(4)}, ${range}: a market order should fill near the close`, capped);
  }

  /** The auditor found a fill out of line: tolerate less next time. */
  applyCorrection(kind: 'EXCESSIVE_SLIPPAGE' | 'POSITION_SIZE_VIOLATION', approvedPct: number): void {
    this.corrections++;
    if (kind === 'EXCESSIVE_SLIPPAGE') this.maxBarRange *= 0.8;
    else this.sizeCap = Number.isFinite(this.sizeCap) ? Math.min(this.sizeCap, approvedPct) : approvedPct;
  }
}

/** Checks a proposal is coherent before anyone trades on it; after the fill, `audit` compares. */
export class AuditorAgent extends RuleAgent {
  readonly role = 'auditor' as const;

  assess(p: Readonly<Proposal>, _c: Readonly<MarketContext>): Assessment {
    if (!(p.confidence >= 0 && p.confidence <= 1)) return this.answer('HOLD', 0.9, 'strategy confidence is outside 0–1');
    if (!(p.pct > 0 && p.pct <= 1)) return this.answer('HOLD', 0.85, 'size is not a fraction of equity between 0 and 1');
    if (Number.isFinite(p.stopPrice) && (p.side === 'BUY' ? p.stopPrice >= p.price : p.stopPrice <= p.price)) {
      return this.answer('HOLD', 0.9, 'stop is on the winning side of the entry');
    }
    return this.answer(p.side, 0.5 + 0.4 * p.confidence, `size ${(p.pct * 100).toFixed(1)}%, ${Number.isFinite(p.stopPrice) ? `stop ${pctOf(Math.abs(p.price - p.stopPrice), p.price)} away` : 'no stop'}, confidence ${p.confidence.toFixed(2)}: coherent`);
  }
}

/** One of each rule-based agent, in panel order. */
export function ruleAgents(): Record<AgentRole, Agent> & { execution: ExecutionAgent } {
  return {
    volatility: new VolatilityAssessor(),
    hedge: new HedgeOptimizer(),
    trend: new TrendAnalyzer(),
    market: new MarketAnalyst(),
    execution: new ExecutionAgent(),
    auditor: new AuditorAgent(),
  };
}
