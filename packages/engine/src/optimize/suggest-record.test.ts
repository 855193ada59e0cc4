import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../journal/index.js';
import { parseIsoWeek, weeklyReport } from '../vault/weekly.js';
import { describePending, pendingSuggestions, recordSuggestions } from './suggest-record.js';
import type { ParamSuggestion } from './suggest.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'volt-suggest-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 23); // Monday of 2026-W48

function suggestion(param: string, from: number, to: number, status: ParamSuggestion['status'] = 'offered'): ParamSuggestion {
  return {
    param, from, to, status, picked: 3, folds: 3,
    inSample: { before: 0.4, after: 0.6 },
    outOfSample: { before: 0.6, after: 0.9, trades: 41 },
    message: `${to} did better out of sample: Sharpe 0.60 → 0.90 over 3 folds, 41 trades`,
  };
}

function run(j: Journal, at: number, params: Record<string, number>): void {
  j.db.prepare(`INSERT INTO runs (started_at, finished_at, status, strategy_name, params) VALUES (?, ?, 'complete', 'rsi', ?)`).run(at, at + 1000, JSON.stringify(params));
}

describe('offered suggestions in the journal', () => {
  it('keeps the offered ones and lists them until a run moves the param off the value they were offered against', () => {
    const j = Journal.open(path.join(dir, 'pending.db'));
    const kept = recordSuggestions(j, { strategyName: 'rsi', dataSpec: 'btc.csv', at: T0 + DAY }, [suggestion('oversold', 30, 34), suggestion('overbought', 70, 66, 'refused'), suggestion('period', 14, 16)]);
    expect(kept).toBe(2);
    expect(pendingSuggestions(j, T0).map((s) => s.param)).toEqual([]);
    expect(pendingSuggestions(j, T0 + 2 * DAY).map((s) => s.param)).toEqual(['oversold', 'period']);

    // A run that still has both values acts on neither; one with oversold at 34 took that offer.
    run(j, T0 + 2 * DAY, { oversold: 30, period: 14 });
    expect(pendingSuggestions(j, T0 + 3 * DAY).map((s) => s.param)).toEqual(['oversold', 'period']);
    run(j, T0 + 3 * DAY, { oversold: 34, period: 14 });
    expect(pendingSuggestions(j, T0 + 4 * DAY).map((s) => s.param)).toEqual(['period']);
    // Moved elsewhere by hand: the trader decided, nothing pending.
    run(j, T0 + 4 * DAY, { oversold: 34, period: 20 });
    expect(pendingSuggestions(j, T0 + 5 * DAY)).toEqual([]);
    // As of before those runs, the week still read them as pending.
    expect(pendingSuggestions(j, T0 + 3 * DAY - 1).map((s) => s.param)).toEqual(['oversold', 'period']);

    // A newer offer for the same param replaces the old one.
    recordSuggestions(j, { strategyName: 'rsi', dataSpec: 'btc.csv', at: T0 + 5 * DAY }, [suggestion('period', 20, 22)]);
    const [p] = pendingSuggestions(j, T0 + 6 * DAY);
    expect(describePending(p!)).toBe('rsi: period 20 → 22 (offered 2026-11-28): 22 did better out of sample: Sharpe 0.60 → 0.90 over 3 folds, 41 trades');
    j.close();
  });

  it("are the weekly report's pending suggestions", () => {
    const j = Journal.open(path.join(dir, 'weekly.db'));
    run(j, T0 + DAY, { oversold: 30 });
    recordSuggestions(j, { strategyName: 'rsi', dataSpec: 'btc.csv', at: T0 + 2 * DAY }, [suggestion('oversold', 30, 34)]);
    const week = parseIsoWeek('2026-W48');
    expect(weeklyReport(j, week).suggestionsPending).toEqual(['rsi: oversold 30 → 34 (offered 2026-11-25): 34 did better out of sample: Sharpe 0.60 → 0.90 over 3 folds, 41 trades']);
    // The next week, after a run that took it, nothing is pending.
    run(j, T0 + 8 * DAY, { oversold: 34 });
    expect(weeklyReport(j, parseIsoWeek('2026-W49')).suggestionsPending).toEqual([]);
    j.close();
  });
});
