-- A Neovim with volt.nvim and nothing of the user's on the runtimepath: no user config, no other
-- plugins. Everything else of the default runtimepath stays, whatever the version and wherever a
-- distribution puts it: $VIMRUNTIME, and the folders beside it that hold compiled parsers
-- (/usr/lib/nvim on Debian; 0.10+ opens :help with the vimdoc parser, so dropping them breaks it).
local plugin = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h')

package.path = plugin .. '/tests/?.lua;' .. package.path
local users = require('runtimepath').users

local kept = { plugin }
for _, dir in ipairs(vim.opt.runtimepath:get()) do
  if not users(dir) then
    table.insert(kept, dir)
  end
end
vim.opt.runtimepath = kept
vim.opt.packpath = {}
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.opt.more = false
vim.g.volt_test_plugin_root = plugin
-- The sidecar's own log lines (window/logMessage) land in the LSP log, printed when a test fails.
vim.lsp.set_log_level('info')
vim.cmd('filetype on')
vim.cmd('runtime plugin/volt.lua')
