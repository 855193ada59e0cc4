import { RollingWindow } from './rolling-window.js';
import type { ValueIndicator } from './types.js';
import { requirePeriod, requirePositive } from './validate.js';

/**
 * Realized volatility: the sample standard deviation (divide by period − 1) of the last `period`
 * log returns ln(close / previous close). Sample rather than population because this is an
 * estimate of the market's volatility from a short window, the convention of historical-volatility
 * screens; with `barsPerYear` it is annualised by √barsPerYear (e.g. 8760 for 1h bars), otherwise
 * it is per bar. Reads closes only.
 */
export class RealizedVol implements ValueIndicator {
  readonly period: number;
  /** `period` returns need period + 1 closes. */
  readonly warmup: number;
  readonly barsPerYear: number | undefined;
  private readonly scale: number;
  private readonly window: RollingWindow;
  private prev = NaN;
  private current = NaN;

  constructor(period = 20, barsPerYear?: number) {
    this.period = requirePeriod('realizedVol', 'period', period, 2, 'ind.realizedVol(20)');
    if (barsPerYear !== undefined) {
      requirePositive('realizedVol', 'barsPerYear', barsPerYear, 'ind.realizedVol(20, 8760) for hourly bars');
    }
    this.barsPerYear = barsPerYear;
    this.scale = barsPerYear === undefined ? 1 : Math.sqrt(barsPerYear);
    this.warmup = period + 1;
    this.window = new RollingWindow(period);
  }

  get value(): number {
    return this.current;
  }

  get ready(): boolean {
    return this.window.count === this.period;
  }

  update(close: number): number {
    const prev = this.prev;
    this.prev = close;
    if (prev !== prev) return this.current;
    const w = this.window;
    w.push(Math.log(close / prev));
    if (w.count === this.period) {
      this.current = this.scale * Math.sqrt(w.sumSquaredDeviations() / (this.period - 1));
    }
    return this.current;
  }

  onBar(_open: number, _high: number, _low: number, close: number, _volume: number): void {
    this.update(close);
  }

  reset(): void {
    this.window.reset();
    this.prev = NaN;
    this.current = NaN;
  }
}
