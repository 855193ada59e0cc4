import path from 'node:path';
import { VoltError } from '../errors.js';
import type { CandleSeries } from './candle.js';
import { parseExchangeSpec, resolveExchangeSpec, resolveExchangeSpecSync } from './exchange-spec.js';
import { loadCandlesCached } from './binary-cache.js';
import { loadCandles, loadCandlesSync, type LoadOptions } from './load.js';
import { MAX_SYNTHETIC_BARS, synthesize, tooManyBars } from './synthetic.js';
import { timeframeToMs } from './timeframe.js';

/**
 * `--data` as the CLI and the sidecar take it: `synthetic:SEED[:BARS[:TIMEFRAME]]` (default 5000
 * bars of 1h), `exchange:ID:SYMBOL:TIMEFRAME[:SINCE[:UNTIL]]` (through ccxt, closed ranges cached
 * under `.volt/cache/`) or a path to a candle file.
 */
export interface DataSpecOptions extends LoadOptions {
  /** Folder that relative file paths start from; default the process's current folder. */
  cwd?: string;
  /** Told what lenient loading repaired (never called when nothing was repaired). */
  onRepairs?: (repairs: string[]) => void;
  /** Told where exchange candles came from (fetched, cached, read from the cache): a line for stderr. */
  onNote?: (note: string) => void;
  /** Exchange specs: keep closed ranges under `cacheDir` and read them from there (default true). */
  cache?: boolean;
  /** Exchange specs: the cache folder, relative to `cwd`; default `.volt/cache`. */
  cacheDir?: string;
  /** Exchange specs: a mirror of the exchange's API (see `fetchCandles`' `apiUrl`). */
  exchangeApiUrl?: string;
  /**
   * Files (and the exchange cache's files): keep their parsed columns in this folder, keyed by
   * content hash, and read them from there the next time (`binary-cache.ts`). The CLI and the
   * sidecar pass `<workspace>/.volt/cache`; off when absent.
   */
  candleCache?: string;
}

export interface SyntheticSpec {
  seed: number;
  bars: number;
  timeframe: string;
}

export const SYNTHETIC_DEFAULT_BARS = 5000;
export const SYNTHETIC_DEFAULT_TIMEFRAME = '1h';

const SPEC_HINT = 'write synthetic:SEED, synthetic:SEED:BARS or synthetic:SEED:BARS:TIMEFRAME, e.g. synthetic:42:5000:1h';

/** The parts of a `synthetic:…` spec, or undefined when the spec names a file. */
export function parseSyntheticSpec(spec: string): SyntheticSpec | undefined {
  if (!spec.startsWith('synthetic:')) return undefined;
  const [, seedText = '', barsText, timeframe = SYNTHETIC_DEFAULT_TIMEFRAME, ...extra] = spec.split(':');
  const seed = Number(seedText);
  const bars = barsText === undefined ? SYNTHETIC_DEFAULT_BARS : Number(barsText);
  const bad = (what: string): VoltError => new VoltError({ kind: 'usage', message: `bad data spec '${spec}': ${what}`, hint: SPEC_HINT });
  if (extra.length > 0) throw bad('too many parts');
  if (seedText === '' || !Number.isInteger(seed)) throw bad(`the seed '${seedText}' is not a whole number`);
  if (barsText !== undefined && (barsText === '' || !Number.isInteger(bars) || bars < 1)) throw bad(`the bar count '${barsText}' is not a whole number ≥ 1`);
  if (bars > MAX_SYNTHETIC_BARS) throw tooManyBars(bars, spec);
  timeframeToMs(timeframe);
  return { seed, bars, timeframe };
}

function synthesizeSpec(spec: string, parsed: SyntheticSpec, options: DataSpecOptions): CandleSeries {
  return synthesize({ ...parsed, source: spec, ...(options.symbol === undefined ? {} : { symbol: options.symbol }) });
}

/** A data spec → candles, reading files asynchronously. */
export async function resolveDataSpec(spec: string, options: DataSpecOptions = {}): Promise<CandleSeries> {
  const synthetic = parseSyntheticSpec(spec);
  if (synthetic) return synthesizeSpec(spec, synthetic, options);
  const exchange = parseExchangeSpec(spec);
  if (exchange) return resolveExchangeSpec(exchange, options);
  const loaded = options.candleCache !== undefined ? loadCandlesCached(resolvePath(spec, options), options.candleCache, options) : await loadCandles(resolvePath(spec, options), options);
  if (loaded.repairs.length > 0) options.onRepairs?.(loaded.repairs);
  return loaded.series;
}

export function resolveDataSpecSync(spec: string, options: DataSpecOptions = {}): CandleSeries {
  const synthetic = parseSyntheticSpec(spec);
  if (synthetic) return synthesizeSpec(spec, synthetic, options);
  const exchange = parseExchangeSpec(spec);
  if (exchange) return resolveExchangeSpecSync(spec, exchange, options);
  const loaded = options.candleCache !== undefined ? loadCandlesCached(resolvePath(spec, options), options.candleCache, options) : loadCandlesSync(resolvePath(spec, options), options);
  if (loaded.repairs.length > 0) options.onRepairs?.(loaded.repairs);
  return loaded.series;
}

function resolvePath(spec: string, options: DataSpecOptions): string {
  return options.cwd === undefined ? spec : path.resolve(options.cwd, spec);
}
