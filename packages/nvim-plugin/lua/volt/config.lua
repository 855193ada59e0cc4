-- Options for require('volt').setup() and how the sidecar's command line is found.

local M = {}

M.defaults = {
  -- Full command line of the sidecar; when nil it is found as described in find_server().
  cmd = nil,
  -- Path to volt-lsp's JavaScript entry (bin/volt-lsp.js) or to an executable `volt-lsp`.
  server_path = nil,
  -- Node used to run a .js server entry.
  node = 'node',
  -- Buffers whose file name matches one of these Lua patterns get the sidecar.
  patterns = { '%.strategy%.ts$' },
  -- File types on which to check the patterns (strategy files are TypeScript).
  filetypes = { 'typescript' },
  -- The nearest directory holding one of these (earlier entries win) is the workspace root.
  root_markers = { 'volt.config.json', '.git' },
  -- Sent as the `volt` section of workspace/configuration (mirrors volt.config.json).
  settings = {},
  -- Where the journal lives, relative to the workspace root.
  journal_path = '.volt/journal.db',
  -- Ollama, for :checkhealth; settings.ollama.host wins when present.
  ollama_host = 'http://127.0.0.1:11434',
  -- Obsidian vault the sidecar exports runs to (sent as settings.vault.path unless that is set);
  -- :VoltJournal opens its notes. volt.config.json's `vault` applies when both are nil.
  vault = nil,
  -- How :VoltJournal shows entries: 'float' or 'quickfix'.
  journal_view = 'float',
  -- Buffer-local keymaps set on attach; false for none.
  keymaps = {
    backtest = '<leader>vb',
    analyze = '<leader>va',
    journal = '<leader>vj',
    agent_status = '<leader>vs',
    code_action = '<leader>vf',
    codelens = '<leader>vl',
  },
  -- Called as on_attach(client, bufnr) after the plugin's own attach work.
  on_attach = nil,
  -- Shown through vim.notify while long work runs; false keeps progress on the command line only.
  notify_progress = false,
  -- A sidecar that exits unasked is started again after delay_ms, doubling each time, at most
  -- `max` times within window_ms (max = 0: never).
  restart = { max = 3, window_ms = 180000, delay_ms = 500 },
}

M.options = vim.deepcopy(M.defaults)

function M.set(opts)
  opts = opts or {}
  local merged = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  -- Lists are replaced, not merged index by index.
  for _, key in ipairs({ 'patterns', 'filetypes', 'root_markers', 'cmd' }) do
    if opts[key] ~= nil then
      merged[key] = opts[key]
    end
  end
  if opts.keymaps == false then
    merged.keymaps = false
  end
  M.options = merged
  return merged
end

-- The plugin's own folder: lua/volt/config.lua → ../../
local function plugin_root()
  local source = debug.getinfo(1, 'S').source:sub(2)
  return vim.fn.fnamemodify(source, ':p:h:h:h')
end

M.plugin_root = plugin_root

-- The Volt repository's sidecar beside this plugin (see locate.lua).
function M.sibling_server()
  return require('volt.locate').checkout_server()
end

local function command_for(path, node)
  if path:match('%.m?js$') then
    return { node, path, '--stdio' }
  end
  return { path, '--stdio' }
end

---Finds the sidecar: `cmd`, then `server_path`, then an installed `volt-lsp` (PATH, then the usual
---global prefixes), then the monorepo's copy. The lookup itself is lua/volt/locate.lua.
---@return string[]|nil cmd, string how it was found (or why not)
function M.find_server(opts)
  return require('volt.locate').find(opts or M.options, command_for)
end

function M.ollama_host(opts)
  opts = opts or M.options
  local s = opts.settings or {}
  if type(s.ollama) == 'table' and s.ollama.host then
    return s.ollama.host
  end
  return opts.ollama_host
end

return M
