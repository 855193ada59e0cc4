export type * from './types.js';
export { REPORT_SCHEMA_VERSION } from './types.js';
export { runBacktest, runSessionBacktest, downsampleEquity, BACKTEST_DEFAULTS, MAX_REPORT_SIGNALS } from './run.js';
// The per-market pieces a portfolio run builds on (portfolio/run.ts).
export { HistoryWindow, PositionState, BarView } from './context.js';
export { StopAtr } from './volatility-stop.js';
