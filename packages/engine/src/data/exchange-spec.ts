import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { VoltError } from '../errors.js';
import type { CandleSeries } from './candle.js';
import { loadCandlesCached } from './binary-cache.js';
import { fetchDvol } from './deribit.js';
import { fetchCandles } from './exchange.js';
import { loadCandles, loadCandlesSync, type LoadedCandles } from './load.js';
import type { DataSpecOptions } from './spec.js';
import { timeframeToMs } from './timeframe.js';
import { formatTime, parseTimestamp } from './timestamp.js';
import { candlesToCsv } from './write.js';

/**
 * `exchange:ID:SYMBOL:TIMEFRAME[:SINCE[:UNTIL]]` as `--data` takes it. A closed range (UNTIL given
 * and past) is kept as CSV under `.volt/cache/`, so the next run — and every run offline — reads
 * the same candles from disk and the backtest stays reproducible.
 */

export interface ExchangeSpec {
  exchange: string;
  symbol: string;
  timeframe: string;
  /** First bar, epoch ms UTC; without SINCE in the spec, the latest EXCHANGE_DEFAULT_BARS bars. */
  since: number;
  /** End, exclusive, epoch ms UTC; undefined: up to the last closed bar. */
  until: number | undefined;
}

export const EXCHANGE_DEFAULT_BARS = 1000;
/** Where fetched ranges are kept, under the workspace (`volt init` puts `.volt/` in .gitignore). */
export const EXCHANGE_CACHE_DIR = path.join('.volt', 'cache');

const SPEC_HINT =
  'write exchange:ID:SYMBOL:TIMEFRAME[:SINCE[:UNTIL]], e.g. exchange:binance:BTC/USDT:1h:2024-01-01:2024-02-01 (dates, or epoch ms for times of day)';
const TIMEFRAME = /^\d+[smhdwMy]$/;

/** The parts of an `exchange:…` spec, or undefined when the spec is something else. */
export function parseExchangeSpec(spec: string, now = Date.now()): ExchangeSpec | undefined {
  if (!spec.startsWith('exchange:')) return undefined;
  const bad = (what: string): VoltError => new VoltError({ kind: 'usage', message: `bad data spec '${spec}': ${what}`, hint: SPEC_HINT });
  const parts = spec.slice('exchange:'.length).split(':');
  const exchange = parts[0] ?? '';
  if (!/^[a-z0-9]+$/.test(exchange)) throw bad(`'${exchange}' is not an exchange id (lowercase, like binance)`);
  // Derivative symbols hold a colon themselves (BTC/USDT:USDT): the timeframe is the first part after
  // the symbol that reads as one.
  let at = 2;
  while (at < parts.length && !TIMEFRAME.test(parts[at]!)) at++;
  const symbol = parts.slice(1, at).join(':');
  if (symbol === '' || !symbol.includes('/')) throw bad(`'${symbol}' is not a market symbol like BTC/USDT`);
  if (at >= parts.length) throw bad('no timeframe (1m, 5m, 1h, 4h, 1d …) after the symbol');
  const timeframe = parts[at]!;
  const tfMs = timeframeToMs(timeframe);
  const [sinceText, untilText, ...extra] = parts.slice(at + 1);
  if (extra.length > 0) throw bad('too many parts (times of day have colons: give them as epoch ms)');
  const time = (text: string, what: string): number => {
    const ms = parseTimestamp(text);
    if (!Number.isFinite(ms)) throw bad(`the ${what} '${text}' is not a date like 2024-01-01`);
    return ms;
  };
  const until = untilText === undefined || untilText === '' ? undefined : time(untilText, 'end');
  const since =
    sinceText === undefined || sinceText === ''
      ? Math.floor((until ?? now) / tfMs) * tfMs - EXCHANGE_DEFAULT_BARS * tfMs
      : time(sinceText, 'start');
  if (until !== undefined && until <= since) throw bad(`the end ${formatTime(until)} is not after the start ${formatTime(since)}`);
  return { exchange, symbol, timeframe, since, until };
}

/** The cache file of a spec's range; undefined when the range is still open (its candles would change). */
export function exchangeCacheFile(parsed: ExchangeSpec, options: DataSpecOptions, now = Date.now()): string | undefined {
  if (options.cache === false || parsed.until === undefined) return undefined;
  const tfMs = timeframeToMs(parsed.timeframe);
  if (parsed.until > Math.floor(now / tfMs) * tfMs) return undefined;
  const stamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:]|\.\d+/g, '');
  const name = [parsed.exchange, parsed.symbol.replace(/[^A-Za-z0-9]+/g, '_'), parsed.timeframe, stamp(parsed.since), stamp(parsed.until)].join('-');
  return path.join(cacheDir(options), `${name}.csv`);
}

function cacheDir(options: DataSpecOptions): string {
  const cwd = options.cwd ?? process.cwd();
  return options.cacheDir === undefined ? path.join(cwd, EXCHANGE_CACHE_DIR) : path.resolve(cwd, options.cacheDir);
}

/** An exchange spec → candles: from the cache when the range was fetched before, else from the exchange. */
export async function resolveExchangeSpec(parsed: ExchangeSpec, options: DataSpecOptions): Promise<CandleSeries> {
  const file = exchangeCacheFile(parsed, options);
  if (file !== undefined && existsSync(file)) {
    try {
      return fromCache(parsed, file, options.candleCache !== undefined ? loadCandlesCached(file, options.candleCache, cachedLoadOptions(parsed)) : await loadCandles(file, cachedLoadOptions(parsed)), options);
    } catch (e) {
      options.onNote?.(`the cached ${shown(file, options)} is unreadable (${e instanceof Error ? e.message : String(e)}); fetching again`);
    }
  }
  const series = isDvol(parsed) ? await fetchDvolSpec(parsed, options) : await fetchCandles({
    exchange: parsed.exchange,
    symbol: parsed.symbol,
    timeframe: parsed.timeframe,
    since: parsed.since,
    ...(parsed.until === undefined ? {} : { until: parsed.until }),
    ...(options.exchangeApiUrl === undefined ? {} : { apiUrl: options.exchangeApiUrl }),
    ...(options.lenient ? { lenient: true } : {}),
    ...(options.onRepairs === undefined ? {} : { onRepairs: options.onRepairs }),
    ...(options.onNote === undefined ? {} : { onNote: options.onNote }),
  });
  const fetched = `fetched ${series.length} ${series.timeframe} candles of ${series.symbol} from ${parsed.exchange}`;
  if (file === undefined) {
    const why = options.cache === false ? 'caching is off' : parsed.until === undefined ? 'the range is open: add :UNTIL to the spec to cache it' : 'the range reaches a bar that has not closed';
    options.onNote?.(`${fetched}; not cached (${why})`);
    return series;
  }
  try {
    await writeCache(file, series);
    options.onNote?.(`${fetched}; cached in ${shown(file, options)}, which the next run reads instead (offline too; delete it to fetch again)`);
  } catch (e) {
    options.onNote?.(`${fetched}; could not cache it in ${shown(file, options)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return series;
}

/** `exchange:deribit:DVOL/BTC:1d:…`: Deribit's volatility index, which is not an OHLCV market. */
function isDvol(parsed: ExchangeSpec): boolean {
  return parsed.exchange === 'deribit' && /^DVOL\/[A-Z0-9]+$/i.test(parsed.symbol);
}

async function fetchDvolSpec(parsed: ExchangeSpec, options: DataSpecOptions): Promise<CandleSeries> {
  if (parsed.timeframe !== '1d') {
    throw new VoltError({ kind: 'usage', message: `DVOL comes in daily candles, not ${parsed.timeframe}`, hint: `write exchange:deribit:${parsed.symbol}:1d:SINCE:UNTIL` });
  }
  const day = 86_400_000;
  return fetchDvol({
    currency: parsed.symbol.slice('DVOL/'.length),
    since: parsed.since,
    until: parsed.until ?? Math.floor(Date.now() / day) * day,
    ...(options.exchangeApiUrl === undefined ? {} : { apiUrl: options.exchangeApiUrl }),
    ...(options.lenient ? { lenient: true } : {}),
  });
}

/** Synchronous callers can read a cached range only: fetching needs the network. */
export function resolveExchangeSpecSync(spec: string, parsed: ExchangeSpec, options: DataSpecOptions): CandleSeries {
  const file = exchangeCacheFile(parsed, options);
  if (file === undefined || !existsSync(file)) {
    throw new VoltError({
      kind: 'data',
      message: `${spec} is not in the cache${file === undefined ? ' (only closed ranges, with SINCE and UNTIL, are cached)' : ''}`,
      hint: 'resolve it once asynchronously (a `volt backtest --data` run fetches and caches it), or use a local candle file',
    });
  }
  return fromCache(parsed, file, options.candleCache !== undefined ? loadCandlesCached(file, options.candleCache, cachedLoadOptions(parsed)) : loadCandlesSync(file, cachedLoadOptions(parsed)), options);
}

function cachedLoadOptions(parsed: ExchangeSpec): { symbol: string; timeframe: string } {
  return { symbol: parsed.symbol, timeframe: parsed.timeframe };
}

function fromCache(parsed: ExchangeSpec, file: string, loaded: LoadedCandles, options: DataSpecOptions): CandleSeries {
  options.onNote?.(
    `read ${loaded.series.length} ${parsed.timeframe} candles of ${parsed.symbol} (${parsed.exchange}) from the cache ${shown(file, options)}; delete it to fetch again`,
  );
  return { ...loaded.series, source: parsed.exchange };
}

/** Written beside its final name and renamed, so a run cut short never leaves half a cache file. */
export async function writeCache(file: string, series: CandleSeries): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  const out = createWriteStream(partial);
  try {
    await once(out, 'open');
    for (const chunk of candlesToCsv(series)) if (!out.write(chunk)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
    await rename(partial, file);
  } catch (e) {
    out.destroy();
    await rm(partial, { force: true });
    throw e;
  }
}

function shown(file: string, options: DataSpecOptions): string {
  const relative = path.relative(options.cwd ?? process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
