export { runPortfolioBacktest, returnsCorrelation, type PortfolioObserver } from './run.js';
export type * from './types.js';
export { portfolioWithAgents, type PortfolioAgentsResult } from './agents.js';
