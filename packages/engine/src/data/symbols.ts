/**
 * Which data a market symbol means in a workspace: a file or exchange spec mapped in
 * volt.config.json (`data.symbols`), else candles fetched before and kept in `.volt/cache/`, else
 * none, and a run on it is on the synthetic market and says so. Picking ETH/BTC must test ETH/BTC,
 * or say plainly that it does not.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { EXCHANGE_CACHE_DIR } from './exchange-spec.js';

export interface SymbolData {
  symbol: string;
  /** The data spec to load: a file path, an exchange spec, or the synthetic market. */
  spec: string;
  /** Where it came from: mapped in volt.config.json, the exchange cache, or no data (synthetic). */
  source: 'config' | 'cache' | 'synthetic';
}

/** The cached files of a symbol, newest range last (their names end with the range). */
function cachedFiles(symbol: string, cwd: string): string[] {
  const dir = path.join(cwd, EXCHANGE_CACHE_DIR);
  const key = `-${symbol.replace(/[^A-Za-z0-9]+/g, '_')}-`;
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.csv') && f.includes(key)).sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** The data of `symbol`: mapped, cached, or the synthetic market (`synthetic`, the workspace's synthetic default). */
export function symbolData(symbol: string, mapped: Readonly<Record<string, string>> | undefined, cwd: string, synthetic: string): SymbolData {
  const spec = mapped?.[symbol];
  if (spec !== undefined) return { symbol, spec, source: 'config' };
  const cached = cachedFiles(symbol, cwd).at(-1);
  if (cached !== undefined) return { symbol, spec: cached, source: 'cache' };
  return { symbol, spec: synthetic, source: 'synthetic' };
}

/** Every symbol the workspace has data for: mapped ones first, then cached ones, each once. */
export function symbolsWithData(mapped: Readonly<Record<string, string>> | undefined, cwd: string): SymbolData[] {
  const out: SymbolData[] = Object.entries(mapped ?? {}).map(([symbol, spec]) => ({ symbol, spec, source: 'config' as const }));
  const seen = new Set(out.map((s) => s.symbol));
  let files: string[] = [];
  try {
    files = readdirSync(path.join(cwd, EXCHANGE_CACHE_DIR)).filter((f) => f.endsWith('.csv')).sort();
  } catch {
    // No cache yet.
  }
  for (const f of files) {
    // exchange-SYMBOL-tf-since-until.csv, the symbol's separators written as _: BTC_USDT → BTC/USDT.
    const parts = f.slice(0, -4).split('-');
    if (parts.length < 5) continue;
    const symbol = parts.slice(1, parts.length - 3).join('-').replace(/_/, '/').replace(/_/g, ':');
    if (seen.has(symbol)) continue;
    seen.add(symbol);
    out.push({ symbol, spec: path.join(cwd, EXCHANGE_CACHE_DIR, f), source: 'cache' });
  }
  return out;
}

/** The first market a strategy's source declares (`symbols: ['BTC/USDT', …]`), read from its text. */
export function declaredSymbol(source: string): string | undefined {
  return /\bsymbols\s*:\s*\[\s*(['"`])([^'"`]+)\1/.exec(source)?.[2];
}
