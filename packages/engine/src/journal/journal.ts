import Database from 'better-sqlite3';
import { mkdirSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { BacktestReport, Signal, Trade } from '../backtest/index.js';
import { VoltError } from '../errors.js';
import { MIGRATIONS, migrate, type Migration } from './schema.js';
import { journalError } from './open-errors.js';
import { classifyOutcome } from './outcome.js';
import { fileContentHash, gitCommitOf } from './provenance.js';
import { RunRecorder, type RunRecorderOptions } from './recorder.js';
import type {
  AgentMessageEntry,
  AgentMessageInput,
  DecisionEntry,
  DecisionInput,
  JournalFilter,
  OpenTradeInput,
  OutcomeLabel,
  RunDetail,
  RunEntry,
  RunMeta,
  RunOptionsGreeks,
  RunStatus,
  StrategySummary,
  TradeEntry,
  TradeExit,
  TradeReview,
  TradeReviewInput,
} from './types.js';
import { OUTCOME_LABELS } from './types.js';

export interface JournalOpenOptions {
  /** How long a writer waits for another process's transaction before giving up (default 10 s). */
  busyTimeoutMs?: number;
  /** Schema history to apply; tests pass their own to exercise the migration runner. */
  migrations?: readonly Migration[];
}

/** Parameter order of Statements.insertDecision; RunRecorder buffers rows in this shape. */
export type DecisionRow = [
  runId: number,
  seq: number,
  time: number,
  bar: number | null,
  symbol: string | null,
  action: string,
  confidence: number | null,
  reason: string | null,
  status: string,
  ignored: string | null,
  tradeNo: number | null,
  agentResults: string | null,
  consensus: string | null,
  recommendations: string | null,
  repeats: number,
  technicalSignals: string | null,
  outsideSignals: string | null,
];

export type MessageRow = [
  runId: number,
  decisionSeq: number | null,
  time: number,
  from: string,
  to: string | null,
  kind: string,
  model: string | null,
  content: string,
];

interface Statements {
  insertRun: Database.Statement;
  insertTrade: Database.Statement;
  insertOutcome: Database.Statement;
  insertDecision: Database.Statement;
  insertDecisions: Database.Statement;
  insertMessage: Database.Statement;
  getLlm: Database.Statement;
  putLlm: Database.Statement;
}

type Row = Record<string, unknown>;

/** Decision rows per multi-row INSERT (64 × 17 parameters, well under SQLite's limit). */
const DECISION_CHUNK = 64;
const DECISION_WIDTH = 17;

/**
 * Decision rows one run may write. Past it a run still runs and trades; its further decisions are
 * counted in runs.decisions_dropped instead (about 12 MB of journal at the cap; see README.md).
 */
export const MAX_DECISIONS_PER_RUN = 100_000;

/**
 * The decision journal: one SQLite file (WAL) that every CLI run, sidecar and dry run writes to at
 * once. Everything is committed as it happens, so a killed process loses at most the rows still in
 * its recorder's buffer, and the next open marks its run incomplete.
 */
export class Journal {
  readonly db: Database.Database;
  readonly path: string;
  readonly schemaVersion: number;
  private readonly stmts: Statements;
  private readonly chunkParams: unknown[] = new Array(DECISION_CHUNK * DECISION_WIDTH);

  private constructor(db: Database.Database, file: string, version: number) {
    this.db = db;
    this.path = file;
    this.schemaVersion = version;
    this.stmts = {
      insertRun: db.prepare(`
        INSERT INTO runs (started_at, status, pid, host, strategy_name, strategy_path, content_hash, git_commit,
                          params, symbol, timeframe, data_source, data_from, data_to, bars, agents_mode)
        VALUES (@startedAt, 'running', @pid, @host, @strategyName, @strategyPath, @contentHash, @gitCommit,
                @params, @symbol, @timeframe, @dataSource, @dataFrom, @dataTo, @bars, @agentsMode)`),
      insertTrade: db.prepare(`
        INSERT OR IGNORE INTO trades (run_id, trade_no, symbol, side, qty, entry_time, entry_bar, entry_price,
                                      exit_time, exit_bar, exit_price, exit_reason, pnl, pnl_pct, fees, bars_held,
                                      confidence, reason, stop_price, take_profit_price)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertOutcome: db.prepare(`
        INSERT INTO outcomes (trade_id, run_id, outcome, exit_price, pnl, pnl_pct, duration_ms, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (trade_id) DO UPDATE SET outcome = excluded.outcome, exit_price = excluded.exit_price,
          pnl = excluded.pnl, pnl_pct = excluded.pnl_pct, duration_ms = excluded.duration_ms,
          updated_at = excluded.updated_at`),
      insertDecision: db.prepare(`
        INSERT OR IGNORE INTO decisions (run_id, seq, time, bar, symbol, action, confidence, reason, status, ignored,
                                         trade_no, agent_results, consensus_decision, recommendations, repeats, technical_signals, outside_signals)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertDecisions: db.prepare(`
        INSERT OR IGNORE INTO decisions (run_id, seq, time, bar, symbol, action, confidence, reason, status, ignored,
                                         trade_no, agent_results, consensus_decision, recommendations, repeats, technical_signals, outside_signals)
        VALUES ${Array.from({ length: DECISION_CHUNK }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`),
      insertMessage: db.prepare(`
        INSERT INTO agent_messages (run_id, decision_seq, time, from_agent, to_agent, kind, model, content)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      getLlm: db.prepare(`SELECT response FROM llm_cache WHERE model = ? AND prompt_hash = ?`).pluck(),
      putLlm: db.prepare(`
        INSERT INTO llm_cache (model, prompt_hash, response, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (model, prompt_hash) DO UPDATE SET response = excluded.response, created_at = excluded.created_at`),
    };
  }

  /** Opens (creating folder and file when needed) and migrates the journal at `file`. */
  static open(file: string, options: JournalOpenOptions = {}): Journal {
    const abs = path.resolve(file);
    let db: Database.Database;
    try {
      mkdirSync(path.dirname(abs), { recursive: true });
      db = new Database(abs, { timeout: options.busyTimeoutMs ?? 10_000 });
    } catch (e) {
      throw journalError(abs, e, 'open');
    }
    try {
      // WAL: readers never block the writer and a crash never leaves a half-written page behind.
      // synchronous=NORMAL: a killed process loses nothing committed; only power loss can roll
      // back the last commits, never corrupt the file.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      const version = migrate(db, abs, options.migrations ?? MIGRATIONS);
      const journal = new Journal(db, abs, version);
      journal.markAbandonedRuns();
      return journal;
    } catch (e) {
      db.close();
      throw journalError(abs, e, 'open');
    }
  }

  /** Opens an existing journal, or explains that none exists yet. */
  static openExisting(file: string, options: JournalOpenOptions = {}): Journal {
    if (!existsSync(file)) {
      throw new VoltError({
        kind: 'journal',
        file: path.resolve(file),
        message: 'no journal here yet',
        hint: 'run `volt backtest <strategy>` first (it records itself), or pass --journal PATH',
      });
    }
    return Journal.open(file, options);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Runs left 'running' by a process that no longer exists (killed, crashed, power cut) become
   * 'incomplete'. Only runs started on this machine are judged: a pid means nothing elsewhere.
   */
  markAbandonedRuns(): number {
    const running = this.db.prepare(`SELECT id, pid, host FROM runs WHERE status = 'running'`).all() as Row[];
    const here = hostname();
    let marked = 0;
    for (const r of running) {
      const pid = r.pid as number | null;
      const host = r.host as string | null;
      if (host !== null && host !== here) continue;
      if (pid !== null && processAlive(pid)) continue;
      const info = this.db
        .prepare(`UPDATE runs SET status = 'incomplete', error = ? WHERE id = ? AND status = 'running'`)
        .run(`process ${pid ?? '?'} ended before the run finished`, r.id);
      marked += info.changes;
    }
    return marked;
  }

  // ---------------------------------------------------------------- writing

  /** Records the start of a run and commits it at once; returns its id. */
  startRun(meta: RunMeta): number {
    try {
      return this.insertRun(meta);
    } catch (e) {
      // The first write of a run: where a journal that opened read-only (SQLite falls back to
      // reading a file it may not write) or a damaged page shows itself.
      throw journalError(this.path, e, 'write');
    }
  }

  private insertRun(meta: RunMeta): number {
    const contentHash = meta.contentHash ?? (meta.strategyPath ? fileContentHash(meta.strategyPath) : undefined);
    const gitCommit = meta.gitCommit !== undefined ? meta.gitCommit : meta.strategyPath ? gitCommitOf(meta.strategyPath) : null;
    const info = this.stmts.insertRun.run({
      startedAt: meta.startedAt ?? Date.now(),
      pid: process.pid,
      host: hostname(),
      strategyName: meta.strategyName,
      strategyPath: meta.strategyPath ?? null,
      contentHash: contentHash ?? null,
      gitCommit: gitCommit ?? null,
      params: JSON.stringify(meta.params ?? {}),
      symbol: meta.symbol ?? null,
      timeframe: meta.timeframe ?? null,
      dataSource: meta.dataSource ?? null,
      dataFrom: meta.dataFrom ?? null,
      dataTo: meta.dataTo ?? null,
      bars: meta.bars ?? null,
      agentsMode: meta.agentsMode ?? null,
    });
    return Number(info.lastInsertRowid);
  }

  /** A recorder that streams a run's trades, decisions and agent messages in batched transactions. */
  recorder(runId: number, options?: RunRecorderOptions): RunRecorder {
    return new RunRecorder(this, runId, options);
  }

  /**
   * Closes a run with its report: metrics, equity curve, data range, and any trade (or, when the
   * run recorded no decisions, any signal) that was not streamed while it ran.
   */
  finishRun(runId: number, report: BacktestReport, decisionsDropped = 0): void {
    this.db
      .transaction(() => {
        this.writeTrades(runId, report.trades);
        const decided = this.db.prepare(`SELECT count(*) FROM decisions WHERE run_id = ?`).pluck().get(runId) as number;
        let dropped = decisionsDropped;
        if (decided === 0) {
          const kept = report.signals.length < MAX_DECISIONS_PER_RUN ? report.signals.length : MAX_DECISIONS_PER_RUN;
          const rows: DecisionRow[] = new Array(kept);
          for (let i = 0; i < kept; i++) rows[i] = signalRow(runId, i + 1, report.data.symbol, report.signals[i]!);
          this.writeDecisionRows(rows);
          dropped += report.signals.length - kept + (report.signalsDropped ?? 0);
        }
        if (dropped > 0) this.setDecisionsDropped(runId, dropped);
        this.db
          .prepare(
            `UPDATE runs SET status = 'complete', finished_at = ?, metrics = ?, equity_curve = ?, options_greeks = ?, config = ?,
               params = ?, symbol = ?, timeframe = ?, data_source = ?, data_from = ?, data_to = ?, bars = ?,
               strategy_path = coalesce(strategy_path, ?), content_hash = coalesce(content_hash, ?), error = NULL
             WHERE id = ?`,
          )
          .run(
            Date.now(),
            JSON.stringify(report.metrics),
            JSON.stringify(report.equityCurve),
            report.options ? JSON.stringify(optionsGreeks(report.options)) : null,
            JSON.stringify(report.config),
            JSON.stringify(report.strategy.params),
            report.data.symbol,
            report.data.timeframe,
            report.data.source,
            report.data.from,
            report.data.to,
            report.data.bars,
            report.strategy.path ?? null,
            report.strategy.contentHash ?? null,
            runId,
          );
      })
      .immediate();
  }

  /** How many decisions of a run were counted but not recorded (past MAX_DECISIONS_PER_RUN). */
  setDecisionsDropped(runId: number, dropped: number): void {
    this.db.prepare(`UPDATE runs SET decisions_dropped = ? WHERE id = ?`).run(dropped, runId);
  }

  /** Marks a run failed (the strategy threw, the data could not be read) with what went wrong. */
  failRun(runId: number, error: unknown): void {
    const message = error instanceof VoltError ? error.format() : error instanceof Error ? error.message : String(error);
    this.db.prepare(`UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE id = ?`).run(Date.now(), message, runId);
  }

  /** Records a finished backtest in one go; returns the run id. */
  recordBacktest(report: BacktestReport, meta: Partial<RunMeta> = {}): number {
    const runId = this.startRun({ ...runMetaFromReport(report), ...meta });
    this.finishRun(runId, report);
    return runId;
  }

  /** Inserts closed trades (ignoring ones already there) with their outcomes; inside a transaction. */
  writeTrades(runId: number, trades: readonly Trade[]): void {
    const now = Date.now();
    for (const t of trades) {
      const info = this.stmts.insertTrade.run(
        runId, t.id, t.symbol, t.side, t.qty, t.entryTime, t.entryBar, t.entryPrice,
        t.exitTime, t.exitBar, t.exitPrice, t.exitReason, t.pnl, t.pnlPct, t.fees, t.barsHeld,
        t.confidence, t.reason, t.stopPrice ?? null, t.takeProfitPrice ?? null,
      );
      if (info.changes === 0) continue;
      this.stmts.insertOutcome.run(
        info.lastInsertRowid, runId, classifyOutcome(t), t.exitPrice, t.pnl, t.pnlPct, t.exitTime - t.entryTime, now,
      );
    }
  }

  /**
   * Inserts buffered decision rows; inside a transaction. Rows go DECISION_CHUNK to a statement:
   * crossing from JavaScript into SQLite once per row, not the disk, is what limits a batch.
   */
  writeDecisionRows(rows: readonly DecisionRow[]): void {
    const width = DECISION_WIDTH;
    const flat = this.chunkParams;
    let i = 0;
    for (; i + DECISION_CHUNK <= rows.length; i += DECISION_CHUNK) {
      let p = 0;
      for (let j = i; j < i + DECISION_CHUNK; j++) {
        const r = rows[j]!;
        for (let c = 0; c < width; c++) flat[p++] = r[c];
      }
      this.stmts.insertDecisions.run(flat);
    }
    for (; i < rows.length; i++) this.stmts.insertDecision.run(rows[i]!);
  }

  /** Inserts buffered agent messages; inside a transaction. */
  writeMessageRows(rows: readonly MessageRow[]): void {
    for (const r of rows) this.stmts.insertMessage.run(r);
  }

  /** Records a trade that is still open (live or paper trading): outcome PENDING until it closes. */
  openTrade(runId: number, t: OpenTradeInput): number {
    return this.db
      .transaction(() => {
        const info = this.stmts.insertTrade.run(
          runId, t.tradeNo, t.symbol, t.side, t.qty, t.entryTime, t.entryBar ?? null, t.entryPrice,
          null, null, null, null, null, null, t.fees ?? 0, null,
          t.confidence ?? null, t.reason ?? null, t.stopPrice ?? null, t.takeProfitPrice ?? null,
        );
        if (info.changes === 0) {
          throw new VoltError({ kind: 'journal', file: this.path, message: `run ${runId} already has trade ${t.tradeNo}` });
        }
        this.stmts.insertOutcome.run(info.lastInsertRowid, runId, 'PENDING', null, null, null, null, Date.now());
        return Number(info.lastInsertRowid);
      })
      .immediate();
  }

  /** Closes an open trade and labels its outcome (PENDING → CORRECT | FALSE_POSITIVE | STOPPED). */
  closeTrade(runId: number, tradeNo: number, exit: TradeExit): OutcomeLabel {
    return this.db
      .transaction(() => {
        const t = this.db
          .prepare(`SELECT id, side, qty, entry_time, entry_price, entry_bar, fees FROM trades WHERE run_id = ? AND trade_no = ?`)
          .get(runId, tradeNo) as Row | undefined;
        if (!t) throw new VoltError({ kind: 'journal', file: this.path, message: `run ${runId} has no trade ${tradeNo}` });
        const qty = t.qty as number;
        const entryPrice = t.entry_price as number;
        const fees = (t.fees as number) + (exit.fees ?? 0);
        const gross = (exit.exitPrice - entryPrice) * qty * (t.side === 'long' ? 1 : -1);
        const pnl = exit.pnl ?? gross - fees;
        const pnlPct = entryPrice * qty === 0 ? 0 : pnl / (entryPrice * qty);
        const duration = exit.exitTime - (t.entry_time as number);
        const barsHeld = exit.exitBar !== undefined && t.entry_bar !== null ? exit.exitBar - (t.entry_bar as number) : null;
        this.db
          .prepare(
            `UPDATE trades SET exit_time = ?, exit_bar = ?, exit_price = ?, exit_reason = ?, pnl = ?, pnl_pct = ?, fees = ?, bars_held = ?
             WHERE id = ?`,
          )
          .run(exit.exitTime, exit.exitBar ?? null, exit.exitPrice, exit.exitReason, pnl, pnlPct, fees, barsHeld, t.id);
        const label = classifyOutcome({ exitReason: exit.exitReason, pnl });
        this.stmts.insertOutcome.run(t.id, runId, label, exit.exitPrice, pnl, pnlPct, duration, Date.now());
        return label;
      })
      .immediate();
  }

  // ---------------------------------------------------------------- LLM cache

  /** The cached reply of `model` to the prompt with this hash (see hashPrompt), if any. */
  getCachedLlm(model: string, promptHash: string): string | undefined {
    return this.stmts.getLlm.get(model, promptHash) as string | undefined;
  }

  putCachedLlm(model: string, promptHash: string, response: string): void {
    this.stmts.putLlm.run(model, promptHash, response, Date.now());
  }

  // ---------------------------------------------------------------- reading

  listRuns(filter: JournalFilter = {}): RunEntry[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.strategy !== undefined) (where.push('r.strategy_name = @strategy'), (params.strategy = filter.strategy));
    if (filter.strategyPath !== undefined) (where.push('r.strategy_path = @strategyPath'), (params.strategyPath = filter.strategyPath));
    if (filter.status !== undefined) (where.push('r.status = @status'), (params.status = filter.status));
    if (filter.runId !== undefined) (where.push('r.id = @runId'), (params.runId = filter.runId));
    if (filter.from !== undefined) (where.push('r.started_at >= @from'), (params.from = filter.from));
    if (filter.to !== undefined) (where.push('r.started_at < @to'), (params.to = filter.to));
    if (filter.outcome !== undefined) {
      where.push('EXISTS (SELECT 1 FROM outcomes o WHERE o.run_id = r.id AND o.outcome = @outcome)');
      params.outcome = filter.outcome;
    }
    const rows = this.db
      .prepare(
        `SELECT r.*, (SELECT count(*) FROM trades t WHERE t.run_id = r.id) AS trade_count,
                (SELECT count(*) FROM decisions d WHERE d.run_id = r.id) AS decision_count
         FROM runs r ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
         ORDER BY r.started_at DESC, r.id DESC ${limitClause(filter.limit)}`,
      )
      .all(params) as Row[];
    return rows.map(toRunEntry);
  }

  getRun(id: number): RunDetail | undefined {
    const row = this.db
      .prepare(
        `SELECT r.*, (SELECT count(*) FROM trades t WHERE t.run_id = r.id) AS trade_count,
                (SELECT count(*) FROM decisions d WHERE d.run_id = r.id) AS decision_count
         FROM runs r WHERE r.id = ?`,
      )
      .get(id) as Row | undefined;
    if (!row) return undefined;
    const outcomes: Record<OutcomeLabel, number> = { PENDING: 0, CORRECT: 0, FALSE_POSITIVE: 0, STOPPED: 0 };
    for (const o of this.db.prepare(`SELECT outcome, count(*) AS n FROM outcomes WHERE run_id = ? GROUP BY outcome`).all(id) as Row[]) {
      outcomes[o.outcome as OutcomeLabel] = o.n as number;
    }
    return {
      ...toRunEntry(row),
      config: parseJson(row.config, null),
      equityCurve: parseJson(row.equity_curve, null),
      optionsGreeks: parseJson(row.options_greeks, null),
      outcomes,
    };
  }

  listTrades(filter: JournalFilter = {}): TradeEntry[] {
    const { where, params } = tradeWhere(filter, 't.entry_time');
    const rows = this.db
      .prepare(
        `SELECT t.*, r.strategy_name, coalesce(o.outcome, 'PENDING') AS outcome, o.duration_ms, ${REVIEW_COLUMNS}
         FROM trades t JOIN runs r ON r.id = t.run_id LEFT JOIN outcomes o ON o.trade_id = t.id
         LEFT JOIN trade_reviews v ON v.trade_id = t.id
         ${where} ORDER BY t.entry_time DESC, t.id DESC ${limitClause(filter.limit)}`,
      )
      .all(params) as Row[];
    return rows.map(toTradeEntry);
  }

  /** One trade by its journal-wide id (the vault's `trade_id`), with its review. */
  getTrade(id: number): TradeEntry | undefined {
    const row = this.db
      .prepare(
        `SELECT t.*, r.strategy_name, coalesce(o.outcome, 'PENDING') AS outcome, o.duration_ms, ${REVIEW_COLUMNS}
         FROM trades t JOIN runs r ON r.id = t.run_id LEFT JOIN outcomes o ON o.trade_id = t.id
         LEFT JOIN trade_reviews v ON v.trade_id = t.id WHERE t.id = ?`,
      )
      .get(id) as Row | undefined;
    return row ? toTradeEntry(row) : undefined;
  }

  /**
   * Records the trader's review of a trade, merged with what was there: a field left out keeps its
   * value, null clears it. Refuses a trade that is not in the journal and values out of range, with
   * what to send instead. Returns the review as stored.
   */
  annotateTrade(tradeId: number, change: TradeReviewInput): TradeReview {
    const next = checkReview(change);
    try {
      return this.db
        .transaction(() => {
          const trade = this.db.prepare(`SELECT id FROM trades WHERE id = ?`).get(tradeId);
          if (trade === undefined) {
            throw new VoltError({ kind: 'journal', file: this.path, message: `trade ${tradeId} is not in the journal`, hint: 'pick a trade id from `volt journal list trades` (a trade note\'s trade_id)' });
          }
          const old = this.db.prepare(`SELECT ${REVIEW_COLUMNS} FROM trade_reviews v WHERE trade_id = ?`).get(tradeId) as Row | undefined;
          const was = old ? toReview(old) : undefined;
          const review: TradeReview = {
            outcome: next.outcome !== undefined ? next.outcome : (was?.outcome ?? null),
            rating: next.rating !== undefined ? next.rating : (was?.rating ?? null),
            tags: next.tags ?? was?.tags ?? [],
            review: next.review ?? was?.review ?? '',
            updatedAt: Date.now(),
          };
          this.db
            .prepare(
              `INSERT INTO trade_reviews (trade_id, outcome, rating, tags, review, updated_at) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (trade_id) DO UPDATE SET outcome = excluded.outcome, rating = excluded.rating, tags = excluded.tags,
                 review = excluded.review, updated_at = excluded.updated_at`,
            )
            .run(tradeId, review.outcome, review.rating, JSON.stringify(review.tags), review.review, review.updatedAt);
          return review;
        })
        .immediate();
    } catch (e) {
      throw journalError(this.path, e, 'write');
    }
  }

  listDecisions(filter: JournalFilter = {}): DecisionEntry[] {
    const { where, params } = tradeWhere(filter, 'd.time', 'd');
    const rows = this.db
      .prepare(
        `SELECT d.*, r.strategy_name, o.outcome
         FROM decisions d JOIN runs r ON r.id = d.run_id
         LEFT JOIN trades t ON t.run_id = d.run_id AND t.trade_no = d.trade_no
         LEFT JOIN outcomes o ON o.trade_id = t.id
         ${where} ORDER BY d.time DESC, d.id DESC ${limitClause(filter.limit)}`,
      )
      .all(params) as Row[];
    return rows.map(toDecisionEntry);
  }

  listAgentMessages(runId: number): AgentMessageEntry[] {
    const rows = this.db.prepare(`SELECT * FROM agent_messages WHERE run_id = ? ORDER BY time, id`).all(runId) as Row[];
    return rows.map((m) => ({
      id: m.id as number,
      runId: m.run_id as number | null,
      decisionSeq: m.decision_seq as number | null,
      time: m.time as number,
      from: m.from_agent as string,
      to: m.to_agent as string | null,
      kind: m.kind as string,
      model: m.model as string | null,
      content: parseJson(m.content, null),
    }));
  }

  /** Every run of one strategy, newest first. */
  strategyHistory(strategyName: string, limit?: number): RunEntry[] {
    return this.listRuns({ strategy: strategyName, ...(limit !== undefined ? { limit } : {}) });
  }

  /** One line per strategy name: how often it ran and how its trades turned out. */
  listStrategies(): StrategySummary[] {
    const rows = this.db
      .prepare(
        `SELECT r.strategy_name,
                count(DISTINCT r.id) AS runs,
                count(DISTINCT CASE WHEN r.status = 'complete' THEN r.id END) AS complete_runs,
                max(r.id) AS last_run_id, max(r.started_at) AS last_started_at,
                count(o.trade_id) AS trades,
                count(CASE WHEN o.outcome = 'CORRECT' THEN 1 END) AS wins,
                count(CASE WHEN o.outcome = 'FALSE_POSITIVE' THEN 1 END) AS losses,
                count(CASE WHEN o.outcome = 'STOPPED' THEN 1 END) AS stopped,
                count(CASE WHEN o.outcome = 'PENDING' THEN 1 END) AS pending,
                coalesce(sum(o.pnl), 0) AS total_pnl
         FROM runs r LEFT JOIN outcomes o ON o.run_id = r.id
         GROUP BY r.strategy_name ORDER BY r.strategy_name`,
      )
      .all() as Row[];
    return rows.map((r) => ({
      strategyName: r.strategy_name as string,
      runs: r.runs as number,
      completeRuns: r.complete_runs as number,
      lastRunId: r.last_run_id as number,
      lastStartedAt: r.last_started_at as number,
      trades: r.trades as number,
      wins: r.wins as number,
      losses: r.losses as number,
      stopped: r.stopped as number,
      pending: r.pending as number,
      totalPnl: r.total_pnl as number,
    }));
  }

  /** `PRAGMA integrity_check`: 'ok' or the problems SQLite found. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as Row[]).map((r) => String(r.integrity_check)).join('\n');
  }
}

/** sha256 of a prompt, the key of the LLM cache together with the model name. */
export function hashPrompt(prompt: string): string {
  return createHash('sha256').update(prompt).digest('hex');
}

/** The part of a report's `options` a run keeps: positions and refusals are the report's alone. */
function optionsGreeks(o: NonNullable<BacktestReport['options']>): RunOptionsGreeks {
  return { chain: o.chain, hedgeEfficiency: o.hedgeEfficiency, greeks: o.greeks };
}

export function runMetaFromReport(report: BacktestReport): RunMeta {
  const meta: RunMeta = {
    strategyName: report.strategy.name,
    params: report.strategy.params,
    symbol: report.data.symbol,
    timeframe: report.data.timeframe,
    dataSource: report.data.source,
    dataFrom: report.data.from,
    dataTo: report.data.to,
    bars: report.data.bars,
    agentsMode: 'off',
  };
  if (report.strategy.path !== undefined) meta.strategyPath = report.strategy.path;
  if (report.strategy.contentHash !== undefined) meta.contentHash = report.strategy.contentHash;
  return meta;
}

/** A strategy signal as a decision row. The strategy alone decided, so it stands 'approved'. */
export function signalRow(runId: number, seq: number, symbol: string | null, s: Signal): DecisionRow {
  return [runId, seq, s.time, s.bar, symbol, s.action, s.confidence, s.reason, 'approved', s.ignored ?? null, s.tradeId ?? null, null, null, null, s.repeats ?? 1, null, null];
}

export function decisionRow(runId: number, seq: number, d: DecisionInput): DecisionRow {
  return [
    runId,
    seq,
    d.time,
    d.bar ?? null,
    d.symbol ?? null,
    d.action,
    d.confidence ?? null,
    d.reason ?? null,
    d.status ?? 'approved',
    d.ignored ?? null,
    d.tradeNo ?? null,
    d.agent_results ? JSON.stringify(d.agent_results) : null,
    d.consensus_decision ? JSON.stringify(d.consensus_decision) : null,
    d.recommendations ? JSON.stringify(d.recommendations) : null,
    d.repeats ?? 1,
    d.technical_signals ? JSON.stringify(d.technical_signals) : null,
    d.outside_signals ? JSON.stringify(d.outside_signals) : null,
  ];
}

export function messageRow(runId: number, m: AgentMessageInput): MessageRow {
  return [runId, m.decisionSeq ?? null, m.time, m.from, m.to ?? null, m.kind ?? 'message', m.model ?? null, JSON.stringify(m.content ?? null)];
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function limitClause(limit: number | undefined): string {
  return limit !== undefined && Number.isFinite(limit) && limit > 0 ? `LIMIT ${Math.floor(limit)}` : '';
}

function tradeWhere(filter: JournalFilter, timeColumn: string, alias = 't'): { where: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.strategy !== undefined) (where.push('r.strategy_name = @strategy'), (params.strategy = filter.strategy));
  if (filter.strategyPath !== undefined) (where.push('r.strategy_path = @strategyPath'), (params.strategyPath = filter.strategyPath));
  if (filter.runId !== undefined) (where.push(`${alias}.run_id = @runId`), (params.runId = filter.runId));
  if (filter.status !== undefined) (where.push('r.status = @status'), (params.status = filter.status));
  if (filter.from !== undefined) (where.push(`${timeColumn} >= @from`), (params.from = filter.from));
  if (filter.to !== undefined) (where.push(`${timeColumn} < @to`), (params.to = filter.to));
  if (filter.outcome !== undefined) {
    where.push(alias === 't' ? `coalesce(o.outcome, 'PENDING') = @outcome` : 'o.outcome = @outcome');
    params.outcome = filter.outcome;
  }
  return { where: where.length ? 'WHERE ' + where.join(' AND ') : '', params };
}

function parseJson<T>(raw: unknown, fallback: T): T {
  if (typeof raw !== 'string') return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}

function toRunEntry(r: Row): RunEntry {
  return {
    id: r.id as number,
    startedAt: r.started_at as number,
    finishedAt: r.finished_at as number | null,
    status: r.status as RunStatus,
    pid: r.pid as number | null,
    host: (r.host as string | null | undefined) ?? null,
    strategyName: r.strategy_name as string,
    strategyPath: r.strategy_path as string | null,
    contentHash: r.content_hash as string | null,
    gitCommit: r.git_commit as string | null,
    params: parseJson(r.params, {}),
    symbol: r.symbol as string | null,
    timeframe: r.timeframe as string | null,
    dataSource: r.data_source as string | null,
    dataFrom: r.data_from as number | null,
    dataTo: r.data_to as number | null,
    bars: r.bars as number | null,
    metrics: parseJson(r.metrics, null),
    agentsMode: r.agents_mode as string | null,
    error: r.error as string | null,
    tradeCount: (r.trade_count as number | undefined) ?? 0,
    decisionCount: (r.decision_count as number | undefined) ?? 0,
    decisionsDropped: (r.decisions_dropped as number | undefined) ?? 0,
  };
}

function toTradeEntry(r: Row): TradeEntry {
  return {
    id: r.id as number,
    runId: r.run_id as number,
    tradeNo: r.trade_no as number,
    strategyName: r.strategy_name as string,
    symbol: r.symbol as string,
    side: r.side as 'long' | 'short',
    qty: r.qty as number,
    entryTime: r.entry_time as number,
    entryBar: r.entry_bar as number | null,
    entryPrice: r.entry_price as number,
    exitTime: r.exit_time as number | null,
    exitBar: r.exit_bar as number | null,
    exitPrice: r.exit_price as number | null,
    exitReason: r.exit_reason as TradeEntry['exitReason'],
    pnl: r.pnl as number | null,
    pnlPct: r.pnl_pct as number | null,
    fees: r.fees as number,
    barsHeld: r.bars_held as number | null,
    confidence: r.confidence as number | null,
    reason: r.reason as string | null,
    stopPrice: r.stop_price as number | null,
    takeProfitPrice: r.take_profit_price as number | null,
    outcome: r.outcome as OutcomeLabel,
    durationMs: (r.duration_ms as number | null) ?? null,
    ...(r.review_updated_at !== null && r.review_updated_at !== undefined ? { review: toReview(r) } : {}),
  };
}

/** The review columns as listTrades and getTrade select them (`v` is trade_reviews). */
const REVIEW_COLUMNS = 'v.outcome AS review_outcome, v.rating AS review_rating, v.tags AS review_tags, v.review AS review_text, v.updated_at AS review_updated_at';

function toReview(r: Row): TradeReview {
  return {
    outcome: (r.review_outcome as OutcomeLabel | null) ?? null,
    rating: (r.review_rating as number | null) ?? null,
    tags: parseJson<string[]>(r.review_tags, []),
    review: (r.review_text as string | null) ?? '',
    updatedAt: r.review_updated_at as number,
  };
}

/** A review change checked field by field: the message says which value is wrong and what fits. */
function checkReview(change: TradeReviewInput): TradeReviewInput {
  const bad = (message: string, hint: string): never => {
    throw new VoltError({ kind: 'journal', message, hint });
  };
  if (typeof change !== 'object' || change === null) bad('a review must be an object', 'send { outcome?, rating?, tags?, review? }');
  const out: TradeReviewInput = {};
  if (change.outcome !== undefined) {
    if (change.outcome !== null && !OUTCOME_LABELS.includes(change.outcome)) bad(`outcome ${JSON.stringify(change.outcome)} is not one Volt knows`, `use one of ${OUTCOME_LABELS.join(', ')}, or null to keep the recorded one`);
    out.outcome = change.outcome;
  }
  if (change.rating !== undefined) {
    if (change.rating !== null && !(Number.isInteger(change.rating) && change.rating >= 1 && change.rating <= 5)) bad(`rating ${JSON.stringify(change.rating)} is not a whole number from 1 to 5`, 'rate 1 (poor) to 5 (textbook), or null to clear it');
    out.rating = change.rating;
  }
  if (change.tags !== undefined) {
    if (change.tags !== null && (!Array.isArray(change.tags) || change.tags.some((t) => typeof t !== 'string'))) bad('tags must be a list of words', "send tags like ['breakout', 'news']");
    const tags: string[] = [];
    for (const raw of change.tags ?? []) {
      // '#breakout' and 'breakout' are one tag; Obsidian's tags hold no spaces.
      const tag = raw.trim().replace(/^#+/, '').replace(/\s+/g, '-');
      if (tag && !tags.includes(tag)) tags.push(tag);
    }
    out.tags = tags;
  }
  if (change.review !== undefined) {
    if (change.review !== null && typeof change.review !== 'string') bad('review must be text', 'send the review as a string');
    out.review = change.review ?? '';
  }
  return out;
}

function toDecisionEntry(r: Row): DecisionEntry {
  return {
    id: r.id as number,
    runId: r.run_id as number,
    seq: r.seq as number,
    strategyName: r.strategy_name as string,
    time: r.time as number,
    bar: r.bar as number | null,
    symbol: r.symbol as string | null,
    action: r.action as DecisionEntry['action'],
    confidence: r.confidence as number | null,
    reason: r.reason as string | null,
    status: r.status as DecisionEntry['status'],
    ignored: r.ignored as string | null,
    tradeNo: r.trade_no as number | null,
    repeats: (r.repeats as number | undefined) ?? 1,
    agentResults: parseJson(r.agent_results, {}),
    consensus: parseJson(r.consensus_decision, null),
    recommendations: parseJson(r.recommendations, []),
    technicalSignals: parseJson(r.technical_signals, null),
    outsideSignals: parseJson(r.outside_signals, null),
    outcome: (r.outcome as OutcomeLabel | null) ?? null,
  };
}

/** A decision as the structured JSON of DESIGN.md. */
export function decisionJson(d: DecisionEntry): import('./types.js').DecisionJson & Record<string, unknown> {
  return {
    timestamp: new Date(d.time).toISOString(),
    run_id: d.runId,
    bar: d.bar,
    action: d.action,
    confidence: d.confidence,
    reason: d.reason,
    status: d.status,
    outcome: d.outcome,
    ...(d.repeats > 1 ? { repeats: d.repeats } : {}),
    agent_results: d.agentResults,
    consensus_decision: d.consensus,
    recommendations: d.recommendations,
    ...(d.technicalSignals ? { technical_signals: d.technicalSignals } : {}),
    ...(d.outsideSignals ? { outside_signals: d.outsideSignals } : {}),
  };
}
