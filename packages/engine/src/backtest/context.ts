import type { Candle, CandleSeries } from '../data/index.js';
import type { HistoryView, PositionView } from '../strategy/index.js';

const MISSING = new Float64Array([NaN]);

/**
 * The window `ctx.history(n)` returns. One object per run, re-aimed at every call at the bar the
 * run is at (`at`, the run's own count, not `ctx.index`, which the strategy can overwrite): it reads
 * the series' own typed arrays and refuses every index past that bar, so the future cannot leak
 * through it even when a strategy keeps the object between bars. The arrays are in `#` fields, not
 * TypeScript's `private` ones: a strategy can read any property it can name, and the whole series
 * behind the window is the future.
 */
export class HistoryWindow implements HistoryView {
  length = 0;
  /** Index of the bar `ago = 0` reads. */
  #end = -1;
  readonly #at: () => number;
  #t!: Float64Array;
  #o!: Float64Array;
  #h!: Float64Array;
  #l!: Float64Array;
  #c!: Float64Array;
  #v!: Float64Array;

  constructor(series: CandleSeries, at: () => number) {
    this.#at = at;
    this.rebind(series);
  }

  /** The series read (again when a market session's series moved to larger arrays). */
  rebind(series: CandleSeries): void {
    this.#t = series.time;
    this.#o = series.open;
    this.#h = series.high;
    this.#l = series.low;
    this.#c = series.close;
    this.#v = series.volume;
  }

  /** Aim the window at the last `n` bars up to and including the run's current one. */
  aim(n: number): this {
    const current = this.#at();
    const wanted = n >= 0 ? Math.floor(n) : 0;
    this.#end = current;
    this.length = wanted < current + 1 ? wanted : current + 1;
    return this;
  }

  #read(a: Float64Array, ago: number): number {
    // `ago` outside [0, length) or fractional reads nothing: NaN, never another bar.
    let k = -1;
    if (ago >= 0 && ago < this.length) {
      k = this.#end - ago;
      if ((k | 0) !== k) k = -1;
    }
    // NaN read from a typed array, not the literal: V8 then keeps both outcomes unboxed doubles,
    // where `? a[k] : NaN` made it box the price on the heap at every call.
    return k >= 0 ? a[k]! : MISSING[0]!;
  }

  time(ago: number): number {
    return this.#read(this.#t, ago);
  }
  open(ago: number): number {
    return this.#read(this.#o, ago);
  }
  high(ago: number): number {
    return this.#read(this.#h, ago);
  }
  low(ago: number): number {
    return this.#read(this.#l, ago);
  }
  close(ago: number): number {
    return this.#read(this.#c, ago);
  }
  volume(ago: number): number {
    return this.#read(this.#v, ago);
  }
}

/** `ctx.position`: one object per run, updated in place at each close. */
export class PositionState implements PositionView {
  side: 1 | -1 | 0 = 0;
  qty = 0;
  entryPrice = NaN;
  entryTime = NaN;
  barsHeld = 0;
  unrealizedPnl = 0;
}

/** `ctx.bar`: one object per run, its fields overwritten at each close. */
export class BarView implements Candle {
  time = 0;
  open = 0;
  high = 0;
  low = 0;
  close = 0;
  volume = 0;
}
