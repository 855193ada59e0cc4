import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SweepJournal, type SweepMeta } from './index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'volt-sweeps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const meta: SweepMeta = {
  strategyName: 'ema', strategyPath: '/s/ema.strategy.ts', contentHash: 'a'.repeat(64), dataSpec: 'synthetic:1', dataHash: 'b'.repeat(64),
  symbol: 'SYNTH', timeframe: '1h', dataFrom: 0, dataTo: 3_600_000, bars: 2, method: 'tpe', objective: 'sharpe', minTrades: 30,
  trials: 10, folds: 2, windows: 'rolling', seed: 4, settings: { cwd: '/s', options: { capital: 10_000 } },
};

describe('SweepJournal', () => {
  it('keeps a sweep and its trials exactly: params, metrics, an unbounded score, curves as float64', () => {
    const file = path.join(dir, 'j.db');
    const j = SweepJournal.open(file);
    const id = j.start(meta, 1_000);
    const equity = Float64Array.from([10_000, 10_000.1, 9_999.123456789]);
    j.recordTrial(id, { fold: 1, role: 'search', no: 3, params: { fast: 12, maxVol: 0.7 }, from: 5, to: 9, score: Infinity, metrics: { sharpe: 1.25, trades: 31 } as never, equity, tradeReturns: Float64Array.from([0.01, -0.002]), durationMs: 4.5, bars: 100 });
    j.recordTrial(id, { fold: 0, role: 'search', no: 0, params: { fast: 5, maxVol: 3 }, score: null, error: 'boom (/s/ema.strategy.ts:9)', durationMs: 1, bars: 100 });
    j.close();

    const again = SweepJournal.open(file);
    expect(again.get(id)).toMatchObject({ ...meta, id, startedAt: 1_000, status: 'running', pid: process.pid, trialsDone: 2 });
    const [first, second] = again.trials(id);
    expect(first).toEqual({ fold: 0, role: 'search', no: 0, params: { fast: 5, maxVol: 3 }, score: null, error: 'boom (/s/ema.strategy.ts:9)', durationMs: 1, bars: 100 });
    expect(second).toMatchObject({ fold: 1, no: 3, from: 5, to: 9, score: Infinity, metrics: { sharpe: 1.25, trades: 31 } });
    expect(Array.from(second!.equity!)).toEqual(Array.from(equity));
    expect(Array.from(second!.tradeReturns!)).toEqual([0.01, -0.002]);
    again.finish(id, 'complete', { verdict: 'ok' });
    expect(again.list()).toMatchObject([{ id, status: 'complete', result: { verdict: 'ok' } }]);
    expect(() => again.get(7)).toThrow(/the journal has no sweep 7/);
    again.close();
  });
});
