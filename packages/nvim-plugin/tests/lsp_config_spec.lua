-- Neovim 0.11+ starts volt through vim.lsp.config/vim.lsp.enable (lua/volt/lsp_config.lua). No
-- such Neovim runs here, so this drives the same config the way 0.11's enable callback does
-- (runtime/lua/vim/lsp.lua: root_dir(bufnr, on_dir), then vim.lsp.start with that root) on the
-- Neovim at hand, against the real sidecar: if the table lacks anything a client needs, it shows.
local T = require('harness')

T.run('lsp_config', function()
  local compat = require('volt.compat')
  local lsp_config = require('volt.lsp_config')
  local ws = T.workspace()
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))
  -- Configure without letting setup() attach anything itself: this test does the attaching.
  require('volt.config').set({ keymaps = false })

  local conf = assert(lsp_config.config())
  T.eq(conf.name, 'volt', 'config name')
  T.eq(conf.filetypes, { 'typescript' }, 'filetypes')
  T.eq(type(conf.root_dir), 'function', 'root found per buffer')
  T.eq(conf.workspace_folders, nil, 'workspace folders left to Neovim (derived from the root)')

  -- root_dir answers for strategy buffers only, with their workspace root; both call forms.
  vim.cmd('edit strategies/rsi-mean-reversion.strategy.ts')
  local buf = vim.api.nvim_get_current_buf()
  local root
  conf.root_dir(buf, function(dir) root = dir end)
  T.eq(root, ws, 'root of a strategy buffer')
  local early
  conf.root_dir(function(dir) early = dir end)
  T.eq(early, ws, 'root_dir(on_dir), as early 0.11 builds call it')
  vim.fn.writefile({ 'export const x = 1;' }, ws .. '/helper.ts')
  vim.cmd('split helper.ts')
  local other = vim.api.nvim_get_current_buf()
  local called = false
  conf.root_dir(other, function() called = true end)
  T.ok(not called, 'no root, so no client, for a TypeScript file that is not a strategy')
  vim.cmd('close')

  -- What 0.11 does next: start (or reuse) a client with that root and attach the buffer.
  local started = vim.tbl_extend('force', vim.deepcopy(conf), { root_dir = root })
  local id
  if vim.lsp.start then
    id = vim.lsp.start(started, { bufnr = buf })
  else
    id = vim.lsp.start_client(started)
    vim.lsp.buf_attach_client(buf, id)
  end
  local client = T.wait(30000, function()
    local c = compat.client_by_id(id)
    return c and c.initialized and c
  end, 'the client started from the vim.lsp.config table to initialize')
  T.eq(client.config.root_dir, ws, 'client root')
  T.ok(vim.lsp.buf_is_attached(buf, id), 'the strategy is attached')
  T.eq(require('volt').client(buf).id, id, 'the plugin finds that client for its commands')
  -- The config's own handlers are in use: the on-save run is announced through volt/backtestStatus.
  vim.cmd('write')
  T.wait(60000, function()
    local last = require('volt.client').backtest_status[vim.uri_from_bufnr(buf)]
    return last and last.state == 'done'
  end, 'the on-save backtest, announced through the handlers of the config')
end)
