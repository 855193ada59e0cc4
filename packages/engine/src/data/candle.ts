/** One bar. `time` is the bar's open time in epoch milliseconds, UTC. */
export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * Columnar candles, the shape every loader returns and the backtester's hot loop reads:
 * one typed array per field, ascending by time, no duplicates.
 */
export interface CandleSeries {
  readonly symbol: string;
  /** '1m', '5m', '1h', '1d', … or 'unknown' when the spacing is irregular. */
  readonly timeframe: string;
  /** Where the bars came from: a file path, 'synthetic:SEED' or an exchange id. */
  readonly source: string;
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export interface SeriesMeta {
  symbol: string;
  timeframe: string;
  source: string;
}

export function seriesFromCandles(candles: readonly Candle[], meta: SeriesMeta): CandleSeries {
  const n = candles.length;
  const s = allocateSeries(n, meta);
  for (let i = 0; i < n; i++) {
    const c = candles[i]!;
    s.time[i] = c.time;
    s.open[i] = c.open;
    s.high[i] = c.high;
    s.low[i] = c.low;
    s.close[i] = c.close;
    s.volume[i] = c.volume;
  }
  return s;
}

export function allocateSeries(length: number, meta: SeriesMeta): CandleSeries & { length: number } {
  return {
    ...meta,
    length,
    time: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
}

export function candleAt(s: CandleSeries, i: number): Candle {
  return { time: s.time[i]!, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! };
}

/** Bars with fromMs <= time < toMs (either bound optional); shares no memory with the input. */
export function sliceSeries(s: CandleSeries, fromMs?: number, toMs?: number): CandleSeries {
  let start = 0;
  let end = s.length;
  if (fromMs !== undefined) while (start < end && s.time[start]! < fromMs) start++;
  if (toMs !== undefined) while (end > start && s.time[end - 1]! >= toMs) end--;
  return {
    symbol: s.symbol,
    timeframe: s.timeframe,
    source: s.source,
    length: end - start,
    time: s.time.slice(start, end),
    open: s.open.slice(start, end),
    high: s.high.slice(start, end),
    low: s.low.slice(start, end),
    close: s.close.slice(start, end),
    volume: s.volume.slice(start, end),
  };
}
