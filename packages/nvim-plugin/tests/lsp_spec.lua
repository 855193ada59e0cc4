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

-- What the user sees over `defineStrategy`: the lens titles, as virtual text.
local function lens_virtual_text(buf, client_id)
  local ok, ns = pcall(function()
    return vim.lsp.codelens.__namespaces[client_id]
  end)
  if not ok or not ns then
    return ''
  end
  local parts = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })) do
    for _, chunk in ipairs(mark[4].virt_text or {}) do
      table.insert(parts, chunk[1])
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
  end, 'VOLT105 (Math.random) among the diagnostics')
  T.log('diagnostics: ' .. table.concat(codes(diags), ' '))
  T.ok(find_code(diags, 'VOLT101'), 'VOLT101 (no stop-loss) is reported')
  T.ok(find_code(diags, 'VOLT103'), 'VOLT103 (threshold literal) is reported')
  T.ok(find_code(diags, 'VOLT102'), 'VOLT102 (25% position) is reported')

  -- Code action, through the same menu a user gets (vim.ui.select is Neovim's extension point for it).
  local random = find_code(diags, 'VOLT105')
  vim.api.nvim_win_set_cursor(0, { random.lnum + 1, random.col })
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
  T.wait(15000, function()
    return text(buf):find('ctx.random()', 1, true)
  end, 'the code action to replace Math.random() (offered: ' .. table.concat(offered, ' | ') .. ')')
  T.log('code actions offered: ' .. table.concat(offered, ' | '))
  T.ok(not text(buf):find('Math.random', 1, true), 'Math.random() is gone from the buffer')
  T.wait(30000, function()
    return not find_code(volt_diagnostics(buf), 'VOLT105')
  end, 'VOLT105 to clear after the fix')

  -- Save: the sidecar backtests on save; the lens over defineStrategy shows the run's headline numbers.
  vim.cmd('write')
  local lens_title
  local last_refresh = 0
  T.wait(120000, function()
    local now = compat.uv.now()
    if now - last_refresh > 1000 then
      last_refresh = now
      compat.codelens_refresh(buf)
    end
    for _, lens in ipairs(compat.codelens_get(buf)) do
      local title = lens.command and lens.command.title
      if title and title:find('Sharpe', 1, true) then
        lens_title = title
        return true
      end
    end
  end, 'a code lens with the backtest metrics after save')
  T.log('code lens: ' .. lens_title)
  T.wait(5000, function()
    return lens_virtual_text(buf, client.id):find('Sharpe', 1, true)
  end, 'the code lens to be displayed as virtual text')

  -- Hover over the indicator declaration shows documentation from the sidecar.
  local lines = T.buf_lines(buf)
  local hover_line, hover_col
  for i, l in ipairs(lines) do
    local col = l:find('defineStrategy(', 1, true)
    if col and not l:find('import', 1, true) then
      hover_line, hover_col = i, col
      break
    end
  end
  T.ok(hover_line, 'defineStrategy( call in the buffer')
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
