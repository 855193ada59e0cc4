-- doc/volt.txt is valid :help: :helptags accepts it (no duplicate tags) and every command, option
-- and section it promises can be jumped to.
local T = require('harness')

-- A copy of the plugin as a user gets it (no doc/tags): loading it is enough for :help volt.
local function fresh_install()
  local dir = vim.fn.tempname() .. '-volt-plugin'
  vim.fn.mkdir(dir, 'p')
  local out = vim.fn.system({ 'cp', '-R', T.plugin_root .. '/lua', T.plugin_root .. '/plugin', T.plugin_root .. '/doc', dir })
  T.ok(vim.v.shell_error == 0, 'copy the plugin: ' .. out)
  vim.fn.delete(dir .. '/doc/tags')
  T.ok(vim.fn.filereadable(dir .. '/doc/tags') == 0, 'the copy starts without doc/tags')
  return dir
end

T.run('docs', function()
  -- The test Neovim keeps every folder of the default runtimepath that is not the user's: the
  -- runtime, and the parsers a distribution installs beside it (0.10+ opens :help with vimdoc's).
  local default = vim.fn.system({ 'nvim', '--headless', '-u', 'NONE', '-i', 'NONE', '--cmd', 'lua io.stdout:write(vim.o.runtimepath)', '-c', 'qa!' })
  T.ok(vim.v.shell_error == 0, 'read the default runtimepath: ' .. default)
  local ours = vim.opt.runtimepath:get()
  local beside = 0
  for _, dir in ipairs(vim.split(default, ',', { plain = true })) do
    if not require('runtimepath').users(dir) then
      T.ok(vim.tbl_contains(ours, dir), 'the test runtimepath keeps ' .. dir .. ': ' .. vim.o.runtimepath)
      beside = beside + (dir ~= vim.env.VIMRUNTIME and 1 or 0)
    end
  end
  T.log('default folders kept besides $VIMRUNTIME: ' .. beside)
  for _, parser in ipairs({ 'vimdoc', 'lua', 'vim' }) do
    local found = #vim.api.nvim_get_runtime_file('parser/' .. parser .. '.*', true)
    T.log('parser/' .. parser .. ': ' .. found)
  end

  -- Only the fresh copy and Neovim's runtime on the runtimepath, as after a plugin manager's clone.
  local install = fresh_install()
  local rtp = vim.o.runtimepath
  vim.opt.runtimepath = { install, vim.env.VIMRUNTIME }
  vim.g.loaded_volt = nil
  vim.cmd('runtime plugin/volt.lua')
  T.ok(vim.fn.filereadable(install .. '/doc/tags') == 1, 'loading the plugin wrote doc/tags')
  local ok, err = pcall(vim.cmd, 'help volt-messages')
  T.ok(ok, ':help volt-messages works without running :helptags: ' .. tostring(err))
  T.eq(vim.fn.expand('%:p'), install .. '/doc/volt.txt', ':help opens the installed copy')
  vim.cmd('helpclose')
  vim.o.runtimepath = rtp

  local dir = vim.fn.tempname() .. '-volt-doc'
  vim.fn.mkdir(dir .. '/doc', 'p')
  vim.fn.writefile(vim.fn.readfile(T.plugin_root .. '/doc/volt.txt'), dir .. '/doc/volt.txt')
  vim.cmd('helptags ' .. vim.fn.fnameescape(dir .. '/doc'))
  vim.opt.runtimepath:append(dir)
  for _, tag in ipairs({ 'volt.txt', 'volt', 'volt-setup', ':VoltAnalyze', ':VoltBacktest', ':VoltJournal',
    ':VoltAgentStatus', ':VoltSuggest', 'volt-health', 'volt-keymaps', 'volt-option-settings', 'volt-codelens', 'volt-messages', 'volt-diagnostics' }) do
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
