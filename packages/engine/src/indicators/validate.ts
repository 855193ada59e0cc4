import { VoltError } from '../errors.js';
import type { PriceSource } from './types.js';

/**
 * Argument checks shared by every indicator constructor. A wrong period in a strategy's
 * `indicators()` is the trader's mistake, so it surfaces as a 'strategy' VoltError with the fix.
 */

export function requirePeriod(
  indicator: string,
  name: string,
  value: unknown,
  min = 1,
  example = `ind.${indicator}(${Math.max(min, 14)})`,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new VoltError({
      kind: 'strategy',
      message: `${indicator}: ${name} must be a whole number of bars ≥ ${min}, got ${describe(value)}`,
      hint: `Pass an integer ${name} of at least ${min}, e.g. ${example}.`,
    });
  }
  return value;
}

export function requirePositive(indicator: string, name: string, value: unknown, example: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new VoltError({
      kind: 'strategy',
      message: `${indicator}: ${name} must be a finite number > 0, got ${describe(value)}`,
      hint: `Pass a positive ${name}, e.g. ${example}.`,
    });
  }
  return value;
}

/**
 * Numeric codes keep the per-bar price pick a switch on a small integer (plain constants rather
 * than a const enum, so tsc and vitest's per-file transpiler agree).
 */
export const Source = { Open: 0, High: 1, Low: 2, Close: 3, HL2: 4, HLC3: 5, OHLC4: 6 } as const;
export type Source = (typeof Source)[keyof typeof Source];

const SOURCES: Record<PriceSource, Source> = {
  open: Source.Open,
  high: Source.High,
  low: Source.Low,
  close: Source.Close,
  hl2: Source.HL2,
  hlc3: Source.HLC3,
  ohlc4: Source.OHLC4,
};

export function requireSource(indicator: string, value: unknown): Source {
  if (value === undefined) return Source.Close;
  const code = typeof value === 'string' ? SOURCES[value as PriceSource] : undefined;
  if (code === undefined) {
    throw new VoltError({
      kind: 'strategy',
      message: `${indicator}: unknown price source ${describe(value)}`,
      hint: `Use one of ${Object.keys(SOURCES).map((s) => `'${s}'`).join(', ')} (default 'close').`,
    });
  }
  return code;
}

/** The price a close-based indicator reads from one bar. */
export function priceOf(source: Source, open: number, high: number, low: number, close: number): number {
  switch (source) {
    case Source.Close:
      return close;
    case Source.Open:
      return open;
    case Source.High:
      return high;
    case Source.Low:
      return low;
    case Source.HL2:
      return (high + low) / 2;
    case Source.HLC3:
      return (high + low + close) / 3;
    case Source.OHLC4:
      return (open + high + low + close) / 4;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
