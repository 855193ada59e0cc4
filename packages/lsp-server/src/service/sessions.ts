/**
 * Paper and live sessions as the editor shows them: their figures from the journal, the lens line
 * beside the backtest's ('paper: +0.8% · 2 trades · 1 open'). Protocol types only, no connection.
 */
import type { CodeLens, Range } from 'vscode-languageserver';
import { listSessions, type DriftReport, type Journal, type SessionRow } from '@volt/engine';
import { Commands, type PaperSessionStatus } from '../protocol.js';

/** Every session of the journal (of one strategy file when given). */
export function sessionStatuses(journal: Journal, file?: string): PaperSessionStatus[] {
  return listSessions(journal).filter((s) => file === undefined || s.strategyPath === file).map((s) => statusOf(journal, s));
}

/** A lens per running session of the strategy, under the backtest's. */
export function sessionLenses(journal: Journal, file: string, range: Range): CodeLens[] {
  return sessionStatuses(journal, file)
    .filter((s) => s.status === 'running')
    .map((s) => ({ range, command: { title: `${s.label} (session ${s.id})`, command: Commands.journal, arguments: [{ session: s.id }] } }));
}

export function driftOf(journal: Journal, id: number): DriftReport | undefined {
  const raw = journal.db.prepare(`SELECT drift FROM sessions WHERE id = ?`).pluck().get(id) as string | null;
  return raw ? (JSON.parse(raw) as DriftReport) : undefined;
}

export function statusOf(journal: Journal, s: SessionRow): PaperSessionStatus {
  const bars = journal.db.prepare(`SELECT count(*) FROM session_bars WHERE session_id = ? AND bar >= ?`).pluck().get(s.id, s.warmupBars) as number;
  const t = journal.db.prepare(`SELECT count(exit_time) AS closed, count(*) - count(exit_time) AS open, coalesce(sum(pnl), 0) AS pnl FROM trades WHERE run_id = ?`).get(s.runId) as { closed: number; open: number; pnl: number };
  const pnlPct = s.capital > 0 ? t.pnl / s.capital : 0;
  const drift = driftOf(journal, s.id);
  const label = `${s.mode}: ${pnlPct >= 0 ? '+' : ''}${(pnlPct * 100).toFixed(1)}% · ${t.closed} trade${t.closed === 1 ? '' : 's'} · ${t.open} open`;
  return {
    id: s.id, mode: s.mode, status: s.status, strategyPath: s.strategyPath, exchange: s.exchange, symbol: s.symbol, timeframe: s.timeframe,
    startedAt: s.startedAt, bars, trades: t.closed, open: t.open, pnl: t.pnl, pnlPct, stopReason: s.stopReason, label,
    ...(drift ? { driftLines: drift.lines.filter((l) => l.kind !== 'same').length } : {}),
  };
}

