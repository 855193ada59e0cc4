-- :VoltOptimize against the real sidecar: progress on the command line, the report float (verdict,
-- heatmap, walk-forward, overfitting figures), then the code action on `params` writes the values.
local T = require('harness')

-- Two moving averages on a 3 × 3 grid; the defaults (7, 25) lie between the grid's values, so the
-- sweep's best always differs from them and the code action has something to write.
local STRATEGY = [[
import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'sma cross',
  params: {
    fast: { value: 7, min: 5, max: 15, step: 5 },
    slow: { value: 25, min: 20, max: 40, step: 10 },
  },
  indicators: (ind, p) => ({ fast: ind.sma(p.fast), slow: ind.sma(p.slow) }),
  onBar(ctx) {
    const { fast, slow } = ctx.ind;
    if (!fast.ready || !slow.ready) return;
    if (fast.value > slow.value && ctx.position.side !== 1) ctx.buy({ reason: 'fast above slow' });
    else if (fast.value < slow.value && ctx.position.side === 1) ctx.exit({ reason: 'fast below slow' });
  },
});
]]

T.run('optimize', function()
  local ws = T.workspace()
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))
  local file = ws .. '/strategies/sma.strategy.ts'
  vim.fn.writefile(vim.split(STRATEGY, '\n', { plain = true }), file)
  require('volt').setup({ settings = { onSave = { backtest = false }, data = { default = 'synthetic:11:3000:1h' } } })
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  T.wait(30000, function()
    local c = require('volt').client(buf)
    return c and c.initialized and vim.lsp.buf_is_attached(buf, c.id)
  end, 'the sidecar to start and attach')

  -- A word that is not key=value is refused on one line, before anything runs.
  local told = #T.notes
  pcall(vim.cmd, 'VoltOptimize trials=many') -- an error message inside an Ex command makes vim.cmd raise
  T.contains(T.notes[told + 1].msg, "volt: :VoltOptimize trials expects a number, got 'many'", 'bad argument')

  local optimize = require('volt.optimize')
  vim.cmd('VoltOptimize trials=9 method=grid folds=2 min-trades=1 workers=1')
  local float = require('volt.float')
  T.wait(120000, function()
    return float.last and float.last.kind == 'optimize' and vim.api.nvim_win_is_valid(float.last.win)
  end, 'the optimisation window')
  local lines = T.buf_lines(float.last.buf)
  local report = table.concat(lines, '\n')
  T.log('--- optimize window ---\n' .. report)
  T.contains(lines[1], 'Optimisation: sma cross, sweep ', 'title')
  T.contains(report, 'synthetic:11:3000:1h (synthetic data) · 3000 bars', 'the data')
  T.ok(report:find('Verdict: out%-of%-sample') or report:find('Verdict: no edge in%-sample'), 'the verdict')
  T.contains(report, 'Heatmap: best sharpe over fast and slow', 'heatmap title')
  T.contains(report, 'Walk-forward, rolling, 2 folds', 'walk-forward table')
  T.contains(report, 'Probability of backtest overfitting', 'PBO')
  -- The heatmap: slow 40 on top, 20 at the bottom, then the fast values under their columns.
  local top, bottom
  for i, l in ipairs(lines) do
    if l:match('^40%s') then top = i end
    if l:match('^20%s') then bottom = i end
  end
  T.ok(top and bottom and top < bottom, 'rows from slow=40 down to slow=20')
  T.ok(lines[bottom + 1]:match('^slow%s+5%s+10%s+15$'), 'the fast values under the columns: ' .. lines[bottom + 1])
  local result = optimize.last_result
  T.ok(result and result.apply ~= vim.NIL, 'the result names params to take')
  local progress = optimize.progress[optimize.last_token]
  T.ok(progress and progress.done == progress.total and progress.total == 29, 'the last progress: all 29 trials')
  vim.cmd('normal q')

  -- The code action on the params block writes the chosen values into the buffer.
  local want = result.apply.params
  vim.api.nvim_win_set_cursor(0, { 5, 4 })
  local offered = {}
  vim.ui.select = function(items, opts, on_choice)
    local chosen
    for _, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      table.insert(offered, title)
      if title:find(require('volt.protocol').optimize.apply_title, 1, true) then
        chosen = item
      end
    end
    on_choice(chosen)
  end
  vim.lsp.buf.code_action()
  T.wait(15000, function()
    local text = table.concat(T.buf_lines(buf), '\n')
    return text:find('fast: { value: ' .. want.fast .. ',', 1, true) and text:find('slow: { value: ' .. want.slow .. ',', 1, true)
  end, 'the code action to write fast=' .. want.fast .. ' slow=' .. want.slow)
  T.log('code actions offered: ' .. table.concat(offered, ' | '))
  T.contains(T.buf_lines(buf)[5], 'min: 5, max: 15, step: 5 }', 'the range left as it was')
end)
