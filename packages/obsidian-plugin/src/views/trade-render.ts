/** A trade: its facts, its candles with entry, exit, stop and target, the agents' votes, the gate's changes, the review form. */
import type { BarsResult, TradeDetailResult } from '@volt/lsp-server/protocol';
import type { ReviewValues } from '../review.js';
import { drawTradeChart, priceDecimals, type DrawnChart } from './chart.js';
import { num, pct, signed, table, when } from './format.js';
import { renderReviewForm } from './review-form.js';

export interface TradeHandlers {
  onSave(values: ReviewValues): Promise<unknown>;
  onOpenRun?(runId: number): void;
}

export function renderTrade(el: HTMLElement, d: TradeDetailResult, bars: BarsResult | undefined, handlers: TradeHandlers): DrawnChart | undefined {
  el.empty();
  el.addClass('volt-trade');
  const t = d.trade;
  const decimals = priceDecimals(bars?.dataHigh ?? t.entry);
  el.createEl('h2', { text: `Trade ${t.tradeId}: ${t.asset} ${t.side}` });
  const sub = el.createDiv({ cls: 'volt-sub' });
  sub.appendText(`${d.run.strategy} · `);
  const runLink = sub.createEl('a', { text: `Run ${d.run.runId}`, href: '#' });
  runLink.addEventListener('click', (e) => {
    e.preventDefault();
    handlers.onOpenRun?.(d.run.runId);
  });
  sub.appendText(` · trade ${t.tradeNo} · ${t.outcome}${t.review?.outcome ? ` (reviewed: ${t.review.outcome})` : ''}`);

  table(el, ['Entry', 'Exit', 'P&L', 'Stop', 'Target', 'Qty', 'Fees'], [
    [
      `${t.entry.toFixed(decimals)} · ${when(t.entryTime)}`,
      t.exitPrice === null ? 'open' : `${t.exitPrice.toFixed(decimals)} · ${when(t.exitTime)} (${t.exitReason ?? '—'})`,
      `${signed(t.pnl)} (${pct(t.pnlPct)})`,
      t.stopPrice === null ? 'none' : t.stopPrice.toFixed(decimals),
      t.takeProfitPrice === null ? 'none' : t.takeProfitPrice.toFixed(decimals),
      num(t.qty, 4),
      num(t.fees),
    ],
  ]);

  let drawn: DrawnChart | undefined;
  const chartEl = el.createDiv({ cls: 'volt-chart volt-trade-chart' });
  if (bars && bars.time.length > 0) drawn = drawTradeChart(chartEl, bars, t, decimals);
  else chartEl.createDiv({ cls: 'volt-empty', text: `No candles for ${d.run.data ?? 'this run'}: the data the run used is not readable from the workspace.` });

  el.createEl('h3', { text: 'Reasoning and votes' });
  if (t.reason) el.createEl('blockquote', { text: t.reason });
  if (d.decisions.length === 0) el.createDiv({ cls: 'volt-empty', text: 'No decision recorded for this trade.' });
  for (const dec of d.decisions) {
    const box = el.createDiv({ cls: 'volt-decision' });
    box.createEl('h4', { text: `${dec.action} at bar ${dec.bar ?? '—'} · ${when(dec.time)} · ${dec.status}` });
    if (dec.reason && dec.reason !== t.reason) box.createEl('blockquote', { text: dec.reason });
    if (dec.votes.length > 0) {
      table(box, ['Agent', 'Vote', 'Confidence', 'Weight', 'Reasoning'], dec.votes.map((v) => [v.agent, v.decision, num(v.confidence), v.weight === undefined ? '—' : num(v.weight), v.reasoning]), 'volt-table volt-votes');
    } else box.createDiv({ cls: 'volt-empty', text: 'A plain strategy signal: no agents reviewed it.' });
    if (dec.consensus) {
      const b = Object.entries(dec.consensus.breakdown).map(([k, v]) => `${k} ${num(v)}`).join(', ');
      box.createDiv({ cls: 'volt-consensus', text: `Consensus ${dec.consensus.decision}${dec.consensus.score !== undefined ? ` (${num(dec.consensus.score)})` : ''}${b ? `: ${b}` : ''}` });
    }
    if (dec.gateChanges.length > 0) {
      box.createEl('h4', { text: 'Risk gate changes' });
      table(box, ['Field', 'From', 'To', 'Rule'], dec.gateChanges.map((g) => [g.field, g.from === null ? '—' : String(Number(g.from.toPrecision(8))), String(Number(g.to.toPrecision(8))), g.rule]), 'volt-table volt-gate');
    }
    if (dec.recommendations.length > 0) {
      const ul = box.createEl('ul', { cls: 'volt-recommendations' });
      for (const r of dec.recommendations) ul.createEl('li', { text: r });
    }
  }
  if (d.auditorNotes.length > 0) {
    el.createEl('h3', { text: 'Auditor' });
    const ul = el.createEl('ul', { cls: 'volt-auditor' });
    for (const n of d.auditorNotes) ul.createEl('li', { text: n });
  }

  el.createEl('h3', { text: 'Review' });
  renderReviewForm(el, t.outcome, t.review, handlers.onSave);
  return drawn;
}

/** The bars a trade's chart asks for: some before the entry, some after the exit. */
export function barsAround(d: TradeDetailResult): { data?: string; from: number; to: number; maxBars: number } {
  const tf = timeframeMs(d.run.timeframe) ?? 3_600_000;
  const end = d.trade.exitTime ?? d.trade.entryTime;
  const span = Math.max(end - d.trade.entryTime, tf);
  const pad = Math.max(40 * tf, span * 0.5);
  return { ...(d.run.data ? { data: d.run.data } : {}), from: d.trade.entryTime - pad, to: end + pad / 2, maxBars: 400 };
}

export function timeframeMs(tf: string | null): number | undefined {
  const m = tf ? /^(\d+)([smhdw])$/.exec(tf) : null;
  if (!m) return undefined;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's'];
  return Number(m[1]) * unit;
}
