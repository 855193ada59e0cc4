-- Everything volt.nvim says on the command line goes through here, so Neovim never stops at
-- "Press ENTER": one line, cut to the room the command line has (v:echospace), and a redraw first
-- so two messages arriving in one tick replace each other instead of stacking into a prompt. The
-- full text of a message that had to be cut goes to the LSP log (:LspLog).
local M = {}

-- The last messages as given (full text), newest last; for tests and for a curious user.
M.history = {}
local HISTORY = 20
-- How many messages have been told; progress compares it so its closing line never hides one.
M.told = 0

---Columns a message may use without a prompt: v:echospace (the command line less 'showcmd' and
---'ruler'), else the screen width less their usual room.
function M.width()
  local ok, space = pcall(function()
    return vim.v.echospace
  end)
  if not ok or type(space) ~= 'number' or space <= 0 then
    space = vim.o.columns - 12
  end
  return math.max(space, 20)
end

---`text` with every file: URI written as the path a user knows (relative to the current folder,
---or with ~ for the home folder): URIs are the protocol's spelling, not the user's.
function M.paths(text)
  return (tostring(text):gsub("file://[^%s'\"`),;]+", function(uri)
    local trail = uri:match('[.:]+$') or ''
    uri = uri:sub(1, #uri - #trail)
    local ok, path = pcall(vim.uri_to_fname, uri)
    return (ok and vim.fn.fnamemodify(path, ':~:.') or uri) .. trail
  end))
end

---`text` as one line of at most `width` display cells: its first non-empty line, runs of
---whitespace collapsed, cut with "…" when too long. Returns the line and whether it was cut.
function M.fit(text, width)
  width = width or M.width()
  local full = M.paths(text)
  local line = full:match('^%s*([^\n]*)') or ''
  line = vim.trim(line:gsub('%s+', ' '))
  local cut = line ~= vim.trim(full:gsub('%s+', ' '))
  if vim.fn.strdisplaywidth(line) > width then
    local chars = vim.fn.strchars(line)
    while chars > 0 and vim.fn.strdisplaywidth(vim.fn.strcharpart(line, 0, chars)) > width - 1 do
      chars = chars - 1
    end
    line = vim.fn.strcharpart(line, 0, chars) .. '…'
    cut = true
  end
  return line, cut
end

local function remember(text, level)
  table.insert(M.history, { text = tostring(text), level = level })
  if #M.history > HISTORY then
    table.remove(M.history, 1)
  end
end

local function log_full(text, level)
  local ok, log = pcall(require, 'vim.lsp.log')
  if not ok then
    return
  end
  local write = (level == vim.log.levels.ERROR and log.error) or (level == vim.log.levels.WARN and log.warn) or log.info
  pcall(write, 'volt.nvim: ' .. tostring(text))
end

local function in_fast_event()
  return vim.in_fast_event and vim.in_fast_event()
end

-- Runs fn now, or on the main loop when called from a luv callback (where no API may be used).
local function on_main_loop(fn)
  if in_fast_event() then
    vim.schedule(fn)
  else
    fn()
  end
end

local function clear_line()
  -- A prompt already on screen is the user's to answer; redrawing under it would lose it.
  if not vim.api.nvim_get_mode().blocking then
    pcall(vim.cmd, 'redraw')
  end
end

---Tells the user `text` through vim.notify (so notification plugins still get it), as one line
---that fits. `level` is a vim.log.levels value (default INFO).
function M.notify(text, level)
  level = level or vim.log.levels.INFO
  M.told = M.told + 1
  remember(text, level)
  on_main_loop(function()
    local line, cut = M.fit(text)
    if cut then
      log_full(text, level)
    end
    clear_line()
    vim.notify(line, level)
  end)
end

---Shows `text` on the command line without adding it to :messages (progress, "backtesting…");
---an empty `text` clears the line.
function M.echo(text, hl)
  on_main_loop(function()
    clear_line()
    vim.api.nvim_echo({ { (M.fit(text)), hl or 'None' } }, false, {})
  end)
end

return M
