import type { CandleSeries } from './candle.js';

/**
 * Candles out, in the two formats the loaders read back exactly: numbers are written in their
 * shortest round-trip form, times as ISO 8601 UTC (CSV) or epoch ms (JSON). Output comes in
 * chunks so a million bars never build one giant string.
 */

const CHUNK_BARS = 10_000;

export function* candlesToCsv(series: CandleSeries): Generator<string> {
  yield 'time,open,high,low,close,volume\n';
  for (let start = 0; start < series.length; start += CHUNK_BARS) {
    const end = Math.min(series.length, start + CHUNK_BARS);
    let out = '';
    for (let i = start; i < end; i++) {
      out += `${new Date(series.time[i]!).toISOString()},${series.open[i]},${series.high[i]},${series.low[i]},${series.close[i]},${series.volume[i]}\n`;
    }
    yield out;
  }
}

export function* candlesToJson(series: CandleSeries): Generator<string> {
  if (series.length === 0) {
    yield '[]\n';
    return;
  }
  for (let start = 0; start < series.length; start += CHUNK_BARS) {
    const end = Math.min(series.length, start + CHUNK_BARS);
    let out = start === 0 ? '[' : ',\n';
    for (let i = start; i < end; i++) {
      out += `${i === start ? '' : ',\n'}[${series.time[i]},${series.open[i]},${series.high[i]},${series.low[i]},${series.close[i]},${series.volume[i]}]`;
    }
    yield out;
  }
  yield ']\n';
}
