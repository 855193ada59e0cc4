export type * from './types.js';
export { Sma, Ema } from './moving-averages.js';
export { Rsi } from './rsi.js';
export { Macd } from './macd.js';
export { Bollinger } from './bollinger.js';
export { Atr } from './atr.js';
export { RealizedVol } from './realized-vol.js';
export { createIndicatorFactory, type DeclaredIndicators } from './factory.js';
export { SharedIndicators, withSharedIndicators, type SharingScope } from './shared.js';
