/**
 * volt.paper.status / volt.paper.stop, and VOLT206: what the workspace journal knows of paper and
 * live sessions (`volt paper`, `volt live`). The sessions run as processes of their own; the sidecar
 * only reads their journal rows and pulls the kill switch (the journal's flag, then SIGTERM).
 */
import { Journal, listSessions, requestStop, type DriftReport, type SessionRow } from '@volt/engine';
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver';
import { PaperRequests, type PaperStartParams, type PaperStartResult, type PaperSessionStatus, type PaperStatusParams, type PaperStatusResult, type PaperStopParams, type PaperStopResult } from '../protocol.js';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { driftFindings } from '../service/drift.js';
import { uriToPath, type WorkspaceState } from '../workspace.js';

export class PaperHandler {
  constructor(private readonly state: WorkspaceState) {}

  register(c: Connection): void {
    c.onRequest(PaperRequests.status, (p: PaperStatusParams | undefined) => this.status(p ?? {}));
    c.onRequest(PaperRequests.stop, (p: PaperStopParams) => this.stop(p));
    c.onRequest(PaperRequests.start, (p: PaperStartParams) => this.start(p));
    this.state.documents.onDidOpen((e) => this.showDrift(e.document.uri));
  }

  status(params: PaperStatusParams): PaperStatusResult {
    const journal = this.open();
    if (!journal) return { sessions: [] };
    try {
      const file = params.uri !== undefined ? uriToPath(params.uri) : undefined;
      const sessions = listSessions(journal).filter((s) => file === undefined || s.strategyPath === file).map((s) => statusOf(journal, s));
      for (const uri of this.state.documents.keys()) this.showDrift(uri, journal);
      return { sessions };
    } finally {
      journal.close();
    }
  }

  /** A detached `volt paper` process: it writes to the journal and outlives the editor. */
  start(params: PaperStartParams): PaperStartResult {
    const text = (name: keyof PaperStartParams) => {
      const v = params?.[name];
      if (typeof v !== 'string' || v.trim() === '') throw new ResponseError(ErrorCodes.InvalidParams, `volt.paper.start needs ${name}`);
      return v;
    };
    const file = uriToPath(text('uri'));
    const args = [voltCli(this.state.options.voltCliFile), 'paper', file, '--exchange', text('exchange'), '--symbol', text('symbol'), '--timeframe', text('timeframe'), '--journal', this.state.journalPath(), '--json'];
    for (const [flag, value] of [['capital', params.capital], ['hours', params.hours], ['warmup', params.warmup]] as const) {
      if (value === undefined) continue;
      if (typeof value !== 'number' || !(value > 0)) throw new ResponseError(ErrorCodes.InvalidParams, `volt.paper.start: ${flag} must be a positive number`);
      args.push(`--${flag}`, String(value));
    }
    if (params.apiUrl !== undefined) args.push('--api-url', text('apiUrl'));
    const child = spawn(process.execPath, args, { cwd: this.state.root, detached: true, stdio: 'ignore' });
    child.unref();
    if (child.pid === undefined) throw new ResponseError(ErrorCodes.InternalError, 'volt.paper.start: the session process did not start');
    return { pid: child.pid };
  }

  stop(params: PaperStopParams): PaperStopResult {
    if (typeof params?.session !== 'number') throw new ResponseError(ErrorCodes.InvalidParams, 'volt.paper.stop expects { session: number }');
    const journal = this.open();
    if (!journal) throw new ResponseError(ErrorCodes.InvalidRequest, `no journal at ${this.state.journalPath()}`);
    try {
      const row = requestStop(journal, params.session, 'kill switch: the editor');
      if (row.status !== 'running') return { stopped: false, status: row.status };
      if (row.pid !== null) {
        try {
          process.kill(row.pid, 'SIGTERM');
        } catch {
          // Gone already: the journal's flag keeps it from being resumed.
        }
      }
      return { stopped: true, status: row.status };
    } finally {
      journal.close();
    }
  }

  /** VOLT206 on an open strategy from the latest drift report of its sessions. */
  private showDrift(uri: string, given?: Journal): void {
    if (!uri.endsWith('.ts')) return;
    const journal = given ?? this.open();
    if (!journal) return;
    try {
      const file = uriToPath(uri);
      const withDrift = listSessions(journal).filter((s) => s.strategyPath === file).map((s) => ({ s, drift: driftOf(journal, s.id) })).filter((x) => x.drift !== undefined);
      const latest = withDrift.at(-1);
      const text = this.state.documentText(uri);
      const findings = latest && text !== undefined ? driftFindings(text, latest.drift!, latest.s.id) : [];
      if (findings.length === 0 && this.state.findingsOf(uri, 'drift').length === 0) return;
      this.state.setFindings(uri, 'drift', findings);
      this.state.publish(uri);
    } catch (e) {
      this.state.log(`sessions: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      if (!given) journal.close();
    }
  }

  private open(): Journal | undefined {
    try {
      return Journal.open(this.state.journalPath());
    } catch {
      return undefined;
    }
  }
}

function voltCli(given: URL | undefined): string {
  if (given) return fileURLToPath(given);
  const main = createRequire(import.meta.url).resolve('@volt/cli');
  return path.join(path.dirname(main), '..', 'bin', 'volt.js');
}

function driftOf(journal: Journal, id: number): DriftReport | undefined {
  const raw = journal.db.prepare(`SELECT drift FROM sessions WHERE id = ?`).pluck().get(id) as string | null;
  return raw ? (JSON.parse(raw) as DriftReport) : undefined;
}

function statusOf(journal: Journal, s: SessionRow): PaperSessionStatus {
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

