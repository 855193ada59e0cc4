export type { Candle, CandleSeries, SeriesMeta } from './candle.js';
export { seriesFromCandles, allocateSeries, candleAt, sliceSeries } from './candle.js';
export { timeframeToMs, msToTimeframe, barsPerYear } from './timeframe.js';
export { createRandom, type Random } from './random.js';
export { symbolData, symbolsWithData, declaredSymbol, type SymbolData } from './symbols.js';
export { synthesize, REGIMES, SYNTHETIC_DEFAULT_START, MAX_SYNTHETIC_BARS, type Regime, type SynthesizeOptions, type SyntheticMarket } from './synthetic.js';
export { DataError, type DataProblem, type DataProblemKind } from './problems.js';
export {
  loadCandles,
  loadCandlesSync,
  parseCandles,
  checkCandles,
  checkCandlesSync,
  checkCandleText,
  parseCandleRows,
  symbolFromFileName,
  type LoadOptions,
  type LoadedCandles,
  type CandleCheck,
} from './load.js';
export { inferTimeframe } from './order.js';
export { loadCandlesCached, CANDLE_CACHE_DIR, type CachedLoad, type CacheUse } from './binary-cache.js';
export { parseTimestamp, parseDateOnly, parseTimeOfDay, formatTime } from './timestamp.js';
export {
  resolveDataSpec,
  resolveDataSpecSync,
  parseSyntheticSpec,
  SYNTHETIC_DEFAULT_BARS,
  SYNTHETIC_DEFAULT_TIMEFRAME,
  type DataSpecOptions,
  type SyntheticSpec,
} from './spec.js';
export { candlesToCsv, candlesToJson } from './write.js';
export {
  fetchCandles,
  EXCHANGE_API_URL_ENV,
  DEFAULT_EXCHANGE_TIMEOUT_MS,
  NO_NETWORK_HINT,
  type FetchCandlesOptions,
} from './exchange.js';
export { fetchManyCandles, type MarketRequest, type MarketResult, type FetchManyOptions, type FetchManyProgress } from './fetch-many.js';
export { writeCache as writeCandleCache, parseExchangeSpec, exchangeCacheFile, EXCHANGE_CACHE_DIR, EXCHANGE_DEFAULT_BARS, type ExchangeSpec } from './exchange-spec.js';
export {
  fetchDeribitOptionChain,
  fetchDeribitRealizedVolatility,
  fetchDvol,
  type DeribitOptionChain,
  type DeribitOptionQuote,
  type DeribitOptions,
} from './deribit.js';
export { EventCalendar, loadEventCalendar, parseEventCalendar, describeEvent, type VolatilityEvent } from './events.js';
export { chainSnapshotAt, loadOptionChain, parseOptionChain, type ChainFileOptions, type ChainFileQuote, type ChainSnapshot, type OptionChainData } from './option-chain.js';
export { DERIBIT_CHAIN_MAX_AGE_MS, deribitOptionChain, loadDeribitChainCache, resolveOptionChainSpec, type DeribitChainCacheOptions } from './deribit-cache.js';
