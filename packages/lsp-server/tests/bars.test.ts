/** volt/bars: the candles the report's price chart draws, from real data and the synthetic market. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCandlesSync } from '@volt/engine';
import { sharedDataFile } from '../../../test-support/shared-data.js';
import { startInBand, type TestClient } from './utils/connection.js';
import { Requests, type BarsParams, type BarsResult } from '../src/protocol.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'volt-bars-'));
const BITFINEX = sharedDataFile('bitfinex-1h-btc-usd.csv');
let client: TestClient;

const bars = (params: BarsParams) => client.connection.sendRequest<BarsResult>(Requests.bars, params);

beforeAll(async () => {
  writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:7:3000:1h' } }));
  client = await startInBand({ root, settings: { lint: { debounceMs: 5 } } });
  await client.initialize();
});
afterAll(async () => {
  await client.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('volt/bars', () => {
  it('returns a file’s candles in a range, unchanged when they fit', async () => {
    const r = await bars({ data: BITFINEX, from: '2019-07-01', to: Date.parse('2019-07-02T23:00:00Z'), maxBars: 1000 });
    expect(r.step).toBe(1);
    expect(r.timeframe).toBe('1h');
    expect(r.bars).toBe(48);
    expect(r.time.length).toBe(48);
    expect(new Date(r.time[0]!).toISOString()).toBe('2019-07-01T00:00:00.000Z');
    expect(new Date(r.time.at(-1)!).toISOString()).toBe('2019-07-02T23:00:00.000Z');
    const file = loadCandlesSync(BITFINEX, { lenient: true }).series;
    const i = file.time.indexOf(r.time[0]!);
    expect([r.open[0], r.high[0], r.low[0], r.close[0], r.volume[0]]).toEqual([file.open[i], file.high[i], file.low[i], file.close[i], file.volume[i]]);
    // The whole file's highest price, not the range's: decimals stay the same for every range.
    expect(r.dataHigh).toBe(Math.max(...file.high));
    expect(r.dataHigh).toBeGreaterThan(Math.max(...r.high));
  });

  it('downsamples a long range to at most maxBars candles that keep every high, low and the volume', async () => {
    const file = loadCandlesSync(BITFINEX, { lenient: true }).series;
    const r = await bars({ data: BITFINEX, maxBars: 500 });
    expect(r.bars).toBe(file.length);
    expect(r.time.length).toBeLessThanOrEqual(500);
    expect(r.step).toBe(Math.ceil(file.length / 500));
    expect(r.timeframe).toBe(`${r.step}h`);
    expect(Math.max(...r.high)).toBe(Math.max(...file.high));
    expect(Math.min(...r.low)).toBe(Math.min(...file.low));
    expect(r.volume.reduce((a, b) => a + b, 0)).toBeCloseTo(file.volume.reduce((a, b) => a + b, 0), 0);
    // Candle k opens with bar k·step and closes with the bar before the next candle's first.
    expect([r.time[1], r.open[1], r.close[0]]).toEqual([file.time[r.step], file.open[r.step], file.close[r.step - 1]]);
  });

  it('a strategy’s uri means the workspace’s default data', async () => {
    const r = await bars({ uri: pathToFileURL(path.join(root, 'x.strategy.ts')).href });
    expect([r.source, r.bars, r.timeframe, r.step]).toEqual(['synthetic:7:3000:1h', 3000, '1h', 1]);
    expect(r.time.length).toBe(3000);
  });

  it('refuses bad params and missing data in one line', async () => {
    await expect(bars({})).rejects.toThrow(/needs a data spec/);
    await expect(bars({ data: 'synthetic:1', maxBars: 0 })).rejects.toThrow(/maxBars must be a whole number from 1 to 20000/);
    await expect(bars({ data: 'synthetic:1', from: 'the first of July' })).rejects.toThrow(/from must be an ISO date/);
    await expect(bars({ data: 'nowhere.csv' })).rejects.toThrow(/^volt\/bars: could not load nowhere\.csv: [^\n]+$/);
  });
});
