-- :VoltBacktest, :VoltAnalyze, :VoltJournal, :VoltAgentStatus against the real sidecar, read back
-- from the windows and lists a user would look at; then :checkhealth sees the journal they wrote.
local T = require('harness')

local function float_lines(kind, after)
  local float = require('volt.float')
  T.wait(120000, function()
    return float.last and float.last.kind == kind and float.last ~= after and vim.api.nvim_win_is_valid(float.last.win)
  end, 'the ' .. kind .. ' window')
  local lines = T.buf_lines(float.last.buf)
  T.log('--- ' .. kind .. ' window ---\n' .. table.concat(lines, '\n'))
  T.eq(vim.api.nvim_get_current_win(), float.last.win, kind .. ' window has the focus')
  return lines, float.last
end

local function closed_port()
  local tcp = vim.loop.new_tcp()
  tcp:bind('127.0.0.1', 0)
  local port = tcp:getsockname().port
  tcp:close()
  return port
end

T.run('commands', function()
  local ws = T.workspace()
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))
  local ollama = 'http://127.0.0.1:' .. closed_port()
  -- Before any strategy is open there is no sidecar: the user is told what to do.
  -- (an error message inside an Ex command makes vim.cmd raise, as it would abort a mapping)
  pcall(vim.cmd, 'VoltAgentStatus')
  T.contains(T.notes[#T.notes].msg, 'no sidecar is running; open a *.strategy.ts file first', 'no-sidecar error')
  T.eq(T.notes[#T.notes].level, vim.log.levels.ERROR, 'no-sidecar error level')

  -- The strategy opens before setup() runs, as with a plugin manager loading on FileType: setup()
  -- still attaches it. The vault option overrides the example's `vault: { path: 'my-vault' }`.
  vim.cmd('edit strategies/rsi-mean-reversion.strategy.ts')
  T.eq(#require('volt.compat').clients('volt'), 0, 'no sidecar before setup()')
  local vault = ws .. '/notes'
  require('volt').setup({ vault = vault, settings = { ollama = { host = ollama } } })
  local buf = vim.api.nvim_get_current_buf()
  local strategy_win = vim.api.nvim_get_current_win()
  T.wait(30000, function()
    local c = require('volt').client(buf)
    return c and c.initialized and vim.lsp.buf_is_attached(buf, c.id)
  end, 'the sidecar to start and attach')

  -- :VoltBacktest — headline metrics, an equity sparkline and the last trades; progress on the way.
  vim.cmd('VoltBacktest')
  local lines, shown = float_lines('backtest')
  local report = table.concat(lines, '\n')
  T.contains(lines[1], 'Backtest: ', 'title line')
  for _, label in ipairs({ 'Total return', 'Sharpe', 'Max drawdown', 'Win rate', 'Trades', 'Profit factor' }) do
    T.contains(report, label, 'headline metric')
  end
  T.ok(report:find('[▁▂▃▄▅▆▇█][▁▂▃▄▅▆▇█][▁▂▃▄▅▆▇█]'), 'an equity sparkline')
  T.ok(report:find('Last %d+ of %d+ trades') or report:find('No trades.', 1, true), 'the trade list')
  T.ok(require('volt.progress').last, 'the backtest reported $/progress')
  T.wait(10000, function()
    return require('volt').status(buf):find('volt: SYNTH 1h: return ', 1, true)
  end, 'the status line to show the run (it says ' .. require('volt').status(buf) .. ')')
  T.log('last progress line: ' .. require('volt.progress').last)
  vim.cmd('normal q')
  T.ok(not vim.api.nvim_win_is_valid(shown.win), 'q closes the report window')
  T.eq(vim.api.nvim_get_current_win(), strategy_win, 'focus back on the strategy')

  -- Showing is not running: :VoltBacktest of unchanged content on the same data shows the run
  -- already recorded, and the journal gets no identical second one.
  local function runs_recorded()
    local res = vim.lsp.buf_request_sync(buf, 'workspace/executeCommand', { command = 'volt.journal', arguments = { { strategy = vim.uri_from_bufnr(buf), limit = 50 } } }, 10000)
    for _, r in pairs(res or {}) do
      if r.result then
        return #r.result.runs
      end
    end
    return -1
  end
  local recorded_before = T.wait(10000, function()
    local n = runs_recorded()
    return n >= 1 and n or nil
  end, 'the first run in the journal')
  vim.cmd('VoltBacktest')
  lines, shown = float_lines('backtest', shown)
  vim.cmd('normal q')
  vim.wait(500)
  T.eq(runs_recorded(), recorded_before, 'a second :VoltBacktest of unchanged content records no new run')

  -- A symbol without data of its own is not a label on other candles: the report says it ran on
  -- the synthetic market, and why.
  vim.cmd('VoltBacktest SOL/USDT')
  lines, shown = float_lines('backtest', shown)
  T.contains(table.concat(lines, '\n'), 'synthetic data: no data for SOL/USDT', 'a symbol without data says it ran on the synthetic market')
  T.ok(not lines[1]:find('SOL/USDT', 1, true), 'the synthetic candles are not called SOL/USDT')
  vim.cmd('normal q')

  -- :VoltBacktest <Tab> offers the strategy's own symbols and those already backtested.
  T.eq(vim.fn.getcompletion('VoltBacktest ', 'cmdline'), { 'BTC/USDT', 'SOL/USDT' }, ':VoltBacktest <Tab>')
  T.eq(vim.fn.getcompletion('VoltBacktest s', 'cmdline'), { 'SOL/USDT' }, ':VoltBacktest s<Tab>')
  -- ... and those volt.config.json maps to data (read from the buffer's workspace, no sidecar needed).
  local mapped = vim.fn.tempname() .. '-volt-mapped'
  vim.fn.mkdir(mapped, 'p')
  vim.fn.writefile({ '{ "data": { "symbols": { "ETH/BTC": "data/eth-btc-1h.csv" } } }' }, mapped .. '/volt.config.json')
  local scratch = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(scratch, mapped .. '/other.strategy.ts')
  vim.api.nvim_buf_set_lines(scratch, 0, -1, false, { "export default defineStrategy({ name: 'x', symbols: ['ADA/USDT', \"XRP/USDT\"] });" })
  T.eq(require('volt.commands').complete_symbols('', scratch), { 'ADA/USDT', 'ETH/BTC', 'SOL/USDT', 'XRP/USDT' }, 'completion from config, buffer and earlier :VoltBacktest')
  vim.api.nvim_buf_delete(scratch, { force = true })

  -- :VoltAnalyze — findings in a window and in the location list.
  vim.cmd('VoltAnalyze')
  lines, shown = float_lines('analyze')
  T.contains(lines[1], 'Analysis: rsi-mean-reversion.strategy.ts', 'analysis title')
  T.contains(table.concat(lines, '\n'), 'Last backtest: ', 'last backtest line')
  T.ok(not table.concat(lines, '\n'):find('no backtest yet', 1, true), 'analysis knows the backtest that just ran')
  -- Ollama is down (a closed port): the window says the critique did not run, and why; the
  -- progress line of the critique ends without claiming it went well.
  T.contains(lines, 'LLM critique unavailable: ', 'the critique line')
  T.contains(lines, tostring(ollama:match(':(%d+)$')), 'the reason names the host that did not answer')
  T.contains(require('volt.progress').last, 'Volt critique ended', 'the critique progress ends neutrally')
  T.ok(not require('volt.progress').last:find('✓', 1, true), 'no ✓ after a critique that did not run')
  vim.cmd('normal q')
  T.eq(vim.fn.getloclist(strategy_win, { title = 1 }).title, 'Volt analysis', 'location list title')

  -- A save's critique (onSave.critique) is not asked for by a command: when it cannot run, the
  -- sidecar says so (volt/critiqueStatus; its sending is tested in the sidecar's editor-flow test)
  -- and Neovim tells it on one line; one that found something says how many points.
  local told = #T.notes
  require('volt.client').on_critique_status(nil, { uri = vim.uri_from_bufnr(buf), source = 'unavailable', model = 'qwen2.5-coder:7b',
    reason = 'Ollama is not reachable at ' .. ollama, at = os.time() * 1000, findings = 0 })
  T.wait(5000, function()
    return #T.notes > told
  end, 'the critique status on the command line')
  T.contains(T.notes[#T.notes].msg, 'LLM critique unavailable: Ollama is not reachable at', 'a save whose critique could not run says so')
  require('volt.client').on_critique_status(nil, { uri = vim.uri_from_bufnr(buf), source = 'llm', model = 'qwen2.5-coder:7b', at = os.time() * 1000, findings = 2 })
  T.wait(5000, function()
    return #T.notes > told + 1
  end, 'the second critique status')
  T.contains(T.notes[#T.notes].msg, 'LLM critique by qwen2.5-coder:7b at ', 'the model and the time')
  T.contains(T.notes[#T.notes].msg, ': 2 points', 'how many points it made')

  -- :VoltJournal — the runs just made, in a window and in the quickfix list.
  vim.cmd('VoltJournal')
  lines, shown = float_lines('journal')
  local journal = table.concat(lines, '\n')
  T.contains(journal, ws .. '/.volt/journal.db', 'journal path')
  T.ok(journal:find('run %S+%s+%d%d%d%d%-%d%d%-%d%d'), 'a run line')
  local qf = vim.fn.getqflist({ title = 1, items = 1 })
  T.eq(qf.title, 'Volt journal', 'quickfix title')
  T.ok(#qf.items >= 2, 'quickfix holds the two runs (got ' .. #qf.items .. ')')
  -- <CR> on a run opens its note in the vault.
  T.contains(journal, 'Vault: ' .. vault, 'vault line')
  local run_line
  for i, l in ipairs(lines) do
    if l:match('^%s+run ') then
      run_line = run_line or i
    end
  end
  vim.api.nvim_win_set_cursor(shown.win, { run_line, 0 })
  vim.cmd('normal \r')
  local note = vim.api.nvim_buf_get_name(0)
  T.log('<CR> opened ' .. note)
  T.ok(note:find(vault .. '/', 1, true) == 1 and note:match('%.md$'), '<CR> opens a note in the vault: ' .. note)
  T.ok(vim.fn.filereadable(note) == 1, 'the note exists on disk')
  T.contains(T.buf_lines(0), 'RSI mean reversion', 'the note is about the strategy')
  T.ok(not vim.api.nvim_win_is_valid(shown.win), 'the journal window closed')
  vim.cmd('buffer ' .. buf)
  vim.cmd('VoltJournal!')
  T.wait(30000, function()
    return vim.bo.buftype == 'quickfix'
  end, ':VoltJournal! to open the quickfix window')
  vim.cmd('cclose')
  vim.api.nvim_set_current_win(strategy_win)

  -- :VoltAgentStatus — the agents and an honest "LLM unavailable" when Ollama does not answer.
  vim.cmd('VoltAgentStatus')
  lines = float_lines('agents')
  T.contains(lines[1], 'LLM unavailable (' .. ollama .. ')', 'LLM line')
  T.ok(#lines >= 4, 'at least one agent row')
  T.ok(table.concat(lines, '\n'):find('rules'), 'rule-based agents listed')
  T.ok(table.concat(lines, '\n'):find('sessions: no paper or live sessions in the journal', 1, true), 'sessions listed under the agents')
  -- The journal's learning, from the sidecar: agents.mode is off here, so nothing yet, said so.
  T.ok(table.concat(lines, '\n'):find('track records: none yet', 1, true), 'track records from the journal')
  T.ok(table.concat(lines, '\n'):find('last evaluation: none in the journal', 1, true), 'no evaluation in the journal')
  vim.cmd('normal q')

  -- The default buffer-local keymaps reach the same commands.
  T.eq(vim.fn.maparg('<leader>vs', 'n', false, true).buffer, 1, '<leader>vs is buffer-local')
  local agents_before = require('volt.float').last
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<leader>vs', true, false, true), 'mx', false)
  lines = float_lines('agents', agents_before)
  T.contains(lines[1], 'LLM unavailable', '<leader>vs shows the agent status')
  vim.cmd('normal q')

  -- A strategy that throws: the error reaches the user through vim.notify, naming the file.
  vim.fn.writefile({
    "import { defineStrategy } from '@volt/engine';",
    'export default defineStrategy({',
    "  name: 'Throws', timeframe: '1h', symbols: ['ETH/BTC'],",
    '  risk: { stopLoss: 0.02 },',
    "  onBar(ctx) { if (ctx.index > 5) throw new Error('boom at bar ' + ctx.index); },",
    '});',
  }, ws .. '/strategies/throws.strategy.ts')
  vim.cmd('edit strategies/throws.strategy.ts')
  T.wait(30000, function()
    return vim.lsp.buf_is_attached(0, require('volt').client(0).id)
  end, 'the throwing strategy to attach')
  local before = #T.notes
  vim.cmd('VoltBacktest')
  local note = T.wait(60000, function()
    for i = before + 1, #T.notes do
      if T.notes[i].level == vim.log.levels.ERROR then
        return T.notes[i].msg
      end
    end
  end, 'an error notification for the throwing strategy')
  T.contains(note, 'throws.strategy.ts:5:', 'the error names the file and line')
  T.contains(note, 'boom', 'the error carries the strategy\'s message')
  -- The server also announces the failed run (volt/backtestStatus); the user is told once.
  vim.wait(500)
  local errors = 0
  for i = before + 1, #T.notes do
    errors = errors + (T.notes[i].level == vim.log.levels.ERROR and 1 or 0)
  end
  T.eq(errors, 1, 'error notifications for one failed backtest')

  -- A file: URI in the sidecar's answer reaches the user as a path.
  before = #T.notes
  require('volt.client').execute(0, 'volt.analyze', { { uri = vim.uri_from_fname(ws .. '/strategies/gone.strategy.ts') } }, function() end)
  local gone = T.wait(15000, function()
    return #T.notes > before and T.notes[#T.notes].msg
  end, 'the error for a file that does not exist')
  T.contains(gone, 'strategies/gone.strategy.ts', 'the error names the file')
  T.ok(not gone:find('file:', 1, true), 'no file: URI in what the user is told: ' .. gone)

  -- :checkhealth now finds the journal the backtests wrote.
  vim.cmd('buffer ' .. buf)
  vim.cmd('checkhealth volt')
  local health = table.concat(T.buf_lines(0), '\n')
  T.log(health)
  T.ok(health:find('OK[^\n]*journal at ' .. vim.pesc(ws) .. '/%.volt/journal%.db %(SQLite'), 'health finds the SQLite journal')
end)
