/**
 * The standard normal distribution, to double precision. Prices, deltas and probabilities of
 * profit all stand on N(x), so it must be exact far into the tails (a deep out-of-the-money
 * option's value is a difference of two small N's): Hart's algorithm 5666 (Hart et al., Computer
 * Approximations, 1968), in the form G. West gives ("Better approximations to cumulative normal
 * functions", Wilmott, 2005): absolute error below 1e-14 over the whole line, one exp and one
 * rational function per call. A 5-coefficient polynomial (Abramowitz–Stegun 26.2.17, error 7.5e-8)
 * would be faster and is not good enough for an implied-volatility round trip.
 */

const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_2PI = 2.5066282746310002;

/** The standard normal density φ(x). */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** The standard normal cumulative distribution N(x) = P(Z ≤ x). */
export function normCdf(x: number): number {
  const z = x < 0 ? -x : x;
  if (!(z <= 37)) return Number.isNaN(x) ? Number.NaN : x < 0 ? 0 : 1;
  const e = Math.exp(-0.5 * z * z);
  let tail: number;
  if (z < 7.07106781186547) {
    const num =
      ((((((0.0352624965998911 * z + 0.700383064443688) * z + 6.37396220353165) * z + 33.912866078383) * z +
        112.079291497871) *
        z +
        221.213596169931) *
        z +
        220.206867912376);
    const den =
      (((((((0.0883883476483184 * z + 1.75566716318264) * z + 16.064177579207) * z + 86.7807322029461) * z +
        296.564248779674) *
        z +
        637.333633378831) *
        z +
        793.826512519948) *
        z +
        440.413735824752);
    tail = (e * num) / den;
  } else {
    // Far tail: a continued fraction of Mills' ratio.
    const cf = z + 1 / (z + 2 / (z + 3 / (z + 4 / (z + 0.65))));
    tail = e / cf / SQRT_2PI;
  }
  return x < 0 ? tail : 1 - tail;
}
