/**
 * What keeps a session's memory flat (BENCHMARKS.md, issue 14): the agents' context over the last
 * bars only, reading what the whole history reads; the session journal's small page cache.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesize } from '../data/index.js';
import { MarketContextBuilder } from '../agents/index.js';
import { SessionStore } from './index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-memory-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("a session's memory", () => {
  it("reads the same market context from the last 1,024 bars as from the whole history, with arrays the window's size", () => {
    const series = synthesize({ seed: 8, bars: 6000, timeframe: '1m', symbol: 'BTC/USDT', startPrice: 40_000, start: Date.UTC(2024, 0, 1) });
    const whole = new MarketContextBuilder(series);
    for (const bar of [1500, 3333, 5999]) {
      // As a session has it: the bars so far.
      const n = bar + 1;
      const soFar = { ...series, length: n, time: series.time.subarray(0, n), open: series.open.subarray(0, n), high: series.high.subarray(0, n), low: series.low.subarray(0, n), close: series.close.subarray(0, n), volume: series.volume.subarray(0, n) };
      const windowed = new MarketContextBuilder(soFar, { from: n - 1024 });
      const a = { ...whole.at(bar) };
      const b = { ...windowed.at(bar) };
      expect(b.regime).toBe(a.regime);
      expect(b.volPercentile).toBe(a.volPercentile);
      expect(b.realizedVol).toBeCloseTo(a.realizedVol, 12);
      expect(b.trendSpread).toBeCloseTo(a.trendSpread, 12);
      expect(b.momentum).toBe(a.momentum);
      expect(b.bar).toBe(bar);
      expect((windowed as unknown as { vol: Float64Array }).vol.length).toBe(1024);
    }
  });

  it("keeps SQLite's 2 MB page cache on a session's journal, not better-sqlite3's 16 MB", () => {
    const store = SessionStore.create(path.join(tmp, 'cache.db'), 'paper', { strategyPath: 'x.strategy.ts', exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m', capital: 1000, warmupBars: 0, hours: 1, params: {}, feeRate: 0.001, protection: {} }, { strategyName: 'x' }, null);
    expect(store.journal.db.pragma('cache_size', { simple: true })).toBe(-2000);
    store.close();
  });
});
