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
export {
  EXAMPLE_STRATEGY,
  EXAMPLE_STRATEGY_FILE,
  ENGINE_TYPES_DIR,
  WORKSPACE_VAULT,
  WORKSPACE_VOLATILITY_FILES,
  workspaceConfigText,
  engineDist,
  engineDeclarations,
  tsconfigFor,
  initWorkspace,
  refreshWorkspaceTypes,
  type InitOptions,
  type InitResult,
} from './workspace-init.js';
