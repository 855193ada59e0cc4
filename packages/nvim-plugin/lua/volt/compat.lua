-- One place for the differences between Neovim 0.7.2 (what Debian ships) and newer releases,
-- so the rest of the plugin reads the same on both.
local M = {}

M.uv = vim.uv or vim.loop

function M.has(version)
  return vim.fn.has('nvim-' .. version) == 1
end

-- 0.11 turned client methods into `client:request(...)`; the dot form still works there but warns.
local method_calls = M.has('0.11')

---@return table[] clients named `name` (all when nil)
function M.clients(name)
  local all
  if vim.lsp.get_clients then
    all = vim.lsp.get_clients()
  else
    all = vim.lsp.get_active_clients()
  end
  if not name then
    return all
  end
  local out = {}
  for _, client in ipairs(all) do
    if client.name == name then
      table.insert(out, client)
    end
  end
  return out
end

function M.client_by_id(id)
  return id and vim.lsp.get_client_by_id(id) or nil
end

function M.request(client, method, params, handler, bufnr)
  if method_calls then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.notify(client, method, params)
  if method_calls then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

function M.is_stopped(client)
  if method_calls then
    return client:is_stopped()
  end
  return client.is_stopped()
end

function M.stop(client, force)
  if method_calls then
    return client:stop(force)
  end
  return client.stop(force)
end

function M.offset_encoding(client)
  return client.offset_encoding or 'utf-16'
end

function M.apply_workspace_edit(edit, client)
  vim.lsp.util.apply_workspace_edit(edit, M.offset_encoding(client))
end

-- Code lens. 0.12 keeps lenses fresh itself once enabled per buffer (refresh() is deprecated there);
-- 0.10 and 0.11 take `refresh({ bufnr = })`; 0.7 to 0.9 refresh only the current buffer.
local codelens_managed = vim.lsp.codelens ~= nil and vim.lsp.codelens.enable ~= nil

function M.codelens_refresh(bufnr)
  local codelens = vim.lsp.codelens
  if not codelens then
    return
  end
  if codelens_managed then
    codelens.enable(true, { bufnr = bufnr })
  elseif M.has('0.10') then
    codelens.refresh({ bufnr = bufnr })
  elseif bufnr == nil or bufnr == 0 or bufnr == vim.api.nvim_get_current_buf() then
    codelens.refresh()
  end
end

-- The server's workspace/codeLens/refresh: 0.12 has its own handler; before that we ask again.
function M.codelens_on_refresh(err, result, ctx)
  if codelens_managed and vim.lsp.codelens.on_refresh then
    return vim.lsp.codelens.on_refresh(err, result, ctx)
  end
  vim.schedule(function()
    local bufnr = vim.api.nvim_get_current_buf()
    if vim.lsp.buf_is_attached(bufnr, ctx.client_id) then
      M.codelens_refresh(bufnr)
    end
  end)
  return vim.NIL
end

---@return table[] the buffer's CodeLens objects
function M.codelens_get(bufnr)
  if codelens_managed then
    local out = {}
    for _, item in ipairs(vim.lsp.codelens.get({ bufnr = bufnr })) do
      table.insert(out, item.lens)
    end
    return out
  end
  return vim.lsp.codelens.get(bufnr) or {}
end

-- :checkhealth reporters: vim.health.start/ok/... (0.10+), else the older report_* functions.
function M.health()
  local h = vim.health
  if h and h.start then
    return { start = h.start, ok = h.ok, warn = h.warn, error = h.error, info = h.info }
  end
  -- 0.8/0.9 have the report_* names on vim.health; 0.7 only on the `health` module.
  if not (h and h.report_start) then
    h = require('health')
  end
  return {
    start = h.report_start,
    ok = h.report_ok,
    warn = h.report_warn,
    error = h.report_error,
    info = h.report_info,
  }
end

function M.json_decode(text)
  local ok, value = pcall(vim.json.decode, text)
  if ok then
    return value
  end
  return nil
end

function M.executable(path)
  return path ~= nil and path ~= '' and vim.fn.executable(path) == 1
end

function M.file_exists(path)
  return path ~= nil and M.uv.fs_stat(path) ~= nil
end

-- vim.fs arrived in 0.8, so the path helpers are written out.
function M.dirname(path)
  return vim.fn.fnamemodify(path, ':h')
end

function M.join(...)
  return table.concat({ ... }, '/')
end

return M
