import type { AgentJournal } from '../agents/index.js';
import type { BacktestObserver, BacktestReport } from '../backtest/index.js';
import type { JournalEvent } from './protocol.js';

/**
 * Writes what a sandboxed run did into a journal, in the order it happened there: the agents'
 * calls when the panel ran (each decision's messages linked to its new seq), else the report's
 * signals and trades, which is what the backtester told its observer.
 */
export function replayJournalEvents(
  journal: AgentJournal & BacktestObserver & { countDropped?(n: number): void },
  report: BacktestReport,
  events?: JournalEvent[],
): void {
  if (events === undefined) {
    for (const s of report.signals) journal.onSignal?.(s);
    // What the report could not list was still decided: counted, as the recorder counts its own drops.
    journal.countDropped?.(report.signalsDropped ?? 0);
    for (const t of report.trades) journal.onTrade?.(t);
    return;
  }
  const seqs = new Map<number, number>();
  for (const e of events) {
    switch (e.kind) {
      case 'signal': journal.onSignal?.(e.signal); break;
      case 'trade': journal.onTrade?.(e.trade); break;
      case 'decision': seqs.set(e.seq, journal.recordDecision(e.decision)); break;
      case 'message': {
        const { decisionSeq, ...rest } = e.message;
        const seq = decisionSeq === undefined ? undefined : seqs.get(decisionSeq);
        journal.recordMessage(seq === undefined ? rest : { ...rest, decisionSeq: seq });
        break;
      }
    }
  }
}
