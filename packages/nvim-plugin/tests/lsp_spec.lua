-- The user's path through the built-in LSP client against the real sidecar: open a faulty strategy,
-- see Volt's diagnostics, fix one through the code-action menu, save, read the code lens, hover.
local T = require('harness')

local function volt_diagnostics(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == 'volt' then
      table.insert(out, d)
    end
  end
  return out
end

local function codes(diags)
  local out = {}
  for _, d in ipairs(diags) do
    out[#out + 1] = tostring(d.code)
  end
  table.sort(out)
  return out
end

local function find_code(diags, code)
  for _, d in ipairs(diags) do
    if d.code == code then
      return d
    end
  end
end

local function text(buf)
  return table.concat(T.buf_lines(buf), '\n')
end

-- What the user sees over `defineStrategy`: the lens titles, drawn as virtual text (0.7–0.11) or
-- virtual lines (0.12+) in the client's code-lens namespace.
local function lens_virtual_text(buf, client_id)
  local ns = vim.api.nvim_get_namespaces()['nvim.lsp.codelens:' .. client_id]
  if not ns then
    local ok, legacy = pcall(function()
      return vim.lsp.codelens.__namespaces[client_id]
    end)
    ns = ok and legacy or nil
  end
  if not ns then
    return ''
  end
  local parts = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })) do
    for _, chunk in ipairs(mark[4].virt_text or {}) do
      table.insert(parts, chunk[1])
    end
    for _, line in ipairs(mark[4].virt_lines or {}) do
      for _, chunk in ipairs(line) do
        table.insert(parts, chunk[1])
      end
    end
  end
  return table.concat(parts, '')
end

T.run('lsp', function()
  local compat = require('volt.compat')
  local ws = T.workspace()
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))
  require('volt').setup({ keymaps = false })

  vim.cmd('edit strategies/faulty/hardcoded-threshold.strategy.ts')
  local buf = vim.api.nvim_get_current_buf()
  T.eq(vim.bo[buf].filetype, 'typescript', 'filetype of a strategy file')
  local client = T.wait(30000, function()
    local c = require('volt').client(buf)
    return c and c.initialized and vim.lsp.buf_is_attached(buf, c.id) and c
  end, 'the sidecar to start and attach')
  T.eq(client.name, 'volt', 'client name')
  T.eq(client.config.root_dir, ws, 'root found by volt.config.json')

  -- Diagnostics: the faulty example trips several VOLT1xx rules.
  local diags = T.wait(60000, function()
    local d = volt_diagnostics(buf)
    return find_code(d, 'VOLT105') and d
  end, 'VOLT105 (Math.random) among the diagnostics (seen: ' .. table.concat(codes(vim.diagnostic.get(buf)), ' ') .. ')')
  T.log('diagnostics: ' .. table.concat(codes(diags), ' '))
  T.ok(find_code(diags, 'VOLT101'), 'VOLT101 (no stop-loss) is reported')
  T.ok(find_code(diags, 'VOLT103'), 'VOLT103 (threshold literal) is reported')
  T.ok(find_code(diags, 'VOLT102'), 'VOLT102 (25% position) is reported')

  -- The line with VOLT105 (an error) also has two VOLT103 warnings: its sign is the error's, and
  -- the float lists the error first, each message led by its code.
  local random_line = find_code(diags, 'VOLT105').lnum
  local on_line = vim.diagnostic.get(buf, { lnum = random_line })
  T.ok(#on_line >= 3, 'three diagnostics on the Math.random() line')
  local signs = {}
  if compat.has('0.10') then
    for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(buf, -1, { random_line, 0 }, { random_line, -1 }, { details = true })) do
      if mark[4].sign_hl_group then
        table.insert(signs, { name = mark[4].sign_hl_group, priority = mark[4].priority })
      end
    end
  else
    for _, placed in ipairs(vim.fn.sign_getplaced(buf, { group = '*', lnum = random_line + 1 })[1].signs) do
      table.insert(signs, { name = placed.name, priority = placed.priority })
    end
  end
  table.sort(signs, function(a, b) return a.priority > b.priority end)
  T.ok(#signs >= 2 and signs[1].name:find('Error', 1, true) and signs[1].priority > signs[2].priority,
    'the error\'s sign outranks the warnings\' on its line: ' .. vim.inspect(signs))
  vim.api.nvim_win_set_cursor(0, { random_line + 1, 0 })
  local _, float_win = vim.diagnostic.open_float(buf, { scope = 'line' })
  T.ok(float_win, 'a diagnostic float for the line')
  local float_text = table.concat(T.buf_lines(vim.api.nvim_win_get_buf(float_win)), '\n')
  vim.api.nvim_win_close(float_win, true)
  T.log('float: ' .. float_text)
  local first_error, first_warning = float_text:find('VOLT105: ', 1, true), float_text:find('VOLT103: ', 1, true)
  T.ok(first_error and first_warning and first_error < first_warning, 'the float shows codes, the error first:\n' .. float_text)

  -- Code action, through the same menu a user gets (vim.ui.select is Neovim's extension point for
  -- it), asked from the start of the line: any column of a diagnostic's line offers its fix.
  local random = find_code(diags, 'VOLT105')
  T.ok(random.col > 0, 'VOLT105 does not start the line')
  vim.api.nvim_win_set_cursor(0, { random.lnum + 1, 0 })
  local offered = {}
  vim.ui.select = function(items, opts, on_choice)
    local chosen
    for _, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      table.insert(offered, title)
      if not chosen and title:find('random()', 1, true) and title:find('ctx', 1, true) then
        chosen = item
      end
    end
    on_choice(chosen)
  end
  vim.lsp.buf.code_action()
  local line_before = T.buf_lines(buf)[random.lnum + 1]
  T.contains(line_before, 'Math.random()', 'the VOLT105 line before the fix')
  T.wait(15000, function()
    return not T.buf_lines(buf)[random.lnum + 1]:find('Math.random()', 1, true)
  end, 'the code action to replace Math.random()')
  T.log('code actions offered: ' .. table.concat(offered, ' | '))
  T.contains(T.buf_lines(buf)[random.lnum + 1], 'ctx.random()', 'the fixed line')
  T.wait(30000, function()
    return not find_code(volt_diagnostics(buf), 'VOLT105')
  end, 'VOLT105 to clear after the fix')

  -- Code lens over defineStrategy: fetched on attach, filled in by the backtest that each save starts.
  local function lens_titles()
    local titles = {}
    for _, lens in ipairs(compat.codelens_get(buf)) do
      table.insert(titles, lens.command and lens.command.title or '?')
    end
    return table.concat(titles, ' | ')
  end
  local before = T.wait(15000, function()
    return lens_titles() ~= '' and lens_titles()
  end, 'a code lens after attach')
  T.log('lens before the first save: ' .. before)
  T.ok(not before:find('Sharpe', 1, true), 'no metrics before anything was backtested')

  vim.cmd('write')
  local first = T.wait(120000, function()
    local t = lens_titles()
    return t:find('Sharpe', 1, true) and t
  end, 'a code lens with the backtest metrics after save')
  T.log('lens after the first save: ' .. first)
  -- The run went to the examples' own, git-ignored vault, never into a copy of the sample vault.
  T.wait(15000, function()
    return #vim.fn.glob(ws .. '/my-vault/Performance/*.md', false, true) > 0
  end, 'the run exported to my-vault/ (examples/volt.config.json vault.path)')
  T.eq(vim.fn.isdirectory(ws .. '/vault'), 0, 'nothing written to vault/, the sample vault\'s folder')
  T.ok(not first:find('(', 1, true), 'the first run has no change to show')

  -- A second fix (VOLT102: clamp the 25% position to the cap) and a second save: the lens now shows
  -- the change since the previous run. No manual refresh here: the plugin's own refresh must do it.
  local cap = T.wait(30000, function()
    return find_code(volt_diagnostics(buf), 'VOLT102')
  end, 'VOLT102 still reported')
  vim.api.nvim_win_set_cursor(0, { cap.lnum + 1, #T.buf_lines(buf)[cap.lnum + 1] - 1 })
  offered = {}
  vim.ui.select = function(items, opts, on_choice)
    local chosen
    for _, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      table.insert(offered, title)
      chosen = chosen or (title:find('Clamp', 1, true) and item)
    end
    on_choice(chosen)
  end
  vim.lsp.buf.code_action()
  T.wait(15000, function()
    return not T.buf_lines(buf)[cap.lnum + 1]:find('0.25', 1, true)
  end, 'the clamp code action (offered: ' .. table.concat(offered, ' | ') .. ')')
  T.log('fixed line: ' .. T.buf_lines(buf)[cap.lnum + 1])
  vim.cmd('write')
  local second = T.wait(120000, function()
    local t = lens_titles()
    return t:find('Sharpe', 1, true) and t:find('(', 1, true) and t
  end, 'the code lens to refresh with the change since the last save (last seen: ' .. lens_titles() .. ')')
  T.log('lens after the second save: ' .. second)
  T.wait(5000, function()
    return lens_virtual_text(buf, client.id):find(second, 1, true)
  end, 'the refreshed code lens to be displayed as virtual text')

  -- Running the lens backtests now and shows the report, like :VoltBacktest.
  local lens = compat.codelens_get(buf)[1]
  vim.api.nvim_win_set_cursor(0, { lens.range.start.line + 1, 0 })
  vim.lsp.codelens.run()
  local float = require('volt.float')
  T.wait(120000, function()
    return float.last and float.last.kind == 'backtest'
  end, 'the report window from running the lens')
  T.contains(T.buf_lines(float.last.buf)[1], 'Backtest: Hard-coded RSI', 'report title')
  vim.cmd('normal q')
  T.eq(vim.api.nvim_get_current_buf(), buf, 'back in the strategy after closing the report')

  -- Hover over the indicator declaration `ind.rsi(14)`: what it is and how long it needs to warm up.
  local hover_line, hover_col
  for i, l in ipairs(T.buf_lines(buf)) do
    local col = l:find('ind.rsi(', 1, true)
    if col then
      hover_line, hover_col = i, col + #'ind.'
      break
    end
  end
  T.ok(hover_line, 'an ind.rsi( declaration in the buffer')
  vim.api.nvim_win_set_cursor(0, { hover_line, hover_col })
  vim.lsp.buf.hover()
  local hover_text = T.wait(15000, function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= '' then
        local t = text(vim.api.nvim_win_get_buf(win))
        if t ~= '' then
          return t
        end
      end
    end
  end, 'a hover window')
  T.contains(hover_text, 'RSI(14)', 'hover names the indicator')
  T.contains(hover_text, 'Ready after 15 bars', 'hover gives the warm-up')
  T.log('hover: ' .. hover_text)

  -- One client per root: a second strategy in the same workspace reuses it; another workspace gets its own.
  vim.cmd('edit strategies/rsi-mean-reversion.strategy.ts')
  local second = vim.api.nvim_get_current_buf()
  T.wait(15000, function()
    return vim.lsp.buf_is_attached(second, client.id)
  end, 'the second strategy to attach to the same client')
  T.eq(#compat.clients('volt'), 1, 'clients for one workspace')

  local other = T.workspace()
  vim.cmd('edit ' .. vim.fn.fnameescape(other .. '/strategies/rsi-mean-reversion.strategy.ts'))
  local third = vim.api.nvim_get_current_buf()
  local other_client = T.wait(30000, function()
    local c = require('volt').client(third)
    return c and c.initialized and c
  end, 'a client for the second workspace')
  T.ok(other_client.id ~= client.id, 'another root gets its own client')
  T.eq(other_client.config.root_dir, other, 'second root')
  T.eq(#compat.clients('volt'), 2, 'clients for two workspaces')
end)
