import { describe, expect, it } from 'vitest';
import { checkCandleText, loadCandles, parseCandles, symbolFromFileName, type LoadOptions } from './load.js';
import { DataError, type DataProblemKind } from './problems.js';
import { parseTimestamp } from './timestamp.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

function load(text: string, options: LoadOptions = {}, file = 'prices.csv') {
  return parseCandles(text, file, options);
}

function refused(text: string, options: LoadOptions = {}, file = 'prices.csv'): DataError {
  try {
    load(text, options, file);
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('the text loaded');
}

function expectRefused(text: string, kind: DataProblemKind, line: number, options: LoadOptions = {}): DataError {
  const e = refused(text, options);
  expect({ kind: e.problem, line: e.line }).toEqual({ kind, line });
  expect(e.kind).toBe('data');
  expect(e.file).toBe('prices.csv');
  expect(e.hint).toBeTruthy();
  return e;
}

const CLEAN = ['date,open,high,low,close,volume', '2024-01-01 00:00,10,12,9,11,100', '2024-01-01 01:00,11,13,10,12,200', '2024-01-01 02:00,12,14,11,13,300'];

describe('reading CSV layouts', () => {
  it('reads a plain file: times, prices, volume, the timeframe from the spacing, the symbol from the name', () => {
    const { series, repairs, notes } = load(CLEAN.join('\n') + '\n', {}, '/tmp/BTC_USDT-1h.csv');
    expect(Array.from(series.time)).toEqual([T0, T0 + H, T0 + 2 * H]);
    expect(Array.from(series.open)).toEqual([10, 11, 12]);
    expect(Array.from(series.high)).toEqual([12, 13, 14]);
    expect(Array.from(series.low)).toEqual([9, 10, 11]);
    expect(Array.from(series.close)).toEqual([11, 12, 13]);
    expect(Array.from(series.volume)).toEqual([100, 200, 300]);
    expect(series.timeframe).toBe('1h');
    expect(series.symbol).toBe('BTC/USDT');
    expect(series.source).toBe('/tmp/BTC_USDT-1h.csv');
    expect(repairs).toEqual([]);
    expect(notes).toEqual([]);
  });

  it('finds columns by name in any order and case, with aliases, ignoring columns it does not know', () => {
    const text = [
      'Vol.;Adj Close;CLOSE;Lowest;Highest;Opening;Extra;TIMESTAMP',
      '100;99;11;9;12;10;x;1704067200',
      '200;99;12;10;13;11;y;1704070800',
    ].join('\r\n');
    const { series } = load(text);
    expect(Array.from(series.time)).toEqual([T0, T0 + H]);
    expect(Array.from(series.close)).toEqual([11, 12]);
    expect(Array.from(series.open)).toEqual([10, 11]);
    expect(Array.from(series.high)).toEqual([12, 13]);
    expect(Array.from(series.low)).toEqual([9, 10]);
    expect(Array.from(series.volume)).toEqual([100, 200]);
  });

  it('joins split Date and Time columns', () => {
    const { series } = load(['Date,Time,Open,High,Low,Close', '20240101,09:30,1,2,0.5,1.5', '20240101,09:31,1.5,2,1,1.8'].join('\n'));
    expect(Array.from(series.time)).toEqual([T0 + 9.5 * H, T0 + 9.5 * H + 60_000]);
    expect(series.timeframe).toBe('1m');
  });

  it('reads epoch milliseconds and seconds alike', () => {
    const ms = load(['time,open,high,low,close', '1704067200000,1,2,0.5,1.5', '1704067500000,1,2,0.5,1.5'].join('\n')).series;
    const s = load(['time,open,high,low,close', '1704067200,1,2,0.5,1.5', '1704067500,1,2,0.5,1.5'].join('\n')).series;
    expect(Array.from(ms.time)).toEqual([T0, T0 + 300_000]);
    expect(Array.from(s.time)).toEqual(Array.from(ms.time));
    expect(s.timeframe).toBe('5m');
  });

  it('reverses a newest-first file without calling it an error', () => {
    const text = [CLEAN[0], CLEAN[3], CLEAN[2], CLEAN[1]].join('\n');
    const { series, notes } = load(text);
    expect(Array.from(series.time)).toEqual([T0, T0 + H, T0 + 2 * H]);
    expect(Array.from(series.close)).toEqual([11, 12, 13]);
    expect(notes).toEqual(['newest first: read in reverse']);
  });

  it('reads files without volume as volume 0, and close-only files as flat bars', () => {
    const noVolume = load(['Date,Open,High,Low,Close', '2024-01-01,1,2,0.5,1.5', '2024-01-02,1.5,2,1,1.8'].join('\n'));
    expect(Array.from(noVolume.series.volume)).toEqual([0, 0]);
    expect(noVolume.series.timeframe).toBe('1d');
    expect(noVolume.notes).toContain('no volume column: volume read as 0');
    const closeOnly = load(['Date,Price', '2024-01-01,5', '2024-01-02,6'].join('\n'));
    expect(Array.from(closeOnly.series.open)).toEqual([5, 6]);
    expect(Array.from(closeOnly.series.high)).toEqual([5, 6]);
    expect(closeOnly.notes[0]).toContain('only a Price column');
  });

  it('reads headerless files as time,open,high,low,close[,volume], also with a split date and time', () => {
    const plain = load(['1704067200000,1,2,0.5,1.5,10', '1704067260000,1,2,0.5,1.5,20'].join('\n'));
    expect(Array.from(plain.series.volume)).toEqual([10, 20]);
    expect(plain.notes[0]).toBe('no header line: columns read as time,open,high,low,close,volume');
    const split = load(['2024-01-01,09:30:00,1,2,0.5,1.5,10,0', '2024-01-01,09:31:00,1,2,0.5,1.5,20,0'].join('\n'));
    expect(split.series.time[0]).toBe(T0 + 9.5 * H);
  });

  it('skips a title line above the header, blank lines, quotes and a byte-order mark', () => {
    const text = '\uFEFFhttps://www.example.com\n"Date","Symbol","Open","High","Low","Close"\n\n"2024-01-01","X","1","2","0.5","1.5"\n\n';
    const { series, notes } = load(text);
    expect(series.length).toBe(1);
    expect(series.symbol).toBe('X');
    expect(notes[0]).toContain('skipped the title line');
  });

  it('picks one symbol out of a multi-symbol file with the symbol option', () => {
    const text = ['date,symbol,open,high,low,close', '2024-01-01,A,1,2,0.5,1.5', '2024-01-01,B,9,9,9,9', '2024-01-02,A,1,2,0.5,1.5'].join('\n');
    const { series } = load(text, { onlySymbol: 'A' });
    expect(series.length).toBe(2);
    expect(series.symbol).toBe('A');
    expect(load(text, { onlySymbol: 'B' }).series.close[0]).toBe(9);
    expect(refused(text, { onlySymbol: 'C' }).message).toBe('no rows of symbol C');
    expect(expectRefused(text, 'mixed-symbols', 3).message).toBe('symbol B in a file of A');
  });

  it('labels the series with the symbol it is given, whatever the file says', () => {
    const text = ['date,symbol,open,high,low,close', '2024-01-01,BTCUSD,1,2,0.5,1.5'].join('\n');
    expect(load(text, { symbol: 'BTC/USD' }).series.symbol).toBe('BTC/USD');
    expect(load(text).series.symbol).toBe('BTCUSD');
  });

  it('takes the timeframe it is given over the inferred one', () => {
    expect(load(CLEAN.join('\n'), { timeframe: '4h' }).series.timeframe).toBe('4h');
  });
});

describe('reading JSON', () => {
  it('reads [[ts, o, h, l, c, v], …] and rows of objects or numeric strings', () => {
    const arrays = parseCandles('[[1704067200000,1,2,0.5,1.5,10],[1704067260000,"1.5","2","1","1.8","20"]]', 'X_Y-1m.json').series;
    expect(Array.from(arrays.close)).toEqual([1.5, 1.8]);
    expect(arrays.symbol).toBe('X/Y');
    const objects = parseCandles('[{"timestamp":"2024-01-01T00:00:00Z","o":1,"h":2,"l":0.5,"c":1.5},{"c":1.6,"l":0.5,"h":2,"o":1,"timestamp":"2024-01-01T00:01:00Z"}]', 'o.json').series;
    expect(Array.from(objects.time)).toEqual([T0, T0 + 60_000]);
    expect(Array.from(objects.close)).toEqual([1.5, 1.6]);
    expect(objects.volume[0]).toBe(0);
    const e = refused('[{"t":1704067200000,"open":1,"high":2,"close":1.5}]', {}, 'o.json');
    expect([e.problem, e.message]).toEqual(['missing-column', 'no low field in the candles (t, open, high, close)']);
  });

  it('places problems at the row: line and column', () => {
    const text = '[\n  [1704067200000, 1, 2, 0.5, 1.5, 10],\n  [1704067260000, 1, 2, 0.5, 0, 10]\n]';
    const e = refused(text, {}, 'c.json');
    expect([e.problem, e.line, e.column]).toEqual(['bad-price', 3, 3]);
    expect(e.message).toBe('unusable price: close is 0');
  });

  it('refuses text that is not JSON with the position of the mistake', () => {
    const e = refused('[[1704067200000, 1, 2, 0.5, 1.5],\n [oops]]', {}, 'c.json');
    expect(e.problem).toBe('bad-json');
    expect(e.line).toBe(2);
    expect(refused('{"candles": []}', {}, 'c.json').problem).toBe('bad-json');
  });
});

describe('strict mode refuses, naming the line and the fix', () => {
  it('a duplicate time, on the second row of that time', () => {
    const e = expectRefused([...CLEAN, '2024-01-01 02:00,12,14,11,13,300'].join('\n'), 'duplicate', 5);
    expect(e.message).toBe('duplicate: a second row for 2024-01-01 02:00 (first at line 4, same values)');
    expect(e.hint).toContain('--lenient');
  });

  it('a row out of order', () => {
    const e = expectRefused([CLEAN[0], CLEAN[1], CLEAN[3], CLEAN[2], '2024-01-01 03:00,1,1,1,1,1'].join('\n'), 'out-of-order', 4);
    expect(e.message).toBe('out of order: 2024-01-01 01:00 comes after 2024-01-01 02:00 (line 3) in a file that runs oldest first');
    expect(e.hint).toBe('re-run with --lenient to sort the rows by time, or sort the file');
  });

  it.each([
    ['NaN', 'unusable price: open is missing or not a number'],
    ['', 'unusable price: open is missing or not a number'],
    ['0', 'unusable price: open is 0'],
    ['-3', 'unusable price: open is -3'],
  ])('an open of %j', (open, message) => {
    const e = expectRefused([CLEAN[0], CLEAN[1], `2024-01-01 01:00,${open},13,10,12,200`].join('\n'), 'bad-price', 3);
    expect(e.message).toBe(message);
  });

  it('high below low, and a high/low that does not contain open/close', () => {
    expect(expectRefused([CLEAN[0], '2024-01-01 00:00,10,9,12,11,100'].join('\n'), 'high-below-low', 2).message).toBe('high 9 is below low 12');
    expect(expectRefused([CLEAN[0], '2024-01-01 00:00,10,12,9,13,100'].join('\n'), 'ohlc-inconsistent', 2).message).toBe('high 12 is below close 13');
    expect(expectRefused([CLEAN[0], '2024-01-01 00:00,8,12,9,11,100'].join('\n'), 'ohlc-inconsistent', 2).message).toBe('low 9 is above open 8');
  });

  it('an unreadable time, a negative volume, a short row', () => {
    expect(expectRefused([CLEAN[0], '01/02/2024 00:00,10,12,9,11,100'].join('\n'), 'bad-timestamp', 2).message).toBe("cannot read the time '01/02/2024 00:00'");
    expectRefused([CLEAN[0], '2024-01-01 00:00,10,12,9,11,-1'].join('\n'), 'bad-volume', 2);
    expect(expectRefused([CLEAN[0], CLEAN[1], '2024-01-01 01:00,10,12'].join('\n'), 'field-count', 3).message).toBe('this row has 3 fields, the others have 6');
  });

  it('a header that does not match its rows, and one missing a price column', () => {
    const e = expectRefused(['date,open,high,low,close', '2024-01-01,1,2,0.5,1.5,7,8'].join('\n'), 'header-mismatch', 1);
    expect(e.message).toBe('the header names 5 columns (date,open,high,low,close) but the rows have 7 fields (line 2)');
    // Not repairable: lenient mode refuses it too.
    expect(refused(['date,open,high,low,close', '2024-01-01,1,2,0.5,1.5,7,8'].join('\n'), { lenient: true }).problem).toBe('header-mismatch');
    const missing = expectRefused(['date,open,high,close', '2024-01-01,1,2,1.5'].join('\n'), 'missing-column', 1);
    expect(missing.message).toBe('no low column in the header (date,open,high,close)');
  });

  it('an empty file or a header without rows', () => {
    expectRefused('', 'empty', 1);
    expectRefused('  \n\n', 'empty', 1);
    expectRefused(CLEAN[0]!, 'empty', 1);
    expect(refused('[]', {}, 'e.json').problem).toBe('empty');
  });

  it('the first problem in the file, and how many more there are', () => {
    const text = [CLEAN[0], '2024-01-01 00:00,10,9,12,11,100', '2024-01-01 01:00,0,13,10,12,200', '2024-01-01 00:00,11,13,10,12,200'].join('\n');
    const e = expectRefused(text, 'high-below-low', 2);
    expect(e.message).toMatch(/\(and 2 more problems: `volt data check` lists them all\)$/);
  });

  it('a file that cannot be read', async () => {
    await expect(loadCandles('/nonexistent/prices.csv')).rejects.toMatchObject({ problem: 'unreadable', kind: 'data', file: '/nonexistent/prices.csv' });
  });
});

describe('lenient mode repairs and says what it did', () => {
  it('sorts, drops duplicates keeping the first, widens high/low, drops unusable rows', () => {
    const text = [
      'date,open,high,low,close,volume',
      '2024-01-01 00:00,10,12,9,11,100', // 2
      '2024-01-01 02:00,12,14,11,13,300', // 3
      '2024-01-01 01:00,11,13,10,12,200', // 4: out of order
      '2024-01-01 01:00,99,99,99,99,999', // 5: duplicate of line 4, dropped
      '2024-01-01 03:00,13,12,11,14,1', // 6: high below close → widened
      '2024-01-01 04:00,14,abc,11,14,1', // 7: unusable → dropped
      '2024-01-01 05:00,14,15,16,14,1', // 8: high below low → rebuilt
      '2024-01-01 06:00,14,15,13,14,', // 9: volume missing → 0
      'garbage,14,15,13,14,1', // 10: unreadable time → dropped
      '2024-01-01 07:00,14', // 11: short → dropped
    ].join('\n');
    const { series, repairs } = load(text, { lenient: true });
    expect(Array.from(series.time)).toEqual([0, 1, 2, 3, 5, 6].map((h) => T0 + h * H));
    expect(Array.from(series.close)).toEqual([11, 12, 13, 14, 14, 14]);
    expect([series.high[3], series.low[3]]).toEqual([14, 11]);
    expect([series.high[4], series.low[4]]).toEqual([16, 14]);
    expect(series.volume[5]).toBe(0);
    expect(repairs).toEqual([
      'dropped 1 row whose field count differs from the others (line 11)',
      'dropped 1 row with an unreadable time (line 10)',
      'dropped 1 row with a missing, zero, negative or out-of-range price (line 7)',
      'read the volume as 0 on 1 row where it was missing or negative (line 9)',
      'rebuilt high/low from all four prices on 1 row where high was below low (line 8)',
      'widened high/low to contain open and close on 1 row (line 6)',
      'sorted 1 row that was out of order (line 4)',
      'dropped 1 duplicate row, keeping the first row of each time (line 5)',
    ]);
  });

  it('refuses a file none of whose rows can be used', () => {
    const e = refused([CLEAN[0], '2024-01-01,0,0,0,0,0'].join('\n'), { lenient: true });
    expect([e.problem, e.line]).toEqual(['empty', 2]);
    expect(e.message).toBe('no usable rows: every row has a problem, the first: unusable price: open is 0, high is 0, low is 0, close is 0');
  });

  it('keeps the first of duplicates in a newest-first file too', () => {
    const text = [CLEAN[0], '2024-01-01 01:00,11,13,10,12,200', '2024-01-01 01:00,11,13,10,99,200', CLEAN[1]].join('\n');
    const { series } = load(text, { lenient: true });
    expect(Array.from(series.close)).toEqual([11, 12]);
  });
});

describe('check collects every problem, in file order', () => {
  it('lists one entry per problem with the repair lenient mode would make', () => {
    const text = [CLEAN[0], '2024-01-01 00:00,10,9,12,11,100', '2024-01-01 01:00,0,13,10,12,200', CLEAN[3], CLEAN[2], CLEAN[2]].join('\n');
    const report = checkCandleText(text, 'prices.csv');
    expect(report.problems.map((p) => [p.kind, p.line])).toEqual([
      ['high-below-low', 2],
      ['bad-price', 3],
      ['out-of-order', 5],
      ['duplicate', 6],
    ]);
    expect(report.problems.every((p) => p.repair !== undefined && p.hint.length > 0)).toBe(true);
    expect(report.rows).toBe(4);
    expect(report.first).toBe(T0);
  });

  it('is empty for a clean file', () => {
    expect(checkCandleText(CLEAN.join('\n'), 'prices.csv').problems).toEqual([]);
  });
});

describe('timestamps', () => {
  it.each([
    ['2024-01-01', T0],
    ['2024/01/01', T0],
    ['20240101', T0],
    ['2024-01-01T09:30:00Z', T0 + 9.5 * H],
    ['2024-01-01T09:30:00.250Z', T0 + 9.5 * H + 250],
    ['2024-01-01 09:30', T0 + 9.5 * H],
    ['2024-01-01T11:30:00+02:00', T0 + 9.5 * H],
    ['2024-01-01T04:30:00-0500', T0 + 9.5 * H],
    ['20240101093000', T0 + 9.5 * H],
    ['1704067200', T0],
    ['1704067200000', T0],
    ['1704067200000000', T0],
    [' 1704067200.5 ', T0 + 500],
  ])('%j', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  it.each(['', 'yesterday', '2024-13-01', '2024-01-01T25:00', '01/02/2024', '2024-01-01 9'])('refuses %j', (text) => {
    expect(parseTimestamp(text)).toBeNaN();
  });
});

describe('symbols from file names', () => {
  it.each([
    ['data/ETH_BTC-5m.json', 'ETH/BTC'],
    ['vix-daily.csv', 'vix'],
    ['AAPL.csv', 'AAPL'],
  ])('%s → %s', (file, symbol) => {
    expect(symbolFromFileName(file)).toBe(symbol);
  });
});
