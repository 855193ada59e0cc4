/**
 * Deribit's public options data through ccxt's `deribit` client: an option chain
 * (`fetchOptionChain`), the DVOL implied-volatility index as daily candles
 * (`public/get_volatility_index_data`, which ccxt exposes as an implicit method), and Deribit's
 * realized volatility history (`fetchVolatilityHistory`). No API key: all public endpoints. DVOL
 * is also reachable as a data spec, `exchange:deribit:DVOL/BTC:1d:SINCE:UNTIL`, cached under
 * `.volt/cache/` like any candles (exchange-spec.ts).
 */
import type { Exchange } from 'ccxt';
import { VoltError } from '../errors.js';
import type { CandleSeries } from './candle.js';
import { DEFAULT_EXCHANGE_TIMEOUT_MS, EXCHANGE_API_URL_ENV, loadCcxt, NO_NETWORK_HINT, pointAt } from './exchange.js';
import { parseCandleRows, type LoadOptions } from './load.js';
import { formatTime } from './timestamp.js';

export interface DeribitOptions {
  /** The base currency: BTC, ETH, … */
  currency: string;
  /** A mirror of Deribit's API (a test server): see fetchCandles' `apiUrl`; default VOLT_EXCHANGE_API_URL. */
  apiUrl?: string;
  timeout?: number;
}

/** One option of the chain, as Deribit quotes it. */
export interface DeribitOptionQuote {
  /** Deribit's name (BTC-28JUN24-42000-C) and ccxt's symbol (BTC/USD:BTC-240628-42000-C). */
  instrument: string;
  symbol: string;
  right: 'call' | 'put';
  strike: number;
  /** Expiry, epoch ms UTC. */
  expiry: number;
  /** Prices in the option's own currency per unit of the underlying (BTC for BTC options); NaN when none. */
  bid: number;
  ask: number;
  mark: number;
  /** The price of the futures the option settles against (the forward for Black-76), in USD. */
  underlyingPrice: number;
  /** Prices in USD per unit: price × underlyingPrice. */
  bidUsd: number;
  askUsd: number;
  markUsd: number;
  /** Contracts open. */
  openInterest: number;
}

export interface DeribitOptionChain {
  currency: string;
  /** When it was fetched, epoch ms (the chain is a snapshot). */
  fetchedAt: number;
  /** Every option, by expiry then strike then right (calls first). */
  quotes: DeribitOptionQuote[];
}

async function client(options: DeribitOptions): Promise<{ ccxt: Awaited<ReturnType<typeof loadCcxt>>; exchange: Exchange }> {
  const ccxt = await loadCcxt();
  const exchange = new ccxt.deribit({ enableRateLimit: true, timeout: options.timeout ?? DEFAULT_EXCHANGE_TIMEOUT_MS });
  const apiUrl = options.apiUrl ?? process.env[EXCHANGE_API_URL_ENV];
  if (apiUrl !== undefined && apiUrl !== '') pointAt(exchange, apiUrl);
  return { ccxt, exchange };
}

const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : Number.NaN);

/** Every listed option of `currency` with its bid, ask, mark, underlying and open interest. */
export async function fetchDeribitOptionChain(options: DeribitOptions): Promise<DeribitOptionChain> {
  const { ccxt, exchange } = await client(options);
  try {
    const chain = await exchange.fetchOptionChain(options.currency.toUpperCase());
    const quotes: DeribitOptionQuote[] = [];
    for (const option of Object.values(chain)) {
      const market = exchange.market(option.symbol);
      const underlying = num(option.underlyingPrice);
      const bid = num(option.bidPrice);
      const ask = num(option.askPrice);
      const mark = num(option.markPrice);
      quotes.push({
        instrument: String(market.id),
        symbol: String(option.symbol),
        right: market.optionType === 'put' ? 'put' : 'call',
        strike: num(market.strike),
        expiry: num(market.expiry),
        bid,
        ask,
        mark,
        underlyingPrice: underlying,
        bidUsd: bid * underlying,
        askUsd: ask * underlying,
        markUsd: mark * underlying,
        openInterest: num(option.openInterest),
      });
    }
    quotes.sort((a, b) => a.expiry - b.expiry || a.strike - b.strike || (a.right === b.right ? 0 : a.right === 'call' ? -1 : 1));
    return { currency: options.currency.toUpperCase(), fetchedAt: Date.now(), quotes };
  } catch (e) {
    throw explain(ccxt, e, `the ${options.currency} option chain`);
  }
}

/**
 * DVOL, Deribit's 30-day implied-volatility index of `currency` (in vol points, like VIX), as
 * daily candles from `since` to `until` (exclusive), checked like a candle file. Deribit answers
 * newest first, a page at a time, with a `continuation` to ask for the older rest.
 */
export async function fetchDvol(options: DeribitOptions & { since: number; until: number; lenient?: boolean }): Promise<CandleSeries> {
  const { ccxt, exchange } = await client(options);
  const currency = options.currency.toUpperCase();
  const label = `deribit DVOL/${currency} 1d`;
  const rows: number[][] = [];
  try {
    let end = options.until - 1;
    for (let page = 0; page < 1000; page++) {
      const response = (await (exchange as unknown as Record<string, (p: object) => Promise<unknown>>)['publicGetGetVolatilityIndexData']!({
        currency,
        start_timestamp: options.since,
        end_timestamp: end,
        resolution: '1D',
      })) as { result?: { data?: unknown[]; continuation?: number | null } };
      const data = response.result?.data ?? [];
      for (const row of data) if (Array.isArray(row) && row.length >= 5) rows.push(row.slice(0, 5).map(Number));
      const next = response.result?.continuation;
      if (typeof next !== 'number' || next <= options.since || next >= end || data.length === 0) break;
      end = next;
    }
  } catch (e) {
    throw explain(ccxt, e, `DVOL of ${currency}`);
  }
  const seen = new Set<number>();
  const ordered = rows
    .filter((r) => r[0]! >= options.since && r[0]! < options.until && !seen.has(r[0]!) && (seen.add(r[0]!), true))
    .sort((a, b) => a[0]! - b[0]!)
    .map((r) => [r[0]!, r[1]!, r[2]!, r[3]!, r[4]!, 0]);
  if (ordered.length === 0) {
    throw new VoltError({ kind: 'data', message: `deribit has no DVOL for ${currency} from ${formatTime(options.since)} to ${formatTime(options.until)}`, hint: 'DVOL starts in 2021 (BTC, ETH); move the range' });
  }
  const loadOptions: LoadOptions = { symbol: `DVOL/${currency}`, timeframe: '1d', ...(options.lenient ? { lenient: true } : {}) };
  return { ...parseCandleRows(ordered, label, loadOptions).series, source: 'deribit' };
}

/** Deribit's own realized-volatility history of `currency`: times (ms) and vol points, oldest first. */
export async function fetchDeribitRealizedVolatility(options: DeribitOptions): Promise<{ time: Float64Array; vol: Float64Array }> {
  const { ccxt, exchange } = await client(options);
  try {
    const history = (await exchange.fetchVolatilityHistory(options.currency.toUpperCase())) as { timestamp?: unknown; volatility?: unknown }[];
    const rows: [number, number][] = history.map((h): [number, number] => [num(h.timestamp), num(h.volatility)]).filter(([t, v]) => t === t && v === v);
    rows.sort((a, b) => a[0] - b[0]);
    return { time: Float64Array.from(rows, (r) => r[0]), vol: Float64Array.from(rows, (r) => r[1]) };
  } catch (e) {
    throw explain(ccxt, e, `the realized volatility of ${options.currency}`);
  }
}

function explain(ccxt: Awaited<ReturnType<typeof loadCcxt>>, e: unknown, what: string): unknown {
  if (e instanceof VoltError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  const detail = raw.startsWith('deribit ') ? raw.slice('deribit '.length) : raw;
  if (e instanceof ccxt.BadSymbol || (e instanceof ccxt.ExchangeError && /currenc/i.test(detail))) {
    return new VoltError({ kind: 'data', message: `deribit has no ${what} (${detail})`, hint: 'Deribit lists options on BTC, ETH and a few others: check the currency', cause: e });
  }
  if (e instanceof ccxt.NetworkError) return new VoltError({ kind: 'data', message: `cannot reach deribit for ${what}: ${detail}`, hint: NO_NETWORK_HINT, cause: e });
  if (e instanceof ccxt.BaseError) return new VoltError({ kind: 'data', message: `deribit refused the request for ${what}: ${detail}`, hint: 'check the currency and dates', cause: e });
  return e;
}
