/** Outside signals (fear & greed, DeFi TVL, volume, trending, gas, whale flows, sentiment): sources, fixtures, cache, alignment. */
export * from './types.js';
export { SIGNAL_SOURCES, SIGNAL_NAMES, signalSource, baseAsset, fearGreed, defiTvl, geckoVolume, geckoTrending, gasPrice, whaleTransfers, newsSentiment } from './sources.js';
export { signalSeries, alignToBars, barCloses, signalsBefore, latestBefore, seenAt } from './align.js';
export { SignalBoard, BarSignals } from './view.js';
export { LiveSignals, POLL_EVERY_MS, answeringSources, type LiveSignalsOptions, type SignalSourceEvent } from './live.js';
export { DEFAULT_SIGNAL_BLEND, blendScores, outsideScore, describeSignals, type SignalBlend } from './aggregate.js';
export { readSignalFixture, pointsOf, fixtureSeries, type SignalFixture } from './recordings.js';
export { fetchSignal, type FetchSignalOptions, type FetchedSignal } from './fetch.js';
export { SignalCache } from './cache.js';
export { loadRunSignals, signalCoverage, type RunSignalsOptions, type SignalCoverage } from './load.js';
