import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CandleSeries } from '../data/index.js';
import { alignToBars, barCloses } from './align.js';
import type { SignalCache } from './cache.js';
import { fixtureSeries } from './recordings.js';
import { SIGNAL_SOURCES, baseAsset } from './sources.js';
import type { SignalSet } from './types.js';

export interface RunSignalsOptions {
  /** The traded symbol ('BTC/USD'): per-market sources read its base asset. */
  symbol: string;
  /** The journal's cache: fetched values win over fixtures. */
  cache?: SignalCache;
  /** A folder of recorded fixtures, `<source>.json` each. */
  fixtures?: string;
  /** Only these sources (default all). */
  names?: readonly string[];
}

/** The signals a run replays: per source the journal's cached values, else its fixture, else none. */
export function loadRunSignals(options: RunSignalsOptions): SignalSet {
  const market = baseAsset(options.symbol);
  const out: SignalSet = {};
  for (const source of SIGNAL_SOURCES) {
    if (options.names && !options.names.includes(source.name)) continue;
    const cached = options.cache?.series(source, market);
    if (cached) {
      out[source.name] = cached;
      continue;
    }
    const file = options.fixtures ? path.join(options.fixtures, `${source.name}.json`) : undefined;
    if (file && existsSync(file)) {
      const s = fixtureSeries(file, market);
      if (s.value.length > 0) out[source.name] = s;
    }
  }
  return out;
}

export interface SignalCoverage {
  name: string;
  source: string;
  values: number;
  /** Bars that see a value of it. */
  barsCovered: number;
  bars: number;
  /** First bar that sees one (−1: none). */
  firstBar: number;
}

/** How much of a series each signal covers, once aligned (what `volt signals check` prints). */
export function signalCoverage(set: SignalSet, series: CandleSeries): SignalCoverage[] {
  const closes = barCloses(series);
  return Object.values(set).map((d) => {
    const at = alignToBars(d, closes);
    let covered = 0;
    let first = -1;
    for (let i = 0; i < at.length; i++) {
      if (at[i]! < 0) continue;
      covered++;
      if (first < 0) first = i;
    }
    return { name: d.name, source: d.source, values: d.value.length, barsCovered: covered, bars: series.length, firstBar: first };
  });
}
