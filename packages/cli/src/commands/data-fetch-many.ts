/**
 * `volt data fetch` of several markets: `--symbol BTC/USDT,ETH/USDT --exchange binance,kraken` fetches
 * every symbol on every venue, venues in parallel and each venue's markets in turn (engine
 * fetchManyCandles), under one progress bar, into the exchange cache (or --out-dir).
 */
import path from 'node:path';
import {
  EXCHANGE_CACHE_DIR,
  exchangeCacheFile,
  fetchManyCandles,
  formatTime,
  isVoltError,
  parseExchangeSpec,
  writeCandleCache,
  type FetchManyProgress,
  type MarketRequest,
} from '@volt/engine';
import { EXIT } from '../usage.js';

export interface FetchManyFlags {
  exchanges: string[];
  symbols: string[];
  timeframe: string;
  since: number;
  until: number;
  limit?: number;
  timeout?: number;
  lenient: boolean;
  outDir?: string;
  apiUrls: Record<string, string>;
}

/** A date when the time is midnight UTC, else epoch ms: times of day have colons, which a spec splits on. */
function specTime(ms: number): string {
  return ms % 86_400_000 === 0 ? new Date(ms).toISOString().slice(0, 10) : String(ms);
}

/** `[#########.....................]  31%  4,130/13,200 candles  1/4 markets` */
export function fetchProgressLine(p: FetchManyProgress, width = 30): string {
  const share = p.expected > 0 ? Math.min(1, p.candles / p.expected) : 0;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${p.candles.toLocaleString('en-US')}/${p.expected.toLocaleString('en-US')} candles  ${p.marketsDone}/${p.markets} markets`;
}

export async function fetchMany(flags: FetchManyFlags): Promise<number> {
  const cwd = process.cwd();
  const markets: MarketRequest[] = flags.exchanges.flatMap((exchange) => flags.symbols.map((symbol) => ({ exchange, symbol })));
  const tty = process.stderr.isTTY === true;
  let drawn = false;
  const say = (line: string) => process.stderr.write(`${drawn ? '\r\x1b[K' : ''}${line}\n`);
  const results = await fetchManyCandles(markets, {
    timeframe: flags.timeframe,
    since: flags.since,
    until: flags.until,
    lenient: flags.lenient,
    apiUrls: flags.apiUrls,
    ...(flags.limit === undefined ? {} : { limit: flags.limit }),
    ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
    // One bar for every market, redrawn in place; on a pipe nothing but the lines below.
    onProgress: (p) => {
      if (!tty) return;
      process.stderr.write(`\r\x1b[K${fetchProgressLine(p)}`);
      drawn = true;
    },
    onNote: (m, note) => say(`volt data fetch: note: ${m.exchange} ${m.symbol}: ${note}`),
  });
  if (drawn) process.stderr.write('\r\x1b[K');
  drawn = false;
  let failed = 0;
  const daily = /[dw]$/.test(flags.timeframe);
  for (const r of results) {
    const spec = `exchange:${r.exchange}:${r.symbol}:${flags.timeframe}:${specTime(flags.since)}:${specTime(flags.until)}`;
    if (!r.ok) {
      failed++;
      const e = r.error;
      say(`volt data fetch: ${r.exchange} ${r.symbol}: ${isVoltError(e) ? e.format() : e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const s = r.series;
    const file = flags.outDir !== undefined
      ? path.resolve(cwd, flags.outDir, `${r.exchange}-${r.symbol.replace(/[^A-Za-z0-9]+/g, '_')}-${flags.timeframe}.csv`)
      : exchangeCacheFile(parseExchangeSpec(`exchange:${r.exchange}:${r.symbol}:${flags.timeframe}:${flags.since}:${flags.until}`)!, { cwd });
    const range = `${formatTime(s.time[0]!, daily)} → ${formatTime(s.time[s.length - 1]!, daily)}`;
    if (file === undefined) {
      failed++;
      say(`volt data fetch: ${r.exchange} ${r.symbol}: --until reaches a bar that has not closed, so the range cannot be cached; give --out-dir DIR to keep it`);
      continue;
    }
    await writeCandleCache(file, s);
    const shown = path.relative(cwd, file) || file;
    process.stdout.write(`${r.exchange} ${r.symbol}: ${s.length.toLocaleString('en-US')} ${flags.timeframe} candles (${range}) → ${shown}${flags.outDir === undefined ? `  (--data ${spec})` : ''}\n`);
  }
  if (flags.outDir === undefined && failed < results.length) {
    process.stdout.write(`in ${EXCHANGE_CACHE_DIR}: backtests read these ranges offline; map them in volt.config.json under data.symbols to trade them by symbol\n`);
  }
  return failed === 0 ? EXIT.ok : EXIT.error;
}
