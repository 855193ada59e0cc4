-- volt.nvim as a rock, the convention rocks.nvim and lazy.nvim's luarocks support follow: Lua
-- modules from lua/, and plugin/ and doc/ copied beside them (rocks.nvim puts the rock's folder on
-- the runtimepath). `luarocks make` in the plugin folder (or in the release tarball,
-- scripts/nvim-release.mjs) installs it without fetching anything.
rockspec_format = '3.0'
package = 'volt.nvim'
version = 'scm-1'

description = {
  summary = 'Neovim face of Volt: lint, backtest and journal trading strategies as you write them',
  detailed = [[
Starts the Volt sidecar (volt-lsp, from `npm install -g @volt/cli`) for *.strategy.ts files:
trading-mistake diagnostics with quick fixes, a code lens of the last backtest, and the commands
:VoltBacktest, :VoltAnalyze, :VoltJournal, :VoltAgentStatus; :checkhealth volt.]],
  labels = { 'neovim', 'neovim-plugin', 'lsp', 'trading', 'backtest' },
  license = 'MIT',
}

dependencies = {
  'lua >= 5.1',
}

-- The plugin lives in packages/nvim-plugin of the Volt repository.
source = {
  url = 'git+https://github.com/volt/volt.git',
  dir = 'volt/packages/nvim-plugin',
}

build = {
  type = 'builtin',
  -- No module list: LuaRocks takes every file under lua/ (lua/volt/client.lua → volt.client).
  copy_directories = { 'plugin', 'doc' },
}
