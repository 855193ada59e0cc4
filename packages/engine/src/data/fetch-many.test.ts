import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinanceApi, type BinanceApi } from '../../tests/data/binance-api.js';
import { startKrakenApi, type KrakenApi } from '../../tests/data/kraken-api.js';
import { fetchManyCandles, type FetchManyProgress } from './fetch-many.js';
import { synthesize } from './synthetic.js';

const START = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;
const BTC = synthesize({ seed: 1, bars: 1500, timeframe: '1h', start: START, symbol: 'BTC/USDT', startPrice: 42_000 });
const ETH = synthesize({ seed: 2, bars: 1500, timeframe: '1h', start: START, symbol: 'ETH/USDT', startPrice: 2_300 });
const log: string[] = [];
let binance: BinanceApi;
let kraken: KrakenApi;
beforeAll(async () => {
  // Binance answers late: ccxt paces Kraken's first request by its 3 s rate limit, and Binance must still be paging then.
  binance = await startBinanceApi({ log, delayMs: 1200, markets: [{ id: 'BTCUSDT', base: 'BTC', quote: 'USDT', candles: BTC }, { id: 'ETHUSDT', base: 'ETH', quote: 'USDT', candles: ETH }] });
  kraken = await startKrakenApi({ log, pairs: [{ id: 'XBTUSDT', base: 'XXBT', quote: 'USDT', wsname: 'XBT/USDT', candles: BTC }] });
});
afterAll(async () => {
  await binance?.close();
  await kraken?.close();
});

describe('fetchManyCandles through the real ccxt clients, Binance and Kraken on 127.0.0.1', () => {
  it('fetches every market, venues side by side and each venue\'s markets in turn, and reports the one that fails', async () => {
    const progress: FetchManyProgress[] = [];
    const until = START + 1000 * HOUR;
    const results = await fetchManyCandles(
      [
        { exchange: 'binance', symbol: 'BTC/USDT' },
        { exchange: 'binance', symbol: 'ETH/USDT' },
        { exchange: 'kraken', symbol: 'BTC/USDT' },
        { exchange: 'kraken', symbol: 'ETH/USDT' },
      ],
      { timeframe: '1h', since: START, until, pageSize: 500, timeout: 5000, apiUrls: { binance: binance.url, kraken: kraken.url }, onProgress: (p) => progress.push(p) },
    );
    expect(results.map((r) => [r.exchange, r.symbol, r.ok, r.ok ? r.series.length : undefined])).toEqual([
      ['binance', 'BTC/USDT', true, 1000],
      ['binance', 'ETH/USDT', true, 1000],
      ['kraken', 'BTC/USDT', true, 1000],
      ['kraken', 'ETH/USDT', false, undefined],
    ]);
    const failed = results[3]!;
    expect(!failed.ok && String((failed.error as Error).message)).toMatch(/kraken has no market 'ETH\/USDT'/);
    const k = results[2]!;
    expect(k.ok && k.series.close[999]).toBeCloseTo(BTC.close[999]!, 1);
    // Kraken was asked while Binance was still paging: the venues ran side by side.
    const firstKraken = log.findIndex((l) => l.startsWith('kraken /0/public/OHLC'));
    const lastBinance = log.findLastIndex((l) => l.startsWith('binance /api/v3/klines'));
    expect(firstKraken).toBeGreaterThan(-1);
    expect(firstKraken).toBeLessThan(lastBinance);
    // Within Binance, ETH started after BTC had finished: one client's pace, never two at once.
    const binanceKlines = log.filter((l) => l.startsWith('binance /api/v3/klines')).map((l) => (l.includes('BTCUSDT') ? 'BTC' : 'ETH'));
    expect(binanceKlines).toEqual(['BTC', 'BTC', 'ETH', 'ETH']);
    // One progress for everything: 4 × 1000 bars expected, ending with every market done.
    expect(progress.every((p) => p.expected === 4000 && p.markets === 4)).toBe(true);
    expect(progress.at(-1)).toEqual({ candles: 4000, expected: 4000, marketsDone: 4, markets: 4 });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.candles).toBeGreaterThanOrEqual(progress[i - 1]!.candles);
  }, 60_000);
});
