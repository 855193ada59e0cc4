/** Options: European prices and greeks (BSM, Black-76), implied volatility, American options on a tree. See README.md. */
export { normCdf, normPdf } from './normal.js';
export {
  DAYS_PER_YEAR,
  europeanBounds,
  GreeksBatch,
  OptionBatch,
  priceBatch,
  priceOption,
  type OptionGreeks,
  type OptionInput,
  type OptionRight,
  type PricingModel,
} from './black-scholes.js';
export { impliedVolatility, type ImpliedVolFailure, type ImpliedVolInput, type ImpliedVolResult } from './implied-vol.js';
export { DEFAULT_TREE_STEPS, priceAmerican, priceOnTree, type AmericanGreeks, type ExerciseStyle, type TreeResult } from './binomial.js';
export {
  analyzePosition,
  pnlAtHorizon,
  touchProbability,
  type OptionLeg,
  type PositionAnalysis,
  type PositionGreeks,
  type PositionInput,
  type PositionLeg,
  type TouchProbability,
  type UnderlyingLeg,
} from './position.js';
export { kellyFraction, sizePosition, type PositionSize, type SizingInput } from './sizing.js';
export { chainSkew, IV_LOOKBACK, ivPercentile, ivRank, type ChainQuote, type ChainSkew } from './volatility.js';
export { bidAskPct, dealerGamma, earlyAssignmentRisk, pinningRisk, volatilityCrush, type DealerGamma, type OpenInterestQuote, type VolatilityCrush } from './risk-flags.js';
export { newHedgeQuote, quoteProtectiveSpread, type HedgeQuote } from './hedge.js';
export {
  DEFAULT_SMILE,
  niceStep,
  OptionsBook,
  smileVol,
  syntheticChain,
  weeklyExpiries,
  type BookGreeks,
  type BookLeg,
  type BookOptions,
  type BookPosition,
  type ChainSpec,
  type HeldLeg,
  type ListedOption,
  type OptionsView,
  type SmileSpec,
} from './book.js';
