import type { AtrIndicator } from './types.js';
import { requirePeriod } from './validate.js';

/**
 * Average true range with Wilder's smoothing. True range is max(high − low, |high − prevClose|,
 * |low − prevClose|); the very first bar has no previous close, so its true range is high − low.
 * The first ATR is the mean of the first `period` true ranges; then atr = (atr·(period − 1) + tr) / period.
 */
export class Atr implements AtrIndicator {
  readonly period: number;
  readonly warmup: number;
  private prevClose = NaN;
  private count = 0;
  private avg = 0;
  private current = NaN;

  constructor(period = 14) {
    this.period = requirePeriod('atr', 'period', period);
    this.warmup = period;
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.count >= this.period;
  }

  update(high: number, low: number, close: number): number {
    let tr = high - low;
    const pc = this.prevClose;
    if (pc === pc) {
      const up = high > pc ? high - pc : pc - high;
      if (up > tr) tr = up;
      const down = low > pc ? low - pc : pc - low;
      if (down > tr) tr = down;
    }
    this.prevClose = close;
    const n = this.period;
    if (this.count >= n) {
      this.avg = (this.avg * (n - 1) + tr) / n;
    } else {
      this.avg += tr;
      if (++this.count < n) return NaN;
      this.avg /= n;
    }
    this.current = this.avg;
    return this.current;
  }

  onBar(_open: number, high: number, low: number, close: number, _volume: number): void {
    this.update(high, low, close);
  }

  reset(): void {
    this.prevClose = NaN;
    this.count = 0;
    this.avg = 0;
    this.current = NaN;
  }
}
