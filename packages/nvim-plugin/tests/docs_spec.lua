-- doc/volt.txt is valid :help: :helptags accepts it (no duplicate tags) and every command, option
-- and section it promises can be jumped to.
local T = require('harness')

T.run('docs', function()
  local dir = vim.fn.tempname() .. '-volt-doc'
  vim.fn.mkdir(dir .. '/doc', 'p')
  vim.fn.writefile(vim.fn.readfile(T.plugin_root .. '/doc/volt.txt'), dir .. '/doc/volt.txt')
  vim.cmd('helptags ' .. vim.fn.fnameescape(dir .. '/doc'))
  vim.opt.runtimepath:append(dir)
  for _, tag in ipairs({ 'volt.txt', 'volt', 'volt-setup', ':VoltAnalyze', ':VoltBacktest', ':VoltJournal',
    ':VoltAgentStatus', 'volt-health', 'volt-keymaps', 'volt-option-settings', 'volt-codelens' }) do
    local ok, err = pcall(vim.cmd, 'help ' .. tag)
    T.ok(ok, ':help ' .. tag .. ' works: ' .. tostring(err))
    T.contains(vim.fn.expand('%:t'), 'volt.txt', ':help ' .. tag .. ' opens volt.txt')
    vim.cmd('helpclose')
  end
  vim.o.tags = dir .. '/doc/tags,' .. vim.env.VIMRUNTIME .. '/doc/tags'
  -- Every |link| in the file points at a tag that exists (ours or Neovim's).
  for link in table.concat(vim.fn.readfile(dir .. '/doc/volt.txt'), '\n'):gmatch('|([^| \t]+)|') do
    T.ok(#vim.fn.taglist('^' .. vim.fn.escape(link, '\\.^$~[]*') .. '$') > 0, 'help link |' .. link .. '| resolves')
  end
  -- Every command the plugin defines is documented.
  for name in pairs(vim.api.nvim_get_commands({})) do
    if name:match('^Volt') then
      T.ok(#vim.fn.taglist('^:' .. name .. '$') > 0, ':' .. name .. ' has a help tag')
    end
  end
end)
