import { levels, valueCount, type ParamDimension, type ParamSet, type ParamSpace } from './space.js';

/** The objective over two params: the best score of the trials that fell in each cell. */
export interface Heatmap {
  x: string;
  /** Absent when the strategy searches one param: a single row. */
  y?: string;
  /** Each column's value (a bin's centre when the param has more values than columns). */
  xValues: number[];
  yValues: number[];
  /** scores[row][column]: the best score there; null when no trial there passed (or none ran). */
  scores: (number | null)[][];
  /** Trials in each cell, failing ones included. */
  counts: number[][];
}

/** At most this many columns or rows: a heatmap cell per allowed value up to here, bins beyond. */
export const HEATMAP_CELLS = 15;

/** Which two params a heatmap shows when none are asked for: the ones with the most values. */
export function heatmapAxes(space: ParamSpace): [string, string | undefined] | undefined {
  const dims = [...space.dimensions].sort((a, b) => valueCount(b) - valueCount(a));
  if (dims.length === 0) return undefined;
  return [dims[0]!.name, dims[1]?.name];
}

function axis(d: ParamDimension): { values: number[]; cell(v: number): number } {
  const n = valueCount(d);
  if (n <= HEATMAP_CELLS) {
    const values = levels(d, n);
    return { values, cell: (v) => Math.max(0, Math.min(n - 1, Math.round((v - d.min) / d.step!))) };
  }
  const width = (d.max - d.min) / HEATMAP_CELLS;
  const values = Array.from({ length: HEATMAP_CELLS }, (_, i) => Number((d.min + (i + 0.5) * width).toPrecision(4)));
  return { values, cell: (v) => Math.max(0, Math.min(HEATMAP_CELLS - 1, Math.floor((v - d.min) / width))) };
}

/**
 * The trials' scores over params `x` and `y`. Other params vary between the trials of a cell; a
 * cell shows the best of them, which is the question a trader asks of it ("can these two values
 * work at all?"). Unbounded scores (+∞) stay +∞.
 */
export function heatmapOf(trials: Iterable<{ params: ParamSet; score: number | null }>, space: ParamSpace, x: string, y?: string): Heatmap {
  const dim = (name: string): ParamDimension => {
    const d = space.dimensions.find((p) => p.name === name);
    if (!d) throw new Error(`'${name}' is not a searched param (searched: ${space.dimensions.map((p) => p.name).join(', ')})`);
    return d;
  };
  const ax = axis(dim(x));
  const ay = y !== undefined ? axis(dim(y)) : { values: [], cell: () => 0 };
  const rows = Math.max(1, ay.values.length);
  const scores = Array.from({ length: rows }, () => new Array<number | null>(ax.values.length).fill(null));
  const counts = Array.from({ length: rows }, () => new Array<number>(ax.values.length).fill(0));
  for (const t of trials) {
    const vx = t.params[x];
    const vy = y !== undefined ? t.params[y] : 0;
    if (vx === undefined || vy === undefined) continue;
    const i = ay.cell(vy);
    const j = ax.cell(vx);
    counts[i]![j]!++;
    if (t.score !== null && (scores[i]![j] === null || t.score > scores[i]![j]!)) scores[i]![j] = t.score;
  }
  return { x, ...(y !== undefined ? { y } : {}), xValues: ax.values, yValues: ay.values, scores, counts };
}
