/**
 * A paper spread session in the journal (`spread_sessions`, one row per run): what it was started
 * with and, while both legs are open, the open spread itself. The legs' trades and this row are
 * written in one transaction (paper.ts), so a session killed at any instant resumes with the legs
 * it had: both open, or both closed, never one.
 */
import type { Journal } from '../journal/index.js';
import { VoltError } from '../errors.js';
import type { OpenSpread } from './paper.js';

export interface SpreadSessionSettings {
  size: number;
  threshold: number;
  closeAt: number;
}

export interface SpreadSession {
  runId: number;
  symbol: string;
  exchanges: string[];
  settings: SpreadSessionSettings;
  status: 'running' | 'finished';
  /** The open spread when the session last wrote, or null when it was flat. */
  position: OpenSpread | null;
  pid: number | null;
}

interface Row {
  run_id: number;
  symbol: string;
  exchanges: string;
  settings: string;
  status: 'running' | 'finished';
  position: string | null;
  pid: number | null;
}

const fromRow = (r: Row): SpreadSession => ({
  runId: r.run_id,
  symbol: r.symbol,
  exchanges: r.exchanges.split(','),
  settings: JSON.parse(r.settings) as SpreadSessionSettings,
  status: r.status,
  position: r.position === null ? null : (JSON.parse(r.position) as OpenSpread),
  pid: r.pid,
});

/** A new session: its run in the journal and its row. */
export function startSpreadSession(journal: Journal, symbol: string, exchanges: readonly string[], settings: SpreadSessionSettings): SpreadSession {
  const now = Date.now();
  return journal.db.transaction(() => {
    const runId = journal.startRun({ strategyName: `spread ${symbol} ${exchanges.join(',')}`, contentHash: '', gitCommit: null, symbol, dataSource: exchanges.join(','), params: { ...settings } });
    journal.db
      .prepare(`INSERT INTO spread_sessions (run_id, symbol, exchanges, settings, status, position, pid, started_at, updated_at) VALUES (?, ?, ?, ?, 'running', NULL, ?, ?, ?)`)
      .run(runId, symbol, exchanges.join(','), JSON.stringify(settings), process.pid, now, now);
    return { runId, symbol, exchanges: [...exchanges], settings: { ...settings }, status: 'running' as const, position: null, pid: process.pid };
  }).immediate();
}

/**
 * The session of run `runId`, taken over by this process to continue it. Refused when it is
 * finished, unknown, or still running in a process that is alive.
 */
export function resumeSpreadSession(journal: Journal, runId: number): SpreadSession {
  const row = journal.db.prepare(`SELECT * FROM spread_sessions WHERE run_id = ?`).get(runId) as Row | undefined;
  if (!row) {
    throw new VoltError({ kind: 'usage', message: `run ${runId} is not a paper spread session in ${journal.path}`, hint: 'volt journal runs lists the runs; a spread session is named "spread SYMBOL VENUES"' });
  }
  if (row.status === 'finished') {
    throw new VoltError({ kind: 'usage', message: `the paper spread session of run ${runId} has finished`, hint: 'start a new one: the same command without --resume' });
  }
  if (row.pid !== null && row.pid !== process.pid && alive(row.pid)) {
    throw new VoltError({ kind: 'usage', message: `the paper spread session of run ${runId} is still running (process ${row.pid})`, hint: `stop that process first (kill ${row.pid}), then resume` });
  }
  journal.db.prepare(`UPDATE spread_sessions SET pid = ?, updated_at = ? WHERE run_id = ?`).run(process.pid, Date.now(), runId);
  return { ...fromRow(row), pid: process.pid };
}

/** The newest unfinished session of the same market, venues and settings whose process is gone: what the same command again continues. */
export function findUnfinishedSpreadSession(journal: Journal, symbol: string, exchanges: readonly string[], settings: SpreadSessionSettings): number | undefined {
  const rows = journal.db.prepare(`SELECT * FROM spread_sessions WHERE status = 'running' AND symbol = ? AND exchanges = ? ORDER BY run_id DESC`).all(symbol, exchanges.join(',')) as Row[];
  for (const r of rows) {
    const s = JSON.parse(r.settings) as SpreadSessionSettings;
    if (s.size !== settings.size || s.threshold !== settings.threshold || s.closeAt !== settings.closeAt) continue;
    if (r.pid !== null && r.pid !== process.pid && alive(r.pid)) continue;
    return r.run_id;
  }
  return undefined;
}

/** The open spread (or null) of a session; called inside the transaction that writes its legs. */
export function saveSpreadPosition(journal: Journal, runId: number, position: OpenSpread | null): void {
  journal.db.prepare(`UPDATE spread_sessions SET position = ?, updated_at = ? WHERE run_id = ?`).run(position === null ? null : JSON.stringify(position), Date.now(), runId);
}

export function finishSpreadSession(journal: Journal, runId: number): void {
  const now = Date.now();
  journal.db.transaction(() => {
    journal.db.prepare(`UPDATE spread_sessions SET status = 'finished', pid = NULL, updated_at = ? WHERE run_id = ?`).run(now, runId);
    journal.db.prepare(`UPDATE runs SET status = 'complete', finished_at = ? WHERE id = ?`).run(now, runId);
  }).immediate();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: a process of another user has that id, so it is alive.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
