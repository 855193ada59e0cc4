import type { Candle, CandleSeries } from '../data/index.js';

/**
 * A market session's candles: a CandleSeries whose length grows as bars close. Its arrays keep
 * room for bars to come, so appending allocates nothing until the room is used up; then they
 * double, and `grew` tells whoever holds the old arrays (the stepper, the seat) to take the new ones.
 */
export class LiveSeries implements CandleSeries {
  length = 0;
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;

  constructor(
    readonly symbol: string,
    readonly timeframe: string,
    readonly source: string,
    capacity = 1024,
  ) {
    const n = Math.max(16, capacity);
    this.time = new Float64Array(n);
    this.open = new Float64Array(n);
    this.high = new Float64Array(n);
    this.low = new Float64Array(n);
    this.close = new Float64Array(n);
    this.volume = new Float64Array(n);
  }

  /** Appends one closed bar; returns true when the arrays were replaced to make room. */
  append(c: Candle): boolean {
    let grew = false;
    if (this.length === this.time.length) {
      this.grow();
      grew = true;
    }
    const i = this.length++;
    this.time[i] = c.time;
    this.open[i] = c.open;
    this.high[i] = c.high;
    this.low[i] = c.low;
    this.close[i] = c.close;
    this.volume[i] = c.volume;
    return grew;
  }

  get last(): Candle | undefined {
    const i = this.length - 1;
    if (i < 0) return undefined;
    return { time: this.time[i]!, open: this.open[i]!, high: this.high[i]!, low: this.low[i]!, close: this.close[i]!, volume: this.volume[i]! };
  }

  private grow(): void {
    const n = this.time.length * 2;
    const more = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.time = more(this.time);
    this.open = more(this.open);
    this.high = more(this.high);
    this.low = more(this.low);
    this.close = more(this.close);
    this.volume = more(this.volume);
  }
}
