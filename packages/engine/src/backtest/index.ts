export type * from './types.js';
export { REPORT_SCHEMA_VERSION } from './types.js';
export { runBacktest, runSessionBacktest, downsampleEquity, BACKTEST_DEFAULTS, MAX_REPORT_SIGNALS } from './run.js';
