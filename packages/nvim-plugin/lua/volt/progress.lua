-- $/progress from the sidecar (backtests, critiques): shown on the command line as it happens,
-- and through vim.notify when it begins and ends if the user asked for that.
local M = {}

-- token → { title, message, percentage, done }; kept so a status line or a test can read it.
M.tasks = {}
-- The last line shown, for status lines.
M.last = nil

local function format(task)
  local parts = { 'volt:', task.title or 'working' }
  if task.message and task.message ~= '' then
    table.insert(parts, '—')
    table.insert(parts, task.message)
  end
  if task.percentage then
    table.insert(parts, string.format('(%d%%)', task.percentage))
  end
  if task.done then
    table.insert(parts, '✓')
  end
  return table.concat(parts, ' ')
end

M.format = format

local function show(line, level, notify)
  M.last = line
  vim.schedule(function()
    if notify then
      vim.notify(line, level)
    else
      vim.api.nvim_echo({ { line, level == vim.log.levels.WARN and 'WarningMsg' or 'None' } }, false, {})
    end
  end)
end

function M.handler(err, result, ctx, conf)
  -- Keep the built-in bookkeeping (client.messages on 0.7, client.progress and LspProgress later).
  local default = vim.lsp.handlers['$/progress']
  if default then
    pcall(default, err, result, ctx, conf)
  end
  if err or type(result) ~= 'table' or type(result.value) ~= 'table' then
    return
  end
  local value = result.value
  local token = tostring(result.token)
  local task = M.tasks[token] or {}
  if value.kind == 'begin' then
    task = { title = value.title, message = value.message, percentage = value.percentage, done = false }
  elseif value.kind == 'report' then
    task.message = value.message or task.message
    task.percentage = value.percentage or task.percentage
  elseif value.kind == 'end' then
    task.message = value.message or task.message
    task.done = true
  end
  M.tasks[token] = task
  local opts = require('volt.config').options
  local notify = opts.notify_progress and value.kind ~= 'report'
  show(format(task), vim.log.levels.INFO, notify)
  if task.done then
    M.tasks[token] = nil
  end
end

return M
