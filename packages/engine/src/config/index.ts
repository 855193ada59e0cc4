export type { VoltConfig, VoltConfigInput, AgentsMode } from './types.js';
export { DEFAULT_CONFIG, CONFIG_FILE, loadConfig, mergeConfig, defaultConfig, configPath } from './load.js';
export type { ConfigSource } from './load.js';
