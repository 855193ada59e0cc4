-- A sidecar that exits unasked (an `exit` without `shutdown`, as after unreadable input: code 1;
-- or killed) is started again with the buffer re-attached, told on one short line each time,
-- until the cap; then one line says it keeps exiting and nothing more is started.
local T = require('harness')

T.run('restart', function()
  local compat = require('volt.compat')
  local ws = T.workspace()
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))
  -- Short delays keep the test quick; the doubling and the cap are the plugin's own.
  require('volt').setup({ keymaps = false, restart = { max = 3, window_ms = 180000, delay_ms = 100 } })
  vim.cmd('edit strategies/faulty/hardcoded-threshold.strategy.ts')
  local buf = vim.api.nvim_get_current_buf()

  local function ready_client(previous)
    return T.wait(60000, function()
      local c = require('volt').client(buf)
      return c and c.id ~= previous and c.initialized and vim.lsp.buf_is_attached(buf, c.id) and c
    end, 'a sidecar attached to the buffer (not client ' .. tostring(previous) .. ')')
  end
  local function volt_diagnostics()
    local n = 0
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.source == 'volt' then
        n = n + 1
      end
    end
    return n
  end
  local function notes_matching(pattern)
    local out = {}
    for _, note in ipairs(T.notes) do
      if tostring(note.msg):find(pattern) then
        table.insert(out, note)
      end
    end
    return out
  end

  local first = ready_client(nil)
  T.wait(60000, function() return volt_diagnostics() > 0 end, 'diagnostics from the first sidecar')

  -- 1: exit without shutdown, the way the sidecar ends when it can no longer read its input.
  compat.notify(first, 'exit', vim.NIL)
  local second = ready_client(first.id)
  T.wait(60000, function() return volt_diagnostics() > 0 end, 'diagnostics again from the restarted sidecar')
  local told = T.wait(5000, function()
    return notes_matching('^volt: the sidecar exited')[1]
  end, 'the restart to be told')
  T.eq(told.msg, 'volt: the sidecar exited (code 1); restarted (1/3)', 'the restart line')
  T.ok(not told.msg:find('\n') and #told.msg < vim.o.columns, 'one line that fits the command line (no hit-enter prompt)')

  -- 2 and 3: killed; each restart waits twice as long as the one before.
  local previous = second
  for n = 2, 3 do
    compat.uv.kill(previous.rpc.pid, 'sigkill')
    previous = ready_client(previous.id)
    T.wait(5000, function()
      return notes_matching('restarted %(' .. n .. '/3%)')[1]
    end, 'restart ' .. n .. ' told')
  end
  T.eq(notes_matching('^volt: the sidecar exited %(signal 9%); restarted %(3/3%)$')[1] ~= nil, true, 'a kill is named by its signal')

  -- 4: past the cap, no fourth restart.
  compat.uv.kill(previous.rpc.pid, 'sigkill')
  local gave_up = T.wait(10000, function()
    return notes_matching('keeps exiting')[1]
  end, 'the give-up line')
  T.eq(gave_up.msg, 'volt: the sidecar keeps exiting (signal 9); see :LspLog, :e to retry', 'the give-up line')
  T.ok(#gave_up.msg < vim.o.columns, 'the give-up line fits the command line')
  vim.wait(1500, function() return false end, 50)
  T.eq(#compat.clients('volt'), 0, 'volt clients after the cap')
  T.eq(#notes_matching('^volt: the sidecar exited'), 3, 'restart lines')

  -- Reopening the file by hand starts it afresh.
  vim.cmd('edit!')
  ready_client(previous.id)
end)
