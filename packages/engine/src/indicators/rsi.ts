import type { PriceSource, ValueIndicator } from './types.js';
import { priceOf, requirePeriod, requireSource, type Source } from './validate.js';

/**
 * Relative strength index with Wilder's smoothing. The first average gain and loss are the simple
 * means of the first `period` changes; after that avg = (avg·(period − 1) + change) / period.
 * RSI = 100·avgGain / (avgGain + avgLoss), which is 100 − 100/(1 + RS) without dividing by a zero
 * loss: no losses gives 100, no gains 0, and a dead-flat market (neither) gives 50 rather than
 * a spurious "overbought" 100.
 */
export class Rsi implements ValueIndicator {
  readonly period: number;
  /** A change needs two closes, so the first value arrives at bar period + 1. */
  readonly warmup: number;
  private readonly source: Source;
  private prev = NaN;
  private changes = 0;
  private avgGain = 0;
  private avgLoss = 0;
  private current = NaN;

  constructor(period = 14, source?: PriceSource) {
    this.period = requirePeriod('rsi', 'period', period);
    this.source = requireSource('rsi', source);
    this.warmup = period + 1;
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.changes >= this.period;
  }

  /** Average gain per bar over the smoothing window (NaN until ready). */
  get averageGain(): number {
    return this.changes >= this.period ? this.avgGain : NaN;
  }

  /** Average loss per bar, as a positive number (NaN until ready). */
  get averageLoss(): number {
    return this.changes >= this.period ? this.avgLoss : NaN;
  }

  update(x: number): number {
    const prev = this.prev;
    this.prev = x;
    if (prev !== prev) return this.current; // first value: no change yet
    const change = x - prev;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    const n = this.period;
    if (this.changes >= n) {
      this.avgGain = (this.avgGain * (n - 1) + gain) / n;
      this.avgLoss = (this.avgLoss * (n - 1) + loss) / n;
    } else {
      // Seeding: accumulate sums, divided once the first `period` changes are in.
      this.avgGain += gain;
      this.avgLoss += loss;
      if (++this.changes < n) return this.current;
      this.avgGain /= n;
      this.avgLoss /= n;
    }
    const total = this.avgGain + this.avgLoss;
    this.current = total > 0 ? (100 * this.avgGain) / total : 50;
    return this.current;
  }

  onBar(open: number, high: number, low: number, close: number, _volume: number): void {
    this.update(priceOf(this.source, open, high, low, close));
  }

  reset(): void {
    this.prev = NaN;
    this.changes = 0;
    this.avgGain = 0;
    this.avgLoss = 0;
    this.current = NaN;
  }
}
