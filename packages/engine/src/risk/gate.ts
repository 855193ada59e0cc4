/**
 * The risk gate: deterministic and final. Whatever the agents voted, a position goes through here
 * and comes out the same size or smaller, with the same stop or a tighter one, or not at all.
 * No input — an agent's advice, a strategy's request, an LLM's answer — can widen a hard limit.
 */

export type RiskStatusName = 'APPROVED' | 'APPROVED_WITH_MODIFICATIONS' | 'REJECTED';

/** Why the gate said no. */
export type RiskRejection =
  | 'circuit-breaker'
  | 'daily-loss'
  | 'daily-loss-budget'
  | 'max-drawdown'
  | 'invalid-size'
  | 'invalid-price'
  | 'stop-wrong-side'
  | 'undefined-max-loss'
  | 'illiquid'
  | 'pinning'
  | 'volatility-crush'
  | 'early-assignment'
  | 'gamma-flip';

/** Which rule changed a field. */
export type RiskRule = 'max-position' | 'daily-loss-budget' | 'volatility-stop' | 'missing-stop' | 'agent-advice';

export interface RiskLimits {
  /** Largest position as a fraction of equity (default 0.10). */
  maxPositionPct: number;
  /** Largest realized loss in one UTC day, as a fraction of that day's starting equity (default 0.03). */
  maxDailyLoss: number;
  /** Drawdown from the equity peak at which new entries stop (default 0.25). */
  maxDrawdown: number;
  /** Consecutive losing trades that trip the circuit breaker (default 5). */
  maxConsecutiveLosses: number;
  /** How long a tripped breaker stays tripped after the last loss (default 24 h). */
  breakerCooldownMs: number;
  /** A size the daily-loss budget shrinks below this is rejected instead (default 0.001). */
  minPositionPct: number;
  /** Options entries: widest bid-ask spread of a leg, a fraction of its mid (default 0.10). */
  maxBidAskPct: number;
  /** Options entries: largest pinning figure (share of open interest within 1% of spot into expiry; default 0.5). */
  maxPinning: number;
  /** Options entries: largest expected IV drop after an event, a fraction (default 0.3). */
  maxVolatilityCrush: number;
  /** Options entries: largest early-assignment figure of a short leg (default 0.5). */
  maxEarlyAssignment: number;
  /**
   * Options entries that are short gamma: the lowest dealers' net gamma share (−1 to 1, `dealerGamma(…).share`)
   * they may be sold into; below it dealers' hedging feeds moves against a short-gamma seller
   * (default −1: never refused; 0 refuses them whenever dealers are net short gamma).
   */
  minDealerGamma: number;
}

/** The options desk's flags for one entry (options/README.md, "Risk flags"); NaN or absent = not known. */
export interface OptionsRiskFlags {
  bidAskPct?: number;
  pinning?: number;
  volatilityCrush?: number;
  earlyAssignment?: number;
  /** Dealers' net gamma share of the position's first expiry, from open interest (−1 to 1). */
  dealerGamma?: number;
  /** The position's own gamma (only its sign is read: the gamma-flip limit applies to short gamma). */
  positionGamma?: number;
}

export const DEFAULT_RISK_LIMITS: Readonly<RiskLimits> = {
  maxPositionPct: 0.1,
  maxDailyLoss: 0.03,
  maxDrawdown: 0.25,
  maxConsecutiveLosses: 5,
  breakerCooldownMs: 86_400_000,
  minPositionPct: 0.001,
  maxBidAskPct: 0.1,
  maxPinning: 0.5,
  maxVolatilityCrush: 0.3,
  maxEarlyAssignment: 0.5,
  minDealerGamma: -1,
};

/** What the gate needs to know about a proposed entry (agents' `Proposal` fits this shape). */
export interface RiskProposal {
  side: 'BUY' | 'SELL';
  pct: number;
  /** NaN when the strategy set no stop. */
  stopPrice: number;
  /** NaN when none. */
  takeProfitPrice: number;
  price: number;
  time: number;
  equity: number;
}

/** The market facts the stop table reads. */
export interface RiskMarket {
  /** NaN when no VIX series is configured. */
  vix: number;
  regime: 'normal' | 'highVolatility' | 'crash';
  /** 0–1, NaN while warming up. */
  volPercentile: number;
  /** Fraction below the equity peak (0 at a peak). */
  drawdown: number;
}

/** Changes the agents asked for; the gate takes only those that reduce risk. */
export interface RiskAdvice {
  pct?: number;
  stopPrice?: number;
  takeProfitPrice?: number;
}

export interface RiskModification {
  field: 'size' | 'stop' | 'takeProfit';
  /** NaN when there was nothing before (a stop added where none was set). */
  from: number;
  to: number;
  rule: RiskRule;
}

/** The gate's answer. The gate reuses this object on its next review: copy what you keep. */
export interface RiskReview {
  status: RiskStatusName;
  rejection: RiskRejection | null;
  pct: number;
  stopPrice: number;
  takeProfitPrice: number;
  /** The stop distance the volatility table allowed at this bar. */
  maxStopDistance: number;
  modifications: RiskModification[];
}

const DAY_MS = 86_400_000;

/**
 * The VIX stop table from the desk's playbook: VIX above 25 → 2% stop, below 12 → 5%, else 3%.
 * Without VIX the realized-volatility regime stands in: high volatility or crash → 2%, the calmest
 * fifth of recent history → 5%, else 3%.
 */
export function maxStopDistance(market: Readonly<RiskMarket>): number {
  if (Number.isFinite(market.vix)) {
    if (market.vix > 25) return 0.02;
    if (market.vix < 12) return 0.05;
    return 0.03;
  }
  if (market.regime !== 'normal') return 0.02;
  if (market.volPercentile < 0.2) return 0.05;
  return 0.03;
}

export class RiskGate {
  readonly limits: Readonly<RiskLimits>;
  private readonly review: RiskReview;
  /** Modification slots, reused so an ordinary review allocates nothing. */
  private readonly slots: RiskModification[];
  private day = Number.NaN;
  private dayStartEquity = Number.NaN;
  private dayRealizedPnl = 0;
  private consecutiveLosses = 0;
  private breakerUntil = Number.NEGATIVE_INFINITY;

  constructor(limits: Partial<RiskLimits> = {}) {
    const merged = { ...DEFAULT_RISK_LIMITS };
    for (const key of Object.keys(limits) as (keyof RiskLimits)[]) {
      const v = limits[key];
      if (typeof v === 'number' && Number.isFinite(v)) merged[key] = v;
    }
    this.limits = merged;
    this.slots = [0, 1, 2, 3].map(() => ({ field: 'size', from: 0, to: 0, rule: 'max-position' }) as RiskModification);
    this.review = {
      status: 'APPROVED',
      rejection: null,
      pct: 0,
      stopPrice: Number.NaN,
      takeProfitPrice: Number.NaN,
      maxStopDistance: 0,
      modifications: [],
    };
  }

  /** Consecutive losing trades so far (reset by a win, and when they trip the breaker). */
  get losingStreak(): number {
    return this.consecutiveLosses;
  }

  /** Realized P&L of the current UTC day. */
  get todayPnl(): number {
    return this.dayRealizedPnl;
  }

  /** Tell the gate a trade closed, so the daily-loss stop and the circuit breaker stay current. */
  recordTradeClosed(pnl: number, time: number, equityBefore: number): void {
    this.rollDay(time, equityBefore);
    this.dayRealizedPnl += pnl;
    if (pnl < 0) {
      this.consecutiveLosses++;
      if (this.consecutiveLosses >= this.limits.maxConsecutiveLosses) {
        // Trip, and start counting afresh: the next N losses in a row trip it again.
        this.breakerUntil = Math.max(this.breakerUntil, time + this.limits.breakerCooldownMs);
        this.consecutiveLosses = 0;
      }
    } else {
      this.consecutiveLosses = 0;
    }
  }

  /** Forget all history (a new run). */
  reset(): void {
    this.day = Number.NaN;
    this.dayStartEquity = Number.NaN;
    this.dayRealizedPnl = 0;
    this.consecutiveLosses = 0;
    this.breakerUntil = Number.NEGATIVE_INFINITY;
  }


  /** Review one entry. Deterministic: same history and inputs, same answer. */
  check(p: Readonly<RiskProposal>, market: Readonly<RiskMarket>, advice?: Readonly<RiskAdvice>): RiskReview {
    const r = this.review;
    const mods = r.modifications;
    mods.length = 0;
    r.status = 'REJECTED';
    r.rejection = null;
    r.pct = 0;
    r.stopPrice = p.stopPrice;
    r.takeProfitPrice = p.takeProfitPrice;
    const maxStop = maxStopDistance(market);
    r.maxStopDistance = maxStop;

    this.rollDay(p.time, p.equity);
    if (p.time < this.breakerUntil) return this.reject('circuit-breaker');
    const budget = this.limits.maxDailyLoss * this.dayStartEquity + this.dayRealizedPnl;
    if (!(budget > 0)) return this.reject('daily-loss');
    if (market.drawdown >= this.limits.maxDrawdown) return this.reject('max-drawdown');
    if (!(p.price > 0) || !(p.equity > 0)) return this.reject('invalid-price');
    if (!(p.pct > 0)) return this.reject('invalid-size');

    const long = p.side === 'BUY';
    // Size: the strategy's ask, lowered by agent advice, capped by the hard limit.
    let pct = p.pct;
    if (advice?.pct !== undefined && advice.pct > 0 && advice.pct < pct) {
      this.modify('size', pct, advice.pct, 'agent-advice');
      pct = advice.pct;
    }
    if (pct > this.limits.maxPositionPct) {
      this.modify('size', pct, this.limits.maxPositionPct, 'max-position');
      pct = this.limits.maxPositionPct;
    }

    // Stop: must be on the losing side of the entry; never wider than the volatility table allows.
    let stop = p.stopPrice;
    if (Number.isFinite(stop) && (long ? stop >= p.price : stop <= p.price)) return this.reject('stop-wrong-side');
    const advisedStop = advice?.stopPrice;
    if (
      advisedStop !== undefined &&
      Number.isFinite(advisedStop) &&
      (long ? advisedStop < p.price : advisedStop > p.price) &&
      (!Number.isFinite(stop) || (long ? advisedStop > stop : advisedStop < stop))
    ) {
      this.modify('stop', stop, advisedStop, 'agent-advice');
      stop = advisedStop;
    }
    const widest = long ? p.price * (1 - maxStop) : p.price * (1 + maxStop);
    if (!Number.isFinite(stop)) {
      this.modify('stop', Number.NaN, widest, 'missing-stop');
      stop = widest;
    } else if (long ? stop < widest : stop > widest) {
      this.modify('stop', stop, widest, 'volatility-stop');
      stop = widest;
    }

    let takeProfit = p.takeProfitPrice;
    const advisedTp = advice?.takeProfitPrice;
    if (advisedTp !== undefined && Number.isFinite(advisedTp) && (long ? advisedTp > p.price : advisedTp < p.price) && advisedTp !== takeProfit) {
      this.modify('takeProfit', takeProfit, advisedTp, 'agent-advice');
      takeProfit = advisedTp;
    }

    // Daily-loss budget: the worst case of this trade (stopped out) must fit in what is left today.
    const stopDistance = Math.abs(p.price - stop) / p.price;
    const worstLoss = pct * p.equity * stopDistance;
    if (worstLoss > budget) {
      const fitted = budget / (p.equity * stopDistance);
      if (fitted < this.limits.minPositionPct) return this.reject('daily-loss-budget');
      this.modify('size', pct, fitted, 'daily-loss-budget');
      pct = fitted;
    }

    r.pct = pct;
    r.stopPrice = stop;
    r.takeProfitPrice = takeProfit;
    r.status = mods.length === 0 ? 'APPROVED' : 'APPROVED_WITH_MODIFICATIONS';
    return r;
  }

  /**
   * Review an entry whose worst case is known when it is placed: a defined-risk options position
   * (a spread's max loss). `maxLossPct` is that worst case as a fraction of equity. It counts
   * against the single-position limit and must fit in what is left of today's loss budget (else
   * it shrinks to fit, or is rejected below `minPositionPct`); the breaker, daily-loss and drawdown
   * rules are those of `check`. An unlimited worst case is rejected. The review's `pct` is the
   * max loss allowed; its stop and target are NaN: the position's own structure is its stop.
   */
  checkDefinedRisk(
    p: Readonly<{ maxLossPct: number; time: number; equity: number }>,
    market: Readonly<Pick<RiskMarket, 'drawdown'>>,
    flags: Readonly<OptionsRiskFlags> = {},
  ): RiskReview {
    const r = this.review;
    r.modifications.length = 0;
    r.stopPrice = Number.NaN;
    r.takeProfitPrice = Number.NaN;
    r.maxStopDistance = Number.NaN;
    this.rollDay(p.time, p.equity);
    if (p.time < this.breakerUntil) return this.reject('circuit-breaker');
    const budget = this.limits.maxDailyLoss * this.dayStartEquity + this.dayRealizedPnl;
    if (!(budget > 0)) return this.reject('daily-loss');
    if (market.drawdown >= this.limits.maxDrawdown) return this.reject('max-drawdown');
    if (!(p.equity > 0)) return this.reject('invalid-price');
    if (p.maxLossPct === Number.POSITIVE_INFINITY) return this.reject('undefined-max-loss');
    // A flag over its limit rejects: each names a way an options position goes wrong that size cannot fix.
    const l = this.limits;
    if ((flags.bidAskPct ?? 0) > l.maxBidAskPct) return this.reject('illiquid');
    if ((flags.pinning ?? 0) > l.maxPinning) return this.reject('pinning');
    if ((flags.volatilityCrush ?? 0) > l.maxVolatilityCrush) return this.reject('volatility-crush');
    if ((flags.earlyAssignment ?? 0) > l.maxEarlyAssignment) return this.reject('early-assignment');
    if ((flags.positionGamma ?? 0) < 0 && (flags.dealerGamma ?? 0) < l.minDealerGamma) return this.reject('gamma-flip');
    if (!(p.maxLossPct > 0) || !Number.isFinite(p.maxLossPct)) return this.reject('invalid-size');
    let pct = p.maxLossPct;
    if (pct > this.limits.maxPositionPct) {
      this.modify('size', pct, this.limits.maxPositionPct, 'max-position');
      pct = this.limits.maxPositionPct;
    }
    const fitted = budget / p.equity;
    if (pct > fitted) {
      if (fitted < this.limits.minPositionPct) return this.reject('daily-loss-budget');
      this.modify('size', pct, fitted, 'daily-loss-budget');
      pct = fitted;
    }
    r.pct = pct;
    r.rejection = null;
    r.status = r.modifications.length === 0 ? 'APPROVED' : 'APPROVED_WITH_MODIFICATIONS';
    return r;
  }

  private reject(why: RiskRejection): RiskReview {
    const r = this.review;
    r.status = 'REJECTED';
    r.rejection = why;
    r.pct = 0;
    return r;
  }

  private modify(field: RiskModification['field'], from: number, to: number, rule: RiskRule): void {
    const mods = this.review.modifications;
    let slot = this.slots[mods.length];
    if (slot === undefined) {
      slot = { field, from, to, rule };
      this.slots.push(slot);
    }
    slot.field = field;
    slot.from = from;
    slot.to = to;
    slot.rule = rule;
    mods.push(slot);
  }

  private rollDay(time: number, equity: number): void {
    const day = Math.floor(time / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayStartEquity = equity;
      this.dayRealizedPnl = 0;
    }
  }
}

/** The gate's answer in words, for reports, the journal and `volt agents status`. */
export function describeReview(review: Readonly<RiskReview>, limits: Readonly<RiskLimits>): string[] {
  const out: string[] = [];
  if (review.rejection !== null) {
    out.push(describeRejection(review.rejection, limits));
    return out;
  }
  for (const m of review.modifications) out.push(describeModification(m, review.maxStopDistance));
  return out;
}

export function describeRejection(why: RiskRejection, limits: Readonly<RiskLimits>): string {
  switch (why) {
    case 'circuit-breaker':
      return `circuit breaker: ${limits.maxConsecutiveLosses} consecutive losses; no new entries for ${Math.round(limits.breakerCooldownMs / 3_600_000)} h after the last one`;
    case 'daily-loss':
      return `daily loss limit reached (${pct(limits.maxDailyLoss)} of the day's starting equity); no new entries until the next UTC day`;
    case 'daily-loss-budget':
      return `the trade's worst case (stopped out) does not fit in what is left of today's loss budget`;
    case 'max-drawdown':
      return `drawdown has reached the ${pct(limits.maxDrawdown)} limit; no new entries until equity recovers`;
    case 'invalid-size':
      return 'size is zero, negative or not a number';
    case 'invalid-price':
      return 'no usable price or equity at the signal bar';
    case 'stop-wrong-side':
      return 'stop is on the winning side of the entry price';
    case 'undefined-max-loss':
      return 'the position can lose without limit (a short option with no long leg to cap it); define its maximum loss';
    case 'illiquid':
      return `a leg's bid-ask spread is wider than ${pct(limits.maxBidAskPct)} of its mid: fills would give the edge away`;
    case 'pinning':
      return `more than ${pct(limits.maxPinning)} of the expiry's open interest sits within 1% of spot into expiry: the price may pin at a strike`;
    case 'volatility-crush':
      return `the front expiry's IV is priced to drop more than ${pct(limits.maxVolatilityCrush)} after the event`;
    case 'early-assignment':
      return `a short leg's time value is below ${pct(1 - limits.maxEarlyAssignment)} of what early exercise pays its holder: assignment is likely`;
    case 'gamma-flip':
      return `the position is short gamma and dealers' net gamma is below ${limits.minDealerGamma} of their gross (spot is past the gamma flip): their hedging would feed moves against it`;
  }
}

export function describeModification(m: Readonly<RiskModification>, maxStop: number): string {
  const from = Number.isFinite(m.from) ? m.from : undefined;
  switch (m.rule) {
    case 'max-position':
      return `allocation ${pct(m.from)} exceeds the single-position limit; ${pct(m.to)} instead`;
    case 'daily-loss-budget':
      return `allocation cut from ${pct(m.from)} to ${pct(m.to)} so a stopped-out trade stays inside today's loss budget`;
    case 'volatility-stop':
      return `stop ${fmt(from)} is wider than the ${pct(maxStop)} the volatility table allows; tightened to ${fmt(m.to)}`;
    case 'missing-stop':
      return `no stop set; added one at ${fmt(m.to)} (${pct(maxStop)} from entry, volatility table)`;
    case 'agent-advice':
      return `${m.field} ${fmt(from)} → ${fmt(m.to)} on the agents' advice`;
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x * 100 < 1 ? 2 : 1)}%`;
}

function fmt(x: number | undefined): string {
  if (x === undefined) return 'none';
  return Math.abs(x) >= 1000 ? x.toFixed(2) : Number(x.toPrecision(6)).toString();
}
