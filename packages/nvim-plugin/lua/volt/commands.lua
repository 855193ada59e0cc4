-- :VoltAnalyze, :VoltBacktest, :VoltJournal, :VoltAgentStatus — each one workspace/executeCommand
-- on the sidecar, its result drawn by render.lua into a float (and the quickfix/location list).
local client = require('volt.client')
local compat = require('volt.compat')
local config = require('volt.config')
local float = require('volt.float')
local message = require('volt.message')
local protocol = require('volt.protocol')
local render = require('volt.render')

local M = {}

local function strategy_uri(bufnr)
  if not client.is_strategy_buffer(bufnr) then
    message.notify('volt: this command works on a *.strategy.ts buffer', vim.log.levels.WARN)
    return nil
  end
  return vim.uri_from_bufnr(bufnr)
end

function M.analyze()
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = strategy_uri(bufnr)
  if not uri then
    return
  end
  local win = vim.api.nvim_get_current_win()
  client.execute(bufnr, protocol.commands.analyze, { { uri = uri } }, function(result)
    local items = {}
    for _, f in ipairs(result.findings or {}) do
      table.insert(items, {
        bufnr = bufnr,
        lnum = f.range.start.line + 1,
        col = f.range.start.character + 1,
        text = string.format('%s %s', f.code, f.message),
        type = f.severity == 'error' and 'E' or f.severity == 'warning' and 'W' or 'I',
      })
    end
    if vim.api.nvim_win_is_valid(win) then
      vim.fn.setloclist(win, {}, ' ', { title = 'Volt analysis', items = items })
    end
    float.open('analyze', render.analyze(result, vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t'), os.time()))
  end)
end

---Backtests the strategy in `bufnr` with BacktestParams `params` (default: its URI) and shows the report.
function M.run_backtest(bufnr, params)
  params = params or { uri = vim.uri_from_bufnr(bufnr) }
  message.echo('volt: backtesting ' .. vim.fn.fnamemodify(vim.uri_to_fname(params.uri), ':t') .. '…')
  local uri = params.uri
  client.commanded[uri] = math.max(client.commanded[uri] or 0, 0) + 1
  local function settle(failed)
    local n = client.commanded[uri] or 0
    if n > 1 then
      client.commanded[uri] = n - 1
    else
      client.commanded[uri] = failed and -compat.uv.now() or nil
    end
  end
  client.execute(bufnr, protocol.commands.backtest, { params }, function(result)
    settle()
    float.open('backtest', render.backtest(result))
    compat.codelens_refresh(bufnr)
  end, function(err)
    settle(true)
    message.notify(render.backtest_error(vim.uri_to_fname(uri), err), vim.log.levels.ERROR)
  end)
end

-- Where the sidecar put the failure of the last run (VOLT204, at the line that threw), if it did.
local function failure_position(path)
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.api.nvim_buf_get_name(bufnr) == path then
      for _, d in ipairs(vim.diagnostic.get(bufnr)) do
        if d.code == 'VOLT204' then
          return { d.lnum + 1, d.col + 1 }
        end
      end
    end
  end
end

---Tells the user that a backtest they did not ask for by command (an on-save run) failed.
function M.tell_failed_run(uri, reason)
  local path = vim.uri_to_fname(uri)
  message.notify(render.backtest_error(path, reason or 'no reason given', failure_position(path)), vim.log.levels.ERROR)
end

-- Symbols passed to :VoltBacktest this session, for completion.
M.backtested_symbols = {}

function M.backtest(symbol)
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = strategy_uri(bufnr)
  if not uri then
    return
  end
  local params = { uri = uri }
  if symbol and symbol ~= '' then
    params.symbol = symbol
    if not vim.tbl_contains(M.backtested_symbols, symbol) then
      table.insert(M.backtested_symbols, symbol)
    end
  end
  M.run_backtest(bufnr, params)
end

-- The symbols a strategy names in its own `symbols: [...]` (read off the buffer's text).
local function strategy_symbols(bufnr)
  local out = {}
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  local list = text:match('symbols%s*:%s*(%b[])')
  for symbol in (list or ''):gmatch('[\'"`]([^\'"`]+)[\'"`]') do
    table.insert(out, symbol)
  end
  return out
end

-- The symbols volt.config.json maps to data (`data.symbols`: a table keyed by symbol, or a list).
local function configured_symbols(bufnr)
  local out = {}
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    return out
  end
  local file = compat.join(client.find_root(name), 'volt.config.json')
  if vim.fn.filereadable(file) == 0 then
    return out
  end
  local decoded = compat.json_decode(table.concat(vim.fn.readfile(file), '\n'))
  local symbols = type(decoded) == 'table' and type(decoded.data) == 'table' and decoded.data.symbols or nil
  if type(symbols) == 'table' then
    for key, value in pairs(symbols) do
      table.insert(out, type(key) == 'string' and key or tostring(value))
    end
  end
  return out
end

---Completion for `:VoltBacktest <Tab>`: the strategy's own symbols, those volt.config.json maps to
---data, and those already given to :VoltBacktest this session (not the labels of past runs: the
---synthetic market's "SYNTH" is no symbol to ask for); matched case-insensitively on the start.
function M.complete_symbols(arglead, bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local seen, out = {}, {}
  local function add(symbol)
    if type(symbol) == 'string' and symbol ~= '' and not seen[symbol]
      and symbol:lower():sub(1, #arglead) == arglead:lower() then
      seen[symbol] = true
      table.insert(out, symbol)
    end
  end
  for _, symbol in ipairs(strategy_symbols(bufnr)) do
    add(symbol)
  end
  for _, symbol in ipairs(configured_symbols(bufnr)) do
    add(symbol)
  end
  for _, symbol in ipairs(M.backtested_symbols) do
    add(symbol)
  end
  table.sort(out)
  return out
end

local function open_target(target, win)
  if not target then
    return
  end
  float.close(win)
  vim.cmd('edit ' .. vim.fn.fnameescape(target))
end

function M.journal(strategy, view)
  local bufnr = vim.api.nvim_get_current_buf()
  local params = { limit = 20 }
  if strategy and strategy ~= '' then
    params.strategy = strategy
  end
  client.execute(bufnr, protocol.commands.journal, { params }, function(result)
    vim.fn.setqflist({}, ' ', { title = 'Volt journal', items = render.journal_qf(result) })
    view = view or config.options.journal_view
    if view == 'quickfix' then
      vim.cmd('copen')
      return
    end
    local lines, targets = render.journal(result)
    local win
    _, win = float.open('journal', lines, {
      on_enter = function(line)
        open_target(targets[line], win)
      end,
    })
  end)
end

function M.agent_status()
  local bufnr = vim.api.nvim_get_current_buf()
  client.execute(bufnr, protocol.commands.agentStatus, { vim.empty_dict() }, function(result, c)
    local lines = render.agent_status(result)
    -- The running sessions under the agents: what trades now, from the journal.
    compat.request(c, protocol.paper.status, vim.empty_dict(), function(err, status)
      vim.list_extend(lines, render.sessions(err == nil and status or nil))
      float.open('agents', lines)
    end, bufnr)
  end)
end

-- The user commands; defined by plugin/volt.lua so they exist before setup() runs.
function M.define()
  local create = vim.api.nvim_create_user_command
  create('VoltAnalyze', function()
    M.analyze()
  end, { desc = 'Volt: findings and last backtest of this strategy' })
  create('VoltBacktest', function(o)
    M.backtest(o.args)
  end, {
    nargs = '?',
    complete = function(arglead)
      return M.complete_symbols(arglead)
    end,
    desc = 'Volt: backtest this strategy now [symbol]',
  })
  create('VoltJournal', function(o)
    M.journal(o.args, o.bang and 'quickfix' or nil)
  end, { nargs = '?', bang = true, desc = 'Volt: recent journal entries [strategy]; ! for the quickfix list' })
  create('VoltAgentStatus', function()
    M.agent_status()
  end, { desc = 'Volt: agents and whether the LLM is reachable' })
  create('VoltOptimize', function(o)
    require('volt.optimize').optimize(o.args)
  end, { nargs = '*', desc = 'Volt: optimise this strategy\'s params [trials=N method=grid|random|tpe folds=K ...]' })
  create('VoltSuggest', function(o)
    require('volt.suggest').suggest(o.args)
  end, { nargs = '*', desc = 'Volt: param changes that held out of sample, as code actions [folds=K data=SPEC ...]' })
  create('VoltPaper', function(o)
    require('volt.paper').start(o.args)
  end, { nargs = '*', desc = 'Volt: a paper session of this strategy [exchange=ID symbol=BASE/QUOTE timeframe=TF hours=N ...]' })
  create('VoltPaperStop', function(o)
    require('volt.paper').stop(o.args)
  end, { nargs = 1, desc = "Volt: pull a paper or live session's kill switch {session}" })
  create('VoltDraft', function(o)
    require('volt.draft').draft(o.args)
  end, { nargs = '+', desc = 'Volt: draft a strategy from an idea; written only once it is proven' })
end

return M
