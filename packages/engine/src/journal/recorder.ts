import type { BacktestObserver, BacktestReport, Signal, Trade } from '../backtest/index.js';
import type { AgentMessageInput, DecisionInput } from './types.js';
import { MAX_DECISIONS_PER_RUN, decisionRow, messageRow, signalRow, type DecisionRow, type Journal, type MessageRow } from './journal.js';

export interface RunRecorderOptions {
  /** Rows buffered before a flush commits them in one transaction (default 1000). */
  batchSize?: number;
  /** Symbol stored on decisions that come from plain strategy signals. */
  symbol?: string;
  /** Called after each flush with the rows it committed (progress displays, tests). */
  onFlush?(rows: number): void;
  /** Decisions kept per run (default MAX_DECISIONS_PER_RUN); tests lower it. */
  maxDecisions?: number;
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
  /** Decisions this run may still write before the rest are only counted. */
  private room: number;
  /** Decisions past the cap; their seqs start at droppedFrom, so their agent messages go too. */
  private dropped = 0;
  private droppedFrom = Infinity;
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
    this.room = Math.max(0, (options.maxDecisions ?? MAX_DECISIONS_PER_RUN) - (last ?? 0));
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
    if (!this.keep()) return;
    // Copy now: the backtester may reuse its signal object on the next bar.
    this.decisions.push(signalRow(this.runId, this.nextSeq++, this.symbol, signal));
    if (this.pending >= this.batchSize) this.flush();
  };

  /** Decisions counted but not recorded so far (past the per-run cap). */
  get decisionsDropped(): number {
    return this.dropped;
  }

  /**
   * Decisions the run made that never reach this recorder: a report replayed from a sandboxed run
   * lists at most its first signals (report.signalsDropped says how many more there were).
   */
  countDropped(n: number): void {
    if (n <= 0) return;
    if (this.dropped === 0) this.droppedFrom = this.nextSeq;
    this.dropped += n;
  }

  /** Whether one more decision fits under the cap; counts it as dropped when not. */
  private keep(): boolean {
    if (this.room > 0) {
      this.room--;
      return true;
    }
    if (this.dropped === 0) this.droppedFrom = this.nextSeq;
    this.dropped++;
    return false;
  }

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
    if (!this.keep()) return this.nextSeq++;
    const seq = this.nextSeq++;
    this.decisions.push(decisionRow(this.runId, seq, { symbol: this.symbol ?? undefined, ...decision } as DecisionInput));
    if (this.pending >= this.batchSize) this.flush();
    return seq;
  }

  recordMessage(message: AgentMessageInput): void {
    if (message.decisionSeq !== undefined && message.decisionSeq >= this.droppedFrom) return;
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
    this.journal.finishRun(this.runId, report, this.dropped);
    this.finished = true;
  }

  /** Flushes what was recorded and marks the run failed. */
  fail(error: unknown): void {
    if (this.finished) return;
    try {
      this.flush();
      if (this.dropped > 0) this.journal.setDecisionsDropped(this.runId, this.dropped);
    } finally {
      this.journal.failRun(this.runId, error);
      this.finished = true;
    }
  }
}
