/**
 * @volt/engine: the library every face of Volt stands on. One folder per capability; each
 * capability's index.ts is its public face, and this file re-exports them.
 */
export * from './errors.js';
export * from './data/index.js';
export * from './indicators/index.js';
export * from './strategy/index.js';
export * from './config/index.js';
export * from './backtest/index.js';
export * from './metrics/index.js';
export * from './analysis/index.js';
export * from './journal/index.js';
export * from './vault/index.js';
export * from './risk/index.js';
export * from './options/index.js';
export * from './llm/index.js';
export * from './agents/index.js';
export * from './runner/index.js';
export * from './optimize/index.js';
export * from './scan/index.js';
export * from './portfolio/index.js';
export * from './bus/index.js';
export * from './synth/index.js';
export * from './version.js';
export * from './signals/index.js';
export * from './trading/index.js';
