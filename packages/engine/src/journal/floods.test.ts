import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { Journal, MAX_DECISIONS_PER_RUN, recordBacktestRun } from './index.js';
import { MAX_REPORT_SIGNALS, runBacktest, type BacktestReport } from '../backtest/index.js';
import { synthesize } from '../data/index.js';
import { defineStrategy } from '../strategy/index.js';
import { tempDirs } from '../../tests/journal/support.js';

// journal/README.md, "Floods": repeats are one row with a count; a run keeps at most
// MAX_DECISIONS_PER_RUN decisions and counts the rest.
const tempDir = tempDirs();

const flood = (calls: number) =>
  defineStrategy({
    name: 'flood',
    onBar(ctx) {
      for (let i = 0; i < calls; i++) ctx.buy({ reason: `call ${i}` });
    },
  });

describe('a flooding strategy', () => {
  it('collapses the calls a bar refuses into one signal per cause, with the count and the first call', () => {
    const report = runBacktest(flood(1000), synthesize({ seed: 1, bars: 3, timeframe: '1h' }));
    const bar0 = report.signals.filter((s) => s.bar === 0);
    expect(bar0).toHaveLength(17);
    expect(bar0[16]).toMatchObject({ ignored: 'more than 16 orders in one bar', repeats: 1000 - 16, reason: 'call 16' });
    // The last bar has no next bar: every call is one row.
    expect(report.signals.filter((s) => s.bar === 2)).toEqual([expect.objectContaining({ ignored: 'no next bar', repeats: 1000, reason: 'call 0' })]);
    expect(report.signals.reduce((n, s) => n + (s.repeats ?? 1), 0)).toBe(3000);
  });

  it('the recorder stops at its cap, counts the rest and drops agent messages tied to them', () => {
    const file = path.join(tempDir(), 'journal.db');
    const journal = Journal.open(file);
    const runId = journal.startRun({ strategyName: 'capped', gitCommit: null });
    const recorder = journal.recorder(runId, { maxDecisions: 5, batchSize: 2 });
    const signal = { bar: 0, time: 0, action: 'buy' as const, confidence: 1, reason: '' };
    for (let i = 0; i < 4; i++) recorder.onSignal({ ...signal, bar: i });
    const kept = recorder.recordDecision({ time: 0, action: 'buy' });
    const dropped = recorder.recordDecision({ time: 0, action: 'buy' });
    recorder.recordMessage({ time: 0, from: 'trend', content: 'kept', decisionSeq: kept });
    recorder.recordMessage({ time: 0, from: 'trend', content: 'dropped', decisionSeq: dropped });
    recorder.onSignal({ ...signal, bar: 9 });
    const report = runBacktest(flood(1), synthesize({ seed: 1, bars: 3, timeframe: '1h' }));
    recorder.finish(report);
    const run = journal.getRun(runId)!;
    expect(run.decisionCount).toBe(5);
    expect(run.decisionsDropped).toBe(2);
    expect(journal.listAgentMessages(runId).map((m) => m.content)).toEqual(['kept']);
    journal.close();
  });

  it("a finished report (the sidecar's path) keeps at most the cap and counts what the report left out", () => {
    const file = path.join(tempDir(), 'journal.db');
    const report = runBacktest(flood(1), synthesize({ seed: 1, bars: 3, timeframe: '1h' }));
    const big: BacktestReport = {
      ...report,
      signals: Array.from({ length: MAX_DECISIONS_PER_RUN + 10 }, (_, i) => ({ ...report.signals[0]!, bar: i })),
      signalsDropped: 7,
    };
    const runId = recordBacktestRun(file, big, { gitCommit: null });
    const journal = Journal.open(file);
    expect(journal.getRun(runId)).toMatchObject({ decisionCount: MAX_DECISIONS_PER_RUN, decisionsDropped: 17 });
    journal.close();
    expect(MAX_REPORT_SIGNALS).toBe(MAX_DECISIONS_PER_RUN);
  });
});
