/**
 * How much of the best trial's result is the search's luck: the deflated Sharpe ratio (Bailey &
 * López de Prado, 2014) and the probability of backtest overfitting by combinatorially symmetric
 * cross-validation (Bailey, Borwein, López de Prado & Zhu, 2015).
 */
import { moments, normalCdf, normalQuantile } from './stats.js';

const EULER_MASCHERONI = 0.5772156649015329;

export interface DeflatedSharpe {
  /** The best trial's Sharpe per period (not annualised). */
  sharpe: number;
  /** The Sharpe the best of `trials` unskilled trials would reach by chance, per period. */
  expectedMaxSharpe: number;
  trials: number;
  /** Observations (returns) behind the Sharpe. */
  observations: number;
  skewness: number;
  kurtosis: number;
  /** P(true Sharpe > 0) after accounting for the number of trials, skew and fat tails: 0…1. */
  probability: number;
}

/**
 * The expected maximum of `trials` Sharpe ratios drawn with variance `variance` around zero:
 * √V · ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e))).
 */
export function expectedMaxSharpe(trials: number, variance: number): number {
  if (trials <= 1) return 0;
  return Math.sqrt(Math.max(0, variance)) * ((1 - EULER_MASCHERONI) * normalQuantile(1 - 1 / trials) + EULER_MASCHERONI * normalQuantile(1 - 1 / (trials * Math.E)));
}

/**
 * Probabilistic Sharpe ratio against a benchmark Sharpe:
 * Φ((SR − SR*) √(T − 1) / √(1 − γ₃ SR + (γ₄ − 1)/4 SR²)), with γ₄ the plain kurtosis.
 */
export function probabilisticSharpe(sharpe: number, benchmark: number, observations: number, skewness: number, kurtosis: number): number {
  const spread = 1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe;
  if (observations < 2 || !(spread > 0)) return NaN;
  return normalCdf(((sharpe - benchmark) * Math.sqrt(observations - 1)) / Math.sqrt(spread));
}

/**
 * The deflated Sharpe ratio of the best trial: its probabilistic Sharpe against the expected
 * maximum of as many trials, the trials' Sharpes giving the variance. All Sharpes per period.
 */
export function deflatedSharpe(bestReturns: ArrayLike<number>, trialSharpes: readonly number[]): DeflatedSharpe {
  const m = moments(bestReturns);
  const sharpe = m.std > 0 ? m.mean / m.std : 0;
  const spread = moments(trialSharpes);
  const benchmark = expectedMaxSharpe(trialSharpes.length, spread.std * spread.std);
  return {
    sharpe,
    expectedMaxSharpe: benchmark,
    trials: trialSharpes.length,
    observations: m.count,
    skewness: m.skewness,
    kurtosis: m.kurtosis,
    probability: probabilisticSharpe(sharpe, benchmark, m.count, m.skewness, m.kurtosis),
  };
}

export interface OverfittingProbability {
  /** Share of in-sample/out-of-sample splits where the in-sample best lands at or below the out-of-sample median. */
  probability: number;
  splits: number;
  blocks: number;
  trials: number;
  /** Mean over splits of the in-sample best's out-of-sample relative rank (0…1; 0.5 is a coin). */
  meanRank: number;
}

/**
 * CSCV: the returns of every trial over the same periods (`returns[trial][t]`) are cut into
 * `blocks` (even) equal row blocks; for every way to pick half of them as in-sample, the trial
 * with the best in-sample Sharpe is ranked out of sample, ω = rank / (N + 1), λ = ln(ω / (1 − ω)).
 * PBO is the share of splits with λ ≤ 0.
 */
export function overfittingProbability(returns: ArrayLike<number>[], blocks = 16): OverfittingProbability {
  const rows = returns.length > 0 ? Math.min(...returns.map((r) => r.length)) : 0;
  const cscv = new BlockReturns(rows, blocks);
  for (const r of returns) cscv.add(r);
  return cscv.overfitting();
}

/**
 * The trials' returns as CSCV needs them, kept as they come: per trial and block only a sum and a
 * sum of squares (256 bytes a trial), so a sweep need not hold every equity curve until the end.
 */
export class BlockReturns {
  readonly blocks: number;
  private readonly size: number;
  private sum: Float64Array;
  private sq: Float64Array;
  private count = 0;

  /** `rows` returns per trial; trials with fewer are left out. */
  constructor(private readonly rows: number, blocks = 16) {
    const layout = blockLayout(rows, blocks);
    this.blocks = layout.blocks;
    this.size = layout.size;
    this.sum = new Float64Array(64 * Math.max(1, this.blocks));
    this.sq = new Float64Array(64 * Math.max(1, this.blocks));
  }

  get trials(): number {
    return this.count;
  }

  add(r: ArrayLike<number>): boolean {
    if (this.blocks < 2 || r.length < this.rows) return false;
    const { sum, sq } = blockSums(r, this.blocks, this.size);
    return this.addSums(sum, sq);
  }

  /** A trial already cut into blocks (`blockSums` with this layout). */
  addSums(sum: Float64Array, sq: Float64Array): boolean {
    const s = this.blocks;
    if (s < 2 || sum.length !== s) return false;
    if ((this.count + 1) * s > this.sum.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.sum = grow(this.sum);
      this.sq = grow(this.sq);
    }
    const n = this.count++;
    this.sum.set(sum, n * s);
    this.sq.set(sq, n * s);
    return true;
  }

  overfitting(): OverfittingProbability {
    const trials = this.count;
    const s = this.blocks;
    if (trials < 2 || s < 2) return { probability: NaN, splits: 0, blocks: s, trials, meanRank: NaN };
    const { sum, sq } = this;
    const count = (s / 2) * this.size;
    const sharpeOf = (a: number, q: number) => {
      const mean = a / count;
      const v = (q - count * mean * mean) / (count - 1);
      return v > 0 ? mean / Math.sqrt(v) : 0;
    };
    let splits = 0;
    let overfit = 0;
    let rankTotal = 0;
    const outOfSample = new Float64Array(trials);
    for (const inSample of combinations(s, s / 2)) {
      let best = 0;
      let bestIs = -Infinity;
      for (let n = 0; n < trials; n++) {
        let ai = 0;
        let qi = 0;
        let ao = 0;
        let qo = 0;
        for (let b = 0; b < s; b++) {
          if (inSample & (1 << b)) {
            ai += sum[n * s + b]!;
            qi += sq[n * s + b]!;
          } else {
            ao += sum[n * s + b]!;
            qo += sq[n * s + b]!;
          }
        }
        const is = sharpeOf(ai, qi);
        if (is > bestIs) {
          bestIs = is;
          best = n;
        }
        outOfSample[n] = sharpeOf(ao, qo);
      }
      // Rank 1 = worst out of sample; ties share the lower rank, so a tie with the field is no success.
      let rank = 1;
      for (let n = 0; n < trials; n++) if (n !== best && outOfSample[n]! < outOfSample[best]!) rank++;
      const omega = rank / (trials + 1);
      if (Math.log(omega / (1 - omega)) <= 0) overfit++;
      rankTotal += omega;
      splits++;
    }
    return { probability: overfit / splits, splits, blocks: s, trials, meanRank: rankTotal / splits };
  }
}

/** The block layout CSCV uses for `rows` returns: `blocks` (even) blocks of `size` returns. */
export function blockLayout(rows: number, blocks = 16): { blocks: number; size: number } {
  const s = Math.max(0, Math.min(blocks - (blocks % 2), rows - (rows % 2)));
  return { blocks: s, size: s > 0 ? Math.floor(rows / s) : 0 };
}

/** Per block: the sum and the sum of squares of its returns. */
export function blockSums(r: ArrayLike<number>, blocks: number, size: number): { sum: Float64Array; sq: Float64Array } {
  const sum = new Float64Array(blocks);
  const sq = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let a = 0;
    let q = 0;
    for (let t = b * size; t < (b + 1) * size; t++) {
      a += r[t]!;
      q += r[t]! * r[t]!;
    }
    sum[b] = a;
    sq[b] = q;
  }
  return { sum, sq };
}

/** Every subset of `k` of `n` items (n ≤ 30), as bit masks, in increasing order. */
function* combinations(n: number, k: number): Generator<number> {
  for (let mask = (1 << k) - 1; mask < 1 << n; ) {
    yield mask;
    // Gosper's hack: the next larger mask with the same number of bits.
    const c = mask & -mask;
    const r = mask + c;
    mask = (((r ^ mask) >>> 2) / c) | r;
  }
}
