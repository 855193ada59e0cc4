-- volt.nvim: Neovim's face of the Volt sidecar (volt-lsp). Diagnostics, code actions, code lens and
-- hover come through the built-in LSP client; :Volt* commands call the sidecar's custom commands.
local M = {}

---@param opts table|nil see :help volt-setup
function M.setup(opts)
  local config = require('volt.config')
  local client = require('volt.client')
  config.set(opts)

  local group = vim.api.nvim_create_augroup('volt', { clear = true })
  -- 0.11+: Neovim attaches strategy buffers as they open, through vim.lsp.config/vim.lsp.enable;
  -- elsewhere (or when no sidecar is found, so the user hears why) a FileType autocmd does.
  local lsp_config = require('volt.lsp_config')
  if not (lsp_config.available() and lsp_config.enable()) then
    vim.api.nvim_create_autocmd('FileType', {
      group = group,
      pattern = config.options.filetypes,
      callback = function(args)
        if client.is_strategy_buffer(args.buf) then
          client.attach(args.buf)
        end
      end,
    })
  end
  -- volt.config.json gets the sidecar too: its unknown keys and wrong values are diagnostics.
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'json',
    callback = function(args)
      if client.is_config_buffer(args.buf) then
        client.attach(args.buf)
      end
    end,
  })
  -- Buffers opened before setup() (e.g. `nvim x.strategy.ts` with a lazy-loaded plugin); on the
  -- vim.lsp.enable path too, as not every release re-runs FileType for open buffers. attach()
  -- reuses a client Neovim started for the same root.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr)
      and ((vim.tbl_contains(config.options.filetypes, vim.bo[bufnr].filetype) and client.is_strategy_buffer(bufnr))
        or client.is_config_buffer(bufnr))
    then
      client.attach(bufnr)
    end
  end
end

M.analyze = function() require('volt.commands').analyze() end
M.backtest = function(symbol) require('volt.commands').backtest(symbol) end
M.journal = function(strategy, view) require('volt.commands').journal(strategy, view) end
M.agent_status = function() require('volt.commands').agent_status() end

---A short line for a status line: the running task's progress, else the buffer's last backtest.
function M.status(bufnr)
  local progress = require('volt.progress')
  for _, task in pairs(progress.tasks) do
    if not task.done then
      return progress.format(task)
    end
  end
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local last = require('volt.client').backtest_status[vim.uri_from_bufnr(bufnr)]
  if not last then
    return ''
  end
  if last.state == 'done' and last.summary then
    return 'volt: ' .. require('volt.render').summary_line(last.summary)
  end
  return 'volt: backtest ' .. last.state
end

---The volt LSP client serving `bufnr` (default current), or nil.
M.client = function(bufnr) return require('volt.client').get(bufnr) end

return M
