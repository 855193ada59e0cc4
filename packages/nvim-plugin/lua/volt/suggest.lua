-- :VoltSuggest [key=value ...] — volt/suggest on the sidecar: which param changes, each inside its
-- declared range, held out of sample (walk-forward). A line on the command line while it checks,
-- then a float saying what was offered and what refused, and why. Each offered change is a VOLT207
-- hint on the param's line; its code action ("Volt: set <param> to <value> …",
-- vim.lsp.buf.code_action()) writes the value. Nothing changes a strategy without that.
local args = require('volt.args')
local client = require('volt.client')
local float = require('volt.float')
local message = require('volt.message')
local protocol = require('volt.protocol')

local M = {}

M.last_result = nil

local ARGS = { numbers = { 'folds', 'minTrades' }, words = { 'data', 'symbol', 'from', 'to' }, example = 'folds=3 data=btc.csv' }

---`folds=3 data=btc.csv` as SuggestRequestParams fields; nil and a message when a word is not one.
function M.parse_args(text)
  return args.parse(text, ARGS)
end

---Two lines per suggestion: offered or refused and the change, then the sidecar's reason.
function M.suggestion_lines(s)
  return { string.format('  %-8s %s %s → %s', s.status, s.param, tostring(s.from), tostring(s.to)), '    ' .. s.message }
end

---The report float's lines for a SuggestResult.
function M.render(r, name)
  local d = r.data
  local lines = {
    string.format('Suggestions: %s', name),
    string.format('%s %s · %s · %d bars', d.symbol, d.timeframe, d.spec, d.bars),
    '',
  }
  local offered, refused = {}, {}
  for _, s in ipairs(r.suggestions or {}) do
    table.insert(s.status == 'offered' and offered or refused, s)
  end
  if #r.suggestions == 0 then
    table.insert(lines, 'No change to check: every param is where its training windows put it (or has no range).')
  end
  if #offered > 0 then
    table.insert(lines, string.format('Offered (%d): held out of sample', #offered))
    for _, s in ipairs(offered) do
      vim.list_extend(lines, M.suggestion_lines(s))
    end
    table.insert(lines, "  the code action on the param's line writes it (vim.lsp.buf.code_action()); nothing changes until you pick it")
  end
  if #refused > 0 then
    if #offered > 0 then
      table.insert(lines, '')
    end
    table.insert(lines, string.format('Refused (%d): not offered, no hint', #refused))
    for _, s in ipairs(refused) do
      vim.list_extend(lines, M.suggestion_lines(s))
      table.insert(lines, string.format('    over %d folds, %d out-of-sample trades', s.folds, s.outOfSample.trades))
    end
  end
  return lines, offered, refused
end

---One line for the command line: how many offered (which) and how many refused.
function M.summary(r, name)
  local _, offered, refused = M.render(r, name)
  local changes = {}
  for _, s in ipairs(offered) do
    table.insert(changes, string.format('%s %s → %s', s.param, tostring(s.from), tostring(s.to)))
  end
  if #offered == 0 then
    return string.format('volt: %s: no suggestion, %d refused', name, #refused)
  end
  return string.format("volt: %s: %d offered (%s), %d refused; the code action on the param's line writes it", name, #offered, table.concat(changes, ', '), #refused)
end

---:VoltSuggest on the current buffer with the words of `args`.
function M.suggest(args)
  local bufnr, params = client.strategy_command('VoltSuggest', M.parse_args, args)
  if not bufnr then
    return
  end
  local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t')
  local started = client.request(bufnr, protocol.requests.suggest, params, 'suggest', function(result)
    M.last_result = result
    message.echo(M.summary(result, name))
    float.open('suggest', (M.render(result, name)))
  end)
  if started then
    message.echo('volt: checking param suggestions for ' .. name .. ' out of sample…')
  end
end

return M
