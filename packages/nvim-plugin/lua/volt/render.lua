-- Turns the sidecar's results (shapes in protocol.ts) into lines of text. Pure functions: no
-- windows, no requests, so what a trader reads can be checked line by line.
local M = {}

local BLOCKS = { '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█' }

local function num(v)
  return type(v) == 'number' and v == v and v or nil
end

-- What to show instead of a number that is missing or infinite; nil when it is an ordinary number.
local function unprintable(v)
  if not v then
    return '—'
  end
  if v == math.huge or v == -math.huge then
    return v > 0 and '∞' or '-∞'
  end
  return nil
end

local function pct(v, signed)
  v = num(v)
  return unprintable(v) or string.format(signed and '%+.2f%%' or '%.2f%%', v * 100)
end

local function fixed(v, digits, signed)
  v = num(v)
  return unprintable(v) or string.format((signed and '%+.' or '%.') .. (digits or 2) .. 'f', v)
end

local function price(v)
  v = num(v)
  if not v then
    return '—'
  end
  local a = math.abs(v)
  if a >= 1000 then
    return string.format('%.2f', v)
  elseif a >= 1 then
    return string.format('%.4f', v)
  end
  return string.format('%.8f', v)
end

local function time(ms)
  ms = num(ms)
  if not ms then
    return '—'
  end
  return os.date('!%Y-%m-%d %H:%M', math.floor(ms / 1000))
end

local function duration(ms)
  ms = num(ms)
  if not ms then
    return '—'
  end
  local minutes = ms / 60000
  if minutes < 120 then
    return string.format('%.0fm', minutes)
  elseif minutes < 60 * 48 then
    return string.format('%.1fh', minutes / 60)
  end
  return string.format('%.1fd', minutes / 1440)
end

M.pct, M.fixed, M.price, M.time, M.duration = pct, fixed, price, time, duration

local function pad(s, width)
  s = tostring(s)
  local w = vim.fn.strdisplaywidth(s)
  if w >= width then
    return s
  end
  return s .. string.rep(' ', width - w)
end

local function lpad(s, width)
  s = tostring(s)
  local w = vim.fn.strdisplaywidth(s)
  if w >= width then
    return s
  end
  return string.rep(' ', width - w) .. s
end

---A sparkline of `values` in `width` characters: each character is the last value of its slice of
---the curve, scaled between the curve's low and high.
function M.sparkline(values, width)
  width = width or 60
  local n = type(values) == 'table' and #values or 0
  if n == 0 then
    return ''
  end
  local lo, hi = math.huge, -math.huge
  for i = 1, n do
    local v = num(values[i])
    if v then
      lo = math.min(lo, v)
      hi = math.max(hi, v)
    end
  end
  if lo == math.huge then
    return ''
  end
  local cells = math.min(width, n)
  local out = {}
  for c = 1, cells do
    local idx = math.max(1, math.floor(c * n / cells))
    local v = num(values[idx]) or lo
    local level = 1
    if hi > lo then
      level = math.floor((v - lo) / (hi - lo) * (#BLOCKS - 1) + 0.5) + 1
    end
    out[c] = BLOCKS[level]
  end
  return table.concat(out)
end

---A fraction's change in percentage points, as the sidecar's lens and VS Code say it: signed, one
---decimal, never "-0.0" (`+2.1 pp`, `-0.4 pp`, `±0.0 pp`).
local function pp(v)
  local text = string.format('%.1f', v * 100)
  if text == '0.0' or text == '-0.0' then
    return '±0.0 pp'
  end
  return (v > 0 and '+' or '') .. text .. ' pp'
end
M.pp = pp

local function delta_note(delta, key, formatter)
  if type(delta) ~= 'table' or num(delta[key]) == nil then
    return ''
  end
  return '  (Δ ' .. formatter(delta[key]) .. ')'
end

---Lines for a BacktestResult: headline metrics, an equity sparkline and the last trades.
function M.backtest(result, opts)
  opts = opts or {}
  local report = result.report or {}
  local summary = result.summary or {}
  local metrics = report.metrics or {}
  local data = report.data or {}
  local strategy = report.strategy or {}
  local delta = result.delta
  local lines = {}
  local function add(s)
    table.insert(lines, s)
  end

  add(string.format(
    'Backtest: %s — %s %s',
    strategy.name or summary.strategy or '?',
    data.symbol or summary.symbol or '?',
    data.timeframe or summary.timeframe or ''
  ))
  add(string.format(
    '%s → %s UTC · %s bars · data %s',
    time(data.from or summary.from),
    time(data.to or summary.to),
    tostring(data.bars or summary.bars or '?'),
    tostring(summary.data or data.source or '?')
  ))
  -- Not a real market: said where it cannot be missed, with why when there is a reason.
  if summary.synthetic then
    add('synthetic data' .. (type(summary.dataNote) == 'string' and (': ' .. summary.dataNote) or ' (not a real market)'))
  end
  add('')
  local rows = {
    { 'Total return', pct(metrics.totalReturn, true) .. delta_note(delta, 'totalReturn', pp) },
    { 'CAGR', pct(metrics.cagr, true) },
    { 'Sharpe', fixed(metrics.sharpe) .. delta_note(delta, 'sharpe', function(v)
      return fixed(v, 2, true)
    end) },
    { 'Sortino', fixed(metrics.sortino) },
    { 'Calmar', fixed(metrics.calmar) },
    { 'Max drawdown', pct(metrics.maxDrawdown) .. delta_note(delta, 'maxDrawdown', pp) .. '  over ' .. duration(metrics.maxDrawdownDurationMs) },
    { 'Trades', tostring(num(metrics.trades) or '—') .. delta_note(delta, 'trades', function(v)
      return string.format('%+d', v)
    end) },
    { 'Win rate', pct(metrics.winRate) .. delta_note(delta, 'winRate', pp) },
    { 'Profit factor', fixed(metrics.profitFactor) },
    { 'Expectancy', fixed(metrics.expectancy) },
    { 'Exposure', pct(metrics.exposure) },
    { 'Fees paid', fixed(metrics.feesPaid) },
    { 'Avg holding', duration(metrics.avgHoldingMs) },
  }
  -- One-bar tail risk, historical and under a normal fit, as `volt backtest` prints it.
  local var = metrics.valueAtRisk
  if type(var) == 'table' and type(var.historical) == 'table' and type(var.parametric) == 'table' then
    local h, n = var.historical, var.parametric
    table.insert(rows, { 'VaR 95/99', pct(h.var95) .. ' / ' .. pct(h.var99) .. '  normal ' .. pct(n.var95) .. ' / ' .. pct(n.var99) })
    table.insert(rows, { 'CVaR 95/99', pct(h.cvar95) .. ' / ' .. pct(h.cvar99) .. '  normal ' .. pct(n.cvar95) .. ' / ' .. pct(n.cvar99) })
  end
  if metrics.benchmarkCorrelation ~= nil then
    table.insert(rows, { 'Benchmark corr', fixed(metrics.benchmarkCorrelation) })
  end
  -- ctx.options: its positions, what they made after fees, and how much of the underlying's moves they offset.
  local options = report.options
  if type(options) == 'table' and type(options.positions) == 'table' then
    local pnl, fees = 0, 0
    for _, p in ipairs(options.positions) do
      pnl = pnl + (num(p.pnl) or 0)
      fees = fees + (num(p.fees) or 0)
    end
    local refused = type(options.refused) == 'table' and #options.refused or 0
    table.insert(rows, { 'Options', string.format('%d position%s, P&L %s after %s fees', #options.positions, #options.positions == 1 and '' or 's', fixed(pnl, 2, true), fixed(fees))
      .. (refused > 0 and string.format(' · %d refused', refused) or '') })
    if num(options.hedgeEfficiency) then
      table.insert(rows, { 'Hedge effic.', fixed(options.hedgeEfficiency) })
    end
  end
  for _, row in ipairs(rows) do
    add(pad(row[1], 15) .. row[2])
  end

  -- agents.mode rules or ollama: what the panel did with the entries, as `volt backtest --agents` says it.
  local agents = summary.agents
  if type(agents) == 'table' and type(agents.lines) == 'table' then
    add('')
    add('Agents (' .. tostring(agents.mode) .. ')')
    for _, l in ipairs(agents.lines) do
      add(l)
    end
  end

  add('')
  local curve = report.equityCurve or {}
  local equity = curve.equity or {}
  local spark = M.sparkline(equity, opts.width or 60)
  if spark ~= '' then
    add(string.format('Equity %s → %s', fixed(equity[1]), fixed(equity[#equity])))
    add(spark)
  else
    add('Equity: no curve in the report')
  end

  add('')
  local trades = report.trades or {}
  local last = opts.trades or 8
  if #trades == 0 then
    add('No trades.')
  else
    add(string.format('Last %d of %d trades', math.min(last, #trades), #trades))
    add(table.concat({
      lpad('#', 4), pad(' side', 7), pad('entry time', 17), lpad('entry', 12), lpad('exit', 12),
      lpad('P&L', 10), lpad('P&L %', 9), '  exit',
    }, ' '))
    for i = math.max(1, #trades - last + 1), #trades do
      local t = trades[i]
      add(table.concat({
        lpad(t.id or i, 4),
        pad(' ' .. (t.side or '?'), 7),
        pad(time(t.entryTime), 17),
        lpad(price(t.entryPrice), 12),
        lpad(price(t.exitPrice), 12),
        lpad(fixed(t.pnl, 2, true), 10),
        lpad(pct(t.pnlPct, true), 9),
        '  ' .. tostring(t.exitReason or ''),
      }, ' '))
    end
  end
  if type(result.findings) == 'table' and #result.findings > 0 then
    add('')
    add('Findings')
    for _, f in ipairs(result.findings) do
      add(M.finding(f))
    end
  end
  return lines
end

function M.finding(f)
  local line = f.range and f.range.start and (f.range.start.line + 1) or '?'
  local col = f.range and f.range.start and (f.range.start.character + 1) or '?'
  local fix = f.fixTitle and ('  [fix: ' .. f.fixTitle .. ']') or ''
  return string.format('%s:%s %s %s %s%s', line, col, f.code or '', f.severity or '', f.message or '', fix)
end

-- The sidecar's reason, tightened for one line: vscode-jsonrpc's wrapper for exceptions it did not
-- expect says nothing to a trader, "The strategy" is the file already named, and "Error: " is noise.
local function reason(err)
  local text = tostring(type(err) == 'table' and err.message or err or 'no reason given')
  text = text:gsub('^Request workspace/executeCommand failed with message: ', '')
  text = text:gsub('^The strategy (%l)', '%1'):gsub(': Error: ', ': ')
  return text
end

---The message for a failed backtest: the file and line first, then the reason, so what matters
---survives when the line is cut to the command line's width (the VOLT204 diagnostic at that line
---has the whole text). `at` is { line, col } (1-based) when known, else the error's first finding
---gives it.
function M.backtest_error(path, err, at)
  local where = vim.fn.fnamemodify(path, ':t')
  local findings = type(err) == 'table' and type(err.data) == 'table' and err.data.findings or nil
  local first = type(findings) == 'table' and findings[1] or nil
  if not at and type(first) == 'table' and first.range and first.range.start then
    at = { first.range.start.line + 1, first.range.start.character + 1 }
  end
  if at then
    where = string.format('%s:%d:%d', where, at[1], at[2])
  end
  return string.format('volt: %s: %s', where, reason(err))
end

---The message for any other failed command; `command` is the sidecar's name (volt.journal…).
function M.command_failure(command, err)
  if type(err) == 'table' and err.no_sidecar then
    return 'volt: ' .. reason(err)
  end
  return string.format('volt: %s failed: %s', tostring(command):gsub('^volt%.', ''), reason(err))
end

function M.summary_line(s)
  if type(s) ~= 'table' then
    return 'no backtest yet'
  end
  return string.format(
    '%s %s: return %s · Sharpe %s · max DD %s · %s trades · win %s',
    s.symbol or '?',
    s.timeframe or '',
    pct(s.totalReturn, true),
    fixed(s.sharpe),
    pct(s.maxDrawdown),
    tostring(num(s.trades) or '—'),
    pct(s.winRate)
  )
end

---How the LLM critique of an analysis went (CritiqueStatus), so "no findings" never reads as
---"the model found nothing" when no model was asked; nil when the result does not say. `at` is
---when the answer came (os.time(); the analysis waits for the critique), shown in local time.
function M.critique_line(critique, at)
  if type(critique) ~= 'table' then
    return nil
  end
  local model = tostring(critique.model or '?')
  local time = os.date('%H:%M', at or os.time())
  if critique.source == 'unavailable' then
    -- The engine's reason may carry its own "LLM unavailable:" lead; saying it twice helps nobody.
    local why = tostring(critique.reason or 'no reason given'):gsub('^LLM unavailable:%s*', '')
    return 'LLM critique unavailable: ' .. why
  elseif critique.source == 'cancelled' then
    return 'LLM critique by ' .. model .. ' cancelled: a newer edit superseded it'
  elseif critique.source == 'cache' then
    return string.format("LLM critique by %s, replayed from the journal's cache at %s", model, time)
  end
  return string.format('LLM critique by %s at %s', model, time)
end

---Lines for an AnalyzeResult; `at` as for critique_line.
function M.analyze(result, name, at)
  local lines = { 'Analysis: ' .. (name or result.uri or '?') }
  local findings = result.findings or {}
  if #findings == 0 then
    table.insert(lines, 'No findings.')
  else
    table.insert(lines, string.format('%d finding%s', #findings, #findings == 1 and '' or 's'))
    for _, f in ipairs(findings) do
      table.insert(lines, '  ' .. M.finding(f))
    end
  end
  local critique = M.critique_line(result.critique, at)
  if critique then
    table.insert(lines, critique)
  end
  table.insert(lines, '')
  table.insert(lines, 'Last backtest: ' .. M.summary_line(result.lastBacktest))
  return lines
end

---Lines for a JournalResult, and for each line the file it opens (or nil).
function M.journal(result)
  local lines, targets = {}, {}
  local function add(s, target)
    table.insert(lines, s)
    targets[#lines] = target
  end
  add('Journal: ' .. tostring(result.journalPath or '?'))
  if result.vaultPath then
    add('Vault: ' .. result.vaultPath .. '   (<CR> opens a note)')
  end
  add('')
  local runs = result.runs or {}
  add(string.format('Recent runs (%d)', #runs))
  for _, r in ipairs(runs) do
    local s = type(r.summary) == 'table' and r.summary or nil
    local text = string.format(
      '  run %s  %s  %s  %s%s',
      tostring(r.runId),
      time(r.startedAt),
      r.strategy or '?',
      s and M.summary_line(s) or 'no result',
      r.complete == false and '  (interrupted)' or ''
    )
    add(text, r.notePath or r.path)
  end
  local trades = result.trades or {}
  add('')
  add(string.format('Recent trades (%d)', #trades))
  for _, t in ipairs(trades) do
    add(string.format(
      '  trade %s  %s  %s %s @ %s → %s  P&L %s  %s  conf %s',
      tostring(t.tradeId),
      time(t.entryTime),
      t.action or '?',
      t.asset or '?',
      price(t.entry),
      price(t.exitPrice),
      fixed(t.pnl, 2, true),
      t.outcome or '?',
      fixed(t.confidence, 2)
    ), t.notePath)
  end
  return lines, targets
end

---Quickfix items for a JournalResult: runs point at their note (or strategy file), trades at theirs.
function M.journal_qf(result)
  local items = {}
  for _, r in ipairs(result.runs or {}) do
    local file = r.notePath or r.path
    table.insert(items, {
      filename = file,
      lnum = 1,
      text = string.format('run %s %s: %s', tostring(r.runId), r.strategy or '?', M.summary_line(r.summary)),
      valid = file and 1 or 0,
    })
  end
  for _, t in ipairs(result.trades or {}) do
    table.insert(items, {
      filename = t.notePath,
      lnum = 1,
      text = string.format(
        'trade %s %s %s @ %s P&L %s %s',
        tostring(t.tradeId),
        t.action or '?',
        t.asset or '?',
        price(t.entry),
        fixed(t.pnl, 2, true),
        t.outcome or '?'
      ),
      valid = t.notePath and 1 or 0,
    })
  end
  return items
end

---Lines for an AgentStatusResult.
function M.agent_status(result)
  local llm = result.llm or {}
  local lines = {}
  if llm.available then
    local models = type(llm.models) == 'table' and table.concat(llm.models, ', ') or ''
    table.insert(lines, string.format('LLM available at %s  models: %s', tostring(llm.host), models))
  else
    table.insert(lines, string.format(
      'LLM unavailable (%s)%s — rule-based agents stand in',
      tostring(llm.host or 'no host'),
      llm.reason and (': ' .. llm.reason) or ''
    ))
  end
  table.insert(lines, '')
  table.insert(lines, pad('role', 20) .. pad('kind', 7) .. pad('model', 22) .. lpad('weight', 7) .. '  status')
  for _, a in ipairs(result.agents or {}) do
    table.insert(lines, pad(a.role or '?', 20) .. pad(a.kind or '?', 7) .. pad(a.model or '—', 22)
      .. lpad(fixed(a.weight, 2), 7) .. '  ' .. (a.available and 'ready' or 'unavailable'))
  end
  vim.list_extend(lines, M.agent_learning(result))
  return lines
end

local function present(v)
  return v ~= nil and v ~= vim.NIL
end

---What the journal learned about the panel: its track records (per agent, market and regime: right
---of judged, and the weight factor that gives) and the last `volt agents evaluate`, out of sample.
---Nothing when the sidecar had no journal to read (no trackRecords field).
function M.agent_learning(result)
  local lines = {}
  if not present(result.trackRecords) then
    return lines
  end
  table.insert(lines, '')
  if #result.trackRecords == 0 then
    table.insert(lines, 'track records: none yet (a backtest through the panel, agents.mode rules or ollama, starts them)')
  else
    table.insert(lines, 'track records (journal)')
    table.insert(lines, '  ' .. pad('agent', 22) .. pad('market', 8) .. pad('regime', 16) .. lpad('right', 7) .. lpad('accuracy', 10) .. lpad('weight ×', 10))
    for _, t in ipairs(result.trackRecords) do
      local accuracy = (num(t.judged) or 0) > 0 and pct(t.correct / t.judged) or '—'
      table.insert(lines, '  ' .. pad(t.agent or '?', 22) .. pad(t.market or '?', 8) .. pad(t.regime or '?', 16)
        .. lpad(string.format('%d/%d', t.correct or 0, t.judged or 0), 7) .. lpad(accuracy, 10) .. lpad(fixed(t.multiplier, 2), 10))
    end
  end
  table.insert(lines, '')
  local last = result.lastEvaluation
  if not present(last) then
    table.insert(lines, 'last evaluation: none in the journal (volt agents evaluate FILE --data SPEC … measures the panel out of sample)')
    return lines
  end
  local e = last.evaluation
  table.insert(lines, string.format('last evaluation (%s UTC): %s, out of sample, %d walk-forward folds on %s', time(last.at), e.strategy or '?',
    e.folds or 0, table.concat(e.datasets or {}, ', ')))
  table.insert(lines, '  ' .. pad('arm', 44) .. lpad('Sharpe', 8) .. lpad('max DD', 9) .. lpad('return', 9) .. lpad('trades', 8))
  for _, a in ipairs(e.arms or {}) do
    table.insert(lines, '  ' .. pad(a.name or '?', 44) .. lpad(fixed(a.sharpe, 2), 8) .. lpad(pct(a.maxDrawdown), 9)
      .. lpad(pct(a.totalReturn), 9) .. lpad(tostring(a.trades or '—'), 8))
  end
  table.insert(lines, '  ' .. pad('agent', 22) .. lpad('weight', 7) .. lpad('judged', 8) .. lpad('accuracy', 10) .. '  marginal Sharpe / drawdown / trades')
  for _, a in ipairs(e.agents or {}) do
    local marginal = '— (no vote)'
    if (num(a.weight) or 0) > 0 then
      marginal = string.format('%s / %s / %+d', fixed(a.marginalSharpe, 2, true), num(a.marginalDrawdown) and pp(a.marginalDrawdown) or '—', a.marginalTrades or 0)
    end
    table.insert(lines, '  ' .. pad(a.agent or '?', 22) .. lpad(fixed(a.weight, 2), 7) .. lpad(tostring(a.judged or 0), 8)
      .. lpad(pct(a.accuracy), 10) .. '  ' .. marginal)
  end
  table.insert(lines, '  best weights out of sample: ' .. (e.best or '?'))
  return lines
end

-- The running paper and live sessions of the workspace journal (volt.paper.status), under the
-- agents; the ended ones only counted (a journal keeps every session ever run).
function M.sessions(status)
  local lines = { '' }
  if type(status) ~= 'table' then
    return lines
  end
  local list = status.sessions or {}
  if #list == 0 then
    table.insert(lines, 'sessions: no paper or live sessions in the journal')
    return lines
  end
  local running = vim.tbl_filter(function(s)
    return s.status == 'running'
  end, list)
  local ended = #list - #running
  local tail = ended > 0 and string.format(' (%d ended: volt paper status)', ended) or ''
  if #running == 0 then
    table.insert(lines, 'sessions: none running' .. tail)
    return lines
  end
  table.insert(lines, string.format('sessions: %d running%s', #running, tail))
  for _, s in ipairs(running) do
    table.insert(lines, string.format('  %d  %s %s %s %s  %s  %s', s.id, pad(s.mode or '?', 7), s.exchange or '?', s.symbol or '?',
      s.timeframe or '?', s.label or '', vim.fn.fnamemodify(s.strategyPath or '', ':t')))
  end
  return lines
end

return M
