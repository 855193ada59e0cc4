/**
 * The average true range behind `stopLoss: { kind: 'volatility' }`. Kept inside the backtester
 * (rather than declared through the strategy's indicator factory) so the stop works whatever the
 * strategy declares, and is fed every bar whether or not the strategy reads it.
 *
 * Wilder's ATR: the first value is the plain mean of the first `period` true ranges, then
 * atr = (atr·(period−1) + tr) / period. Before `period` bars the stop still needs a distance, so it
 * uses the mean true range of the bars seen so far (the first bar's true range is high − low).
 */
export class StopAtr {
  value = NaN;
  private count = 0;
  private sum = 0;
  private prevClose = NaN;

  constructor(private readonly period: number) {}

  update(high: number, low: number, close: number): void {
    const pc = this.prevClose;
    let tr = high - low;
    if (pc === pc) {
      const up = Math.abs(high - pc);
      const down = Math.abs(low - pc);
      if (up > tr) tr = up;
      if (down > tr) tr = down;
    }
    this.prevClose = close;
    this.count++;
    if (this.count <= this.period) {
      this.sum += tr;
      this.value = this.sum / this.count;
    } else {
      this.value = (this.value * (this.period - 1) + tr) / this.period;
    }
  }
}
