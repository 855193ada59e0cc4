-- :VoltDraft {idea} against the real sidecar, whose synthesizer asks a loopback Ollama (the
-- engine's FakeOllama, spoken to by the real `ollama` client) that answers, in turn, a type error,
-- I/O, lookahead and a good strategy: the progress names each refusal, and only the fourth is
-- written and opened, with its report in a split beside it.
local T = require('harness')

-- The scripted Ollama in a node process; returns its URL.
local function start_ollama()
  local port
  local dist = T.repo_root .. '/packages/engine/dist'
  local script = string.format([[
    const { FakeOllama } = await import(%q);
    const { SCRIPTED_DRAFTS } = await import(%q);
    const server = await FakeOllama.start({ models: ['qwen2.5-coder:7b'], reply: (_c, i) => ({ content: JSON.stringify(SCRIPTED_DRAFTS[Math.min(i, 3)]) }) });
    console.log('port=' + server.port);
  ]], dist .. '/llm/testing/fake-ollama.js', dist .. '/synth/testing/drafts.js')
  vim.fn.jobstart({ 'node', '--input-type=module', '-e', script }, {
    on_stdout = function(_, data)
      for _, l in ipairs(data) do
        port = port or l:match('port=(%d+)')
      end
    end,
    on_stderr = function(_, data)
      T.log(table.concat(data, '\n'))
    end,
  })
  T.wait(15000, function() return port end, 'the loopback Ollama to listen')
  return 'http://127.0.0.1:' .. port
end

T.run('draft', function()
  local ws = T.workspace()
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))
  local ollama = start_ollama()
  require('volt').setup({ settings = { data = { default = 'synthetic:4:3000:1h' }, ollama = { host = ollama }, onSave = { backtest = false } } })
  vim.cmd('edit strategies/rsi-mean-reversion.strategy.ts')
  local buf = vim.api.nvim_get_current_buf()
  T.wait(30000, function()
    local c = require('volt').client(buf)
    return c and c.initialized and vim.lsp.buf_is_attached(buf, c.id)
  end, 'the sidecar to start and attach')

  vim.cmd('VoltDraft ride the trend with two EMAs')
  local draft = require('volt.draft')
  T.wait(120000, function() return draft.last end, 'the draft to come back')
  T.log('progress:\n' .. table.concat(draft.progress, '\n'))
  T.eq(draft.last.status, 'proven', 'status')
  T.eq(#draft.progress, 8, 'a line as each of the four attempts starts and ends')
  T.contains(draft.progress[2], "attempt 1 of 4: refused at type check and lint: line 11:11: error TS2322", 'the type error')
  T.contains(draft.progress[4], 'attempt 2 of 4: refused at type check and lint: line 11:', 'the I/O')
  T.contains(draft.progress[4], 'error VOLT106: fetch()', 'the I/O')
  T.contains(draft.progress[6], 'error VOLT104', 'the lookahead')
  T.contains(draft.progress[8], 'attempt 4 of 4: proven, out-of-sample holds', 'the good one')

  -- The draft opens in the window, its report in a split beside it.
  local file = ws .. '/strategies/drafts/ema-trend-rider.strategy.ts'
  T.wait(10000, function() return vim.api.nvim_buf_get_name(0) == file end, 'the draft to open (current buffer: ' .. vim.api.nvim_buf_get_name(0) .. ')')
  T.contains(T.buf_lines(0)[1], '// Drafted by qwen2.5-coder:7b through `volt synth` from the idea:', 'the header')
  local report
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    local name = vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(win))
    if name:sub(-#'.volt/drafts/ema-trend-rider.report.md') == '.volt/drafts/ema-trend-rider.report.md' then
      report = vim.api.nvim_win_get_buf(win)
    end
  end
  T.ok(report, 'the report is in a window beside the draft')
  T.contains(T.buf_lines(report), '## Attempt 2: refused at type check and lint', 'the report names the refusals')
  T.contains(T.notes[#T.notes].msg, 'volt: drafted EMA trend rider (tier COLD)', 'the user is told')
  -- Only the fourth answer was written.
  T.eq(vim.fn.readdir(ws .. '/strategies/drafts'), { 'ema-trend-rider.strategy.ts' }, 'the drafts folder')
  -- The draft is a strategy like any other: the sidecar attaches to it.
  T.wait(30000, function()
    local c = require('volt').client(0)
    return c and vim.lsp.buf_is_attached(0, c.id)
  end, 'the sidecar to attach to the draft')
end)
