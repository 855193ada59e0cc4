/**
 * Mean and spread of the last `size` values, O(1) per value, no allocation after construction.
 *
 * Why not running Σx and Σx²: Var = Σx²/n − mean² cancels catastrophically when the spread is
 * small next to the price (a 20-bar window of an altcoin quoted in BTC moves in the 6th digit), and
 * errors pile up over a long run. Instead the window keeps Welford's mean and M2 (sum of squared
 * deviations), updated in place as a value slides out, with three guards:
 * - the values are taken relative to a shift (a recent mean), so rounding scales with the spread
 *   of the window, not with the price level;
 * - every RESYNC_WRAPS turns of the ring, mean and M2 are recomputed exactly in two passes (and the
 *   shift moved to the mean), so nothing drifts over a million bars;
 * - the in-place update's rounding is proportional to the largest M2 since the last exact pass, so
 *   when a volatile window gives way to a nearly flat one and M2 falls below NARROWING × that
 *   peak, it is recomputed exactly (a rare O(period) step).
 * A window whose values are all identical (a flat market) reports a spread of exactly 0.
 */
const RESYNC_WRAPS = 8;
const NARROWING = 1e-3;

export class RollingWindow {
  readonly size: number;
  private readonly ring: Float64Array;
  private next = 0;
  private wraps = 0;
  /** Values seen, capped at `size`. */
  count = 0;
  /** The values are tracked as x − shift. */
  private shift = 0;
  /** Mean of x − shift over the window. */
  private shiftedMean = 0;
  /** Σ(x − mean)² over the window. */
  private m2 = 0;
  /** Largest M2 since the last exact pass: the scale of the in-place update's rounding. */
  private m2Peak = 0;
  private last = NaN;
  /** How many of the latest values equal the latest one. */
  private flatRun = 0;

  constructor(size: number) {
    this.size = size;
    this.ring = new Float64Array(size);
  }

  /** Mean of the values in the window. */
  get mean(): number {
    return this.shift + this.shiftedMean;
  }

  push(x: number): void {
    const n = this.size;
    if (x === this.last) this.flatRun++;
    else {
      this.flatRun = 1;
      this.last = x;
    }
    if (this.count === 0) this.shift = x;
    const y = x - this.shift;
    if (this.count < n) {
      const d = y - this.shiftedMean;
      this.count++;
      this.shiftedMean += d / this.count;
      this.m2 += d * (y - this.shiftedMean);
    } else {
      const yOld = this.ring[this.next]! - this.shift;
      const d = y - yOld;
      const oldMean = this.shiftedMean;
      this.shiftedMean = oldMean + d / n;
      this.m2 += d * (y - this.shiftedMean + yOld - oldMean);
    }
    this.ring[this.next] = x;
    if (++this.next === n) {
      this.next = 0;
      if (++this.wraps === RESYNC_WRAPS) {
        this.wraps = 0;
        this.resync();
      }
    }
    if (this.m2 > this.m2Peak) this.m2Peak = this.m2;
    else if (this.m2 < this.m2Peak * NARROWING) this.resync();
    if (this.flatRun >= this.count) {
      this.shift = x;
      this.shiftedMean = 0;
      this.m2 = 0;
    }
  }

  /** Σ(x − mean)² over the window, never negative. */
  sumSquaredDeviations(): number {
    return this.m2 > 0 ? this.m2 : 0;
  }

  reset(): void {
    this.ring.fill(0);
    this.next = 0;
    this.wraps = 0;
    this.count = 0;
    this.shift = 0;
    this.shiftedMean = 0;
    this.m2 = 0;
    this.m2Peak = 0;
    this.last = NaN;
    this.flatRun = 0;
  }

  /** Exact mean and M2 over the values in the window; moves the shift to the mean. */
  private resync(): void {
    const ring = this.ring;
    const n = this.count;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += ring[i]!;
    const shift = sum / n;
    // Second pass: the mean's rounding, then the deviations from the corrected mean.
    let residual = 0;
    for (let i = 0; i < n; i++) residual += ring[i]! - shift;
    const shiftedMean = residual / n;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const d = ring[i]! - shift - shiftedMean;
      m2 += d * d;
    }
    this.shift = shift;
    this.shiftedMean = shiftedMean;
    this.m2 = m2;
    this.m2Peak = m2;
  }
}
