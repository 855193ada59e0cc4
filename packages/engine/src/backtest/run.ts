import type { CandleSeries } from '../data/index.js';
import type { BarIndicator } from '../indicators/index.js';
import type { LoadedStrategy, ParamsDef, StrategyDefinition } from '../strategy/index.js';
import type { BacktestObserver, BacktestOptions, BacktestReport, EntryVerdict } from './types.js';
import { BarStepper } from './stepper.js';

export { BACKTEST_DEFAULTS, MAX_REPORT_SIGNALS, downsampleEquity } from './stepper.js';

type AnyDefinition = StrategyDefinition<ParamsDef, Record<string, BarIndicator>>;

/**
 * Backtest one strategy over one series with the semantics of backtest/README.md: signals at a
 * bar's close fill at the next bar's open, stops and targets are checked inside every bar, fees and
 * slippage are charged on every fill. Synchronous and deterministic: the same inputs give the same
 * report, byte for byte, once serialised.
 */
export function runBacktest(
  strategy: LoadedStrategy | StrategyDefinition<any, any>,
  series: CandleSeries,
  options: BacktestOptions = {},
  observer: BacktestObserver = {},
): BacktestReport {
  const loaded: LoadedStrategy = isLoadedStrategy(strategy) ? strategy : { definition: strategy as AnyDefinition };
  const run = new BarStepper(loaded, series, options, observer);
  run.execute();
  return run.report();
}

/**
 * A backtest of a market session's recorded bars, for the drift report: the first `warmupBars`
 * are the session's warm-up, whose orders are refused ('warm-up') as the session refused them.
 */
export function runSessionBacktest(
  strategy: LoadedStrategy | StrategyDefinition<any, any>,
  series: CandleSeries,
  warmupBars: number,
  options: BacktestOptions = {},
  observer: BacktestObserver = {},
): BacktestReport {
  // Through the review hook, so the bar loop has no check of its own: an entry asked for in the
  // warm-up is refused there; with no position, an exit then does nothing ('no position').
  const warmed: BacktestObserver = {
    decide: (entry) => (entry.bar < warmupBars ? WARM_UP : observer.decide ? observer.decide(entry) : APPROVED),
    onSignal: (s) => observer.onSignal?.(s),
    onTrade: (t) => observer.onTrade?.(t),
    onProgress: (done, total) => observer.onProgress?.(done, total),
  };
  return runBacktest(strategy, series, options, warmed);
}

const WARM_UP: EntryVerdict = { approved: false, note: 'warm-up' };
const APPROVED: EntryVerdict = { approved: true };

function isLoadedStrategy(s: LoadedStrategy | StrategyDefinition<any, any>): s is LoadedStrategy {
  return typeof (s as LoadedStrategy).definition === 'object' && (s as LoadedStrategy).definition !== null;
}

