import type { PriceSource, ValueIndicator } from './types.js';
import { priceOf, requirePeriod, requireSource, type Source } from './validate.js';

/** Turns of the ring between exact re-sums, so the running sum cannot drift over long runs. */
const RESUM_WRAPS = 8;

/** Simple moving average: the mean of the last `period` values. */
export class Sma implements ValueIndicator {
  readonly period: number;
  readonly warmup: number;
  private readonly source: Source;
  private readonly ring: Float64Array;
  private next = 0;
  private wraps = 0;
  private count = 0;
  private sum = 0;
  private current = NaN;

  constructor(period: number, source?: PriceSource) {
    this.period = requirePeriod('sma', 'period', period);
    this.source = requireSource('sma', source);
    this.warmup = period;
    this.ring = new Float64Array(period);
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.count === this.period;
  }

  update(x: number): number {
    const n = this.period;
    if (this.count < n) {
      this.count++;
      this.sum += x;
    } else {
      this.sum += x - this.ring[this.next]!;
    }
    this.ring[this.next] = x;
    if (++this.next === n) {
      this.next = 0;
      if (++this.wraps === RESUM_WRAPS) {
        this.wraps = 0;
        let sum = 0;
        for (let i = 0; i < n; i++) sum += this.ring[i]!;
        this.sum = sum;
      }
    }
    if (this.count === n) this.current = this.sum / n;
    return this.current;
  }

  onBar(open: number, high: number, low: number, close: number, _volume: number): void {
    this.update(priceOf(this.source, open, high, low, close));
  }

  reset(): void {
    this.ring.fill(0);
    this.next = 0;
    this.wraps = 0;
    this.count = 0;
    this.sum = 0;
    this.current = NaN;
  }
}

/**
 * Exponential moving average with α = 2 / (period + 1), seeded with the SMA of the first `period`
 * values (the standard definition, so the first value does not depend on where the data starts).
 */
export class Ema implements ValueIndicator {
  readonly period: number;
  readonly warmup: number;
  private readonly source: Source;
  private readonly alpha: number;
  private count = 0;
  private seedSum = 0;
  private current = NaN;

  constructor(period: number, source?: PriceSource, name = 'ema') {
    this.period = requirePeriod(name, 'period', period);
    this.source = requireSource(name, source);
    this.warmup = period;
    this.alpha = 2 / (period + 1);
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.count === this.period;
  }

  update(x: number): number {
    if (this.count === this.period) {
      this.current += (x - this.current) * this.alpha;
    } else {
      this.seedSum += x;
      if (++this.count === this.period) this.current = this.seedSum / this.period;
    }
    return this.current;
  }

  onBar(open: number, high: number, low: number, close: number, _volume: number): void {
    this.update(priceOf(this.source, open, high, low, close));
  }

  reset(): void {
    this.count = 0;
    this.seedSum = 0;
    this.current = NaN;
  }
}
