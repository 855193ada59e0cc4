-- :VoltDraft {idea}: the sidecar drafts a strategy from the idea through the synthesizer model and
-- proves it before writing it (volt/draftStrategy). Each attempt is told on the command line as it
-- starts and ends (volt/draftProgress); then the draft opens with its report in a split beside it,
-- or, when nothing proved itself, the report alone says why.
local client = require('volt.client')
local message = require('volt.message')
local protocol = require('volt.protocol')

local M = {}

-- The progress lines of the last draft, oldest first (for tests and a curious user).
M.progress = {}
-- The last DraftStrategyResult.
M.last = nil

---volt/draftProgress handler: one line per attempt's start and end.
function M.on_progress(_, params)
  if type(params) ~= 'table' or type(params.message) ~= 'string' then
    return
  end
  table.insert(M.progress, params.message)
  message.echo('volt: ' .. params.message)
end

local function open(result)
  local draft = result.uri and vim.uri_to_fname(result.uri) or nil
  local report = result.reportUri and vim.uri_to_fname(result.reportUri) or nil
  if draft then
    vim.cmd('edit ' .. vim.fn.fnameescape(draft))
  end
  if report then
    vim.cmd('rightbelow vsplit ' .. vim.fn.fnameescape(report))
    -- The draft keeps the focus; the report is there to read.
    if draft then
      vim.cmd('wincmd p')
    end
  end
end

function M.draft(idea)
  idea = vim.trim(idea or '')
  if idea == '' then
    message.notify('volt: say what the strategy should do: :VoltDraft buy RSI dips in an uptrend', vim.log.levels.WARN)
    return
  end
  M.progress = {}
  M.last = nil
  local started = client.request(vim.api.nvim_get_current_buf(), protocol.requests.draftStrategy, { idea = idea }, 'drafting', function(result)
    M.last = result
    vim.schedule(function()
      open(result)
      if result.status == 'proven' then
        message.notify(string.format('volt: drafted %s (tier %s); its report is beside it', result.name or '?', result.tier or 'COLD'))
      elseif result.status ~= 'cancelled' then
        message.notify('volt: nothing was drafted: ' .. tostring(result.message or result.status), vim.log.levels.WARN)
      end
    end)
  end)
  if started then
    message.echo('volt: drafting a strategy from "' .. idea .. '"…')
  end
end

return M
