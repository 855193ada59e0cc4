export type * from './types.js';
export type { ClosedTrade, MetricsInput } from './compute.js';
export { computeMetrics } from './compute.js';
