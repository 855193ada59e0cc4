/**
 * Bounded parameter suggestions, never silent changes: a neighbour of each declared param's
 * value, inside its declared range, is offered only when it did better out of sample. On each
 * walk-forward fold the training window picks the best of {value − step, value, value + step};
 * the pick is then run on the fold's test window against the current value. A change is offered
 * when the training windows picked it in most folds and it beat the current value on the test
 * windows (mean Sharpe) with trades to show for it; a change that only the training windows liked
 * is refused, with both figures. Nothing here edits a strategy.
 */
import type { BacktestOptions } from '../backtest/index.js';
import { sliceSeries, type CandleSeries } from '../data/index.js';
import { VoltError } from '../errors.js';
import type { StrategyRunner } from '../runner/index.js';
import type { ParamsDef, TranspiledStrategy } from '../strategy/index.js';
import { walkForwardWindows } from './windows.js';

export interface ParamSuggestion {
  param: string;
  from: number;
  to: number;
  status: 'offered' | 'refused';
  /** Folds whose training window picked `to`. */
  picked: number;
  folds: number;
  /** Mean Sharpe of the training windows (in sample) and the test windows (out of sample), current value then `to`. */
  inSample: { before: number; after: number };
  outOfSample: { before: number; after: number; trades: number };
  /** The hint a face shows: "34 did better out of sample: Sharpe 0.60 → 0.90 over 3 folds, 41 trades". */
  message: string;
}

export interface SuggestOptions {
  runner: StrategyRunner;
  bundle: TranspiledStrategy;
  series: CandleSeries;
  params: ParamsDef;
  options?: BacktestOptions;
  folds?: number;
  /** Fewest out-of-sample trades for an offer (default 10). */
  minTrades?: number;
}

export async function suggestParams(o: SuggestOptions): Promise<ParamSuggestion[]> {
  const folds = o.folds ?? 3;
  const minTrades = o.minTrades ?? 10;
  const windows = walkForwardWindows(o.series.time, folds, 'anchored');
  const base: Record<string, number> = {};
  for (const [name, spec] of Object.entries(o.params)) base[name] = typeof spec === 'number' ? spec : spec.value;
  const cache = new Map<string, { sharpe: number; trades: number }>();
  const score = async (series: CandleSeries, key: string, params: Record<string, number>) => {
    const k = `${key}|${JSON.stringify(params)}`;
    const hit = cache.get(k);
    if (hit) return hit;
    const outcome = await o.runner.run({ bundle: o.bundle, series, options: { ...o.options, params } });
    if (outcome.status !== 'done') throw new VoltError({ kind: 'strategy', file: o.bundle.path, message: `a suggestion's check failed: ${outcome.status === 'failed' ? outcome.failure.message : 'cancelled'}` });
    const m = outcome.report.metrics;
    const r = { sharpe: Number.isFinite(m.sharpe) ? m.sharpe : 0, trades: m.trades };
    cache.set(k, r);
    return r;
  };
  const out: ParamSuggestion[] = [];
  for (const [name, spec] of Object.entries(o.params)) {
    if (typeof spec === 'number' || spec.min === undefined || spec.max === undefined) continue;
    const step = spec.step ?? (spec.max - spec.min) / 10;
    const value = spec.value;
    const neighbours = [value - step, value + step].map((v) => Math.round(v * 1e9) / 1e9).filter((v) => v >= spec.min! && v <= spec.max!);
    if (neighbours.length === 0) continue;
    const picks = new Map<number, number>();
    const trainBefore: number[] = [];
    const trainAfter = new Map<number, number[]>();
    const testBefore: number[] = [];
    const testAfter = new Map<number, { sharpe: number[]; trades: number }>();
    for (const w of windows) {
      const train = sliceSeries(o.series, w.train.from, w.train.to);
      const test = sliceSeries(o.series, w.test.from, w.test.to);
      const current = await score(train, `train${w.fold}`, base);
      trainBefore.push(current.sharpe);
      let best = value;
      let bestSharpe = current.sharpe;
      for (const v of neighbours) {
        const s = await score(train, `train${w.fold}`, { ...base, [name]: v });
        trainAfter.set(v, [...(trainAfter.get(v) ?? []), s.sharpe]);
        if (s.sharpe > bestSharpe) {
          best = v;
          bestSharpe = s.sharpe;
        }
      }
      if (best !== value) picks.set(best, (picks.get(best) ?? 0) + 1);
      testBefore.push((await score(test, `test${w.fold}`, base)).sharpe);
      for (const v of neighbours) {
        const s = await score(test, `test${w.fold}`, { ...base, [name]: v });
        const t = testAfter.get(v) ?? { sharpe: [], trades: 0 };
        t.sharpe.push(s.sharpe);
        t.trades += s.trades;
        testAfter.set(v, t);
      }
    }
    // The neighbour the training windows chose most often; none when they kept the value.
    const [to, picked] = [...picks.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] ?? [undefined, 0];
    if (to === undefined) continue;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const inSample = { before: mean(trainBefore), after: mean(trainAfter.get(to) ?? []) };
    const t = testAfter.get(to)!;
    const outOfSample = { before: mean(testBefore), after: mean(t.sharpe), trades: t.trades };
    const majority = picked * 2 > windows.length;
    const better = outOfSample.after > outOfSample.before;
    const enough = t.trades >= minTrades;
    const status = majority && better && enough ? 'offered' : 'refused';
    const f = (x: number) => x.toFixed(2);
    const message =
      status === 'offered'
        ? `${to} did better out of sample: Sharpe ${f(outOfSample.before)} → ${f(outOfSample.after)} over ${windows.length} folds, ${t.trades} trades`
        : !majority
          ? `${name} ${value} → ${to} not offered: only ${picked} of ${windows.length} training windows picked it`
          : !better
            ? `${name} ${value} → ${to} not offered: it fits only in sample (Sharpe ${f(inSample.before)} → ${f(inSample.after)} on the training windows, ${f(outOfSample.before)} → ${f(outOfSample.after)} on the test windows)`
            : `${name} ${value} → ${to} not offered: ${t.trades} out-of-sample trades, fewer than ${minTrades}`;
    out.push({ param: name, from: value, to, status, picked, folds: windows.length, inSample, outOfSample, message });
  }
  return out;
}
