/**
 * Capital protection of a market session, in the trusted process: the hard limits that act in real
 * time whatever the strategy or the agents say (trading/README.md, "Capital protection").
 */

export interface ProtectionLimits {
  /** Loss in one UTC day, in money, counting unrealized P&L, that stops the day's trading; Infinity = none. */
  dailyLossMoney: number;
  /** The same as a fraction of the day's starting equity. */
  dailyLossPct: number;
  /** Drawdown from the session's equity peak (marked) that ends the session. */
  maxDrawdownPct: number;
  /** Losing trades in a row that pause new entries. */
  maxConsecutiveLosses: number;
  /** How long the pause lasts, in bars. */
  pauseBars: number;
  /** Exchange errors in a row that trip the exchange breaker. */
  maxExchangeErrors: number;
  /** Bars without a new closed candle (the feed gone stale) that trip it. */
  staleBars: number;
  /** Clock difference with the exchange, in ms, that trips it. */
  maxClockSkewMs: number;
  /** What the exchange breaker does: flatten (close the position and pause) or pause (keep it, no entries). */
  onExchangeTrouble: 'flatten' | 'pause';
}

export const DEFAULT_PROTECTION: Readonly<ProtectionLimits> = {
  dailyLossMoney: Infinity,
  dailyLossPct: 0.03,
  maxDrawdownPct: 0.25,
  maxConsecutiveLosses: 5,
  pauseBars: 60,
  maxExchangeErrors: 5,
  staleBars: 3,
  maxClockSkewMs: 5_000,
  onExchangeTrouble: 'flatten',
};

/** Why entries are refused: also the journal's and the status line's words. */
export type Halt =
  | { kind: 'kill'; why: string }
  | { kind: 'daily-loss'; why: string; until: number }
  | { kind: 'max-drawdown'; why: string }
  | { kind: 'losing-streak'; why: string; untilBar: number }
  | { kind: 'exchange'; why: string };

const DAY_MS = 86_400_000;

export class CapitalGuard {
  readonly limits: Readonly<ProtectionLimits>;
  private day = Number.NaN;
  private dayStart = Number.NaN;
  private peak = Number.NaN;
  private streak = 0;
  private pausedUntilBar = -1;
  private halt: Halt | null = null;
  private exchangeHalt: Halt | null = null;

  constructor(limits: Partial<ProtectionLimits> = {}) {
    this.limits = { ...DEFAULT_PROTECTION, ...limits };
  }

  /** What stops entries now, or null. */
  get current(): Halt | null {
    return this.halt ?? this.exchangeHalt;
  }

  /** Whether a new entry may go out at `bar`. */
  refusal(bar: number): string | null {
    const h = this.current;
    if (h !== null) return h.why;
    if (bar < this.pausedUntilBar) return `paused after ${this.limits.maxConsecutiveLosses} losing trades in a row, until bar ${this.pausedUntilBar}`;
    return null;
  }

  /**
   * Equity marked now (cash + position at the last price). Returns a new halt that asks for the
   * position to be closed (daily loss, drawdown), or null.
   */
  mark(equity: number, time: number): Halt | null {
    const day = Math.floor(time / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayStart = equity;
      if (this.halt?.kind === 'daily-loss') this.halt = null;
    }
    if (!(equity <= this.peak)) this.peak = equity;
    if (this.halt !== null) return null;
    const lost = this.dayStart - equity;
    if (lost >= this.limits.dailyLossMoney || lost >= this.limits.dailyLossPct * this.dayStart) {
      const until = (day + 1) * DAY_MS;
      this.halt = { kind: 'daily-loss', why: `daily loss stop: ${lost.toFixed(2)} lost today (limit ${limitText(this.limits.dailyLossMoney, this.limits.dailyLossPct, this.dayStart)}), no entries until ${new Date(until).toISOString()}`, until };
      return this.halt;
    }
    const dd = this.peak > 0 ? (this.peak - equity) / this.peak : 0;
    if (dd >= this.limits.maxDrawdownPct) {
      this.halt = { kind: 'max-drawdown', why: `max drawdown: ${(dd * 100).toFixed(2)}% below the peak (limit ${(this.limits.maxDrawdownPct * 100).toFixed(2)}%), session stopped` };
      return this.halt;
    }
    return null;
  }

  /** A trade closed at `bar`. */
  tradeClosed(pnl: number, bar: number): void {
    if (pnl < 0) {
      this.streak++;
      if (this.streak >= this.limits.maxConsecutiveLosses) {
        this.pausedUntilBar = bar + this.limits.pauseBars;
        this.streak = 0;
      }
    } else {
      this.streak = 0;
    }
  }

  kill(why: string): Halt {
    this.halt = { kind: 'kill', why };
    return this.halt;
  }

  /** The exchange breaker: set with why, cleared with null once the exchange behaves again. */
  exchange(why: string | null): void {
    this.exchangeHalt = why === null ? null : { kind: 'exchange', why };
  }

  /** Whether the session should end (kill switch, drawdown). */
  get finished(): boolean {
    return this.halt?.kind === 'kill' || this.halt?.kind === 'max-drawdown';
  }
}

function limitText(money: number, pct: number, dayStart: number): string {
  const parts = [`${(pct * 100).toFixed(2)}% = ${(pct * dayStart).toFixed(2)}`];
  if (Number.isFinite(money)) parts.push(`${money.toFixed(2)}`);
  return parts.join(' or ');
}
