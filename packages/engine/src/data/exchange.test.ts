/**
 * The real ccxt `binance` client against a Binance spot REST API on 127.0.0.1
 * (tests/data/binance-api.ts): paging, errors as Binance and the network give them, the checks
 * every candle file passes, and the `exchange:` data spec with its on-disk cache.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { closedPort } from '../../../../test-support/ports.js';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startBinanceApi, type BinanceApi, type ServedMarket } from '../../tests/data/binance-api.js';
import { VoltError } from '../errors.js';
import { allocateSeries, type CandleSeries } from './candle.js';
import { NO_NETWORK_HINT, fetchCandles, type FetchCandlesOptions } from './exchange.js';
import { EXCHANGE_DEFAULT_BARS, exchangeCacheFile, parseExchangeSpec } from './exchange-spec.js';
import { resolveDataSpec, resolveDataSpecSync } from './spec.js';
import { synthesize } from './synthetic.js';

const HOUR = 3_600_000;
const START = Date.UTC(2024, 0, 1);
const BTC = synthesize({ seed: 7, bars: 2500, timeframe: '1h', start: START, symbol: 'BTC/USDT', startPrice: 42_000 });
const MARKETS: ServedMarket[] = [
  { id: 'BTCUSDT', base: 'BTC', quote: 'USDT', candles: BTC },
  { id: 'ETHBTC', base: 'ETH', quote: 'BTC' },
];

let api: BinanceApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-exchange-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function serve(markets = MARKETS, extra: { refuseKlines?: string[]; silent?: boolean } = {}): Promise<BinanceApi> {
  api = await startBinanceApi({ markets, ...extra });
  return api;
}

function btc(over: Partial<FetchCandlesOptions> = {}): FetchCandlesOptions {
  return { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h', since: START, apiUrl: api!.url, ...over };
}

/** What the API sent, read back: prices as 8-decimal strings. */
const served = (x: number): number => Number(x.toFixed(8));

function expectServed(got: CandleSeries, from: number, count: number): void {
  expect(got.length).toBe(count);
  for (let i = 0; i < count; i++) {
    const j = from + i;
    const row = [got.time[i], got.open[i], got.high[i], got.low[i], got.close[i], got.volume[i]];
    const want = [BTC.time[j], served(BTC.open[j]!), served(BTC.high[j]!), served(BTC.low[j]!), served(BTC.close[j]!), served(BTC.volume[j]!)];
    if (row.some((v, k) => v !== want[k])) expect({ candle: i, row }).toEqual({ candle: i, row: want });
  }
}

async function refusal(promise: Promise<unknown>): Promise<VoltError> {
  const e = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(VoltError);
  return e as VoltError;
}


describe('fetchCandles', () => {
  it('pages through the range at the largest page Binance gives and returns exactly the served candles in order', async () => {
    await serve();
    const pages: number[] = [];
    const got = await fetchCandles(btc({ until: START + 2500 * HOUR, onProgress: (candles) => pages.push(candles) }));
    expectServed(got, 0, 2500);
    expect(got).toMatchObject({ symbol: 'BTC/USDT', timeframe: '1h', source: 'binance' });
    expect(pages).toEqual([1000, 2000, 2500]);
    // One exchangeInfo (spot only: no fapi/dapi, no signed currency list) and three klines pages.
    expect(api!.requests.map((u) => u.pathname)).toEqual(['/api/v3/exchangeInfo', '/api/v3/klines', '/api/v3/klines', '/api/v3/klines']);
    const klines = api!.klineRequests().map((u) => Object.fromEntries(u.searchParams));
    expect(klines.map((q) => [q['symbol'], q['interval'], q['limit']])).toEqual(Array(3).fill(['BTCUSDT', '1h', '1000']));
    expect(klines.map((q) => Number(q['startTime']))).toEqual([START, START + 999 * HOUR + 1, START + 1999 * HOUR + 1]);
  });

  it('starts at the first bar at or after since, stops before until, and honours limit and pageSize', async () => {
    await serve();
    const mid = await fetchCandles(btc({ since: START + 10 * HOUR + 1, until: START + 42 * HOUR, pageSize: 7 }));
    expectServed(mid, 11, 31);
    expect(api!.klineRequests()).toHaveLength(5);
    const capped = await fetchCandles(btc({ pageSize: 100, limit: 250 }));
    expectServed(capped, 0, 250);
    expect(api!.klineRequests()).toHaveLength(5 + 3);
  });

  it('without until, reads to the end of the history the exchange has', async () => {
    await serve();
    const got = await fetchCandles(btc({ since: START + 2000 * HOUR }));
    expectServed(got, 2000, 500);
  });

  it('names a market the exchange does not list, with the ones it does', async () => {
    await serve();
    const e = await refusal(fetchCandles(btc({ symbol: 'BTC/USD' })));
    expect(e.kind).toBe('data');
    expect(e.message).toContain("binance has no market 'BTC/USD'");
    expect(e.hint).toBe('binance lists BTC/USDT');
    expect(api!.klineRequests()).toHaveLength(0);
    const unknown = await refusal(fetchCandles(btc({ symbol: 'DOGE/USDT' })));
    expect(unknown.hint).toMatch(/BASE\/QUOTE .*binance lists 2 markets/);
  });

  it("reports Binance's own -1121 Invalid symbol answer as a data error", async () => {
    await serve(MARKETS, { refuseKlines: ['ETHBTC'] });
    const e = await refusal(fetchCandles(btc({ symbol: 'ETH/BTC' })));
    expect(e.kind).toBe('data');
    expect(e.message).toContain("binance has no market 'ETH/BTC'");
    expect(e.message).toContain('Invalid symbol.');
  });

  it('a closed port is a network error whose hint is to work offline', async () => {
    const port = await closedPort();
    const e = await refusal(fetchCandles({ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h', since: START, apiUrl: `http://127.0.0.1:${port}` }));
    expect(e.kind).toBe('data');
    expect(e.message).toMatch(/^cannot reach binance: .*ECONNREFUSED/);
    expect(e.hint).toBe(NO_NETWORK_HINT);
    expect(e.hint).toContain('synthetic:42');
  });

  it('never hangs on a server that does not answer: the timeout ends the request', async () => {
    await serve(MARKETS, { silent: true });
    const e = await refusal(fetchCandles(btc({ timeout: 300 })));
    expect(e.message).toMatch(/^binance did not answer within 0.3 s/);
    expect(e.hint).toBe(NO_NETWORK_HINT);
  });

  it('refuses what it can tell without a request: unknown exchange, no candles, a timeframe the exchange lacks', async () => {
    const offline = { symbol: 'BTC/USDT', timeframe: '1h', since: START, apiUrl: `http://127.0.0.1:${await closedPort()}` };
    const typo = await refusal(fetchCandles({ ...offline, exchange: 'binanse' }));
    expect(typo).toMatchObject({ kind: 'data', message: "ccxt knows no exchange 'binanse'" });
    expect(typo.hint).toMatch(/did you mean .*binance/);
    const noCandles = await refusal(fetchCandles({ ...offline, exchange: 'bitbns' }));
    expect(noCandles.message).toBe('bitbns does not offer candles (OHLCV) through ccxt');
    const twoDays = await refusal(fetchCandles({ ...offline, exchange: 'binance', timeframe: '2d' }));
    expect(twoDays.message).toBe('binance has no 2d candles');
    expect(twoDays.hint).toContain('1h');
  });

  it('checks candles as the file loaders do: strict refuses a bad bar, lenient repairs it and says so', async () => {
    const bad = allocateSeries(5, { symbol: 'BTC/USDT', timeframe: '1h', source: 'test' });
    for (let i = 0; i < 5; i++) {
      bad.time[i] = START + i * HOUR;
      bad.open[i] = bad.close[i] = 100;
      bad.high[i] = 101;
      bad.low[i] = 99;
      bad.volume[i] = 1;
    }
    bad.high[2] = 98; // below the low: a feed error
    await serve([{ id: 'BTCUSDT', base: 'BTC', quote: 'USDT', candles: bad }]);
    const e = await refusal(fetchCandles(btc({ until: START + 5 * HOUR })));
    expect(e).toMatchObject({ kind: 'data', file: 'binance BTC/USDT 1h', line: 3, message: 'high 98 is below low 99' });
    const repairs: string[] = [];
    const got = await fetchCandles(btc({ until: START + 5 * HOUR, lenient: true, onRepairs: (r) => repairs.push(...r) }));
    expect(got.length).toBe(5);
    expect([got.low[2], got.high[2]]).toEqual([98, 100]);
    expect(repairs).toEqual(['rebuilt high/low from all four prices on 1 row where high was below low (candle 3)']);
  });
});

describe('exchange: data specs', () => {
  it('reads the parts, symbols with a settle currency, and defaults to the latest bars', () => {
    expect(parseExchangeSpec('exchange:binance:BTC/USDT:1h:2024-01-01:2024-02-01')).toEqual({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1h',
      since: START,
      until: Date.UTC(2024, 1, 1),
    });
    expect(parseExchangeSpec('exchange:binance:BTC/USDT:USDT:4h:1704067200000')).toMatchObject({ symbol: 'BTC/USDT:USDT', timeframe: '4h', since: START, until: undefined });
    const now = Date.UTC(2024, 5, 1, 12, 30);
    expect(parseExchangeSpec('exchange:kraken:ETH/EUR:1d', now)).toMatchObject({ since: Date.UTC(2024, 5, 1) - EXCHANGE_DEFAULT_BARS * 86_400_000, until: undefined });
    expect(parseExchangeSpec('synthetic:42')).toBeUndefined();
    expect(parseExchangeSpec('data/exchange.csv')).toBeUndefined();
  });

  it.each([
    ['exchange:binance:BTCUSDT:1h', /not a market symbol like BTC\/USDT/],
    ['exchange:binance:BTC/USDT', /no timeframe/],
    ['exchange:Binance:BTC/USDT:1h', /not an exchange id/],
    ['exchange:binance:BTC/USDT:1h:2024-13-45', /the start '2024-13-45' is not a date/],
    ['exchange:binance:BTC/USDT:1h:2024-02-01:2024-01-01', /is not after the start/],
    ['exchange:binance:BTC/USDT:1h:2024-01-01T09:30:00Z', /too many parts/],
  ])('refuses %s', (spec, why) => {
    let error: unknown;
    try {
      parseExchangeSpec(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VoltError);
    expect((error as VoltError).kind).toBe('usage');
    expect((error as VoltError).message).toMatch(why);
    expect((error as VoltError).hint).toContain('exchange:binance:BTC/USDT:1h:2024-01-01:2024-02-01');
  });

  it('caches a closed range under .volt/cache: the second resolve asks no server, also synchronously', async () => {
    await serve();
    const cwd = mkdtempSync(path.join(tmp, 'cache-'));
    const spec = 'exchange:binance:BTC/USDT:1h:2024-01-01:2024-01-15';
    const first: string[] = [];
    const fetched = await resolveDataSpec(spec, { cwd, exchangeApiUrl: api!.url, onNote: (n) => first.push(n) });
    expectServed(fetched, 0, 14 * 24);
    const asked = api!.requests.length;
    expect(asked).toBe(2);
    const file = exchangeCacheFile(parseExchangeSpec(spec)!, { cwd })!;
    expect(path.relative(cwd, file)).toBe(path.join('.volt', 'cache', 'binance-BTC_USDT-1h-20240101T000000Z-20240115T000000Z.csv'));
    expect(first).toEqual([`fetched 336 1h candles of BTC/USDT from binance; cached in ${path.relative(cwd, file)}, which the next run reads instead (offline too; delete it to fetch again)`]);

    const second: string[] = [];
    const cached = await resolveDataSpec(spec, { cwd, exchangeApiUrl: api!.url, onNote: (n) => second.push(n) });
    expect(api!.requests.length).toBe(asked);
    expect(second).toEqual([`read 336 1h candles of BTC/USDT (binance) from the cache ${path.relative(cwd, file)}; delete it to fetch again`]);
    expect(cached).toMatchObject({ symbol: 'BTC/USDT', timeframe: '1h', source: 'binance', length: fetched.length });
    expect([cached.time, cached.open, cached.high, cached.low, cached.close, cached.volume]).toEqual([fetched.time, fetched.open, fetched.high, fetched.low, fetched.close, fetched.volume]);

    await api!.close();
    api = undefined;
    const offline = resolveDataSpecSync(spec, { cwd });
    expect(offline.close).toEqual(fetched.close);
    expect(readdirSync(path.dirname(file))).toEqual([path.basename(file)]); // no partial files left behind
  });

  it('fetches again over a damaged cache file, and does not cache open ranges or when told not to', async () => {
    await serve();
    const cwd = mkdtempSync(path.join(tmp, 'cache-'));
    const spec = 'exchange:binance:BTC/USDT:1h:2024-01-01:2024-01-02';
    const file = exchangeCacheFile(parseExchangeSpec(spec)!, { cwd })!;
    await resolveDataSpec(spec, { cwd, exchangeApiUrl: api!.url });
    writeFileSync(file, 'time,open,high,low,close\n2024-01-01,1,2,3\n');
    const notes: string[] = [];
    const again = await resolveDataSpec(spec, { cwd, exchangeApiUrl: api!.url, onNote: (n) => notes.push(n) });
    expectServed(again, 0, 24);
    expect(notes[0]).toMatch(/^the cached .* is unreadable .*; fetching again$/);
    expect(notes[1]).toMatch(/^fetched 24 1h candles .* cached in/);

    const open: string[] = [];
    await resolveDataSpec('exchange:binance:BTC/USDT:1h:2024-04-01', { cwd, exchangeApiUrl: api!.url, onNote: (n) => open.push(n) });
    expect(open).toEqual(['fetched 316 1h candles of BTC/USDT from binance; not cached (the range is open: add :UNTIL to the spec to cache it)']);
    const off = mkdtempSync(path.join(tmp, 'nocache-'));
    await resolveDataSpec(spec, { cwd: off, cache: false, exchangeApiUrl: api!.url });
    expect(existsSync(path.join(off, '.volt'))).toBe(false);
    expect(() => resolveDataSpecSync(spec, { cwd: off })).toThrow(/is not in the cache/);
  });
});
