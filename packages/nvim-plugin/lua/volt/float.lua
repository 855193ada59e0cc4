-- A centred, read-only floating window for Volt's reports; q or <Esc> closes it.
local M = {}

-- The last window shown: { kind, buf, win }. Status lines and tests read it.
M.last = nil

function M.close(win)
  if win and vim.api.nvim_win_is_valid(win) then
    vim.api.nvim_win_close(win, true)
  end
end

---@param kind string  what the window shows ('backtest', 'journal', ...), also its filetype suffix
---@param lines string[]
---@param opts table|nil  { on_enter = function(line_number) }
function M.open(kind, lines, opts)
  opts = opts or {}
  if M.last and M.last.kind == kind then
    M.close(M.last.win)
  end
  local paths = require('volt.message').paths
  local shown = {}
  for i, line in ipairs(lines) do
    shown[i] = paths(line)
  end
  lines = shown
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].filetype = 'volt' .. kind

  local width = 20
  for _, line in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(line))
  end
  local columns, rows = vim.o.columns, vim.o.lines
  width = math.min(width + 2, math.max(20, columns - 4))
  local height = math.min(#lines, math.max(3, rows - 4))
  local win = vim.api.nvim_open_win(buf, true, {
    relative = 'editor',
    width = width,
    height = height,
    row = math.max(0, math.floor((rows - height) / 2) - 1),
    col = math.max(0, math.floor((columns - width) / 2)),
    style = 'minimal',
    border = 'rounded',
  })
  vim.wo[win].wrap = false
  vim.wo[win].cursorline = true

  local close = function()
    M.close(win)
  end
  vim.keymap.set('n', 'q', close, { buffer = buf, nowait = true, desc = 'Close the Volt window' })
  vim.keymap.set('n', '<Esc>', close, { buffer = buf, nowait = true, desc = 'Close the Volt window' })
  if opts.on_enter then
    vim.keymap.set('n', '<CR>', function()
      opts.on_enter(vim.api.nvim_win_get_cursor(win)[1])
    end, { buffer = buf, nowait = true, desc = 'Open the entry under the cursor' })
  end
  M.last = { kind = kind, buf = buf, win = win }
  return buf, win
end

return M
