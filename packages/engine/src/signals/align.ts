import { timeframeToMs, type CandleSeries } from '../data/index.js';
import { VoltError } from '../errors.js';
import type { SignalPoint, SignalSeriesData, SignalSet, SignalSource } from './types.js';

/**
 * The runtime half of time alignment. A signal's points become a series sorted by publication;
 * a point that claims to be published before the source could have known it (a daily average
 * stamped at the start of its own day, a value published before the period it describes) is
 * refused here, naming where it came from, so no bar can ever read it early.
 */
export function signalSeries(source: SignalSource, points: readonly SignalPoint[], from: string): SignalSeriesData {
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (!(Number.isFinite(p.time) && Number.isFinite(p.published) && Number.isFinite(p.value))) {
      throw new VoltError({ kind: 'data', file: from, message: `${source.name}: value ${i + 1} is not a number (time ${p.time}, published ${p.published}, value ${p.value})`, hint: 'record the fixture again or run `volt signals fetch` to refresh the cache' });
    }
    if (p.published < p.time + source.minLagMs) {
      throw new VoltError({
        kind: 'data',
        file: from,
        message: `${source.name}: the value for ${iso(p.time)} says it was published at ${iso(p.published)}, before the source could know it (${source.minLagMs / 3_600_000} h after the period starts at the earliest)`,
        hint: `give it its real publication time (${iso(p.time + source.minLagMs)} or later); a bar before that must not see it`,
      });
    }
  }
  const sorted = [...points].sort((a, b) => a.published - b.published || a.time - b.time);
  const n = sorted.length;
  const out: SignalSeriesData = { name: source.name, source: from, time: new Float64Array(n), published: new Float64Array(n), value: new Float64Array(n), maxStaleMs: source.maxStaleMs };
  for (let i = 0; i < n; i++) {
    out.time[i] = sorted[i]!.time;
    out.published[i] = sorted[i]!.published;
    out.value[i] = sorted[i]!.value;
  }
  return out;
}

/** When a bar closes: its open time plus the timeframe, or the next bar's open when the timeframe is irregular. */
export function barCloses(series: CandleSeries): Float64Array {
  const n = series.length;
  const t = series.time;
  let step = Number.NaN;
  try {
    step = timeframeToMs(series.timeframe);
  } catch {
    // 'unknown' timeframe: the spacing of the bars below
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = step === step ? t[i]! + step : i + 1 < n ? t[i + 1]! : t[i]! + (i > 0 ? t[i]! - t[i - 1]! : 0);
  return out;
}

/**
 * For each bar, the index of the latest value published strictly before the bar's close, or −1
 * (none yet, or the newest is older than the source's `maxStaleMs`). A value published at the
 * close itself is not seen: the bar's onBar runs at the close and the two would race.
 */
export function alignToBars(data: SignalSeriesData, closes: Float64Array): Int32Array {
  const out = new Int32Array(closes.length);
  let k = -1;
  for (let i = 0; i < closes.length; i++) {
    // Bars need not be in time order across calls, but within a series they are: one forward sweep.
    k = latestBefore(data, closes[i]!, k);
    out[i] = seenAt(data, closes[i]!, k);
  }
  return out;
}

/** The latest value published strictly before `close`, sweeping forward from `k` (−1: from the start). */
export function latestBefore(data: SignalSeriesData, close: number, k: number): number {
  const pub = data.published;
  while (k + 1 < pub.length && pub[k + 1]! < close) k++;
  return k;
}

/** `k` when that value is fresh at `close` (within the source's `maxStaleMs`), else −1. */
export function seenAt(data: SignalSeriesData, close: number, k: number): number {
  return k >= 0 && close - data.published[k]! <= data.maxStaleMs ? k : -1;
}

/** The same signals with every value published at or after `cutoff` left out (the lookahead re-run's data). */
export function signalsBefore(set: SignalSet, cutoff: number): SignalSet {
  const out: SignalSet = {};
  for (const [name, d] of Object.entries(set)) {
    let n = 0;
    while (n < d.published.length && d.published[n]! < cutoff) n++;
    out[name] = { ...d, time: d.time.slice(0, n), published: d.published.slice(0, n), value: d.value.slice(0, n) };
  }
  return out;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : String(ms);
}
