export { runPortfolioBacktest, rollingCorrelation, type PortfolioObserver } from './run.js';
export type * from './types.js';
