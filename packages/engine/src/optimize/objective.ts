/** What a sweep maximises, read from a trial's metrics. */
import type { Metrics } from '../metrics/index.js';

export type Objective = 'sharpe' | 'sortino' | 'calmar' | 'return/drawdown';
export const OBJECTIVES: readonly Objective[] = ['sharpe', 'sortino', 'calmar', 'return/drawdown'];

/** A run without drawdown would divide by zero: its drawdown counts as this (0.1%). */
const DRAWDOWN_FLOOR = 0.001;

/**
 * The trial's score, higher is better; null when it fails the sweep's bar (fewer than `minTrades`
 * trades: a Sharpe from a handful of trades is luck). An unbounded ratio (no losing bar, no
 * drawdown) is +Infinity: it ranks first, and prints as "unbounded".
 */
export function scoreOf(metrics: Metrics, objective: Objective, minTrades: number): number | null {
  if (metrics.trades < minTrades) return null;
  switch (objective) {
    case 'sharpe':
      return metrics.sharpe;
    case 'sortino':
      return metrics.sortino ?? Infinity;
    case 'calmar':
      return metrics.calmar ?? Infinity;
    case 'return/drawdown':
      return metrics.totalReturn / Math.max(DRAWDOWN_FLOOR, metrics.maxDrawdown);
  }
}
