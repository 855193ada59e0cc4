-- Neovim 0.11 and newer configure language servers with vim.lsp.config() and start them with
-- vim.lsp.enable(): Neovim then attaches matching buffers itself, reuses one client per root, and
-- the user can extend the config in their own lsp/volt.lua. volt.nvim takes that path where it
-- exists (feature detection, not version numbers) and keeps its own FileType autocmd elsewhere.
local client = require('volt.client')
local config = require('volt.config')

local M = {}

---Does this Neovim have vim.lsp.config/vim.lsp.enable?
function M.available()
  return vim.lsp.config ~= nil and type(vim.lsp.enable) == 'function'
end

---The root of a strategy buffer, given to `on_dir`; other buffers get no call, so no client.
---(Early 0.11 builds called root_dir(on_dir) for the current buffer; both forms are taken.)
function M.root_dir(bufnr, on_dir)
  if type(bufnr) == 'function' then
    bufnr, on_dir = vim.api.nvim_get_current_buf(), bufnr
  end
  if client.is_strategy_buffer(bufnr) then
    on_dir(client.find_root(vim.api.nvim_buf_get_name(bufnr)))
  end
end

---The table for vim.lsp.config('volt', …): the same client config as the older path, with the
---root found per buffer. nil and the reason when no sidecar can be found.
function M.config()
  local cmd, how = config.find_server()
  if not cmd then
    return nil, how
  end
  local conf = client.client_config(nil, cmd)
  conf.root_dir = M.root_dir
  conf.filetypes = config.options.filetypes
  return conf
end

---Registers and enables the volt config. Returns false (and why) when the sidecar is not found, so
---setup() falls back to attaching buffers itself, which tells the user what is missing.
function M.enable()
  local conf, why = M.config()
  if not conf then
    return false, why
  end
  vim.lsp.config(client.name, conf)
  vim.lsp.enable(client.name)
  return true
end

return M
