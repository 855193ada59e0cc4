import type { BacktestObserver, BacktestReport, Signal, Trade } from '../backtest/index.js';
import type { AgentMessageInput, DecisionInput } from './types.js';
import { decisionRow, messageRow, signalRow, type DecisionRow, type Journal, type MessageRow } from './journal.js';

export interface RunRecorderOptions {
  /** Rows buffered before a flush commits them in one transaction (default 1000). */
  batchSize?: number;
  /** Symbol stored on decisions that come from plain strategy signals. */
  symbol?: string;
  /** Called after each flush with the rows it committed (progress displays, tests). */
  onFlush?(rows: number): void;
}

/**
 * Records one run while it happens. Implements BacktestObserver, so it can be handed straight to
 * runBacktest; agents add their decisions and messages through recordDecision/recordMessage.
 *
 * Rows wait in memory and are committed in batches (one immediate transaction, prepared statements):
 * a killed process loses at most one batch, and the rest of the run is already on disk.
 */
export class RunRecorder implements BacktestObserver {
  readonly runId: number;
  private readonly journal: Journal;
  private readonly batchSize: number;
  private readonly symbol: string | null;
  private readonly onFlush: ((rows: number) => void) | undefined;
  private trades: Trade[] = [];
  private decisions: DecisionRow[] = [];
  private messages: MessageRow[] = [];
  private nextSeq: number;
  private finished = false;
  private readonly commit: () => void;

  constructor(journal: Journal, runId: number, options: RunRecorderOptions = {}) {
    this.journal = journal;
    this.runId = runId;
    this.batchSize = Math.max(1, options.batchSize ?? 1000);
    this.symbol = options.symbol ?? null;
    this.onFlush = options.onFlush;
    const last = journal.db.prepare(`SELECT max(seq) FROM decisions WHERE run_id = ?`).pluck().get(runId) as number | null;
    this.nextSeq = (last ?? 0) + 1;
    const tx = journal.db.transaction(() => {
      journal.writeTrades(runId, this.trades);
      journal.writeDecisionRows(this.decisions);
      journal.writeMessageRows(this.messages);
    });
    // Immediate: take the write lock up front so busy_timeout applies when another process writes.
    this.commit = () => tx.immediate();
  }

  /** Rows waiting for the next flush. */
  get pending(): number {
    return this.trades.length + this.decisions.length + this.messages.length;
  }

  // The observer hooks are bound arrow properties: the backtester may call them detached.

  readonly onSignal = (signal: Signal): void => {
    // Copy now: the backtester may reuse its signal object on the next bar.
    this.decisions.push(signalRow(this.runId, this.nextSeq++, this.symbol, signal));
    if (this.pending >= this.batchSize) this.flush();
  };

  readonly onTrade = (trade: Trade): void => {
    this.trades.push({ ...trade });
    if (this.pending >= this.batchSize) this.flush();
  };

  /** Long runs commit at least at every progress report, so a kill loses little. */
  readonly onProgress = (): void => {
    this.flush();
  };

  /** Records a decision (with the agents' votes); returns its seq, to link agent messages to it. */
  recordDecision(decision: DecisionInput): number {
    const seq = this.nextSeq++;
    this.decisions.push(decisionRow(this.runId, seq, { symbol: this.symbol ?? undefined, ...decision } as DecisionInput));
    if (this.pending >= this.batchSize) this.flush();
    return seq;
  }

  recordMessage(message: AgentMessageInput): void {
    this.messages.push(messageRow(this.runId, message));
    if (this.pending >= this.batchSize) this.flush();
  }

  /** Commits everything buffered, in one transaction. */
  flush(): void {
    const rows = this.pending;
    if (rows === 0) return;
    this.commit();
    this.trades = [];
    this.decisions = [];
    this.messages = [];
    this.onFlush?.(rows);
  }

  /** Flushes and closes the run with its report (status complete). */
  finish(report: BacktestReport): void {
    if (this.finished) return;
    this.flush();
    this.journal.finishRun(this.runId, report);
    this.finished = true;
  }

  /** Flushes what was recorded and marks the run failed. */
  fail(error: unknown): void {
    if (this.finished) return;
    try {
      this.flush();
    } finally {
      this.journal.failRun(this.runId, error);
      this.finished = true;
    }
  }
}
