import { Journal, type RunMeta } from '../journal/index.js';
import { decisionRow, messageRow, signalRow } from '../journal/journal.js';
import type { AgentJournal } from '../agents/index.js';
import type { Candle } from '../data/index.js';
import type { Signal, Trade } from '../backtest/index.js';
import { VoltError } from '../errors.js';

import type { SeatOrder } from './seat.js';

/** A bar as the journal keeps it for a resumed session's replay. */
export interface RecordedBar {
  index: number;
  candle: Candle;
  /** What was queued at its close (the strategy's orders as the trusted side took them, and its own exits). */
  orders: SeatOrder[];
}

/** A fill price, or an in-bar look at the price that closed a position (its range so far). */
export interface RecordedEvent {
  kind: 'fill' | 'watch' | 'flatten';
  bar: number;
  time: number;
  price: number | null;
  open: number | null;
  high: number | null;
  low: number | null;
}

export type SessionMode = 'paper' | 'live' | 'testnet';
export type SessionStatus = 'running' | 'stopped' | 'finished' | 'failed';

/** What a session was started with: enough to start it again the same way (`--resume`). */
export interface SessionSettings {
  strategyPath: string;
  exchange: string;
  symbol: string;
  timeframe: string;
  capital: number;
  /** Bars fetched before the start so the indicators are ready (replayed on resume). */
  warmupBars: number;
  hours: number;
  params: Record<string, number>;
  feeRate: number;
  apiUrl?: string;
  protection: Record<string, number | string>;
  /** The agents' panel on entries: 'rules', or 'off'. */
  agents?: 'off' | 'rules';
  /** Outside signals polled live: source names, [] for none; unset, every source that can answer. */
  signals?: string[];
}

export interface SessionRow {
  id: number;
  runId: number;
  mode: SessionMode;
  exchange: string;
  symbol: string;
  timeframe: string;
  strategyPath: string;
  capital: number;
  settings: SessionSettings;
  status: SessionStatus;
  pid: number | null;
  startedAt: number;
  endsAt: number | null;
  stoppedAt: number | null;
  stopReason: string | null;
  stopRequested: string | null;
  warmupBars: number;
}

/** An open lot as the journal's trades table holds it while PENDING. */
export interface OpenLotFacts {
  id: number;
  side: 1 | -1;
  qty: number;
  entryPrice: number;
  entryTime: number;
  entryBar: number;
  entryFee: number;
  stop: number;
  target: number;
}

/**
 * A market session in the journal: the `sessions` row, its bars and fill prices, and the run it
 * writes trades and decisions into. Everything one bar did is committed in one transaction, so a
 * process killed mid-bar leaves the journal at the end of the bar before, and a resumed session
 * redoes that bar from the start.
 */
export class SessionStore {
  readonly journal: Journal;
  private nextSeq = 1;
  private nextFill = 1;

  /** Prepared once: a session writes every bar and looks at the kill switch every second, for hours. */
  private readonly stmts: Record<'bar' | 'event' | 'stop', import('better-sqlite3').Statement>;

  private constructor(journal: Journal, readonly session: SessionRow) {
    this.journal = journal;
    const db = journal.db;
    // A session appends and reads back little: SQLite's own 2 MB page cache, not better-sqlite3's
    // 16 MB, which a session's journal fills over hours and which was most of its RSS growth.
    db.pragma('cache_size = -2000');
    this.stmts = {
      bar: db.prepare(`INSERT INTO session_bars (session_id, bar, time, open, high, low, close, volume, equity, position, orders) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      event: db.prepare(`INSERT INTO session_fills (session_id, seq, kind, bar, time, price, open, high, low) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      stop: db.prepare(`SELECT stop_requested FROM sessions WHERE id = ?`).pluck(),
    };
    this.nextSeq = ((db.prepare(`SELECT max(seq) FROM decisions WHERE run_id = ?`).pluck().get(session.runId) as number | null) ?? 0) + 1;
    this.nextFill = ((db.prepare(`SELECT max(seq) FROM session_fills WHERE session_id = ?`).pluck().get(session.id) as number | null) ?? 0) + 1;
  }

  static create(path: string, mode: SessionMode, settings: SessionSettings, meta: RunMeta, endsAt: number | null): SessionStore {
    const journal = Journal.open(path);
    const runId = journal.startRun({ ...meta, agentsMode: meta.agentsMode ?? 'off' });
    const info = journal.db
      .prepare(
        `INSERT INTO sessions (run_id, mode, exchange, symbol, timeframe, strategy_path, capital, settings, status, pid, started_at, ends_at, warmup_bars)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
      )
      .run(runId, mode, settings.exchange, settings.symbol, settings.timeframe, settings.strategyPath, settings.capital, JSON.stringify(settings), process.pid, Date.now(), endsAt, settings.warmupBars);
    return new SessionStore(journal, readSession(journal, Number(info.lastInsertRowid))!);
  }

  /** A session to continue: marked running again under this process. */
  static resume(path: string, id: number): SessionStore {
    const journal = Journal.open(path);
    const row = readSession(journal, id);
    if (!row) {
      journal.close();
      throw new VoltError({ kind: 'usage', message: `the journal ${path} has no session ${id}`, hint: 'list sessions with `volt paper status`' });
    }
    if (row.status === 'finished' || (row.status === 'stopped' && row.stopRequested !== null)) {
      journal.close();
      throw new VoltError({ kind: 'usage', message: `session ${id} is ${row.status}${row.stopReason ? ` (${row.stopReason})` : ''}: nothing to resume`, hint: 'start a new session without --resume' });
    }
    journal.db.prepare(`UPDATE sessions SET status = 'running', pid = ? WHERE id = ?`).run(process.pid, id);
    journal.db.prepare(`UPDATE runs SET status = 'running', pid = ?, error = NULL WHERE id = ?`).run(process.pid, row.runId);
    return new SessionStore(journal, { ...row, status: 'running', pid: process.pid });
  }

  /** The bars the session has recorded (warm-up first), in order, with the orders queued at each close. */
  bars(): RecordedBar[] {
    const rows = this.journal.db
      .prepare(`SELECT bar, time, open, high, low, close, volume, orders FROM session_bars WHERE session_id = ? ORDER BY bar`)
      .all(this.session.id) as (Candle & { bar: number; orders: string })[];
    return rows.map((r) => ({ index: r.bar, candle: { time: r.time, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume }, orders: JSON.parse(r.orders) as SeatOrder[] }));
  }

  /** Fill prices in the order they were priced, and the in-bar looks that closed a position. */
  events(): RecordedEvent[] {
    return this.journal.db
      .prepare(`SELECT kind, bar, time, price, open, high, low FROM session_fills WHERE session_id = ? ORDER BY seq`)
      .all(this.session.id) as RecordedEvent[];
  }

  /** Trade numbers already journaled, and which of them are closed. */
  tradeNumbers(): { open: Set<number>; closed: Set<number> } {
    const rows = this.journal.db.prepare(`SELECT trade_no, exit_time FROM trades WHERE run_id = ?`).all(this.session.runId) as { trade_no: number; exit_time: number | null }[];
    const open = new Set<number>();
    const closed = new Set<number>();
    for (const r of rows) (r.exit_time === null ? open : closed).add(r.trade_no);
    return { open, closed };
  }

  /** One step of the session, written at once: its bar (if any), fill prices, signals, trades opened and closed. */
  commit(step: {
    bar?: { index: number; candle: Candle; equity: number; position: number; orders: readonly SeatOrder[] };
    events: readonly RecordedEvent[];
    signals: readonly Signal[];
    opened: readonly OpenLotFacts[];
    closed: readonly Trade[];
    /** The agents' rows (see agentJournal), when the panel reviews the session's entries. */
    agents?: { decisions: import('../journal/journal.js').DecisionRow[]; messages: import('../journal/journal.js').MessageRow[] };
    /** Entry fee of each trade, already on its row: the close adds the exit fee. */
    entryFees: ReadonlyMap<number, number>;
  }): void {
    const { db } = this.journal;
    const s = this.session;
    db.transaction(() => {
      if (step.bar) {
        const c = step.bar.candle;
        this.stmts.bar.run(
          s.id, step.bar.index, c.time, c.open, c.high, c.low, c.close, c.volume, step.bar.equity, step.bar.position, JSON.stringify(step.bar.orders),
        );
      }
      for (const e of step.events) this.stmts.event.run(s.id, this.nextFill++, e.kind, e.bar, e.time, e.price, e.open, e.high, e.low);
      if (step.signals.length > 0) this.journal.writeDecisionRows(step.signals.map((sig) => signalRow(s.runId, this.nextSeq++, s.symbol, sig)));
      if (step.agents) {
        this.journal.writeDecisionRows(step.agents.decisions);
        this.journal.writeMessageRows(step.agents.messages);
      }
      for (const lot of step.opened) {
        this.journal.openTrade(s.runId, {
          tradeNo: lot.id, symbol: s.symbol, side: lot.side === 1 ? 'long' : 'short', qty: lot.qty, entryTime: lot.entryTime,
          entryBar: lot.entryBar, entryPrice: lot.entryPrice, fees: lot.entryFee,
          ...(Number.isFinite(lot.stop) ? { stopPrice: lot.stop } : {}),
          ...(Number.isFinite(lot.target) ? { takeProfitPrice: lot.target } : {}),
        });
      }
      for (const t of step.closed) {
        this.journal.closeTrade(s.runId, t.id, { exitTime: t.exitTime, exitBar: t.exitBar, exitPrice: t.exitPrice, exitReason: t.exitReason, pnl: t.pnl, fees: t.fees - (step.entryFees.get(t.id) ?? 0) });
      }
    }).immediate();
  }

  /**
   * Where the agents' panel writes its proposals, votes and verdicts (and the signals it saw) when
   * the session flushes it: rows for the next commit, so they land in the bar's transaction.
   */
  agentJournal(): AgentJournal & { take(): { decisions: import('../journal/journal.js').DecisionRow[]; messages: import('../journal/journal.js').MessageRow[] } } {
    const s = this.session;
    let decisions: import('../journal/journal.js').DecisionRow[] = [];
    let messages: import('../journal/journal.js').MessageRow[] = [];
    return {
      onSignal: (signal) => decisions.push(signalRow(s.runId, this.nextSeq++, s.symbol, signal)),
      recordDecision: (d) => {
        const seq = this.nextSeq++;
        decisions.push(decisionRow(s.runId, seq, { symbol: s.symbol, ...d } as Parameters<typeof decisionRow>[2]));
        return seq;
      },
      recordMessage: (m) => messages.push(messageRow(s.runId, m)),
      take: () => {
        const out = { decisions, messages };
        decisions = [];
        messages = [];
        return out;
      },
    };
  }

  /** A kill switch pulled from outside (`volt paper stop`), or null. */
  stopRequested(): string | null {
    return this.stmts.stop.get(this.session.id) as string | null;
  }

  end(status: Exclude<SessionStatus, 'running'>, reason: string): void {
    const now = Date.now();
    this.journal.db.prepare(`UPDATE sessions SET status = ?, stopped_at = ?, stop_reason = ?, pid = NULL WHERE id = ?`).run(status, now, reason, this.session.id);
    this.journal.db
      .prepare(`UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?`)
      .run(status === 'failed' ? 'failed' : 'complete', now, status === 'failed' ? reason : null, this.session.runId);
  }

  close(): void {
    this.journal.close();
  }
}

export function readSession(journal: Journal, id: number): SessionRow | undefined {
  const r = journal.db.prepare(`SELECT * FROM sessions WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  return r ? sessionRow(r) : undefined;
}

export function listSessions(journal: Journal): SessionRow[] {
  return (journal.db.prepare(`SELECT * FROM sessions ORDER BY id`).all() as Record<string, unknown>[]).map(sessionRow);
}

/** The kill switch from another process: the session sees it at its next look (within a second). */
export function requestStop(journal: Journal, id: number, why: string): SessionRow {
  const row = readSession(journal, id);
  if (!row) throw new VoltError({ kind: 'usage', message: `the journal ${journal.path} has no session ${id}`, hint: 'list sessions with `volt paper status`' });
  journal.db.prepare(`UPDATE sessions SET stop_requested = ? WHERE id = ?`).run(why, id);
  return row;
}

function sessionRow(r: Record<string, unknown>): SessionRow {
  return {
    id: r['id'] as number,
    runId: r['run_id'] as number,
    mode: r['mode'] as SessionMode,
    exchange: r['exchange'] as string,
    symbol: r['symbol'] as string,
    timeframe: r['timeframe'] as string,
    strategyPath: r['strategy_path'] as string,
    capital: r['capital'] as number,
    settings: JSON.parse(r['settings'] as string) as SessionSettings,
    status: r['status'] as SessionStatus,
    pid: r['pid'] as number | null,
    startedAt: r['started_at'] as number,
    endsAt: r['ends_at'] as number | null,
    stoppedAt: r['stopped_at'] as number | null,
    stopReason: r['stop_reason'] as string | null,
    stopRequested: r['stop_requested'] as string | null,
    warmupBars: r['warmup_bars'] as number,
  };
}
