-- A Neovim with nothing but volt.nvim on the runtimepath: no user config, no other plugins.
local plugin = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h')
vim.opt.runtimepath = { plugin, vim.env.VIMRUNTIME }
vim.opt.packpath = {}
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.opt.more = false
vim.g.volt_test_plugin_root = plugin
package.path = plugin .. '/tests/?.lua;' .. package.path
-- The sidecar's own log lines (window/logMessage) land in the LSP log, printed when a test fails.
vim.lsp.set_log_level('info')
vim.cmd('filetype on')
vim.cmd('runtime plugin/volt.lua')
