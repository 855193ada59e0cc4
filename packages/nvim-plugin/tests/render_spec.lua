-- What the floating windows say, from fixed results shaped like protocol.ts's.
local T = require('harness')

T.run('render', function()
  local render = require('volt.render')

  T.eq(render.sparkline({}, 10), '', 'empty curve')
  T.eq(render.sparkline({ 1, 2, 3, 4, 5, 6, 7, 8 }, 8), '▁▂▃▄▅▆▇█', 'rising curve uses every level')
  T.eq(render.sparkline({ 5, 5, 5 }, 10), '▁▁▁', 'flat curve, one cell per point when short')
  local long = {}
  for i = 1, 1000 do
    long[i] = 10000 + i
  end
  T.eq(vim.fn.strchars(render.sparkline(long, 40)), 40, 'a long curve is squeezed to the width')
  T.eq(render.sparkline({ 3, 1, 2 }, 3), '█▁▅', 'falls then recovers')

  local report = {
    schemaVersion = 1,
    strategy = { name = 'RSI reversion', params = { oversold = 30 } },
    data = { symbol = 'ETH/BTC', timeframe = '5m', source = 'synthetic:42', from = 1704067200000, to = 1704153600000, bars = 289 },
    metrics = {
      totalReturn = 0.1234, cagr = 0.5, sharpe = 1.5, sortino = 2, calmar = 3, maxDrawdown = 0.05,
      maxDrawdownDurationMs = 3 * 3600 * 1000, trades = 12, winRate = 0.5, profitFactor = 1.8,
      expectancy = 10, exposure = 0.3, feesPaid = 4.5, avgHoldingMs = 45 * 60000,
      valueAtRisk = {
        historical = { var95 = 0.012, var99 = 0.021, cvar95 = 0.017, cvar99 = 0.024 },
        parametric = { var95 = 0.011, var99 = 0.016, cvar95 = 0.014, cvar99 = 0.018 },
      },
    },
    trades = {},
    equityCurve = { time = { 1, 2, 3 }, equity = { 10000, 9000, 11234 }, drawdown = { 0, 0.1, 0 } },
  }
  for i = 1, 12 do
    report.trades[i] = {
      id = i, side = i % 2 == 0 and 'short' or 'long', entryTime = 1704067200000 + i * 300000,
      entryPrice = 0.05123, exitPrice = 0.05200, pnl = i == 12 and -3.25 or 7.5, pnlPct = 0.015,
      exitReason = i == 12 and 'stop' or 'signal',
    }
  end
  local lines = render.backtest({
    summary = { data = 'synthetic:42' },
    delta = { sharpe = 0.25, totalReturn = -0.01, maxDrawdown = 0, trades = 2, winRate = 0.1 },
    report = report,
  })
  local text = table.concat(lines, '\n')
  T.contains(lines[1], 'RSI reversion — ETH/BTC 5m', 'title')
  T.contains(lines[2], '2024-01-01 00:00 → 2024-01-02 00:00 UTC · 289 bars · data synthetic:42', 'range line')
  T.contains(text, 'Total return   +12.34%  (Δ -1.0 pp)', 'return and its change, in percentage points as every face says it')
  T.contains(text, 'Sharpe         1.50  (Δ +0.25)', 'sharpe and its change')
  T.contains(text, 'Max drawdown   5.00%  (Δ ±0.0 pp)  over 3.0h', 'drawdown, an unchanged one never "-0.0"')
  T.eq(require('volt.render').pp(0.021), '+2.1 pp', 'pp up')
  T.eq(require('volt.render').pp(-0.004), '-0.4 pp', 'pp down')
  T.eq(require('volt.render').pp(-0.0001), '±0.0 pp', 'pp never -0.0')
  T.contains(text, 'VaR 95/99      1.20% / 2.10%  normal 1.10% / 1.60%', 'one-bar VaR, historical and normal')
  T.contains(text, 'CVaR 95/99     1.70% / 2.40%  normal 1.40% / 1.80%', 'one-bar CVaR, historical and normal')
  T.ok(not text:find('Benchmark corr', 1, true), 'no correlation without a benchmark')
  T.ok(not text:find('Options ', 1, true), 'no options line for a strategy that never used ctx.options')
  local with_options = vim.deepcopy(report)
  with_options.metrics.benchmarkCorrelation = 0.4321
  with_options.options = {
    chain = 'synthetic',
    positions = { { id = 1, fees = 1.3, pnl = 198.7, legs = {} }, { id = 2, fees = 1.3, pnl = -301.3, legs = {} } },
    refused = { { id = 3, why = 'REJECTED by risk_gate: gamma-flip' } },
    hedgeEfficiency = 0.625,
  }
  local options_text = table.concat(render.backtest({ summary = { data = 'synthetic:42' }, report = with_options }), '\n')
  T.contains(options_text, 'Benchmark corr 0.43', 'the benchmark correlation when there is one')
  T.contains(options_text, 'Options        2 positions, P&L -102.60 after 2.60 fees · 1 refused', 'what ctx.options did')
  T.contains(options_text, 'Hedge effic.   0.63', 'the hedge efficiency')
  T.contains(text, 'Equity 10000.00 → 11234.00', 'equity endpoints')
  T.contains(text, '▄▁█', 'equity sparkline')
  T.contains(text, 'Last 8 of 12 trades', 'trade count')
  T.ok(not text:find('\n   4 ', 1, true), 'only the last 8 trades are listed')
  T.contains(text, '  12  short', 'newest trade listed')
  T.contains(text, '-3.25', 'losing trade P&L')
  T.contains(text, 'stop', 'exit reason')
  T.ok(not text:find('Agents (', 1, true), 'no panel section when agents are off')
  T.ok(not text:find('synthetic data', 1, true), 'no synthetic label on a real market')
  local synthetic = table.concat(render.backtest({
    summary = { data = 'synthetic:42', synthetic = true, dataNote = 'no data for DOGE/EUR: this ran on the synthetic market' },
    report = report,
  }), '\n')
  T.contains(synthetic, 'synthetic data: no data for DOGE/EUR: this ran on the synthetic market', 'the synthetic market is named as such')

  local with_panel = table.concat(render.backtest({
    summary = { data = 'synthetic:42', agents = { mode = 'rules', proposals = 40, approved = 12, modified = 3, rejected = 25,
      lines = { 'agents: 40 proposals, 12 approved, 3 modified, 25 rejected' } } },
    report = report,
  }), '\n')
  T.contains(with_panel, 'Agents (rules)\nagents: 40 proposals, 12 approved, 3 modified, 25 rejected', "the panel's summary under the metrics")

  local journal_lines, targets = render.journal({
    journalPath = '/w/.volt/journal.db',
    vaultPath = '/w/vault',
    runs = { { runId = 7, strategy = 'RSI reversion', startedAt = 1704067200000, data = 'synthetic:42', complete = true,
      summary = { symbol = 'ETH/BTC', timeframe = '5m', totalReturn = 0.1, sharpe = 1, maxDrawdown = 0.02, trades = 3, winRate = 0.66 },
      notePath = '/w/vault/Strategies/run-7.md' } },
    trades = { { tradeId = 3, runId = 7, asset = 'ETH/BTC', action = 'BUY', entry = 0.05, exitPrice = nil, pnl = nil,
      outcome = 'PENDING', confidence = 0.7, strategy = 'RSI reversion', entryTime = 1704067200000 } },
  })
  local jtext = table.concat(journal_lines, '\n')
  T.contains(jtext, 'run 7  2024-01-01 00:00  RSI reversion  ETH/BTC 5m: return +10.00%', 'journal run line')
  T.contains(jtext, 'trade 3  2024-01-01 00:00  BUY ETH/BTC @ 0.05000000 → —  P&L —  PENDING', 'open trade')
  local run_line
  for i, l in ipairs(journal_lines) do
    if l:find('run 7', 1, true) then
      run_line = i
    end
  end
  T.eq(targets[run_line], '/w/vault/Strategies/run-7.md', 'run line opens its vault note')

  local status = render.agent_status({
    agents = { { role = 'trend', kind = 'rules', weight = 1, available = true },
      { role = 'critic', kind = 'llm', model = 'qwen2.5-coder:7b', weight = 0.5, available = false } },
    llm = { host = 'http://127.0.0.1:11434', available = false, reason = 'connection refused', models = {} },
  })
  T.contains(status[1], 'LLM unavailable (http://127.0.0.1:11434): connection refused', 'LLM line')
  T.contains(table.concat(status, '\n'), 'critic              llm    qwen2.5-coder:7b         0.50  unavailable', 'agent row')
  T.ok(not table.concat(status, '\n'):find('track records', 1, true), 'no journal: no track records section')

  -- What the journal learned: track records and the last `volt agents evaluate`.
  local learned = table.concat(render.agent_status({
    agents = {}, llm = { host = 'h', available = true, models = {} },
    trackRecords = { { agent = 'trend_analyzer', market = 'BTC', regime = 'normal', judged = 20, correct = 13, multiplier = 1.146 } },
    lastEvaluation = { id = 3, at = 1767605400000, evaluation = {
      strategy = 'EMA crossover', datasets = { 'BTC_USDT-1h.json', 'ETH_BTC-5m.json' }, folds = 3, best = 'equal thirds',
      arms = { { name = 'no panel', sharpe = 0.4, maxDrawdown = 0.12, totalReturn = 0.05, trades = 40 } },
      agents = { { agent = 'trend_analyzer', weight = 0.25, judged = 22, accuracy = 0.59, marginalSharpe = 0.1, marginalDrawdown = -0.012, marginalTrades = -3 },
        { agent = 'auditor', weight = 0, judged = 22, accuracy = vim.NIL, marginalSharpe = 0, marginalDrawdown = 0, marginalTrades = 0 } },
    } },
  }), '\n')
  T.log(learned)
  T.contains(learned, '  trend_analyzer        BTC     normal            13/20    65.00%      1.15', 'a track record row')
  T.contains(learned, 'last evaluation (2026-01-05 09:30 UTC): EMA crossover, out of sample, 3 walk-forward folds on BTC_USDT-1h.json, ETH_BTC-5m.json', 'evaluation title')
  T.contains(learned, '  no panel                                        0.40   12.00%    5.00%      40', 'an arm')
  T.contains(learned, '  trend_analyzer           0.25      22    59.00%  +0.10 / -1.2 pp / -3', 'an agent with its marginal effect')
  T.contains(learned, '  auditor                  0.00      22         —  — (no vote)', 'an agent without a vote')
  T.contains(learned, 'best weights out of sample: equal thirds', 'best weights')
  T.contains(table.concat(render.agent_status({ agents = {}, llm = { host = 'h', available = true, models = {} }, trackRecords = {} }), '\n'),
    'last evaluation: none in the journal', 'a journal without an evaluation says so')

  -- How the critique went, under the findings: unavailable and why, or the model and the time.
  local at = os.time({ year = 2026, month = 12, day = 1, hour = 9, min = 41 })
  local down = render.analyze({ uri = 'file:///w/x.strategy.ts', findings = {}, lastBacktest = vim.NIL,
    critique = { source = 'unavailable', model = 'qwen2.5-coder:7b', reason = 'Ollama is not reachable (ECONNREFUSED)' } }, 'x.strategy.ts', at)
  T.eq(down[2], 'No findings.', 'no findings')
  T.eq(down[3], 'LLM critique unavailable: Ollama is not reachable (ECONNREFUSED)', 'critique unavailable, and why')
  T.eq(render.critique_line({ source = 'unavailable', model = 'm', reason = 'LLM unavailable: Ollama is not reachable' }, at),
    'LLM critique unavailable: Ollama is not reachable', 'the reason is not prefixed twice')
  T.eq(render.critique_line({ source = 'llm', model = 'qwen2.5-coder:7b' }, at), 'LLM critique by qwen2.5-coder:7b at 09:41', 'critique asked')
  T.eq(render.critique_line({ source = 'cache', model = 'qwen2.5-coder:7b' }, at),
    "LLM critique by qwen2.5-coder:7b, replayed from the journal's cache at 09:41", 'critique from the cache')
  T.eq(render.critique_line(nil, at), nil, 'a result without a critique field')

  -- :VoltAgentStatus's sessions: the running ones listed, the ended ones counted.
  local session = function(id, status, label)
    return { id = id, mode = 'paper', status = status, exchange = 'binance', symbol = 'BTC/USDT', timeframe = '1m',
      label = label, strategyPath = '/w/strategies/cross.strategy.ts' }
  end
  T.eq(render.sessions({ sessions = {} }), { '', 'sessions: no paper or live sessions in the journal' }, 'no sessions')
  T.eq(render.sessions({ sessions = { session(1, 'finished', 'paper: -0.2% · 4 trades · 0 open') } }),
    { '', 'sessions: none running (1 ended: volt paper status)' }, 'only ended sessions')
  T.eq(render.sessions({ sessions = { session(1, 'finished', 'paper: -0.2% · 4 trades · 0 open'), session(3, 'running', 'paper: +0.8% · 2 trades · 1 open') } }),
    { '', 'sessions: 1 running (1 ended: volt paper status)', '  3  paper   binance BTC/USDT 1m  paper: +0.8% · 2 trades · 1 open  cross.strategy.ts' },
    'a running session listed with its lens line')

  -- Messages for the command line: one line, cut to the room there is, file and line first.
  local message = require('volt.message')
  T.eq({ message.fit('short', 68) }, { 'short', false }, 'a short message is kept')
  T.eq({ message.fit('first line\n    at frame 2\n', 68) }, { 'first line', true }, 'only the first line')
  local cut = message.fit(string.rep('é', 100), 68)
  T.eq(vim.fn.strdisplaywidth(cut), 68, 'cut to the width in display cells')
  T.eq(vim.fn.strcharpart(cut, 67), '…', 'a cut line ends with …')
  T.eq(message.fit('  spaced   out  ', 68), 'spaced out', 'whitespace collapsed')
  local thrown = { message = 'Request workspace/executeCommand failed with message: The strategy threw at bar 6: Error: boom',
    data = { findings = { { range = { start = { line = 4, character = 2 } } } } } }
  T.eq(render.backtest_error('/w/strategies/throws.strategy.ts', thrown), 'volt: throws.strategy.ts:5:3: threw at bar 6: boom', 'failed backtest')
  T.eq(render.backtest_error('/w/x.strategy.ts', 'did not return within 10000 ms', { 7, 1 }), 'volt: x.strategy.ts:7:1: did not return within 10000 ms', 'failed on-save run')
  T.eq(render.command_failure('volt.journal', { message = 'no journal' }), 'volt: journal failed: no journal', 'failed command')
end)
