import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinanceApi, type BinanceApi } from '../../tests/data/binance-api.js';
import { startKrakenApi, type KrakenApi } from '../../tests/data/kraken-api.js';
import { seriesFromCandles } from '../data/candle.js';
import { historicalSpreads } from './history.js';
import { SpreadScanner, crossVenueSpreads, netSpread } from './spreads.js';

let binance: BinanceApi;
let kraken: KrakenApi;
beforeAll(async () => {
  binance = await startBinanceApi({ markets: [{ id: 'BTCUSDT', base: 'BTC', quote: 'USDT', book: { bids: [[99_900, 0.5], [99_800, 3]], asks: [[100_000, 1.2], [100_100, 4]] } }] });
  kraken = await startKrakenApi({ pairs: [{ id: 'XBTUSDT', base: 'XXBT', quote: 'USDT', wsname: 'XBT/USDT', takerPercent: 0.26, book: { bids: [[100_600, 0.8]], asks: [[100_700, 2]] } }] });
});
afterAll(async () => {
  await binance?.close();
  await kraken?.close();
});

describe('net spread', () => {
  it('is what one unit bought at the ask and sold at the bid keeps after both taker fees', () => {
    // 100 × 1.001 = 100.1 spent; 101 × 0.9974 = 100.7374 received: +0.6367 / 100.1.
    expect(netSpread(100, 101, 0.001, 0.0026)).toBeCloseTo(100.7374 / 100.1 - 1, 12);
    expect(netSpread(100, 100, 0.001, 0.001)).toBeLessThan(0);
  });
});

describe('SpreadScanner against Binance and Kraken on 127.0.0.1, through the real ccxt client', () => {
  it('reads each venue\'s best bid and ask and its taker fee, and ranks the pairs by net spread', async () => {
    const scanner = new SpreadScanner({ symbol: 'BTC/USDT', exchanges: ['binance', 'kraken'], apiUrls: { binance: binance.url, kraken: kraken.url }, timeout: 5000 });
    const { quotes, failures } = await scanner.quotes();
    expect(failures).toEqual([]);
    expect(quotes).toEqual([
      { exchange: 'binance', symbol: 'BTC/USDT', bid: 99_900, bidSize: 0.5, ask: 100_000, askSize: 1.2, takerFee: 0.001, feeSource: 'market' },
      { exchange: 'kraken', symbol: 'BTC/USDT', bid: 100_600, bidSize: 0.8, ask: 100_700, askSize: 2, takerFee: 0.0026, feeSource: 'market' },
    ]);
    const [best, worst] = crossVenueSpreads(quotes);
    expect(best).toMatchObject({ buyOn: 'binance', sellOn: 'kraken', ask: 100_000, bid: 100_600, size: 0.8 });
    // 100,600 × 0.9974 = 100,338.44 received for 100,000 × 1.001 = 100,100 spent: +0.2382 %
    expect(best!.net).toBeCloseTo((100_600 * 0.9974) / (100_000 * 1.001) - 1, 12);
    expect(best!.net).toBeCloseTo(0.002382, 6);
    expect(best!.gross).toBeCloseTo(0.006, 12);
    expect(worst).toMatchObject({ buyOn: 'kraken', sellOn: 'binance' });
    expect(worst!.net).toBeLessThan(0);
    // A second round asks only for the books: the markets were loaded once per venue.
    const before = binance.requests.length;
    await scanner.quotes();
    expect(binance.requests.slice(before).map((u) => u.pathname)).toEqual(['/api/v3/depth']);
  });

  it('takes given fees over the venue\'s, and reports a venue that fails while the others answer', async () => {
    const scanner = new SpreadScanner({
      symbol: 'BTC/USDT',
      exchanges: ['binance', 'kraken', 'bitstamp'],
      apiUrls: { binance: binance.url, kraken: kraken.url, bitstamp: 'http://127.0.0.1:9' },
      fees: { kraken: 0.004 },
      timeout: 2000,
    });
    const { quotes, failures } = await scanner.quotes();
    expect(quotes.map((q) => [q.exchange, q.takerFee, q.feeSource])).toEqual([
      ['binance', 0.001, 'market'],
      ['kraken', 0.004, 'given'],
    ]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.exchange).toBe('bitstamp');
    expect(failures[0]!.message).toMatch(/cannot reach bitstamp|did not answer/);
  });

  it('refuses a market a venue does not list, naming the venue', async () => {
    const scanner = new SpreadScanner({ symbol: 'ETH/USDT', exchanges: ['binance', 'kraken'], apiUrls: { binance: binance.url, kraken: kraken.url }, timeout: 5000 });
    const { quotes, failures } = await scanner.quotes();
    expect(quotes).toEqual([]);
    expect(failures.map((f) => f.exchange)).toEqual(['binance', 'kraken']);
    expect(failures[0]!.message).toMatch(/binance has no market 'ETH\/USDT'/);
  });
});

describe('historical spreads over candles', () => {
  const hour = 3_600_000;
  const t0 = Date.UTC(2024, 0, 1);
  const bars = (closes: (number | undefined)[], symbol = 'BTC/USDT') =>
    seriesFromCandles(
      closes.flatMap((c, i) => (c === undefined ? [] : [{ time: t0 + i * hour, open: c, high: c, low: c, close: c, volume: 1 }])),
      { symbol, timeframe: '1h', source: 'test' },
    );

  it('counts how often and how long the net spread stayed above the threshold, on the bars both venues have', () => {
    // No fees: net = close_sell / close_buy − 1. Venue b is 1 % above a on bars 1–3 and 6; bar 4 is missing on b.
    const a = bars([100, 100, 100, 100, 100, 100, 100, 100]);
    const b = bars([100, 101, 101, 101, undefined, 100, 101, 100]);
    const report = historicalSpreads([{ exchange: 'a', series: a, takerFee: 0 }, { exchange: 'b', series: b, takerFee: 0 }], 0.005);
    expect(report.missing).toEqual({ a: 0, b: 1 });
    const [ab, ba] = report.pairs;
    expect(ab).toMatchObject({ buyOn: 'a', sellOn: 'b', bars: 7, barsAbove: 4, episodes: 2, longestBars: 3, longestMs: 3 * hour, meanBars: 2 });
    expect(ab!.shareAbove).toBeCloseTo(4 / 7, 12);
    expect(ab!.maxNet).toBeCloseTo(0.01, 12);
    expect(ab!.maxNetTime).toBe(t0 + hour);
    expect(ab!.longest[0]).toMatchObject({ start: t0 + hour, end: t0 + 3 * hour, bars: 3 });
    expect(ba).toMatchObject({ buyOn: 'b', sellOn: 'a', barsAbove: 0, episodes: 0, longestBars: 0 });
  });

  it('takes the fees off: a 1 % gap with 0.6 % of fees a leg is never above 0', () => {
    const a = bars([100, 100]);
    const b = bars([101, 101]);
    const report = historicalSpreads([{ exchange: 'a', series: a, takerFee: 0.006 }, { exchange: 'b', series: b, takerFee: 0.006 }], 0);
    expect(report.pairs.every((p) => p.barsAbove === 0)).toBe(true);
  });
});
