-- :VoltPaper exchange=ID symbol=BASE/QUOTE timeframe=TF [hours= capital= warmup= api_url=] — a paper
-- session of this strategy as a detached `volt paper` process (volt.paper.start), answered once
-- the session is in the journal (or with the CLI's one line when it cannot start). :VoltPaperStop N
-- pulls a session's kill switch (volt.paper.stop). :VoltAgentStatus lists the running ones.
local args = require('volt.args')
local client = require('volt.client')
local message = require('volt.message')
local protocol = require('volt.protocol')

local M = {}

M.last_start = nil
M.last_stop = nil

local ARGS = {
  numbers = { 'hours', 'capital', 'warmup' },
  words = { 'exchange', 'symbol', 'timeframe', 'apiUrl' },
  example = 'exchange=binance symbol=BTC/USDT timeframe=1m',
}

---`exchange=binance symbol=BTC/USDT timeframe=1m hours=2` as PaperStartParams fields; nil and a message
---when a word is not one, or exchange, symbol or timeframe is missing.
function M.parse_args(text)
  local params, problem = args.parse(((text or ''):gsub('api[_-]url=', 'apiUrl=')), ARGS)
  if not params then
    return nil, problem
  end
  for _, key in ipairs({ 'exchange', 'symbol', 'timeframe' }) do
    if params[key] == nil then
      return nil, string.format('needs %s= (%s)', key, ({ exchange = 'exchange=binance', symbol = 'symbol=BTC/USDT', timeframe = 'timeframe=1m' })[key])
    end
  end
  return params
end

function M.start(text)
  local bufnr, params = client.strategy_command('VoltPaper', M.parse_args, text)
  if not bufnr then
    return
  end
  local market = string.format('%s %s %s', params.exchange, params.symbol, params.timeframe)
  local started = client.request(bufnr, protocol.paper.start, params, 'paper', function(result)
    M.last_start = result
    if result.session ~= nil and result.session ~= vim.NIL then
      message.notify(string.format('volt: paper session %d started on %s', result.session, market))
    else
      message.notify(string.format('volt: paper session started on %s (pid %d)', market, result.pid))
    end
  end)
  if started then
    message.echo('volt: starting a paper session on ' .. market .. '…')
  end
end

function M.stop(text)
  local bufnr = vim.api.nvim_get_current_buf()
  local id = tonumber(vim.trim(text or ''))
  if not id or id ~= math.floor(id) or id <= 0 then
    message.notify("volt: :VoltPaperStop needs a session's number", vim.log.levels.ERROR)
    return
  end
  client.request(bufnr, protocol.paper.stop, { session = id }, 'paper stop', function(result)
    M.last_stop = result
    if result.stopped then
      message.notify(string.format('volt: session %d stops, closing its position', id))
    else
      message.notify(string.format('volt: session %d is not running (%s)', id, result.status))
    end
  end)
end

return M
