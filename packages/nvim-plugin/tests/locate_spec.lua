-- Finding an installed Volt before a checkout, and saying which one and its version: the lookup
-- order of lua/volt/locate.lua against real files on disk (PATH, a global prefix under a throwaway
-- HOME, the repository beside the plugin), :checkhealth volt's report of the sidecar's version and
-- of the TypeScript side of completion, and the one-line warning when a started sidecar is of
-- another version than the plugin. The sidecar is the real, built one.
local T = require('harness')
local locate = require('volt.locate')
local config = require('volt.config')

local sidecar = T.repo_root .. '/packages/lsp-server/bin/volt-lsp.js'
local node_dir = vim.fn.fnamemodify(vim.fn.exepath('node'), ':h')

local function checkhealth()
  local tabs = #vim.api.nvim_list_tabpages()
  local before = vim.api.nvim_get_current_buf()
  vim.cmd('checkhealth volt')
  local report = vim.api.nvim_get_current_buf()
  local lines = T.buf_lines(report)
  if #vim.api.nvim_list_tabpages() > tabs then
    vim.cmd('tabclose')
  end
  if report ~= before and vim.api.nvim_buf_is_valid(report) then
    vim.api.nvim_buf_delete(report, { force = true })
  end
  T.log(table.concat(lines, '\n'))
  return lines
end

local function expect(lines, level, needle)
  for _, line in ipairs(lines) do
    if line:find(needle, 1, true) then
      T.ok(line:find(level, 1, true), string.format('%q is reported as %s: %s', needle, level, line))
      return line
    end
  end
  T.fail(string.format('checkhealth has no line with %q:\n%s', needle, table.concat(lines, '\n')))
end

T.run('locate', function()
  local base = vim.fn.tempname() .. '-volt-locate'
  local home, bin = base .. '/home', base .. '/bin'
  vim.fn.mkdir(home .. '/.npm-global/bin', 'p')
  vim.fn.mkdir(bin, 'p')
  vim.env.HOME = home
  vim.env.npm_config_prefix = nil
  vim.env.NPM_CONFIG_PREFIX = nil
  vim.env.PATH = node_dir .. ':/usr/bin:/bin'
  require('volt').setup({})

  -- Nothing installed: the checkout beside the plugin.
  local cmd, how = config.find_server()
  T.eq(how, 'the Volt repository beside the plugin', 'nothing installed')
  T.eq(cmd[2], vim.fn.fnamemodify(sidecar, ':p'), 'the checkout’s sidecar')

  -- Installed into a global prefix that is not on PATH (a GUI Neovim without the shell's PATH).
  local global = home .. '/.npm-global/bin/volt-lsp'
  T.ok(vim.loop.fs_symlink(sidecar, global), 'link into the global prefix')
  cmd, how = config.find_server()
  T.eq(how, 'volt-lsp on global prefix ' .. home .. '/.npm-global/bin', 'a global prefix before the checkout')
  T.eq(cmd, { global, '--stdio' }, 'the installed one runs as is')

  -- On PATH: first of all.
  T.ok(vim.loop.fs_symlink(sidecar, bin .. '/volt-lsp'), 'link onto PATH')
  vim.env.PATH = bin .. ':' .. vim.env.PATH
  cmd, how = config.find_server()
  T.eq(how, 'volt-lsp on PATH', 'PATH first')
  T.eq(cmd, { bin .. '/volt-lsp', '--stdio' }, 'the one on PATH')

  -- :checkhealth says which one and that its version is the plugin's.
  local ws = base .. '/ws'
  vim.fn.mkdir(ws, 'p')
  vim.fn.writefile({ '{}' }, ws .. '/volt.config.json')
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))
  local lines = checkhealth()
  expect(lines, 'OK', 'found via volt-lsp on PATH: ' .. bin .. '/volt-lsp --stdio')
  expect(lines, 'OK', 'answers initialize (volt-lsp ' .. locate.version .. ')')
  expect(lines, 'OK', 'volt.nvim ' .. locate.version .. ' and the sidecar are of one release')
  -- Completion is the TypeScript server's: said, and what it needs is checked.
  expect(lines, 'INFO', 'completion and definitions of the strategy API come from a TypeScript server')
  expect(lines, 'WARNING', 'no TypeScript server running in this Neovim')
  expect(lines, 'WARNING', 'no tsconfig.json at ' .. ws)

  -- A folder `volt init` set up: its tsconfig maps @volt/engine to the folder's own declarations.
  local scaffold = base .. '/strategies'
  local out = vim.fn.system({ 'node', T.repo_root .. '/packages/cli/bin/volt.js', 'init', scaffold })
  T.ok(vim.v.shell_error == 0, 'volt init: ' .. out)
  vim.cmd('cd ' .. vim.fn.fnameescape(scaffold))
  lines = checkhealth()
  expect(lines, 'OK', 'tsconfig.json maps @volt/engine to ./types/volt-engine/index.d.ts')
  vim.fn.delete(scaffold .. '/types', 'rf')
  lines = checkhealth()
  expect(lines, 'ERROR', 'which does not exist')

  -- A plugin of another release than the sidecar: reported in :checkhealth …
  local real = locate.version
  locate.version = '0.0.1'
  lines = checkhealth()
  expect(lines, 'WARNING', 'the sidecar is volt-lsp ' .. real .. ' but volt.nvim is 0.0.1')

  -- … and once, on one line, when the sidecar starts for a strategy.
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))
  vim.fn.mkdir(ws .. '/strategies', 'p')
  vim.fn.writefile(vim.fn.readfile(T.repo_root .. '/examples/strategies/macd-trend.strategy.ts'), ws .. '/strategies/a.strategy.ts')
  vim.cmd('edit ' .. vim.fn.fnameescape(ws .. '/strategies/a.strategy.ts'))
  local buf = vim.api.nvim_get_current_buf()
  T.wait(30000, function()
    local c = require('volt').client(buf)
    return c and c.initialized and c
  end, 'the sidecar to start')
  local said = T.wait(5000, function()
    for _, m in ipairs(require('volt.message').history) do
      if m.text:find('the sidecar is volt-lsp ' .. real .. ' but volt.nvim is 0.0.1', 1, true) then
        return m
      end
    end
  end, 'the version warning')
  T.eq(said.level, vim.log.levels.WARN, 'a warning')
  T.ok(not said.text:find('\n'), 'one line')
  locate.version = real
end)
