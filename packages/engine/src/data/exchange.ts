import type { Exchange, Market, OHLCV } from 'ccxt';
import { VoltError } from '../errors.js';
import type { CandleSeries } from './candle.js';
import { parseCandleRows, type LoadOptions } from './load.js';
import { timeframeToMs } from './timeframe.js';
import { formatTime } from './timestamp.js';

/**
 * Candles from a real exchange through ccxt: `fetchOHLCV` page after page from `since` until
 * `until` (or the last closed bar), paced by ccxt's own rate limiter, checked by the same code
 * that checks candle files. Every failure is a VoltError of kind 'data' saying what to do —
 * most often "you are offline: use the synthetic market or a local file".
 */

export interface FetchCandlesOptions {
  /** A ccxt exchange id, lowercase: 'binance', 'kraken', 'coinbase', … */
  exchange: string;
  /** The market as ccxt writes it: 'BTC/USDT' (spot), 'BTC/USDT:USDT' (a linear swap). */
  symbol: string;
  /** '1m', '5m', '1h', '1d', … — one the exchange offers. */
  timeframe: string;
  /** First bar's open time, epoch ms UTC (inclusive). */
  since: number;
  /** Bars opening before this time, epoch ms UTC (exclusive); default: up to the last closed bar. */
  until?: number;
  /** At most this many candles in all. */
  limit?: number;
  /** Candles asked for per request; default the most the exchange gives (ccxt's `features`), else its default. */
  pageSize?: number;
  /**
   * Base URL standing in for the exchange's API hosts (a self-hosted mirror, or a test server): each of
   * ccxt's `urls.api` entries keeps its path and gets this origin, so the mirror answers the exchange's
   * own paths (`/api/v3/klines` for Binance). Default: the `VOLT_EXCHANGE_API_URL` environment variable.
   */
  apiUrl?: string;
  /** Milliseconds one request may take before it counts as a network failure; default 10 s. */
  timeout?: number;
  /** Repair candles the exchange got wrong instead of refusing them (the file loaders' `lenient`). */
  lenient?: boolean;
  /** Told what lenient checking repaired (never called when nothing was). */
  onRepairs?: (repairs: string[]) => void;
  /** Facts worth a line on stderr: gaps in the exchange's history, a bar still forming left out. */
  onNote?: (note: string) => void;
  /** After each page of candles: candles so far and pages fetched. */
  onProgress?: (candles: number, pages: number) => void;
}

export const EXCHANGE_API_URL_ENV = 'VOLT_EXCHANGE_API_URL';
export const DEFAULT_EXCHANGE_TIMEOUT_MS = 10_000;
export const NO_NETWORK_HINT =
  'no network? use --data synthetic:42 or a local candle file (`volt data fetch … --out FILE.csv` saves one while online)';

type CcxtModule = typeof import('ccxt');
type ExchangeClass = new (config?: Record<string, unknown>) => Exchange;

// ccxt takes most of a second to import: only commands that reach an exchange pay for it.
let ccxtModule: Promise<CcxtModule> | undefined;
/** ccxt, imported once and only when an exchange is reached (deribit.ts shares it). */
export function loadCcxt(): Promise<CcxtModule> {
  return (ccxtModule ??= import('ccxt'));
}

/** Candles of one market from an exchange, oldest first, checked like a candle file. */
export async function fetchCandles(options: FetchCandlesOptions): Promise<CandleSeries> {
  const { exchange: id, symbol, timeframe, since } = options;
  const tfMs = timeframeToMs(timeframe);
  const label = `${id} ${symbol} ${timeframe}`;
  if (!Number.isFinite(since)) throw usage(`the start time of ${label} is not a time`, 'give --since as a date like 2024-01-01');
  if (options.until !== undefined && !(options.until > since)) {
    throw usage(`the range of ${label} is empty: ${formatTime(options.until)} is not after ${formatTime(since)}`, 'give an end time after the start');
  }
  const ccxt = await loadCcxt();
  const client = createClient(ccxt, id, options);
  const now = Date.now();
  // A bar is final once it has closed; the one still forming would change under a re-run.
  const end = Math.min(options.until ?? Infinity, Math.floor(now / tfMs) * tfMs);
  // What ccxt knows without asking the exchange is checked before any request.
  if (client.has['fetchOHLCV'] !== true) {
    throw new VoltError({
      kind: 'data',
      message: `${id} does not offer candles (OHLCV) through ccxt`,
      hint: 'fetch from an exchange that does (binance, kraken, coinbase, …), or load a local candle file',
    });
  }
  if (client.timeframes && Object.keys(client.timeframes).length > 0 && !(timeframe in client.timeframes)) {
    throw new VoltError({
      kind: 'data',
      message: `${id} has no ${timeframe} candles`,
      hint: `pick one of ${Object.keys(client.timeframes).join(', ')}`,
    });
  }
  const rows: OHLCV[] = [];
  let pages = 0;
  let formingLeftOut = false;
  try {
    await client.loadMarkets();
    const pageSize = options.pageSize ?? largestPage(client, client.market(symbol));
    let cursor = since;
    let last = -Infinity;
    paging: while (cursor < end) {
      const page = await client.fetchOHLCV(symbol, timeframe, cursor, pageSize);
      pages++;
      let added = 0;
      for (const row of page) {
        const time = row[0];
        if (typeof time === 'number') {
          // Pages may overlap at their edges, and some exchanges answer from before `since`.
          if (time <= last || time < since) continue;
          if (time >= end) {
            formingLeftOut = time === end && end !== options.until;
            break paging;
          }
          last = time;
        }
        rows.push(row);
        added++;
        if (options.limit !== undefined && rows.length >= options.limit) break paging;
      }
      options.onProgress?.(rows.length, pages);
      // An empty page, or one with nothing new, is the end of the exchange's history; a page that
      // reached the end bar needs no empty one after it.
      if (added === 0 || last + tfMs >= end) break;
      cursor = last + 1;
    }
  } catch (e) {
    throw explain(ccxt, client, e, options);
  }
  if (rows.length === 0) {
    throw new VoltError({
      kind: 'data',
      message: `${id} has no ${symbol} ${timeframe} candles from ${formatTime(since)}${Number.isFinite(end) ? ` to ${formatTime(end)}` : ''}`,
      hint: 'move the range to when the market traded (new listings have no earlier history)',
    });
  }
  if (formingLeftOut) options.onNote?.(`the bar still forming at ${formatTime(end)} is left out: its prices are not final`);
  const checkOptions: LoadOptions = { symbol, timeframe, ...(options.lenient ? { lenient: true } : {}) };
  const loaded = parseCandleRows(rows, label, checkOptions);
  if (loaded.repairs.length > 0) options.onRepairs?.(loaded.repairs);
  for (const note of loaded.notes) options.onNote?.(note);
  return { ...loaded.series, source: id };
}

/** A ccxt client for public data: rate-limited, timed out, spot markets only for spot symbols, pointed at `apiUrl` when given. */
export function createClient(ccxt: CcxtModule, id: string, options: Pick<FetchCandlesOptions, 'symbol' | 'timeout' | 'apiUrl'>): Exchange {
  const classes = ccxt.exchanges as unknown as Record<string, ExchangeClass>;
  if (!Object.hasOwn(classes, id) || typeof classes[id] !== 'function') {
    const ids = Object.keys(classes);
    const near = ids.filter((known) => known.startsWith(id.toLowerCase().slice(0, 3))).slice(0, 6);
    throw new VoltError({
      kind: 'data',
      message: `ccxt knows no exchange '${id}'`,
      hint: `${near.length > 0 ? `did you mean ${near.join(', ')}? ` : ''}exchange ids are lowercase, e.g. binance, kraken, coinbase (ccxt knows ${ids.length})`,
    });
  }
  const client = new classes[id]!({
    enableRateLimit: true,
    timeout: options.timeout ?? DEFAULT_EXCHANGE_TIMEOUT_MS,
    // Public candles need no currency list (a signed endpoint on some exchanges).
    options: { fetchCurrencies: false },
  });
  // ccxt writes derivatives BASE/QUOTE:SETTLE; a spot market needs only the spot market list,
  // which on Binance keeps loadMarkets to one request (/api/v3/exchangeInfo) instead of three hosts.
  if (!options.symbol.includes(':')) onlySpotMarkets(client);
  const apiUrl = options.apiUrl ?? process.env[EXCHANGE_API_URL_ENV];
  if (apiUrl !== undefined && apiUrl !== '') pointAt(client, apiUrl);
  return client;
}

/** Where the exchange lets `options.fetchMarkets` choose market types (Binance, OKX, Bybit, KuCoin …), asks for spot only. */
function onlySpotMarkets(client: Exchange): void {
  const current: unknown = client.options['fetchMarkets'];
  const isTypeList = (v: unknown): v is string[] => Array.isArray(v) && v.every((t) => typeof t === 'string');
  if (isTypeList(current) && current.includes('spot')) {
    client.options['fetchMarkets'] = ['spot'];
  } else if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
    const types: unknown = (current as Record<string, unknown>)['types'];
    if (isTypeList(types) && types.includes('spot')) client.options['fetchMarkets'] = { ...current, types: ['spot'] };
  }
}

/** Every URL of `urls.api` keeps its path and takes the mirror's origin (and path prefix). */
export function pointAt(client: Exchange, apiUrl: string): void {
  let base: URL;
  try {
    base = new URL(apiUrl);
  } catch {
    throw usage(`the exchange API URL '${apiUrl}' is not a URL`, 'write it as http://host:port, e.g. http://127.0.0.1:8080');
  }
  const origin = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, origin);
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) out[key] = rewrite(inner);
      return out;
    }
    return value;
  };
  client.urls = { ...client.urls, api: rewrite(client.urls['api']) as typeof client.urls.api };
}

/** The most candles one request may ask for, as ccxt's `features` lists it for this kind of market. */
function largestPage(client: Exchange, market: Market): number | undefined {
  const byType = client.features?.[market?.type ?? 'spot'] as Record<string, unknown> | undefined;
  const forMarket = (market?.linear ? byType?.['linear'] : market?.inverse ? byType?.['inverse'] : byType) as
    | { fetchOHLCV?: { limit?: unknown } }
    | undefined;
  const limit = forMarket?.fetchOHLCV?.limit;
  return typeof limit === 'number' && limit > 0 ? limit : undefined;
}

function usage(message: string, hint: string): VoltError {
  return new VoltError({ kind: 'usage', message, hint });
}

/** ccxt's errors in the trader's words, each with what to do. */
function explain(ccxt: CcxtModule, client: Exchange, e: unknown, options: FetchCandlesOptions): unknown {
  if (e instanceof VoltError) return e;
  const { exchange: id, symbol } = options;
  // ccxt starts its messages with the exchange id, which ours already name.
  const raw = e instanceof Error ? e.message : String(e);
  const detail = raw.startsWith(`${id} `) ? raw.slice(id.length + 1) : raw;
  if (e instanceof ccxt.BadSymbol) {
    return new VoltError({
      kind: 'data',
      message: `${id} has no market '${symbol}' (${detail})`,
      hint: symbolHint(client, symbol),
      cause: e,
    });
  }
  if (e instanceof ccxt.RequestTimeout) {
    const seconds = (options.timeout ?? DEFAULT_EXCHANGE_TIMEOUT_MS) / 1000;
    return new VoltError({ kind: 'data', message: `${id} did not answer within ${seconds} s (${detail})`, hint: NO_NETWORK_HINT, cause: e });
  }
  if (e instanceof ccxt.NetworkError) {
    return new VoltError({ kind: 'data', message: `cannot reach ${id}: ${detail}`, hint: NO_NETWORK_HINT, cause: e });
  }
  if (e instanceof ccxt.NotSupported) {
    return new VoltError({ kind: 'data', message: `${id} cannot give ${symbol} candles: ${detail}`, hint: 'fetch from another exchange, or load a local candle file', cause: e });
  }
  if (e instanceof ccxt.BaseError) {
    return new VoltError({
      kind: 'data',
      message: `${id} refused the request for ${symbol} ${options.timeframe} candles: ${detail}`,
      hint: 'check the symbol, timeframe and dates; or use --data synthetic:42 or a local candle file',
      cause: e,
    });
  }
  return e;
}

/** Markets of the same base currency, when the markets were loaded, else how symbols are written. */
function symbolHint(client: Exchange, symbol: string): string {
  const base = symbol.split('/')[0]?.toUpperCase() ?? '';
  const known = client.symbols ?? [];
  const near = known.filter((s) => s.startsWith(`${base}/`)).slice(0, 6);
  if (near.length > 0) return `${client.id} lists ${near.join(', ')}${near.length === 6 ? ', …' : ''}`;
  return `write the market as ccxt does, BASE/QUOTE in capitals, e.g. BTC/USDT${known.length > 0 ? ` (${client.id} lists ${known.length} markets)` : ''}`;
}
