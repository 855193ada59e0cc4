import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Journal } from '../journal/index.js';
import { END_MARKER, exportRunToVault, runNoteName, splitNote, tradeNoteName } from '../vault/index.js';
import { readSession } from './store.js';
import type { DriftReport } from './drift.js';

/** The vault's folder of market sessions. */
export const SESSIONS_FOLDER = 'Sessions';

export const sessionNoteName = (id: number): string => `Session ${id}`;

/**
 * A session in the vault: its trades, run note and charts as any run's (exportRunToVault), and
 * `Sessions/Session N.md` with the market, the figures, the trades and the drift, reviewable like a
 * backtest run. What the trader wrote under the note's marker stays.
 */
export function exportSessionToVault(journal: Journal, dir: string, id: number): string {
  const s = readSession(journal, id);
  if (!s) throw new Error(`no session ${id}`);
  exportRunToVault(journal, dir, s.runId);
  const trades = journal.db.prepare(`SELECT t.trade_no, t.side, t.symbol, t.id, t.entry_time, t.entry_price, t.exit_price, t.exit_reason, t.pnl, o.outcome FROM trades t LEFT JOIN outcomes o ON o.trade_id = t.id WHERE t.run_id = ? ORDER BY t.trade_no`).all(s.runId) as { trade_no: number; side: 'long' | 'short'; symbol: string; id: number; entry_time: number; entry_price: number; exit_price: number | null; exit_reason: string | null; pnl: number | null; outcome: string | null }[];
  const bars = journal.db.prepare(`SELECT count(*) FROM session_bars WHERE session_id = ? AND bar >= ?`).pluck().get(id, s.warmupBars) as number;
  const pnl = trades.reduce((sum, t) => sum + (t.pnl ?? 0), 0);
  const driftRaw = journal.db.prepare(`SELECT drift FROM sessions WHERE id = ?`).pluck().get(id) as string | null;
  const drift = driftRaw ? (JSON.parse(driftRaw) as DriftReport) : undefined;
  const when = (t: number | null) => (t === null ? '—' : new Date(t).toISOString().replace('T', ' ').slice(0, 16));
  const lines = [
    '---',
    `session: ${id}`,
    `mode: ${s.mode}`,
    `status: ${s.status}`,
    `exchange: ${s.exchange}`,
    `symbol: ${s.symbol}`,
    `timeframe: ${s.timeframe}`,
    `run: ${s.runId}`,
    '---',
    `# Session ${id}: ${path.basename(s.strategyPath)} on ${s.exchange} ${s.symbol} ${s.timeframe} (${s.mode})`,
    '',
    `Started ${when(s.startedAt)}${s.stoppedAt ? `, ${s.status} ${when(s.stoppedAt)}${s.stopReason ? ` (${s.stopReason})` : ''}` : ', running'}. ${bars} bars after a ${s.warmupBars}-bar warm-up; capital ${s.capital}; realized P&L ${pnl >= 0 ? '+' : ''}${pnl.toFixed(2)} (${((pnl / s.capital) * 100).toFixed(2)}%). Journal: [[${runNoteName(s.runId)}]].`,
    '',
    '| trade | side | entry | entry price | exit price | exit | P&L | outcome |',
    '|---|---|---|---|---|---|---|---|',
    ...trades.map((t) => `| [[${tradeNoteName({ id: t.id, symbol: t.symbol, side: t.side })}\\|${t.trade_no}]] | ${t.side} | ${when(t.entry_time)} | ${t.entry_price.toFixed(2)} | ${t.exit_price?.toFixed(2) ?? '—'} | ${t.exit_reason ?? 'open'} | ${t.pnl?.toFixed(2) ?? '—'} | ${t.outcome ?? 'PENDING'} |`),
    '',
    drift ? `## Drift\n\n${drift.same} of ${drift.sessionTrades} trades the same as the backtest of these bars; P&L drift ${drift.pnlDrift.toFixed(2)}.\n\n${drift.lines.filter((l) => l.kind !== 'same').map((l) => `- bar ${l.signalBar} ${l.side} **${l.kind}**: ${l.why}`).join('\n')}` : '## Drift\n\nNot measured yet: `volt drift ' + id + '`.',
  ];
  const folder = path.join(dir, SESSIONS_FOLDER);
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `${sessionNoteName(id)}.md`);
  const ours = `${lines.join('\n').trimEnd()}\n\n`;
  const user = existsSync(file) ? splitNote(readFileSync(file, 'utf8')).user : '\n';
  writeFileSync(file, `${ours}${END_MARKER}\n${user}`);
  return file;
}
