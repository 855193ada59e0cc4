/**
 * Candles of several markets on several venues at once. Venues are fetched in parallel, each
 * venue's markets one after another: ccxt's rate limiter paces one client, so two clients of one
 * venue fetching together would ask twice as fast as the venue allows. A market that fails is
 * reported with its reason and the others still come.
 */
import type { CandleSeries } from './candle.js';
import { fetchCandles, type FetchCandlesOptions } from './exchange.js';
import { timeframeToMs } from './timeframe.js';

export interface MarketRequest {
  exchange: string;
  symbol: string;
}

export interface FetchManyOptions extends Omit<FetchCandlesOptions, 'exchange' | 'symbol' | 'onProgress' | 'onNote' | 'onRepairs' | 'apiUrl'> {
  /** A mirror per exchange id ('*' for every one); default VOLT_EXCHANGE_API_URL. */
  apiUrls?: Readonly<Record<string, string>>;
  /** After each page of any market: candles fetched so far over all, and the candles the ranges could hold at most. */
  onProgress?: (progress: FetchManyProgress) => void;
  /** A note about one market (gaps, the forming bar left out, lenient repairs). */
  onNote?: (market: MarketRequest, note: string) => void;
}

export interface FetchManyProgress {
  candles: number;
  /** Bars the requested ranges can hold (the end is now when there is no `until`): the bar's 100 %. */
  expected: number;
  marketsDone: number;
  markets: number;
}

export type MarketResult = MarketRequest & ({ ok: true; series: CandleSeries } | { ok: false; error: unknown });

/** Results in the order of `markets`, whatever order they finished in. */
export async function fetchManyCandles(markets: readonly MarketRequest[], options: FetchManyOptions): Promise<MarketResult[]> {
  const tfMs = timeframeToMs(options.timeframe);
  const end = options.until ?? Math.floor(Date.now() / tfMs) * tfMs;
  const perMarket = Math.max(1, Math.ceil((end - options.since) / tfMs));
  const each = options.limit !== undefined ? Math.min(perMarket, options.limit) : perMarket;
  const expected = each * markets.length;
  const fetched = new Array<number>(markets.length).fill(0);
  let marketsDone = 0;
  const report = () => options.onProgress?.({ candles: fetched.reduce((a, b) => a + b, 0), expected, marketsDone, markets: markets.length });
  const results = new Array<MarketResult>(markets.length);
  const byVenue = new Map<string, number[]>();
  markets.forEach((m, i) => byVenue.set(m.exchange, [...(byVenue.get(m.exchange) ?? []), i]));
  const { apiUrls, onNote, onProgress: _onProgress, ...common } = options;
  await Promise.all(
    [...byVenue.entries()].map(async ([exchange, indexes]) => {
      for (const i of indexes) {
        const market = markets[i]!;
        const apiUrl = apiUrls?.[exchange] ?? apiUrls?.['*'];
        try {
          const series = await fetchCandles({
            ...common,
            exchange,
            symbol: market.symbol,
            ...(apiUrl === undefined ? {} : { apiUrl }),
            onProgress: (candles) => {
              fetched[i] = candles;
              report();
            },
            onNote: (note) => onNote?.(market, note),
            onRepairs: (repairs) => repairs.forEach((r) => onNote?.(market, `lenient loading repaired ${r}`)),
          });
          fetched[i] = each;
          results[i] = { ...market, ok: true, series };
        } catch (error) {
          fetched[i] = each;
          results[i] = { ...market, ok: false, error };
        }
        marketsDone++;
        report();
      }
    }),
  );
  return results;
}
