import { Atr } from './atr.js';
import { Bollinger } from './bollinger.js';
import { Macd } from './macd.js';
import { Ema, Sma } from './moving-averages.js';
import { RealizedVol } from './realized-vol.js';
import { Rsi } from './rsi.js';
import { sharedFactory } from './shared.js';
import type { BarIndicator, IndicatorFactory } from './types.js';

export interface DeclaredIndicators {
  /** Handed to a strategy's `indicators(ind, params)`. */
  factory: IndicatorFactory;
  /**
   * Every indicator the factory built, in declaration order: the backtester feeds them each bar in
   * one flat loop, `for (const x of indicators) x.onBar(o, h, l, c, v)`.
   */
  indicators: BarIndicator[];
}

/** A factory that records every indicator it constructs. Bad arguments throw a 'strategy' VoltError. */
export function createIndicatorFactory(): DeclaredIndicators {
  // Inside a sweep's trial the indicators come from the series shared between trials (shared.ts).
  const shared = sharedFactory();
  if (shared) return shared;
  const indicators: BarIndicator[] = [];
  const declare = <T extends BarIndicator>(indicator: T): T => {
    indicators.push(indicator);
    return indicator;
  };
  const factory: IndicatorFactory = {
    sma: (period, source) => declare(new Sma(period, source)),
    ema: (period, source) => declare(new Ema(period, source)),
    rsi: (period, source) => declare(new Rsi(period, source)),
    macd: (fast, slow, signal, source) => declare(new Macd(fast, slow, signal, source)),
    bollinger: (period, stdDev, source) => declare(new Bollinger(period, stdDev, source)),
    atr: (period) => declare(new Atr(period)),
    realizedVol: (period, barsPerYear) => declare(new RealizedVol(period, barsPerYear)),
  };
  return { factory, indicators };
}
