-- Where the sidecar is: the one lookup every part of the plugin uses (starting a client through
-- config.find_server, and :checkhealth volt). An installed Volt (`npm install -g @volt/cli`) comes
-- before a checkout: `volt-lsp` on PATH, then the usual global prefixes (npm's prefix,
-- ~/.npm-global, ~/.local, Volta, Homebrew, /usr/local, for a Neovim started without the shell's
-- PATH), then the Volt repository beside the plugin. The same order as
-- packages/lsp-server/src/locate.ts, the one search of the TypeScript faces (`volt doctor`, VS Code,
-- Obsidian).
local compat = require('volt.compat')

local M = {}

-- The plugin's version (moves with the sidecar's: scripts/versions.mjs sets both).
M.version = require('volt.version')

---The bin folders of the usual global installs, in the order they are tried after PATH.
function M.global_bin_dirs()
  local home = vim.env.HOME or vim.fn.expand('~')
  local dirs = {}
  local function add(dir)
    if dir and dir ~= '' and not vim.tbl_contains(dirs, dir) then
      table.insert(dirs, dir)
    end
  end
  add(vim.env.npm_config_prefix and compat.join(vim.env.npm_config_prefix, 'bin'))
  add(vim.env.NPM_CONFIG_PREFIX and compat.join(vim.env.NPM_CONFIG_PREFIX, 'bin'))
  add(compat.join(home, '.npm-global', 'bin'))
  add(compat.join(home, '.local', 'bin'))
  add(compat.join(home, '.volta', 'bin'))
  add('/opt/homebrew/bin')
  add('/usr/local/bin')
  return dirs
end

-- Inside the Volt monorepo the sidecar sits beside this plugin: packages/lsp-server/bin/volt-lsp.js.
function M.checkout_server()
  local source = debug.getinfo(1, 'S').source:sub(2)
  local plugin_root = vim.fn.fnamemodify(source, ':p:h:h:h')
  local path = vim.fn.fnamemodify(compat.join(plugin_root, '..', 'lsp-server', 'bin', 'volt-lsp.js'), ':p')
  if compat.file_exists(path) then
    return path
  end
  return nil
end

---An installed `volt-lsp`: on PATH, else in a global prefix.
---@return string|nil path, string|nil where ('PATH' or 'global prefix <dir>')
function M.installed()
  local on_path = vim.fn.exepath('volt-lsp')
  if on_path ~= '' then
    return on_path, 'PATH'
  end
  for _, dir in ipairs(M.global_bin_dirs()) do
    local file = compat.join(dir, 'volt-lsp')
    if compat.executable(file) then
      return file, 'global prefix ' .. dir
    end
  end
  return nil, nil
end

---The sidecar's command line and how it was found (or why none was).
---@return string[]|nil cmd, string how
function M.find(opts, command_for)
  if opts.cmd then
    return opts.cmd, 'cmd option'
  end
  if opts.server_path then
    local path = vim.fn.expand(opts.server_path)
    if not compat.file_exists(path) then
      return nil, 'server_path ' .. path .. ' does not exist'
    end
    return command_for(path, opts.node), 'server_path option'
  end
  local installed, where = M.installed()
  if installed then
    return { installed, '--stdio' }, 'volt-lsp on ' .. where
  end
  local checkout = M.checkout_server()
  if checkout then
    return command_for(checkout, opts.node), 'the Volt repository beside the plugin'
  end
  return nil, 'no volt-lsp on PATH or in ' .. table.concat(M.global_bin_dirs(), ', ') .. ', and no server_path set'
end

---'' when the sidecar's version is the plugin's, else the one-line warning to show.
function M.mismatch(server_version)
  if server_version == nil or server_version == M.version then
    return ''
  end
  return string.format('the sidecar is volt-lsp %s but volt.nvim is %s: install both from one release', tostring(server_version), M.version)
end

-- Clients already warned about, so a restart or a second buffer does not repeat it.
local warned = {}

---on_init of the volt client: a sidecar of another version is said once, on one line.
function M.on_init(client, result)
  local info = type(result) == 'table' and result.serverInfo or nil
  local text = M.mismatch(type(info) == 'table' and info.version or nil)
  if text ~= '' and not warned[text] then
    warned[text] = true
    require('volt.message').notify('volt: ' .. text, vim.log.levels.WARN)
  end
  M.last_server_info = info
  return client
end

return M
