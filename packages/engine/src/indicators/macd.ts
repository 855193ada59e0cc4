import { VoltError } from '../errors.js';
import { Ema } from './moving-averages.js';
import type { MacdIndicator, PriceSource } from './types.js';
import { priceOf, requirePeriod, requireSource, type Source } from './validate.js';

const EXAMPLE = 'ind.macd(12, 26, 9)';

/**
 * MACD: fast EMA − slow EMA (both seeded with an SMA), a signal line that is an EMA of the MACD
 * line (seeded with the SMA of its first `signal` values), and the histogram MACD − signal.
 * All three stay NaN until the signal line exists, so a strategy never reads half a MACD.
 */
export class Macd implements MacdIndicator {
  readonly warmup: number;
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  private readonly source: Source;
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly signalLine: Ema;
  private line = NaN;
  private sig = NaN;

  constructor(fast = 12, slow = 26, signal = 9, source?: PriceSource) {
    this.fastPeriod = requirePeriod('macd', 'fast period', fast, 1, EXAMPLE);
    this.slowPeriod = requirePeriod('macd', 'slow period', slow, 1, EXAMPLE);
    this.signalPeriod = requirePeriod('macd', 'signal period', signal, 1, EXAMPLE);
    if (fast >= slow) {
      throw new VoltError({
        kind: 'strategy',
        message: `macd: the fast period (${fast}) must be shorter than the slow period (${slow})`,
        hint: `Swap them or pick a shorter fast period, e.g. ${EXAMPLE}.`,
      });
    }
    this.source = requireSource('macd', source);
    this.fast = new Ema(fast, 'close', 'macd');
    this.slow = new Ema(slow, 'close', 'macd');
    this.signalLine = new Ema(signal, 'close', 'macd');
    this.warmup = slow + signal - 1;
  }

  get value(): number {
    return this.line;
  }

  get macd(): number {
    return this.line;
  }

  get signal(): number {
    return this.sig;
  }

  get histogram(): number {
    return this.line - this.sig;
  }

  get ready(): boolean {
    return this.signalLine.ready;
  }

  update(x: number): number {
    const fast = this.fast.update(x);
    const slow = this.slow.update(x);
    if (!this.slow.ready) return NaN;
    const line = fast - slow;
    const sig = this.signalLine.update(line);
    if (this.signalLine.ready) {
      this.line = line;
      this.sig = sig;
    }
    return this.line;
  }

  onBar(open: number, high: number, low: number, close: number, _volume: number): void {
    this.update(priceOf(this.source, open, high, low, close));
  }

  reset(): void {
    this.fast.reset();
    this.slow.reset();
    this.signalLine.reset();
    this.line = NaN;
    this.sig = NaN;
  }
}
