/** Two runs of a strategy side by side: params, metrics and equity (growth of 1). */
import type { RunDetailResult } from '@volt/lsp-server/protocol';
import { drawComparisonChart, type DrawnChart } from './chart.js';
import { num, pct, share, table } from './format.js';

export function renderComparison(el: HTMLElement, a: RunDetailResult, b: RunDetailResult): DrawnChart {
  el.empty();
  el.addClass('volt-compare');
  el.createEl('h2', { text: `${b.run.strategy}: run ${a.run.runId} and run ${b.run.runId}` });
  const names = [...new Set([...Object.keys(a.run.params), ...Object.keys(b.run.params)])].sort();
  const changed = (x: unknown, y: unknown) => (x === y ? '' : ' ←');
  el.createEl('h3', { text: 'Params' });
  table(el, ['Param', `Run ${a.run.runId}`, `Run ${b.run.runId}`], names.map((n) => [n, String(a.run.params[n] ?? '—'), `${b.run.params[n] ?? '—'}${changed(a.run.params[n], b.run.params[n])}`]));
  el.createEl('h3', { text: 'Metrics' });
  const ma = a.run.metrics ?? {};
  const mb = b.run.metrics ?? {};
  const rows: [string, (m: Record<string, number>) => string][] = [
    ['Total return', (m) => pct(m.totalReturn)],
    ['Sharpe', (m) => num(m.sharpe)],
    ['Max drawdown', (m) => pct(m.maxDrawdown === undefined ? undefined : -Math.abs(m.maxDrawdown))],
    ['Trades', (m) => String(m.trades ?? '—')],
    ['Win rate', (m) => share(m.winRate)],
    ['Profit factor', (m) => num(m.profitFactor)],
  ];
  table(el, ['Metric', `Run ${a.run.runId}`, `Run ${b.run.runId}`], rows.map(([k, f]) => [k, f(ma), f(mb)]), 'volt-table volt-metrics');
  el.createEl('h3', { text: 'Equity (growth of 1)' });
  return drawComparisonChart(el.createDiv({ cls: 'volt-chart' }), [
    { label: `run ${a.run.runId}`, equity: a.equity },
    { label: `run ${b.run.runId}`, equity: b.equity },
  ]);
}
