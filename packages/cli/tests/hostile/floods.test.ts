import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal, MAX_DECISIONS_PER_RUN, MAX_REPORT_SIGNALS, type BacktestReport } from '@volt/engine';
import { assertBuilt, scratch, volt } from './harness.js';

// A strategy that calls ctx.buy thousands of times a bar must not flood the journal, the report or
// the vault export: repeats are counted, and a run keeps a bounded number of decisions.
const tmp = scratch('floods');
afterAll(() => tmp.remove());
beforeAll(assertBuilt);

const flood = (calls: number) => `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'flood ${calls}',
  timeframe: '1h',
  onBar(ctx) {
    for (let i = 0; i < ${calls}; i++) ctx.buy({ reason: 'again ' + i });
  },
  risk: { stopLoss: 0.05 },
});
`;

describe('10,000 ctx.buy per bar', () => {
  const ws = tmp.folder('ten-thousand');
  const strategy = tmp.file('ten-thousand/flood.strategy.ts', flood(10_000));

  it('records repeats as counts: a few rows per bar, a small journal, a small report', async () => {
    const ran = await volt(['backtest', strategy, '--data', 'synthetic:1:200:1h'], ws);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const file = path.join(ws, '.volt', 'journal.db');
    // Before: 2,000,000 decision rows and a 255 MB journal.
    expect(statSync(file).size).toBeLessThan(4 * 1024 * 1024);
    const journal = Journal.open(file);
    try {
      const rows = journal.db.prepare(`SELECT count(*) AS rows, sum(repeats) AS calls FROM decisions WHERE run_id = 1`).get() as { rows: number; calls: number };
      expect(rows.rows).toBeLessThanOrEqual(200 * 17);
      // Every call is still accounted for, as a count.
      expect(rows.calls).toBe(200 * 10_000);
      const overflow = journal.db
        .prepare(`SELECT bar, repeats, ignored, reason FROM decisions WHERE run_id = 1 AND bar = 50 AND repeats > 1`)
        .all();
      expect(overflow).toEqual([{ bar: 50, repeats: 10_000 - 16, ignored: 'more than 16 orders in one bar', reason: 'again 16' }]);
      expect(journal.getRun(1)).toMatchObject({ status: 'complete', decisionsDropped: 0 });
    } finally {
      journal.close();
    }
    const listed = await volt(['journal', 'list', 'decisions', '--limit', '1'], ws);
    expect(listed.stdout).toContain('approved (not filled ×10000)');
  });

  it('keeps --json small and every count in it', async () => {
    const ran = await volt(['backtest', strategy, '--data', 'synthetic:1:200:1h', '--json', '--no-journal'], ws);
    expect(ran.code).toBe(0);
    // Before: 360 MB.
    expect(ran.stdout.length).toBeLessThan(2 * 1024 * 1024);
    const report = JSON.parse(ran.stdout) as BacktestReport;
    expect(report.signals.length).toBeLessThanOrEqual(200 * 17);
    expect(report.signals.reduce((n, s) => n + (s.repeats ?? 1), 0)).toBe(200 * 10_000);
    expect(report.signalsDropped).toBeUndefined();
  });

  it('exports the run to a vault', async () => {
    const ran = await volt(['journal', 'export', '--vault', path.join(ws, 'Vault')], ws);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/notes created/);
    const log = readFileSync(path.join(ws, 'Vault', 'Agent-Logs', 'Run 1 decisions.md'), 'utf8');
    expect(log).toContain('approved, not filled: more than 16 orders in one bar (×9984)');
  });
});

describe('a long flooding run', () => {
  const ws = tmp.folder('long');
  const strategy = tmp.file('long/flood.strategy.ts', flood(40));

  it(`stops recording decisions at ${MAX_DECISIONS_PER_RUN.toLocaleString('en-US')} and says how many it dropped`, async () => {
    // 40 calls a bar: 16 queue, the rest collapse into one counted row; 17 rows a bar.
    const bars = 7000;
    // The last bar has no next bar: its 40 calls are one counted row.
    const rows = (bars - 1) * 17 + 1;
    const ran = await volt(['backtest', strategy, '--data', `synthetic:2:${bars}:1h`], ws);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/[\d,]+ more signals not listed: a report keeps the first 100,000/);
    const journal = Journal.open(path.join(ws, '.volt', 'journal.db'));
    let dropped: number;
    try {
      const run = journal.getRun(1)!;
      expect(run.decisionCount).toBe(MAX_DECISIONS_PER_RUN);
      dropped = run.decisionsDropped;
      expect(dropped).toBe(rows - MAX_DECISIONS_PER_RUN);
    } finally {
      journal.close();
    }
    const shown = await volt(['journal', 'show', '1'], ws);
    expect(shown.stdout).toContain(`decisions  100000 recorded, ${dropped} more not recorded (a run keeps at most 100,000)`);

    const json = await volt(['backtest', strategy, '--data', `synthetic:2:${bars}:1h`, '--json', '--no-journal'], ws);
    const report = JSON.parse(json.stdout) as BacktestReport;
    expect(report.signals.length).toBe(MAX_REPORT_SIGNALS);
    expect(report.signalsDropped).toBe(rows - MAX_REPORT_SIGNALS);
  }, 60_000);
});
