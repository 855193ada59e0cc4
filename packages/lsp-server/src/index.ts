export * from './protocol.js';
export { VoltServer, type VoltServerOptions } from './server.js';
export * from './service/diagnostics.js';
export * from './service/backtest.js';
export { hoverAt } from './service/hover.js';
export { serverVersion } from './version.js';
