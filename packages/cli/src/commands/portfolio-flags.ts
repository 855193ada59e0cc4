/**
 * What `volt backtest` needs of a portfolio before it knows it runs one: the flags, their usage
 * text and which markets a run covers. Apart from backtest-portfolio.ts so a one-market backtest
 * does not load the portfolio's engine modules.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../usage.js';

export interface PortfolioFlags {
  symbols?: string | undefined;
  market?: string[] | undefined;
  data?: string | undefined;
  lenient?: boolean | undefined;
  'no-cache'?: boolean | undefined;
  json?: boolean | undefined;
  agents?: string | undefined;
  'max-gross'?: string | undefined;
  'max-net'?: string | undefined;
  'max-positions'?: string | undefined;
  'max-correlation'?: string | undefined;
  'correlation-lookback'?: string | undefined;
}

export const PORTFOLIO_USAGE = `Portfolio (several markets, one account; engine/src/portfolio/README.md):
  --symbols A,B,…           backtest over these markets (also when the strategy declares two or
                            more symbols and no --data is given)
  --market SYM=SPEC         a market's candles (file or data spec); repeat. Default: data.symbols
                            of volt.config.json, else .volt/cache/, else a synthetic market each
  --max-gross X             gross exposure limit, a fraction of equity (1.5 = 150%)
  --max-net X               net exposure limit, a fraction of equity
  --max-positions N         markets held at once
  --max-correlation R       refuse an entry whose returns correlate above R with a market held
                            on the same side (--correlation-lookback N bars, default 50)
                            Each limit defaults to the portfolio section of volt.config.json
                            (maxGross, maxNet, maxPositions, maxCorrelation, correlationLookback)`;

/** The markets a strategy's source declares: `symbols: ['BTC/USDT', 'ETH/USDT']`. */
export function declaredSymbols(source: string): string[] {
  const list = /\bsymbols\s*:\s*\[([^\]]*)\]/.exec(source)?.[1];
  if (list === undefined) return [];
  return [...list.matchAll(/(['"`])([^'"`]+)\1/g)].map((m) => m[2]!);
}

/** The symbols of a portfolio run, or undefined for a one-market backtest. */
export function portfolioSymbols(file: string, flags: PortfolioFlags): string[] | undefined {
  if (flags.symbols !== undefined) {
    const symbols = flags.symbols.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (symbols.length === 0) throw new UsageError('--symbols is empty: give markets like BTC/USDT,ETH/USDT');
    if (new Set(symbols).size !== symbols.length) throw new UsageError(`--symbols names a market twice: ${flags.symbols}`);
    if (flags.data !== undefined) throw new UsageError('--data is one market; with --symbols give each market its data with --market SYM=SPEC');
    return symbols;
  }
  if (flags.data !== undefined || (flags.market ?? []).length > 0) {
    if ((flags.market ?? []).length > 0) throw new UsageError('--market needs --symbols (the markets of the portfolio)');
    return undefined;
  }
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const declared = declaredSymbols(source);
  return declared.length >= 2 ? declared : undefined;
}
