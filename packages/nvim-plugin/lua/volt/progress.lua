-- $/progress from the sidecar (backtests, critiques): shown on the command line as it happens,
-- and through vim.notify when it begins and ends if the user asked for that.
--
-- The end of a task says only that it ended, never that it went well: a critique with Ollama down
-- and a backtest that threw both end normally. What happened is told by the result (the report,
-- the critique line of :VoltAnalyze, the failure message), so without an end message of its own
-- the finished task's line is cleared, unless a message was told meanwhile (it stays readable).
local message = require('volt.message')

local M = {}

-- token → { title, message, percentage, done, told }; kept so a status line or a test can read it.
M.tasks = {}
-- The last line shown, for status lines.
M.last = nil

local function format(task)
  local parts = { 'volt:', task.title or 'working' }
  if task.done then
    if task.final and task.final ~= '' then
      table.insert(parts, '—')
      table.insert(parts, task.final)
    else
      table.insert(parts, 'ended')
    end
    return table.concat(parts, ' ')
  end
  if task.message and task.message ~= '' then
    table.insert(parts, '—')
    table.insert(parts, task.message)
  end
  if task.percentage then
    table.insert(parts, string.format('(%d%%)', task.percentage))
  end
  return table.concat(parts, ' ')
end

M.format = format

local function show(task, notify)
  local line = format(task)
  M.last = line
  vim.schedule(function()
    if notify then
      message.notify(line, vim.log.levels.INFO)
    elseif not task.done then
      message.echo(line)
    elseif message.told == task.told then
      message.echo(task.final and line or '')
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
    task = { title = value.title, message = value.message, percentage = value.percentage, done = false, told = message.told }
  elseif value.kind == 'report' then
    task.message = value.message or task.message
    task.percentage = value.percentage or task.percentage
  elseif value.kind == 'end' then
    task.final = value.message
    task.done = true
  end
  M.tasks[token] = task
  local opts = require('volt.config').options
  show(task, opts.notify_progress and value.kind ~= 'report')
  if task.done then
    M.tasks[token] = nil
  end
end

return M
