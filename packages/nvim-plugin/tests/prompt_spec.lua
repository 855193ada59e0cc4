-- Neovim never stops at "Press ENTER" for Volt: a second Neovim, with a UI of 80 columns attached
-- (as a terminal would be), is driven the way a user types while this one watches its mode. A
-- headless Neovim has no screen, so it never prompts; only an attached UI shows what a user gets.
-- While the child waits at a prompt only "fast" requests (nvim_get_mode) are answered, so this side
-- asks nothing else until it knows the child is not blocked.
local T = require('harness')
local uv = vim.loop

local COLUMNS, ROWS = 80, 24

-- vim.wait would have this Neovim handle the child's redraw notifications; sleeping does not.
local function poll(timeout_ms, fn, what)
  local deadline = uv.hrtime() + timeout_ms * 1e6
  while uv.hrtime() < deadline do
    local value = fn()
    if value then
      return value
    end
    uv.sleep(50)
  end
  T.fail('timed out after ' .. timeout_ms .. ' ms waiting for ' .. what)
end

T.run('prompt', function()
  local ws = T.workspace()
  vim.fn.writefile({
    "import { defineStrategy } from '@volt/engine';",
    'export default defineStrategy({',
    "  name: 'Throws', timeframe: '1h', symbols: ['ETH/BTC'],",
    '  risk: { stopLoss: 0.02 },',
    '  onBar(ctx) {',
    "    if (ctx.index > 5) throw new Error('a long explanation of what went wrong in this strategy at bar ' + ctx.index);",
    '  },',
    '});',
  }, ws .. '/strategies/throws.strategy.ts')
  local notes_file = vim.fn.tempname()

  local stderr = {}
  local child = vim.fn.jobstart({ 'nvim', '--embed', '-u', T.plugin_root .. '/tests/minimal_init.lua' }, {
    rpc = true,
    cwd = T.plugin_root,
    on_stderr = function(_, data)
      vim.list_extend(stderr, data)
    end,
  })
  T.ok(child > 0, 'start a second Neovim with --embed')
  local function stop()
    pcall(vim.fn.jobstop, child)
  end
  local ok, err = pcall(function()
    vim.fn.rpcrequest(child, 'nvim_ui_attach', COLUMNS, ROWS, { ext_linegrid = true })
    -- Every vim.notify in the child is also written to a file, one line per message, \n escaped.
    vim.fn.rpcrequest(child, 'nvim_exec_lua', [[
      local file, ws = ...
      local notify = vim.notify
      vim.notify = function(msg, level, opts)
        local f = io.open(file, 'a')
        f:write(tostring(level) .. '\t' .. tostring(msg):gsub('\n', '\\n') .. '\n')
        f:close()
        return notify(msg, level, opts)
      end
      vim.cmd('cd ' .. vim.fn.fnameescape(ws))
    ]], { notes_file, ws })

    local function notes()
      if vim.fn.filereadable(notes_file) == 0 then
        return {}
      end
      return vim.fn.readfile(notes_file)
    end

    local function mode()
      return vim.fn.rpcrequest(child, 'nvim_get_mode')
    end

    -- After what the user typed has been answered with `count` messages, and a little longer for
    -- any that trail it, the child must be back in Normal mode, not waiting for ENTER.
    local function expect_no_prompt(count, what)
      poll(60000, function()
        return #notes() >= count or mode().blocking
      end, what)
      uv.sleep(700)
      local m = mode()
      if m.blocking or m.mode ~= 'n' then
        T.fail(string.format('%s: Neovim waits at a prompt (mode %s) after:\n%s', what, m.mode, table.concat(notes(), '\n')))
      end
    end

    -- No sidecar yet: the error says what to do, on one line.
    vim.fn.rpcrequest(child, 'nvim_input', ':VoltAgentStatus<CR>')
    expect_no_prompt(1, ':VoltAgentStatus without a sidecar')

    vim.fn.rpcrequest(child, 'nvim_exec_lua', [[
      require('volt').setup({})
      vim.cmd('edit strategies/throws.strategy.ts')
    ]], {})
    poll(30000, function()
      return vim.fn.rpcrequest(child, 'nvim_exec_lua', [[
        local c = require('volt').client(0)
        return c ~= nil and c.initialized == true
      ]], {})
    end, 'the sidecar to attach in the child')

    -- A save whose backtest throws: told in the background.
    local before = #notes()
    vim.fn.rpcrequest(child, 'nvim_input', ':write<CR>')
    expect_no_prompt(before + 1, 'a save whose backtest fails')

    -- The same failure asked for by command.
    before = #notes()
    vim.fn.rpcrequest(child, 'nvim_input', ':VoltBacktest<CR>')
    expect_no_prompt(before + 1, ':VoltBacktest of a strategy that throws')

    -- A progress line and a failure read from one chunk of the sidecar's output land in one tick:
    -- the second replaces the first instead of stacking two lines into a prompt.
    before = #notes()
    vim.fn.rpcrequest(child, 'nvim_exec_lua', [[
      local message = require('volt.message')
      vim.defer_fn(function()
        vim.schedule(function() message.echo('volt: Volt backtest — throws.strategy.ts (40%)') end)
        vim.schedule(function() message.notify('volt: throws.strategy.ts:6:5: threw at bar 6', vim.log.levels.ERROR) end)
      end, 50)
    ]], {})
    expect_no_prompt(before + 1, 'a progress line and a failure in one tick')

    local echospace = vim.fn.rpcrequest(child, 'nvim_get_vvar', 'echospace')
    for _, line in ipairs(notes()) do
      local msg = line:gsub('^%d+\t', '')
      T.log('told: ' .. msg)
      T.ok(not msg:find('\\n', 1, true), 'one line: ' .. msg)
      T.ok(vim.fn.strdisplaywidth(msg) <= echospace, string.format('fits the %d columns left on the command line: %s', echospace, msg))
    end
    -- The failure names the file and the line that threw.
    T.contains(notes(), 'throws.strategy.ts:6', 'the failure names file and line')
  end)
  stop()
  if not ok then
    if #stderr > 0 then
      io.stderr:write('--- the child Neovim\'s stderr ---\n' .. table.concat(stderr, '\n') .. '\n')
    end
    error(err, 0)
  end
end)
