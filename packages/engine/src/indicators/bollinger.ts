import { RollingWindow } from './rolling-window.js';
import type { BollingerIndicator, PriceSource } from './types.js';
import { priceOf, requirePeriod, requirePositive, requireSource, type Source } from './validate.js';

/**
 * Bollinger bands: the SMA of the last `period` values ± `stdDev` population standard deviations
 * (divide by period, not period − 1: Bollinger's own definition).
 */
export class Bollinger implements BollingerIndicator {
  readonly period: number;
  readonly stdDev: number;
  readonly warmup: number;
  private readonly source: Source;
  private readonly window: RollingWindow;
  private mid = NaN;
  private width = NaN;
  private lastInput = NaN;

  constructor(period = 20, stdDev = 2, source?: PriceSource) {
    this.period = requirePeriod('bollinger', 'period', period, 1, 'ind.bollinger(20, 2)');
    this.stdDev = requirePositive('bollinger', 'stdDev', stdDev, 'ind.bollinger(20, 2)');
    this.source = requireSource('bollinger', source);
    this.warmup = period;
    this.window = new RollingWindow(period);
  }

  get value(): number {
    return this.mid;
  }

  get middle(): number {
    return this.mid;
  }

  get upper(): number {
    return this.mid + this.width;
  }

  get lower(): number {
    return this.mid - this.width;
  }

  get bandwidth(): number {
    return (2 * this.width) / this.mid;
  }

  /** 0 at the lower band, 1 at the upper; 0.5 when the bands have collapsed onto a flat market. */
  get percentB(): number {
    if (this.width === 0) return 0.5;
    return (this.lastInput - (this.mid - this.width)) / (2 * this.width);
  }

  get ready(): boolean {
    return this.window.count === this.period;
  }

  update(x: number): number {
    const w = this.window;
    w.push(x);
    this.lastInput = x;
    if (w.count === this.period) {
      this.mid = w.mean;
      this.width = this.stdDev * Math.sqrt(w.sumSquaredDeviations() / this.period);
    }
    return this.mid;
  }

  onBar(open: number, high: number, low: number, close: number, _volume: number): void {
    this.update(priceOf(this.source, open, high, low, close));
  }

  reset(): void {
    this.window.reset();
    this.mid = NaN;
    this.width = NaN;
    this.lastInput = NaN;
  }
}
