export type { VoltConfig, VoltConfigInput, AgentsMode } from './types.js';
export {
  DEFAULT_CONFIG,
  CONFIG_FILE,
  loadConfig,
  mergeConfig,
  checkConfig,
  checkConfigText,
  defaultConfig,
  configPath,
  findConfigFile,
  resolveConfigPaths,
  setConfigWarningHandler,
} from './load.js';
export type { ConfigSource, ConfigProblem, ConfigCheck } from './load.js';
