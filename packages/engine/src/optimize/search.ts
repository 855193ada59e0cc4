/**
 * Search methods over a ParamSpace. A search hands out trials in batches; the params of a batch
 * depend only on the seed and on the scores of earlier batches, never on which worker finished
 * first, so the same seed gives the same trials with one worker or many, and after a resume.
 */
import { createRandom, type Random } from '../data/index.js';
import { fromUnit, levels, paramKey, snap, toUnit, valueCount, type ParamDimension, type ParamSet, type ParamSpace } from './space.js';
import { normalCdf } from './stats.js';

export type SearchMethod = 'grid' | 'random' | 'tpe';

export interface Search {
  /** The next batch of trials (empty when the budget is spent). */
  nextBatch(): ParamSet[];
  /** A finished trial's score; null for a failing one (it counts as the worst). */
  tell(params: ParamSet, score: number | null): void;
  /** Trials this search will hand out in all. */
  readonly total: number;
}

/** Trials the model-based search proposes at once once it has its first results. */
export const TPE_BATCH = 8;

export function createSearch(method: SearchMethod, space: ParamSpace, budget: number, seed: number): Search {
  switch (method) {
    case 'grid':
      return new GridSearch(space, budget);
    case 'random':
      return new RandomSearch(space, budget, createRandom(seed));
    case 'tpe':
      return new TpeSearch(space, budget, createRandom(seed));
  }
}

/** Every combination when it fits the budget; else each dimension thinned to evenly spread levels. */
export function gridPoints(space: ParamSpace, budget: number): ParamSet[] {
  const dims = space.dimensions;
  if (dims.length === 0) return [{}];
  // Dimensions with few values take all of them and leave the rest of the budget to the others.
  const order = dims.map((d, i) => ({ d, i })).sort((a, b) => valueCount(a.d) - valueCount(b.d));
  const chosen: number[][] = new Array(dims.length);
  let left = Math.max(1, budget);
  let remaining = dims.length;
  for (const { d, i } of order) {
    const k = Math.max(1, Math.floor(left ** (1 / remaining) + 1e-9));
    chosen[i] = levels(d, k);
    left = Math.max(1, Math.floor(left / chosen[i]!.length));
    remaining--;
  }
  const out: ParamSet[] = [];
  const walk = (depth: number, acc: ParamSet) => {
    if (depth === dims.length) {
      out.push({ ...acc });
      return;
    }
    for (const v of chosen[depth]!) {
      acc[dims[depth]!.name] = v;
      walk(depth + 1, acc);
    }
  };
  walk(0, {});
  return out.slice(0, Math.max(1, budget));
}

class GridSearch implements Search {
  private readonly points: ParamSet[];
  private handed = false;
  constructor(space: ParamSpace, budget: number) {
    this.points = gridPoints(space, budget);
  }
  get total(): number {
    return this.points.length;
  }
  nextBatch(): ParamSet[] {
    if (this.handed) return [];
    this.handed = true;
    return this.points;
  }
  tell(): void {}
}

function randomPoint(space: ParamSpace, random: Random): ParamSet {
  const out: ParamSet = {};
  for (const d of space.dimensions) {
    const count = valueCount(d);
    // A stepped param: every allowed value equally likely (the ends too).
    out[d.name] = count === Infinity ? snap(d, d.min + random() * (d.max - d.min)) : snap(d, d.min + Math.floor(random() * count) * d.step!);
  }
  return out;
}

class RandomSearch implements Search {
  private handed = false;
  constructor(private readonly space: ParamSpace, readonly total: number, private readonly random: Random) {}
  nextBatch(): ParamSet[] {
    if (this.handed) return [];
    this.handed = true;
    return Array.from({ length: this.total }, () => randomPoint(this.space, this.random));
  }
  tell(): void {}
}

interface Observation {
  unit: number[];
  score: number;
}

/**
 * Tree-structured Parzen estimator (Bergstra et al., 2011), multivariate: the trials so far are
 * split into the best few (`good`) and the rest; each group becomes a mixture of Gaussians in the
 * unit cube (one per trial, plus a flat prior), and the next trial is the candidate, drawn from
 * the good mixture, where good density over bad density is highest.
 */
class TpeSearch implements Search {
  private readonly observations: Observation[] = [];
  private readonly tried = new Set<string>();
  private handedOut = 0;
  /** Random trials before the model has enough to go on. */
  private readonly startup: number;
  private static readonly CANDIDATES = 32;

  constructor(private readonly space: ParamSpace, readonly total: number, private readonly random: Random) {
    this.startup = Math.min(total, Math.max(10, 2 * space.dimensions.length + 2));
  }

  nextBatch(): ParamSet[] {
    const size = Math.min(this.handedOut === 0 ? this.startup : TPE_BATCH, this.total - this.handedOut);
    if (size <= 0) return [];
    const batch: ParamSet[] = [];
    for (let i = 0; i < size; i++) {
      const p = this.handedOut === 0 || this.observations.length < 2 || this.space.dimensions.length === 0 ? randomPoint(this.space, this.random) : this.propose();
      this.tried.add(paramKey(p));
      batch.push(p);
    }
    this.handedOut += size;
    return batch;
  }

  tell(params: ParamSet, score: number | null): void {
    const unit = this.space.dimensions.map((d) => toUnit(d, params[d.name]!));
    this.observations.push({ unit, score: score === null || Number.isNaN(score) ? -Infinity : score });
    this.tried.add(paramKey(params));
  }

  private propose(): ParamSet {
    const dims = this.space.dimensions;
    const sorted = [...this.observations].sort((a, b) => b.score - a.score);
    const goodCount = Math.max(2, Math.min(25, Math.ceil(0.15 * sorted.length)));
    const good = sorted.slice(0, Math.min(goodCount, sorted.length - 1));
    const bad = sorted.slice(good.length);
    const goodModel = parzen(good, dims);
    const badModel = parzen(bad, dims);
    let best: ParamSet | undefined;
    let bestGain = -Infinity;
    let bestNew: ParamSet | undefined;
    let bestNewGain = -Infinity;
    for (let c = 0; c < TpeSearch.CANDIDATES; c++) {
      const point = goodModel.sample(this.random);
      const params: ParamSet = {};
      const unit = dims.map((d, i) => {
        params[d.name] = fromUnit(d, point[i]!);
        return toUnit(d, params[d.name]!);
      });
      const gain = goodModel.logDensity(unit) - badModel.logDensity(unit);
      if (gain > bestGain) {
        bestGain = gain;
        best = params;
      }
      // A value already tried teaches nothing new: prefer the best untried candidate.
      if (gain > bestNewGain && !this.tried.has(paramKey(params))) {
        bestNewGain = gain;
        bestNew = params;
      }
    }
    return bestNew ?? best!;
  }
}

interface Parzen {
  sample(random: Random): number[];
  logDensity(unit: number[]): number;
}

function parzen(points: Observation[], dims: ParamDimension[]): Parzen {
  const m = points.length;
  // Scott's rule per dimension, never narrower than half a step of a stepped param, nor than
  // 1/(m + 1) of the range: with few points a narrow kernel would only ever refine the first lucky one.
  const widths = dims.map((d, i) => {
    let mean = 0;
    for (const p of points) mean += p.unit[i]!;
    mean /= Math.max(1, m);
    let v = 0;
    for (const p of points) v += (p.unit[i]! - mean) ** 2;
    const sd = m > 1 ? Math.sqrt(v / (m - 1)) : 0.5;
    const count = valueCount(d);
    const floor = Math.max(1 / Math.min(100, m + 1), count === Infinity ? 0 : 0.5 / Math.max(1, count - 1));
    return Math.min(1, Math.max(floor, 1.06 * sd * Math.max(1, m) ** -0.2));
  });
  // Each truncated Gaussian's mass inside [0, 1], so densities near the edges are not understated.
  const mass = points.map((p) => dims.map((_, i) => normalCdf((1 - p.unit[i]!) / widths[i]!) - normalCdf(-p.unit[i]! / widths[i]!)));
  const weight = 1 / (m + 1);
  return {
    sample(random) {
      const k = Math.floor(random() * (m + 1));
      if (k === m) return dims.map(() => random());
      const centre = points[k]!.unit;
      return dims.map((_, i) => {
        for (let attempt = 0; attempt < 16; attempt++) {
          const x = centre[i]! + widths[i]! * gaussian(random);
          if (x >= 0 && x <= 1) return x;
        }
        return centre[i]!;
      });
    },
    logDensity(unit) {
      let total = weight; // the flat prior: density 1 over the unit cube
      for (let j = 0; j < m; j++) {
        let density = weight;
        for (let i = 0; i < dims.length; i++) {
          const w = widths[i]!;
          const z = (unit[i]! - points[j]!.unit[i]!) / w;
          density *= Math.exp(-0.5 * z * z) / (w * Math.sqrt(2 * Math.PI) * mass[j]![i]!);
        }
        total += density;
      }
      return Math.log(total);
    },
  };
}

function gaussian(random: Random): number {
  // Box–Muller; 1 − u keeps the logarithm finite.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
