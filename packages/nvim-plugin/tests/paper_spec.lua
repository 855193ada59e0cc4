-- :VoltPaper and :VoltPaperStop against the real sidecar and the real `volt paper` it starts, which
-- trades 1s bars from a loopback Binance (the engine's exchange server in a node process, spoken to
-- by the real ccxt client): a word missing and a market that does not exist are one line each, the
-- session starts and is listed by :VoltAgentStatus, and :VoltPaperStop ends it.
local T = require('harness')

-- The loopback Binance on 1s bars in real time, in a node process; returns its URL and the job.
local function start_exchange()
  local url
  local dist = T.repo_root .. '/packages/engine/dist'
  local script = string.format([[
    const { startExchangeServer } = await import(%q);
    const { synthesize } = await import(%q);
    const market = synthesize({ seed: 3, bars: 2000, timeframe: '1s', symbol: 'BTC/USDT', startPrice: 40000, start: Math.floor(Date.now() / 1000) * 1000 - 300000 });
    const server = await startExchangeServer({ market, speed: 1, startAtNow: true });
    console.log('url=' + server.url);
  ]], dist .. '/trading/testing/exchange-server.js', dist .. '/index.js')
  local job = vim.fn.jobstart({ 'node', '--input-type=module', '-e', script }, {
    on_stdout = function(_, data)
      for _, l in ipairs(data) do
        url = url or l:match('url=(%S+)')
      end
    end,
    on_stderr = function(_, data)
      T.log(table.concat(data, '\n'))
    end,
  })
  T.wait(15000, function() return url end, 'the loopback exchange to listen')
  return url, job
end

local function status(ws)
  return vim.fn.system({ 'node', T.repo_root .. '/packages/cli/bin/volt.js', 'paper', 'status', '--journal', ws .. '/.volt/journal.db' })
end

T.run('paper', function()
  local ws = T.workspace()
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))
  local url, job = start_exchange()
  require('volt').setup({ settings = { onSave = { backtest = false } } })
  vim.cmd('edit strategies/ema-crossover.strategy.ts')
  local buf = vim.api.nvim_get_current_buf()
  T.wait(30000, function()
    local c = require('volt').client(buf)
    return c and c.initialized and vim.lsp.buf_is_attached(buf, c.id)
  end, 'the sidecar to start and attach')
  local paper = require('volt.paper')

  -- A word missing: one line, nothing asked of the sidecar.
  local told = #T.notes
  pcall(vim.cmd, 'VoltPaper exchange=binance timeframe=1s')
  T.contains(T.notes[told + 1].msg, 'volt: :VoltPaper needs symbol= (symbol=BTC/USDT)', 'a missing word')

  -- A market the venue does not have: the CLI's own line, and no session.
  told = #T.notes
  vim.cmd('VoltPaper exchange=binance symbol=BTC/USDX timeframe=1s api_url=' .. url)
  T.wait(30000, function() return #T.notes > told end, 'the refusal')
  T.contains(T.notes[told + 1].msg, 'volt: paper failed: volt paper: binance has no market BTC/USDX', 'the unknown market, in the CLI\'s words')
  T.contains(status(ws), 'no sessions in the journal', 'nothing written for it')

  vim.cmd('VoltPaper exchange=binance symbol=BTC/USDT timeframe=1s hours=1 warmup=30 api_url=' .. url)
  T.wait(30000, function() return paper.last_start end, 'the session to start')
  local id = paper.last_start.session
  T.ok(type(id) == 'number', 'the answer names the session: ' .. vim.inspect(paper.last_start))
  T.contains(T.notes[#T.notes].msg, string.format('volt: paper session %d started on binance BTC/USDT 1s', id), 'told so')

  -- :VoltAgentStatus lists it with its lens line.
  local float = require('volt.float')
  local before = float.last
  vim.cmd('VoltAgentStatus')
  T.wait(30000, function() return float.last ~= before and float.last.kind == 'agents' end, 'the agents window')
  local lines = table.concat(T.buf_lines(float.last.buf), '\n')
  T.log(lines)
  T.contains(lines, 'sessions: 1 running', 'the running session counted')
  T.ok(lines:find(string.format('\n  %d  paper   binance BTC/USDT 1s  paper: [+-]%%d+%%.%%d%%%% · %%d+ trades? · [01] open  ema%%-crossover%%.strategy%%.ts', id)) ~= nil, 'and listed')
  vim.cmd('normal q')

  pcall(vim.cmd, 'VoltPaperStop one')
  T.contains(T.notes[#T.notes].msg, "volt: :VoltPaperStop needs a session's number", 'a bad session number')
  vim.cmd('VoltPaperStop ' .. id)
  T.wait(15000, function() return paper.last_stop end, 'the stop')
  T.eq(paper.last_stop.stopped, true, 'stopped')
  T.wait(20000, function() return status(ws):find('stopped') ~= nil end, 'the session to end stopped: ' .. status(ws))
  T.contains(status(ws), 'kill switch: the editor', 'by the editor\'s kill switch')
  vim.fn.jobstop(job)
end)
