export type { Candle, CandleSeries, SeriesMeta } from './candle.js';
export { seriesFromCandles, allocateSeries, candleAt, sliceSeries } from './candle.js';
export { timeframeToMs, msToTimeframe, barsPerYear } from './timeframe.js';
