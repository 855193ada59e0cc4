/**
 * Deribit option chains kept under `.volt/cache/` as candles are (exchange-spec.ts): every chain
 * fetched is written there (beside its final name, then renamed: never half a file), one file per
 * snapshot, `deribit-BTC-options-20300101T080000Z.json`. A chain fetched less than `maxAgeMs` ago is
 * read from the cache instead of asked for again; with no network the newest cached chain is used,
 * saying how old it is. The snapshots gathered this way are a chain history a backtest can replay
 * (`loadDeribitChainCache` → `BacktestOptions.optionChain`, `volt backtest --options-chain
 * deribit:BTC`). data/README.md, "Deribit option chains".
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VoltError } from '../errors.js';
import { fetchDeribitOptionChain, type DeribitOptionChain, type DeribitOptionQuote, type DeribitOptions } from './deribit.js';
import { EXCHANGE_CACHE_DIR } from './exchange-spec.js';
import { loadOptionChain, type ChainFileQuote, type OptionChainData } from './option-chain.js';

/** A chain this young is read from the cache rather than fetched (default one minute: quotes move). */
export const DERIBIT_CHAIN_MAX_AGE_MS = 60_000;

export interface DeribitChainCacheOptions extends DeribitOptions {
  /** Folder whose `.volt/cache/` holds the chains (default: the process's). */
  cwd?: string;
  /** Another cache folder, relative to `cwd`. */
  cacheDir?: string;
  maxAgeMs?: number;
  /** `false`: fetch, and write nothing. */
  cache?: boolean;
  onNote?: (note: string) => void;
  /** The clock (tests). */
  now?: () => number;
}

const NAME = /^deribit-([A-Z0-9]+)-options-(\d{8}T\d{6}Z)\.json$/;

function cacheDir(options: { cwd?: string; cacheDir?: string }): string {
  const cwd = options.cwd ?? process.cwd();
  return options.cacheDir === undefined ? path.join(cwd, EXCHANGE_CACHE_DIR) : path.resolve(cwd, options.cacheDir);
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d+/g, '');
}

function fromStamp(s: string): number {
  return Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(9, 11), +s.slice(11, 13), +s.slice(13, 15));
}

/** The cached chain files of `currency`, oldest first. */
async function cachedFiles(currency: string, dir: string): Promise<{ file: string; time: number }[]> {
  if (!existsSync(dir)) return [];
  const out: { file: string; time: number }[] = [];
  for (const name of await readdir(dir)) {
    const m = NAME.exec(name);
    if (m && m[1] === currency) out.push({ file: path.join(dir, name), time: fromStamp(m[2]!) });
  }
  return out.sort((a, b) => a.time - b.time);
}

/** The chain as JSON keeps it: numbers, with null for a price Deribit did not give (JSON has no NaN). */
function toJson(chain: DeribitOptionChain): string {
  return JSON.stringify(chain, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n';
}

async function readChain(file: string): Promise<DeribitOptionChain> {
  const raw = JSON.parse(await readFile(file, 'utf8'), (_k, v: unknown) => (v === null ? Number.NaN : v)) as DeribitOptionChain;
  if (typeof raw.currency !== 'string' || !Number.isFinite(raw.fetchedAt) || !Array.isArray(raw.quotes)) throw new Error('not a cached Deribit chain');
  return raw;
}

/**
 * The option chain of `currency`: from the cache when one was fetched less than `maxAgeMs` ago,
 * else from Deribit (through ccxt), written to the cache; with Deribit out of reach, the newest
 * cached chain with a note of its age.
 */
export async function deribitOptionChain(options: DeribitChainCacheOptions): Promise<DeribitOptionChain> {
  const currency = options.currency.toUpperCase();
  const dir = cacheDir(options);
  const now = (options.now ?? Date.now)();
  const shown = (file: string): string => {
    const relative = path.relative(options.cwd ?? process.cwd(), file);
    return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  };
  const files = options.cache === false ? [] : await cachedFiles(currency, dir);
  const newest = files.at(-1);
  if (newest !== undefined && now - newest.time < (options.maxAgeMs ?? DERIBIT_CHAIN_MAX_AGE_MS)) {
    try {
      const chain = await readChain(newest.file);
      options.onNote?.(`read the ${currency} option chain of ${new Date(newest.time).toISOString()} from the cache ${shown(newest.file)} (${Math.round((now - newest.time) / 1000)} s old)`);
      return chain;
    } catch (e) {
      options.onNote?.(`the cached ${shown(newest.file)} is unreadable (${e instanceof Error ? e.message : String(e)}); fetching again`);
    }
  }
  let chain: DeribitOptionChain;
  try {
    chain = await fetchDeribitOptionChain(options);
  } catch (e) {
    const offline = e instanceof VoltError && /^cannot reach deribit/.test(e.message);
    if (!offline || newest === undefined) throw e;
    const cached = await readChain(newest.file);
    const hours = (now - newest.time) / 3_600_000;
    options.onNote?.(`${e.message}; using the newest cached ${currency} chain, ${shown(newest.file)}, ${hours < 1 ? `${Math.round(hours * 60)} minutes` : `${hours.toFixed(1)} hours`} old`);
    return cached;
  }
  chain = { ...chain, fetchedAt: Math.floor(now / 1000) * 1000 };
  if (options.cache === false) return chain;
  const file = path.join(dir, `deribit-${currency}-options-${stamp(chain.fetchedAt)}.json`);
  try {
    await mkdir(dir, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    try {
      await writeFile(partial, toJson(chain));
      await rename(partial, file);
    } catch (e) {
      await rm(partial, { force: true });
      throw e;
    }
    options.onNote?.(`fetched ${chain.quotes.length} ${currency} options from deribit; cached in ${shown(file)} (read instead for ${Math.round((options.maxAgeMs ?? DERIBIT_CHAIN_MAX_AGE_MS) / 1000)} s, and by --options-chain deribit:${currency})`);
  } catch (e) {
    options.onNote?.(`fetched ${chain.quotes.length} ${currency} options from deribit; could not cache them in ${shown(file)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return chain;
}

/**
 * Every cached chain of `currency` as chain-file data for a backtest: one snapshot per fetch, in
 * USD per unit (bid, ask; a quote without an ask is left out, one without a bid is bid 0), open
 * interest kept. A cached file that cannot be read is left out with a note.
 */
export async function loadDeribitChainCache(currency: string, options: { cwd?: string; cacheDir?: string; onNote?: (note: string) => void } = {}): Promise<OptionChainData> {
  const dir = cacheDir(options);
  const upper = currency.toUpperCase();
  const files = await cachedFiles(upper, dir);
  const snapshots: OptionChainData['snapshots'] = [];
  for (const { file, time } of files) {
    let chain: DeribitOptionChain;
    try {
      chain = await readChain(file);
    } catch (e) {
      options.onNote?.(`the cached ${file} is unreadable (${e instanceof Error ? e.message : String(e)}); left out`);
      continue;
    }
    const quotes: ChainFileQuote[] = [];
    for (const q of chain.quotes) if (usable(q, time)) quotes.push({ right: q.right, strike: q.strike, expiry: q.expiry, bid: q.bidUsd > 0 ? q.bidUsd : 0, ask: q.askUsd, iv: Number.NaN, openInterest: q.openInterest });
    if (quotes.length > 0) snapshots.push({ time, quotes });
  }
  if (snapshots.length === 0) {
    throw new VoltError({
      kind: 'data',
      message: `no cached ${upper} option chains in ${dir}`,
      hint: `fetch some first (each fetch of the Deribit chain is kept there as a snapshot), or give --options-chain a chain file`,
    });
  }
  return { source: `deribit:${upper} (${snapshots.length} cached chain${snapshots.length === 1 ? '' : 's'})`, snapshots, repairs: [] };
}

function usable(q: DeribitOptionQuote, time: number): boolean {
  return q.askUsd > 0 && Number.isFinite(q.askUsd) && q.strike > 0 && q.expiry > time && (q.right === 'call' || q.right === 'put') && !(q.bidUsd > q.askUsd);
}

/** `--options-chain` / `backtest.optionsChain`: `deribit:BTC` (the cached Deribit chains) or a chain file. */
export function resolveOptionChainSpec(spec: string, options: { cwd: string; lenient?: boolean; onNote?: (note: string) => void }): Promise<OptionChainData> {
  const deribit = /^deribit:([A-Za-z0-9]+)$/i.exec(spec);
  if (deribit) return loadDeribitChainCache(deribit[1]!, { cwd: options.cwd, ...(options.onNote ? { onNote: options.onNote } : {}) });
  return loadOptionChain(path.resolve(options.cwd, spec), options.lenient ? { lenient: true } : {});
}
