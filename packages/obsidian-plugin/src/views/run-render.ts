/** A run: headline metrics, equity over drawdown, the options book's greeks when it has them, the trade list (a click opens the trade). */
import type { RunDetailResult } from '@volt/lsp-server/protocol';
import { GREEKS_LEGEND } from '@volt/lsp-server/protocol';
import { drawEquityChart, drawGreeksChart, hedgeLine, type DrawnChart } from './chart.js';
import { num, pct, share, signed, table, when } from './format.js';

export function renderRun(el: HTMLElement, d: RunDetailResult, onOpenTrade: (tradeId: number) => void, chart: 'equity' | 'drawdown' | 'both' | 'none' = 'both', withTrades = true): DrawnChart | undefined {
  el.empty();
  el.addClass('volt-run');
  const r = d.run;
  const m = r.metrics ?? {};
  el.createEl('h2', { text: `Run ${r.runId}: ${r.strategy}` });
  el.createDiv({ cls: 'volt-sub', text: `${r.symbol ?? '?'} ${r.timeframe ?? ''} · ${when(r.dataFrom)} → ${when(r.dataTo)} · ${r.data} · ${r.status}` });
  if (r.error) el.createEl('blockquote', { text: `Error: ${r.error}` });
  table(el, ['Return', 'Sharpe', 'Max drawdown', 'Trades', 'Win rate', 'Profit factor'], [
    [pct(m.totalReturn), num(m.sharpe), pct(m.maxDrawdown === undefined ? undefined : -Math.abs(m.maxDrawdown)), String(m.trades ?? d.trades.length), share(m.winRate), num(m.profitFactor)],
  ], 'volt-table volt-metrics');
  let drawn: DrawnChart | undefined;
  if (chart !== 'none') {
    const chartEl = el.createDiv({ cls: 'volt-chart volt-equity-chart' });
    if (d.equity.time.length > 1) drawn = drawEquityChart(chartEl, d.equity, chart);
    else chartEl.createDiv({ cls: 'volt-empty', text: 'No equity curve recorded for this run.' });
  }
  // ctx.options runs: the book's greeks under the equity (with the full chart only); nothing at all otherwise.
  const o = d.options;
  if (chart === 'both' && o && o.greeks.time.length > 1) {
    const section = el.createDiv({ cls: 'volt-greeks' });
    section.createEl('h3', { text: 'Greeks' });
    section.createDiv({ cls: 'volt-sub volt-hedge', text: hedgeLine(o) });
    const greeks = drawGreeksChart(section.createDiv({ cls: 'volt-chart volt-greeks-chart' }), o);
    section.createDiv({ cls: 'volt-legend', text: GREEKS_LEGEND });
    if (drawn) drawn.greeks = greeks;
    else drawn = greeks;
  }
  if (withTrades) {
    el.createEl('h3', { text: `Trades (${d.trades.length})` });
    const rows = table(
      el,
      ['#', 'Side', 'Entry', 'Exit', 'P&L', 'Outcome', 'Rating'],
      d.trades.map((t) => [String(t.tradeNo), t.side, when(t.entryTime), when(t.exitTime), `${signed(t.pnl)} (${pct(t.pnlPct)})`, t.review?.outcome ?? t.outcome, t.review?.rating ? `${t.review.rating}/5` : '']),
      'volt-table volt-trades',
    );
    rows.forEach((row, i) => {
      row.addClass('volt-clickable');
      row.addEventListener('click', () => onOpenTrade(Number(d.trades[i]!.tradeId)));
    });
  }
  return drawn;
}
