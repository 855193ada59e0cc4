/**
 * The real files in ../shared/data, each with the quirks real users' files have: every one loads
 * in lenient mode, and in strict mode each quirk is refused with the right kind of problem, on
 * the right line, with a fix. Line numbers were found by reading the files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedDataFile } from '../../../../test-support/shared-data.js';
import { DataError } from './problems.js';
import { checkCandles, loadCandles, loadCandlesSync } from './load.js';
import type { CandleSeries } from './candle.js';

function strictError(file: string): DataError {
  try {
    loadCandlesSync(file);
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error(`${file} loaded in strict mode`);
}

/** The invariants of every series a loader returns. */
function expectWellFormed(s: CandleSeries): void {
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && !(s.time[i]! > s.time[i - 1]!)) throw new Error(`bar ${i} is not after bar ${i - 1}`);
    const o = s.open[i]!;
    const c = s.close[i]!;
    if (!(s.low[i]! > 0 && s.low[i]! <= Math.min(o, c) && s.high[i]! >= Math.max(o, c))) {
      throw new Error(`bar ${i} has an inconsistent range: ${o} ${s.high[i]} ${s.low[i]} ${c}`);
    }
    if (!(s.volume[i]! >= 0)) throw new Error(`bar ${i} has volume ${s.volume[i]}`);
  }
}

describe('bitfinex-1h-btc-usd.csv: newest first, 5 rows out of order, zero-volume bars', () => {
  const file = sharedDataFile('bitfinex-1h-btc-usd.csv');

  it('is refused in strict mode at the first row out of order, not for being newest first', () => {
    const e = strictError(file);
    expect(e.problem).toBe('out-of-order');
    expect(e.kind).toBe('data');
    expect(e.file).toBe(file);
    expect(e.line).toBe(14372);
    expect(e.message).toContain('2017-11-12 08:00 comes after 2017-11-12 03:00 (line 14371)');
    expect(e.message).toContain('and 4 more problems');
    expect(e.hint).toContain('--lenient');
    expect(e.format()).toMatch(/bitfinex-1h-btc-usd\.csv:14372: out of order/);
  });

  it('loads in lenient mode: reversed, sorted, every row kept', async () => {
    const { series, repairs, notes } = await loadCandles(file, { lenient: true });
    expect(series.length).toBe(17_583);
    expect(series.symbol).toBe('BTCUSD');
    expect(series.timeframe).toBe('1h');
    expect(series.time[0]).toBe(Date.UTC(2017, 6, 1, 11));
    expect(series.time[series.length - 1]).toBe(Date.UTC(2019, 6, 4, 1));
    expectWellFormed(series);
    expect(repairs).toEqual(['sorted 5 rows that were out of order (lines 14372, 14374, 14376 and 2 more)']);
    expect(notes).toContain('newest first: read in reverse');
    expect(notes).toContain('28 bars with zero volume');
    // The misplaced 08:00 row sits between 07:00 and 09:00, with the values it was written with.
    const at = series.time.indexOf(Date.UTC(2017, 10, 12, 8));
    expect(series.close[at]).toBe(6201.0);
    expect(series.time[at + 1]).toBe(Date.UTC(2017, 10, 12, 9));
    // VolumeFrom (base currency) is the volume, not VolumeTo.
    expect(series.volume[series.length - 1]).toBe(303.61);
  });

  it('check lists all five rows out of order', async () => {
    const report = await checkCandles(file);
    expect(report.problems.map((p) => [p.kind, p.line])).toEqual([
      ['out-of-order', 14372],
      ['out-of-order', 14374],
      ['out-of-order', 14376],
      ['out-of-order', 14378],
      ['out-of-order', 14380],
    ]);
    expect(report.rows).toBe(17_583);
  });
});

describe('vix-daily.csv: CRLF, no volume, close-only early years, 47 vendor errors in high/low', () => {
  const file = sharedDataFile('vix-daily.csv');

  it('is refused in strict mode at the first high/low that contradicts open/close (line 535)', () => {
    const e = strictError(file);
    expect(e.problem).toBe('ohlc-inconsistent');
    expect(e.line).toBe(535);
    expect(e.message).toContain('high 18.57 is below open 19.24');
    expect(e.message).toContain('and 46 more problems');
  });

  it('loads in lenient mode with the 47 rows widened and volume 0', () => {
    const { series, repairs, notes } = loadCandlesSync(file, { lenient: true });
    expect(series.length).toBe(9235);
    expect(series.timeframe).toBe('1d');
    expect(series.time[0]).toBe(Date.UTC(1990, 0, 2));
    expectWellFormed(series);
    expect(repairs).toEqual(['widened high/low to contain open and close on 47 rows (lines 535, 540, 670 and 44 more)']);
    expect(notes).toContain('no volume column: volume read as 0');
    expect(series.volume.every((v) => v === 0)).toBe(true);
    // Line 535 (1992-02-11): O 19.24 H 18.57 L 17.61 C 17.70 → high widened to the open.
    const at = series.time.indexOf(Date.UTC(1992, 1, 11));
    expect([series.open[at], series.high[at], series.low[at], series.close[at]]).toEqual([19.24, 19.24, 17.61, 17.7]);
    // CRLF did not leak into the last field.
    expect(series.close[series.length - 1]).toBe(18.7);
  });

  it('check counts exactly 47 problems, all of one kind', async () => {
    const report = await checkCandles(file);
    expect(report.problems).toHaveLength(47);
    expect(new Set(report.problems.map((p) => p.kind))).toEqual(new Set(['ohlc-inconsistent']));
    expect(report.problems[0]!.line).toBe(535);
  });
});

describe('2006-01-02-volume-min-001.txt: a 7-column header over 8-field rows', () => {
  const file = sharedDataFile('2006-01-02-volume-min-001.txt');

  it('is refused in strict mode at the header, naming both counts and the split time', () => {
    const e = strictError(file);
    expect(e.problem).toBe('header-mismatch');
    expect(e.line).toBe(1);
    expect(e.message).toBe(
      "the header names 7 columns (Date,Open,High,Low,Close,Volume,OpenInterest) but the rows have 8 fields (line 2): field 2 ('09:01:00') is a time of day split from Date",
    );
    expect(e.hint).toContain('Date,Time,Open,High,Low,Close,Volume,OpenInterest');
  });

  it('loads in lenient mode with Date+Time joined, and says so', () => {
    const { series, repairs } = loadCandlesSync(file, { lenient: true });
    expect(repairs).toEqual(['line 1: read field 2 as the time of day of Date (header taken as Date,Time,Open,High,Low,Close,Volume,OpenInterest)']);
    expect(series.length).toBe(30_889);
    expect(series.timeframe).toBe('1m');
    expect(series.time[0]).toBe(Date.UTC(2006, 0, 2, 9, 1));
    expect([series.open[0], series.high[0], series.low[0], series.close[0], series.volume[0]]).toEqual([3602, 3603, 3597, 3599, 5699]);
    expect(series.time[series.length - 1]).toBe(Date.UTC(2006, 1, 27, 22, 0));
    expectWellFormed(series);
  });

  it('check reports the header once and nothing else', async () => {
    const report = await checkCandles(file);
    expect(report.problems.map((p) => [p.kind, p.line])).toEqual([['header-mismatch', 1]]);
    expect(report.problems[0]!.repair).toBeDefined();
    expect(report.notes.some((n) => /^765 gaps in the 1m bars/.test(n))).toBe(true);
  });
});

describe.each([
  ['ETH_BTC-5m.json', 'ETH/BTC'],
  ['LTC_BTC-5m.json', 'LTC/BTC'],
])('%s: clean, gap-free 5m', (name, symbol) => {
  const file = sharedDataFile(name);

  it('loads in strict mode exactly as written', () => {
    const { series, repairs, notes } = loadCandlesSync(file);
    const rows = JSON.parse(readFileSync(file, 'utf8')) as number[][];
    expect(series.length).toBe(5760);
    expect(series.symbol).toBe(symbol);
    expect(series.timeframe).toBe('5m');
    expect(repairs).toEqual([]);
    expect(notes).toEqual([]);
    for (const i of [0, 1234, 5759]) {
      expect([series.time[i], series.open[i], series.high[i], series.low[i], series.close[i], series.volume[i]]).toEqual(rows[i]);
    }
    expectWellFormed(series);
  });

  it('check finds nothing', async () => {
    expect((await checkCandles(file)).problems).toEqual([]);
  });
});

describe('ETH_BTC and LTC_BTC share their timestamps (a two-asset test)', () => {
  it('loads aligned series', () => {
    const eth = loadCandlesSync(sharedDataFile('ETH_BTC-5m.json')).series;
    const ltc = loadCandlesSync(sharedDataFile('LTC_BTC-5m.json')).series;
    expect(Array.from(eth.time)).toEqual(Array.from(ltc.time));
  });
});

describe('UNITTEST_BTC-1m.json: missing minutes and flat bars are real markets, not errors', () => {
  const file = sharedDataFile('UNITTEST_BTC-1m.json');

  it('loads in strict mode with the gaps described', () => {
    const { series, notes } = loadCandlesSync(file);
    expect(series.length).toBe(13_681);
    expect(series.timeframe).toBe('1m');
    expect(notes).toEqual(['538 gaps in the 1m bars (717 missing); the largest, 8m, ends at 2017-11-05 03:20 (row 159)']);
    let flat = 0;
    for (let i = 0; i < series.length; i++) if (series.high[i] === series.low[i]) flat++;
    expect(flat).toBe(1935);
    expectWellFormed(series);
  });
});
