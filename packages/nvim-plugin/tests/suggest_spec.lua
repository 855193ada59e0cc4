-- :VoltSuggest against the real sidecar: the float says what was offered and what refused, the
-- VOLT207 hint lands on the param's line, and its code action writes the value into the buffer.
local T = require('harness')

-- Long for five bars at a time when `bias` is 1, no trades at 0 (the sidecar's own suggest test).
local STRATEGY = [[
import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'bias',
  params: {
    bias: { value: 0, min: 0, max: 1, step: 1 },
  },
  onBar(ctx) {
    if (ctx.params.bias < 1) return;
    if (ctx.position.side === 0) ctx.buy({ confidence: 0.6, reason: 'bias' });
    else if (ctx.position.barsHeld >= 5) ctx.exit({ reason: 'five bars' });
  },
});
]]
local PARAM_LINE = 5 -- 1-based: `    bias: { value: 0, ... }`

-- 600 hourly bars drifting 0.3% a bar, up until bar `turn` and down after, with ±0.1% wiggle:
-- rising all along, bias 1 holds out of sample; turning half way, it fits only in sample.
local function csv(turn)
  local rows = { 'time,open,high,low,close,volume' }
  local price = 100
  for i = 0, 599 do
    local open = price
    price = price * (1 + (i < turn and 0.003 or -0.003) + (i % 2 == 0 and 0.001 or -0.001))
    table.insert(rows, string.format('%s,%.10f,%.10f,%.10f,%.10f,1', os.date('!%Y-%m-%dT%H:%M:%SZ', 1704067200 + i * 3600), open,
      math.max(open, price) * 1.0005, math.min(open, price) * 0.9995, price))
  end
  return rows
end

T.run('suggest', function()
  local ws = T.workspace()
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))
  vim.fn.writefile(csv(600), ws .. '/up.csv')
  vim.fn.writefile(csv(300), ws .. '/turn.csv')
  local file = ws .. '/strategies/bias.strategy.ts'
  vim.fn.writefile(vim.split(STRATEGY, '\n', { plain = true }), file)
  require('volt').setup({ settings = { onSave = { backtest = false, critique = false } } })
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  T.wait(30000, function()
    local c = require('volt').client(buf)
    return c and c.initialized and vim.lsp.buf_is_attached(buf, c.id)
  end, 'the sidecar to start and attach')
  T.eq(T.buf_lines(buf)[PARAM_LINE], '    bias: { value: 0, min: 0, max: 1, step: 1 },', 'the param line before')

  -- A word that is not key=value is refused on one line, before anything runs.
  local told = #T.notes
  pcall(vim.cmd, 'VoltSuggest folds=three')
  T.contains(T.notes[told + 1].msg, "volt: :VoltSuggest folds expects a number, got 'three'", 'bad argument')

  local suggest = require('volt.suggest')
  local float = require('volt.float')
  local function hints()
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == 'VOLT207' then
        table.insert(out, d)
      end
    end
    return out
  end

  -- A change that only fits in sample: refused, said so, and no hint.
  suggest.last_result = nil
  vim.cmd('VoltSuggest data=' .. ws .. '/turn.csv')
  T.wait(120000, function()
    return suggest.last_result ~= nil and float.last and float.last.kind == 'suggest'
  end, 'the refused suggestion')
  local refused = table.concat(T.buf_lines(float.last.buf), '\n')
  T.log('--- refused ---\n' .. refused)
  T.contains(refused, 'Refused (1): not offered, no hint', 'the refused heading')
  T.contains(refused, '  refused  bias 0 → 1\n    bias 0 → 1 not offered: ', 'the refused change')
  T.eq(suggest.summary(suggest.last_result, 'bias.strategy.ts'), 'volt: bias.strategy.ts: no suggestion, 1 refused', 'the command-line summary')
  T.contains(refused, 'fits only in sample', 'why it was refused')
  T.ok(not refused:find('Offered', 1, true), 'nothing offered')
  T.eq(#hints(), 0, 'no VOLT207 hint for a refused change')
  vim.cmd('normal q')

  -- Rising all along: offered, a hint on the param's line, and its code action writes the value.
  suggest.last_result = nil
  vim.cmd('VoltSuggest folds=3 data=' .. ws .. '/up.csv')
  T.wait(120000, function()
    return suggest.last_result ~= nil and float.last and float.last.kind == 'suggest'
  end, 'the offered suggestion')
  local offered = table.concat(T.buf_lines(float.last.buf), '\n')
  T.log('--- offered ---\n' .. offered)
  T.contains(offered, 'Suggestions: bias.strategy.ts', 'title')
  T.contains(offered, 'up.csv · 600 bars', 'the data')
  T.contains(offered, 'Offered (1): held out of sample', 'the offered heading')
  T.ok(offered:find('  offered  bias 0 → 1\n    1 did better out of sample: Sharpe 0%.00 → %d+%.%d%d over 3 folds, %d+ trades'), 'the offered change')
  T.eq(suggest.summary(suggest.last_result, 'bias.strategy.ts'), "volt: bias.strategy.ts: 1 offered (bias 0 → 1), 0 refused; the code action on the param's line writes it", 'the command-line summary')
  vim.cmd('normal q')

  T.wait(15000, function()
    return #hints() == 1
  end, 'the VOLT207 hint')
  local hint = hints()[1]
  T.eq(hint.lnum, PARAM_LINE - 1, "the hint on the param's line")
  T.eq(hint.severity, vim.diagnostic.severity.HINT, 'a hint')

  vim.api.nvim_win_set_cursor(0, { PARAM_LINE, 6 })
  local titles = {}
  vim.ui.select = function(items, opts, on_choice)
    local chosen
    for _, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      table.insert(titles, title)
      if title:find(require('volt.protocol').suggest.apply_title .. ' bias to 1', 1, true) then
        chosen = item
      end
    end
    on_choice(chosen)
  end
  vim.lsp.buf.code_action()
  T.wait(15000, function()
    return T.buf_lines(buf)[PARAM_LINE] == '    bias: { value: 1, min: 0, max: 1, step: 1 },'
  end, 'the code action to write bias 1 on its line')
  T.log('code actions offered: ' .. table.concat(titles, ' | '))
  T.ok(titles[1] and titles[1]:find('^Volt: set bias to 1 %(was 0; out%-of%-sample Sharpe 0%.00 → '), 'the action says what it sets and why: ' .. tostring(titles[1]))
  -- Only that value: every other line is as it was.
  local after = T.buf_lines(buf)
  local before = vim.split(STRATEGY, '\n', { plain = true })
  for i, line in ipairs(before) do
    if i ~= PARAM_LINE then
      T.eq(after[i], line, 'line ' .. i .. ' unchanged')
    end
  end
end)
