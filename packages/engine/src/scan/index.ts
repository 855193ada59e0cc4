export { SpreadScanner, crossVenueSpreads, netSpread, defaultTakerFee, type VenueQuote, type VenueFailure, type CrossVenueSpread, type QuoteOptions } from './spreads.js';
export { historicalSpreads, type VenueCandles, type HistoricalSpread, type HistoricalSpreadReport, type SpreadEpisode } from './history.js';
export { SpreadPaperTrader, type SpreadPaperOptions, type SpreadFill, type OpenSpread, type ClosedSpread, type SpreadStep } from './paper.js';
export { startSpreadSession, resumeSpreadSession, findUnfinishedSpreadSession, finishSpreadSession, saveSpreadPosition, type SpreadSession, type SpreadSessionSettings } from './spread-session.js';
