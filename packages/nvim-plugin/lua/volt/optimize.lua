-- :VoltOptimize [key=value ...] — volt/optimize on the sidecar: progress on the command line
-- (volt/optimizeProgress), then a float with the heatmap of two params, the walk-forward table and
-- the overfitting figures. Afterwards the code action on the strategy's `params` block (the
-- sidecar's "Volt: apply optimised params …") writes the best out-of-sample values.
local args = require('volt.args')
local client = require('volt.client')
local float = require('volt.float')
local message = require('volt.message')
local protocol = require('volt.protocol')

local M = {}

-- token → the last progress notification, for a status line or a test.
M.progress = {}
M.last_result = nil

local ARGS = {
  numbers = { 'trials', 'minTrades', 'folds', 'seed', 'workers' },
  words = { 'method', 'objective', 'windows', 'data', 'symbol', 'from', 'to' },
  lists = { 'axes' },
  example = 'trials=50 method=grid folds=2',
}

---`trials=50 method=grid folds=2 axes=fast,slow` as OptimizeParams fields; nil and a message when a word is not one.
function M.parse_args(text)
  return args.parse(text, ARGS)
end

local function score(x)
  if x == nil or x == vim.NIL then
    return '—'
  end
  return string.format('%.2f', x)
end

local function params_text(p)
  local keys = vim.tbl_keys(p or {})
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    table.insert(out, k .. '=' .. tostring(p[k]))
  end
  return table.concat(out, ' ')
end

local function pct(x)
  return string.format('%.1f%%', x * 100)
end

local function day(ms)
  return os.date('!%Y-%m-%d', math.floor(ms / 1000))
end

local function pad(s, width, right)
  local gap = math.max(0, width - vim.fn.strdisplaywidth(s))
  return right and (string.rep(' ', gap) .. s) or (s .. string.rep(' ', gap))
end

-- Shades from worst to best among the passing cells; '·' where no trial passed.
local SHADES = { '░', '▒', '▓', '█' }

---The heatmap as text: one row per value of y (highest on top), each cell its best score and a shade.
function M.heatmap_lines(h)
  local lines = {}
  local lo, hi
  for _, row in ipairs(h.scores) do
    for _, s in ipairs(row) do
      if s ~= vim.NIL then
        lo = lo and math.min(lo, s) or s
        hi = hi and math.max(hi, s) or s
      end
    end
  end
  local width = 7
  local label = 8
  local header = pad(h.y or '', label)
  for _, x in ipairs(h.xValues) do
    header = header .. pad(tostring(x), width, true)
  end
  for i = #h.scores, 1, -1 do
    local line = pad(h.y and tostring(h.yValues[i]) or '', label)
    for j, s in ipairs(h.scores[i]) do
      local cell
      if s == vim.NIL then
        cell = h.counts[i][j] > 0 and 'fail' or '·'
      else
        local t = (hi and lo and hi > lo) and (s - lo) / (hi - lo) or 1
        cell = SHADES[math.min(#SHADES, math.floor(t * #SHADES) + 1)] .. score(s)
      end
      line = line .. pad(cell, width, true)
    end
    table.insert(lines, line)
  end
  table.insert(lines, header)
  table.insert(lines, pad('', label) .. '  ' .. h.x .. ' →')
  return lines
end

---The report float's lines for an OptimizeResult.
function M.render(r)
  local res = r.result
  local objective = res.objective
  local lines = {
    string.format('Optimisation: %s, sweep %d', r.strategy.name, r.sweep),
    string.format('%s %s · %s%s · %d bars %s → %s', r.data.symbol, r.data.timeframe, r.data.spec, r.data.synthetic and ' (synthetic data)' or '', r.data.bars, day(r.data.from), day(r.data.to)),
    string.format('%s, %d trials (%d failing), objective %s', res.method, res.trials.total, res.trials.failing, objective),
    '',
    'Verdict: ' .. res.verdict,
  }
  for _, w in ipairs(res.warnings or {}) do
    table.insert(lines, 'Warning: ' .. w)
  end
  if r.apply ~= vim.NIL and r.apply then
    table.insert(lines, '')
    local where = r.apply.source == 'out-of-sample' and string.format('best out-of-sample (fold %d)', r.apply.fold) or 'best in-sample (no walk-forward)'
    table.insert(lines, string.format('Params to take: %s, %s', params_text(r.apply.params), where))
    table.insert(lines, '  the code action on `params` writes them (vim.lsp.buf.code_action())')
  end
  if r.heatmap ~= vim.NIL and r.heatmap then
    table.insert(lines, '')
    table.insert(lines, string.format('Heatmap: best %s over %s%s', objective, r.heatmap.x, r.heatmap.y and (' and ' .. r.heatmap.y) or ''))
    vim.list_extend(lines, M.heatmap_lines(r.heatmap))
  end
  local wf = res.walkForward
  if wf and wf ~= vim.NIL then
    table.insert(lines, '')
    table.insert(lines, string.format('Walk-forward, %s, %d folds', wf.mode, #wf.folds))
    table.insert(lines, string.format('  %-4s %-23s %-23s %8s %8s %7s  %s', 'fold', 'train', 'test', 'IS', 'OOS', 'trades', 'params'))
    for _, f in ipairs(wf.folds) do
      local oos = f.outOfSample
      local trades = (oos.metrics and oos.metrics ~= vim.NIL) and tostring(oos.metrics.trades) or '—'
      table.insert(lines, string.format('  %-4d %-23s %-23s %8s %8s %7s  %s', f.fold, day(f.train.from) .. ' → ' .. day(f.train.to or r.data.to), day(f.test.from) .. ' → ' .. day(f.test.to or r.data.to), score(f.inSample.score), score(oos.score), trades, params_text(f.params)))
    end
    table.insert(lines, string.format('  mean %s %s in-sample, %s out-of-sample', objective, score(wf.meanInSample), score(wf.meanOutOfSample)))
  end
  local figures = {}
  if res.deflatedSharpe and res.deflatedSharpe ~= vim.NIL then
    table.insert(figures, string.format('Deflated Sharpe ratio %.2f (best of %d trials)', res.deflatedSharpe.probability, res.deflatedSharpe.trials))
  end
  if res.overfitting and res.overfitting ~= vim.NIL then
    table.insert(figures, string.format('Probability of backtest overfitting %s (CSCV, %d splits)', pct(res.overfitting.probability), res.overfitting.splits))
  end
  local mc = res.monteCarlo
  if mc and mc ~= vim.NIL then
    table.insert(figures, string.format('Monte Carlo: shuffled max drawdown %s at the 95th percentile; bootstrap P(loss) %s', pct(mc.shuffle.maxDrawdown.p95), pct(mc.bootstrap.probabilityOfLoss)))
  end
  if #figures > 0 then
    table.insert(lines, '')
    vim.list_extend(lines, figures)
  end
  return lines
end

function M.on_progress(_, p)
  if type(p) ~= 'table' or p.token == nil then
    return
  end
  M.progress[p.token] = p
  local best = (p.best and p.best ~= vim.NIL) and string.format(', best %s (%s)', score(p.best.score), params_text(p.best.params)) or ''
  message.echo(string.format('volt: optimising — %d/%d trials%s', p.done, p.total, best))
end

local counter = 0

---:VoltOptimize on the current buffer with the words of `args`.
function M.optimize(args)
  local bufnr, params = client.strategy_command('VoltOptimize', M.parse_args, args)
  if not bufnr then
    return
  end
  counter = counter + 1
  params.token = 'nvim-' .. counter
  M.last_token = params.token
  local started = client.request(bufnr, protocol.requests.optimize, params, 'optimise', function(result)
    M.last_result = result
    message.echo('volt: sweep ' .. result.sweep .. ': ' .. result.result.verdict)
    float.open('optimize', M.render(result))
  end)
  if started then
    message.echo('volt: optimising ' .. vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t') .. '…')
  end
end

return M
