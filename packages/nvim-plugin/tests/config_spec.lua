-- volt.config.json in Neovim: its unknown keys are diagnostics at their line, with the closest
-- known key, on open and as the buffer is edited.
local T = require('harness')

T.run('config', function()
  local ws = T.workspace()
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))
  require('volt').setup({ keymaps = false })
  vim.cmd('edit volt.config.json')
  local buf = vim.api.nvim_get_current_buf()
  -- A misnamed key on the line after the opening brace.
  vim.api.nvim_buf_set_lines(buf, 1, 1, false, { '  "colour": "blue",' })
  local function volt_diagnostics()
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.source == 'volt' then
        table.insert(out, d)
      end
    end
    return out
  end
  local d = T.wait(60000, function()
    local all = volt_diagnostics()
    return #all > 0 and all[1]
  end, 'a diagnostic on volt.config.json')
  T.eq(d.lnum, 1, 'the line of the unknown key (0-based)')
  T.eq(d.severity, vim.diagnostic.severity.WARN, 'an unknown key is a warning')
  T.contains(d.message, "unknown section 'colour', ignored", 'the message')

  -- Fixed in the buffer: the diagnostic goes, before any save.
  vim.api.nvim_buf_set_lines(buf, 1, 2, false, {})
  T.wait(30000, function()
    return #volt_diagnostics() == 0
  end, 'the diagnostic to clear')
end)
