import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedDataFile } from '../../../../test-support/shared-data.js';
import { loadCandlesCached } from './binary-cache.js';
import { loadCandlesSync } from './load.js';
import { DataError } from './problems.js';
import { resolveDataSpec } from './spec.js';

let dir: string;
let cache: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'volt-candle-cache-'));
  cache = path.join(dir, 'cache');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const columns = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

describe('the binary candle cache', () => {
  it('reads back, from the cache file, exactly what parsing the text gave (bitfinex, 30,889 rows)', () => {
    const file = sharedDataFile('bitfinex-1h-btc-usd.csv');
    const parsed = loadCandlesSync(file, { lenient: true });
    const first = loadCandlesCached(file, cache, { lenient: true });
    expect(first.cache).toBe('written');
    const second = loadCandlesCached(file, cache, { lenient: true });
    expect(second.cache).toBe('hit');
    expect(second.cacheFile).toBe(first.cacheFile);
    for (const c of columns) expect(Array.from(second.series[c])).toEqual(Array.from(parsed.series[c]));
    expect([second.series.symbol, second.series.timeframe, second.series.source, second.series.length]).toEqual([
      parsed.series.symbol,
      parsed.series.timeframe,
      parsed.series.source,
      parsed.series.length,
    ]);
    expect(second.notes).toEqual(parsed.notes);
    expect(second.repairs).toEqual(parsed.repairs);
  });

  it('keeps what lenient loading repaired, and keys strict and lenient apart', () => {
    const file = path.join(dir, 'btc.csv');
    writeFileSync(file, 'time,open,high,low,close\n2024-01-01,10,11,9,10\n2024-01-03,10,11,9,10.5\n2024-01-02,10,11,9,10.2\n');
    expect(() => loadCandlesCached(file, cache)).toThrow(DataError);
    expect(existsSync(cache)).toBe(false);
    const lenient = loadCandlesCached(file, cache, { lenient: true });
    expect(lenient.cache).toBe('written');
    const again = loadCandlesCached(file, cache, { lenient: true });
    expect(again.cache).toBe('hit');
    expect(again.repairs).toEqual(lenient.repairs);
    expect(again.repairs[0]).toMatch(/sorted 1 row/);
    // Strict still refuses it, at its line: the lenient cache answers lenient loads only.
    expect(() => loadCandlesCached(file, cache)).toThrow(/out of order: 2024-01-02/);
  });

  it('reads the file again when it changes, even with the same size and mtime', () => {
    const file = path.join(dir, 'eth.csv');
    writeFileSync(file, 'time,open,high,low,close\n2024-01-01,10,11,9,10\n2024-01-02,10,11,9,10.5\n');
    expect(loadCandlesCached(file, cache).series.close[1]).toBe(10.5);
    const stamp = new Date('2024-05-01T00:00:00Z');
    utimesSync(file, stamp, stamp);
    writeFileSync(file, 'time,open,high,low,close\n2024-01-01,10,11,9,10\n2024-01-02,10,11,9,10.7\n');
    const changed = loadCandlesCached(file, cache);
    expect(changed.cache).toBe('written');
    expect(changed.series.close[1]).toBe(10.7);
    // A copy with the same bytes finds the same cache file through its content hash.
    const copy = path.join(dir, 'eth-copy.csv');
    copyFileSync(file, copy);
    const copied = loadCandlesCached(copy, cache);
    expect(copied.cache).toBe('hit');
    expect(copied.series.source).toBe(copy);
  });

  it('parses again when a cache file is cut short, and writes it whole', () => {
    const file = sharedDataFile('ETH_BTC-5m.json');
    const first = loadCandlesCached(file, cache);
    const size = readFileSync(first.cacheFile).length;
    truncateSync(first.cacheFile, size - 8);
    const again = loadCandlesCached(file, cache);
    expect(again.cache).toBe('written');
    expect(readFileSync(first.cacheFile).length).toBe(size);
    expect(again.series.length).toBe(first.series.length);
  });

  it('is what resolveDataSpec reads when given a candleCache folder', async () => {
    const file = sharedDataFile('vix-daily.csv');
    await resolveDataSpec(file, { candleCache: cache, lenient: true });
    const files = readdirSync(cache).filter((f) => f.endsWith('.candles'));
    expect(files).toHaveLength(1);
    const viaCache = await resolveDataSpec(file, { candleCache: cache, lenient: true });
    expect(Array.from(viaCache.close)).toEqual(Array.from(loadCandlesSync(file, { lenient: true }).series.close));
  });
});
