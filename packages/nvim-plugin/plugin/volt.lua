-- Volt for Neovim: commands exist as soon as the plugin is on the runtimepath; the sidecar starts
-- for strategy buffers once require('volt').setup() has run.
if vim.g.loaded_volt then
  return
end
vim.g.loaded_volt = true

if vim.fn.has('nvim-0.7') == 0 then
  vim.api.nvim_err_writeln('volt.nvim needs Neovim 0.7 or newer')
  return
end

require('volt.commands').define()
