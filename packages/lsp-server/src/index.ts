export * from './protocol.js';
export { VoltServer, type VoltServerOptions } from './server.js';
export * from './service/diagnostics.js';
export * from './service/backtest.js';
export { hoverAt } from './service/hover.js';
export { FrameWatch, watchFraming, stdioFrameWatch, DEFAULT_STALL_MS } from './framing.js';
export { serverVersion } from './version.js';
