-- Starting the sidecar and attaching strategy buffers to it: one client per workspace root.
local compat = require('volt.compat')
local config = require('volt.config')
local message = require('volt.message')
local progress = require('volt.progress')
local protocol = require('volt.protocol')

local M = {}

M.name = 'volt'

-- root directory → client id. vim.lsp.start (0.8+) can reuse by itself, but 0.7 cannot, and keeping
-- the map ourselves makes both paths behave the same.
local by_root = {}

---Is this buffer a strategy file?
function M.is_strategy_buffer(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or vim.bo[bufnr].buftype ~= '' then
    return false
  end
  for _, pattern in ipairs(config.options.patterns) do
    if name:match(pattern) then
      return true
    end
  end
  return false
end

---Is this buffer a volt.config.json (shown with the sidecar's diagnostics)?
function M.is_config_buffer(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  return vim.bo[bufnr].buftype == '' and vim.fn.fnamemodify(name, ':t') == 'volt.config.json'
end

---The nearest directory upwards from `path` holding a root marker. Markers are tried in order over
---the whole ancestry, so a volt.config.json above a nested .git still wins.
function M.find_root(path)
  local start = vim.fn.fnamemodify(path, ':p:h')
  for _, marker in ipairs(config.options.root_markers) do
    local dir = start
    while dir and dir ~= '' do
      if compat.file_exists(compat.join(dir, marker)) then
        return dir
      end
      local parent = compat.dirname(dir)
      if parent == dir then
        break
      end
      dir = parent
    end
  end
  return start
end

-- root → the buffers attached to its sidecar, so a restarted one gets them back.
local buffers_by_root = {}
-- root → when its sidecar exited unasked recently (uv.now() ms), for the restart cap.
local exits = {}
-- client ids we are stopping ourselves: their exit is not a crash.
local stopping = {}
-- client id → its root, for clients Neovim started itself (vim.lsp.enable gives no root up front).
local roots_by_client = {}

local function live_buffers(root)
  local out = {}
  for bufnr in pairs(buffers_by_root[root] or {}) do
    if vim.api.nvim_buf_is_valid(bufnr) and vim.api.nvim_buf_is_loaded(bufnr) then
      table.insert(out, bufnr)
    end
  end
  table.sort(out)
  return out
end

-- Neovim's client does not restart a server that exits. A sidecar that crashed (or exited because
-- it could no longer read its input) is started again after 0.5 s, 1 s, 2 s…, at most
-- `restart.max` times within `restart.window_ms`; each time one short line says so, shown after
-- the backoff so it never piles onto Neovim's own exit message into a hit-enter prompt.
local function restart_after_exit(root, why)
  local opts = config.options.restart
  if not opts or opts.max == 0 then
    return
  end
  local now = compat.uv.now()
  local recent = {}
  for _, t in ipairs(exits[root] or {}) do
    if now - t < opts.window_ms then
      table.insert(recent, t)
    end
  end
  table.insert(recent, now)
  exits[root] = recent
  if #recent > opts.max then
    vim.notify(string.format('volt: the sidecar keeps exiting (%s); see :LspLog, :e to retry', why), vim.log.levels.WARN)
    return
  end
  vim.defer_fn(function()
    local id
    for _, bufnr in ipairs(live_buffers(root)) do
      id = M.attach(bufnr, true) or id
    end
    if id then
      vim.notify(string.format('volt: the sidecar exited (%s); restarted (%d/%d)', why, #recent, opts.max), vim.log.levels.WARN)
    end
  end, opts.delay_ms * 2 ^ (#recent - 1))
end

local function on_exit(configured_root)
  return function(code, signal, client_id)
    local root = configured_root or roots_by_client[client_id]
    roots_by_client[client_id] = nil
    if root == nil then
      return
    end
    if by_root[root] == client_id then
      by_root[root] = nil
    end
    local asked = stopping[client_id]
    stopping[client_id] = nil
    -- 0 after shutdown/exit, 15 (SIGTERM) from a forced stop: both were asked for.
    if asked or (code == 0 and (signal == 0 or signal == 15)) or signal == 15 then
      return
    end
    local why = (signal ~= 0 and signal ~= nil) and ('signal ' .. signal) or ('code ' .. tostring(code))
    vim.schedule(function()
      restart_after_exit(root, why)
    end)
  end
end

-- uri → the last volt/backtestStatus for that file, for status lines.
M.backtest_status = {}
-- uri → volt.backtest commands in flight for it (a count > 0), or -(time) their failure was shown.
M.commanded = {}

-- On-save backtests run in the background: a finished one refreshes the lens, a failed one is told.
local function backtest_status_handler(_, params)
  if type(params) ~= 'table' or not params.uri then
    return
  end
  M.backtest_status[params.uri] = params
  vim.schedule(function()
    -- A run the user asked for by command reports its own failure; this one is for on-save runs.
    local told = M.commanded[params.uri]
    if type(told) == 'number' and told < 0 then
      -- the command's own error was shown moments ago; its status notification may trail it
      told = compat.uv.now() + told < 3000
    end
    if params.state == 'failed' and not told then
      require('volt.commands').tell_failed_run(params.uri, params.message)
    elseif params.state == 'done' then
      local bufnr = vim.fn.bufnr(vim.uri_to_fname(params.uri))
      if bufnr > 0 and (bufnr == vim.api.nvim_get_current_buf() or compat.has('0.10')) then
        compat.codelens_refresh(bufnr)
      end
    end
  end)
end

-- volt/critiqueStatus: how a save's LLM critique went. Said when it could not run (so an empty
-- list never reads as "the model found nothing") and when it found something; a clean answer stays quiet.
function M.on_critique_status(_, params)
  if type(params) ~= 'table' or not params.uri then
    return
  end
  local line = require('volt.render').critique_line(params, type(params.at) == 'number' and math.floor(params.at / 1000) or nil)
  if not line then
    return
  end
  if params.source == 'unavailable' then
    require('volt.message').notify(line, vim.log.levels.WARN)
  elseif (params.findings or 0) > 0 then
    require('volt.message').notify(string.format('%s: %d point%s', line, params.findings, params.findings == 1 and '' or 's'))
  end
end

local function attach_work(client, bufnr)
  local opts = config.options
  -- Remembered for a restart: Neovim may have started this client itself (vim.lsp.enable).
  local root = client.config and client.config.root_dir
  if root then
    roots_by_client[client.id] = root
    buffers_by_root[root] = buffers_by_root[root] or {}
    buffers_by_root[root][bufnr] = true
  end
  require('volt.diagnostics').configure(client.id)
  if M.is_config_buffer(bufnr) then
    -- Diagnostics only: no strategy keymaps or lenses on the settings file.
    return
  end
  if opts.keymaps then
    require('volt.keymaps').set(bufnr, opts.keymaps)
  end
  local group = vim.api.nvim_create_augroup('volt_buffer_' .. bufnr, { clear = true })
  -- Lenses show the last backtest; the server backtests on save, so ask again after each write.
  vim.api.nvim_create_autocmd({ 'BufWritePost', 'BufEnter', 'InsertLeave' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      compat.codelens_refresh(bufnr)
    end,
  })
  compat.codelens_refresh(bufnr)
  if opts.on_attach then
    opts.on_attach(client, bufnr)
  end
end

function M.client_config(root, cmd)
  local opts = config.options
  -- An empty Lua table would go out as a JSON array; the server expects an object.
  local settings = vim.deepcopy(opts.settings or {})
  if opts.vault and settings.vault == nil then
    settings.vault = { path = vim.fn.fnamemodify(vim.fn.expand(opts.vault), ':p') }
  end
  if vim.tbl_isempty(settings) then
    settings = vim.empty_dict()
  end
  local capabilities = vim.lsp.protocol.make_client_capabilities()
  -- We answer workspace/codeLens/refresh ourselves (0.7 has no handler), so the server may send it
  -- when an on-save backtest finishes.
  capabilities.workspace = capabilities.workspace or {}
  capabilities.workspace.codeLens = { refreshSupport = true }
  return {
    name = M.name,
    cmd = cmd,
    capabilities = capabilities,
    -- Running the lens over defineStrategy backtests now and shows the report, as :VoltBacktest does.
    commands = {
      [protocol.commands.backtest] = function(command, ctx)
        local args = command.arguments and command.arguments[1] or nil
        require('volt.commands').run_backtest(ctx.bufnr, type(args) == 'table' and args or nil)
      end,
    },
    root_dir = root,
    -- Without a root (the vim.lsp.config path, where Neovim finds it per buffer) Neovim fills these.
    workspace_folders = root and { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') } } or nil,
    settings = { [protocol.configuration_section] = settings },
    init_options = { [protocol.configuration_section] = settings },
    handlers = {
      ['$/progress'] = progress.handler,
      -- Sent when an on-save backtest finishes; 0.7 has no handler of its own for it.
      ['workspace/codeLens/refresh'] = compat.codelens_on_refresh,
      [protocol.notifications.backtestStatus] = backtest_status_handler,
      [protocol.notifications.critiqueStatus] = M.on_critique_status,
      [protocol.optimize.progress] = function(err, params)
        require('volt.optimize').on_progress(err, params)
      end,
      [protocol.draft_progress] = function(...) return require('volt.draft').on_progress(...) end,
      ['textDocument/publishDiagnostics'] = require('volt.diagnostics').on_publish,
    },
    on_attach = attach_work,
    -- A sidecar of another version than the plugin is said once (lua/volt/locate.lua).
    on_init = require('volt.locate').on_init,
    on_exit = on_exit(root),
  }
end

---Starts (or reuses) the sidecar for the buffer's root and attaches the buffer.
---@param restarting boolean|nil true when a crashed sidecar is being replaced
---@return integer|nil client id
function M.attach(bufnr, restarting)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local root = M.find_root(vim.api.nvim_buf_get_name(bufnr))
  buffers_by_root[root] = buffers_by_root[root] or {}
  buffers_by_root[root][bufnr] = true
  local existing = compat.client_by_id(by_root[root])
  if existing and not compat.is_stopped(existing) then
    if not vim.lsp.buf_is_attached(bufnr, existing.id) then
      vim.lsp.buf_attach_client(bufnr, existing.id)
    end
    return existing.id
  end

  -- Opening a file by hand after the restart cap gives the sidecar a fresh start.
  if not restarting then
    exits[root] = nil
  end
  local cmd, how = config.find_server()
  if not cmd then
    vim.notify('volt: cannot start the sidecar: ' .. how .. '. Run :checkhealth volt.', vim.log.levels.ERROR)
    return nil
  end
  local conf = M.client_config(root, cmd)
  local id
  if vim.lsp.start then
    id = vim.lsp.start(conf, {
      bufnr = bufnr,
      reuse_client = function(client, c)
        return client.name == M.name and client.config.root_dir == c.root_dir
      end,
    })
  else
    id = vim.lsp.start_client(conf)
    if id then
      vim.lsp.buf_attach_client(bufnr, id)
    end
  end
  if not id then
    vim.notify('volt: failed to start ' .. table.concat(cmd, ' '), vim.log.levels.ERROR)
    return nil
  end
  by_root[root] = id
  return id
end

---The volt client serving `bufnr`, else the only/any running volt client (for commands run from a
---non-strategy buffer such as the journal float).
function M.get(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local clients = compat.clients(M.name)
  for _, client in ipairs(clients) do
    if vim.lsp.buf_is_attached(bufnr, client.id) then
      return client
    end
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name ~= '' then
    local root = M.find_root(name)
    local id = by_root[root]
    if id then
      return compat.client_by_id(id)
    end
  end
  return clients[1]
end

-- Waits (without blocking the editor) for the client to finish `initialize`, then calls fn(client);
-- on_fail(message) if it stops or takes longer than 30 s.
function M.when_ready(client, fn, on_fail, waited)
  waited = waited or 0
  if client.initialized then
    return fn(client)
  end
  if compat.is_stopped(client) or waited > 30000 then
    return on_fail('the sidecar did not start; see :LspLog and :checkhealth volt')
  end
  vim.defer_fn(function()
    M.when_ready(client, fn, on_fail, waited + 50)
  end, 50)
end

---workspace/executeCommand on the volt client; on_result(result, client) runs only on success.
---Every failure (no sidecar, an error answer) goes to on_error(err) when given, else to vim.notify.
function M.execute(bufnr, command, arguments, on_result, on_error)
  local function fail(err)
    if on_error then
      return on_error(err)
    end
    message.notify(require('volt.render').command_failure(command, err), vim.log.levels.ERROR)
  end
  local client = M.get(bufnr)
  if not client then
    return fail({ message = 'no sidecar is running; open a *.strategy.ts file first', no_sidecar = true })
  end
  M.when_ready(client, function(c)
    compat.request(c, 'workspace/executeCommand', { command = command, arguments = arguments }, function(err, result)
      if err then
        return fail(err)
      end
      on_result(result, c)
    end, bufnr)
  end, function(message)
    fail({ message = message })
  end)
end

---A Volt request (`method`, e.g. protocol.requests.optimize) on the client serving `bufnr`, once it is
---ready; on_result(result) on success. Failures are one line each: no sidecar, one that did not
---start, and "volt: <doing> failed: …" for an error answer.
---The current buffer and `parse(text)`'s params (with the buffer's uri) for :`command`, a strategy
---command with key=value words; nil after saying why when the buffer is no strategy or a word is wrong.
function M.strategy_command(command, parse, text)
  local bufnr = vim.api.nvim_get_current_buf()
  if not M.is_strategy_buffer(bufnr) then
    message.notify('volt: this command works on a *.strategy.ts buffer', vim.log.levels.WARN)
    return nil
  end
  local params, problem = parse(text)
  if not params then
    message.notify('volt: :' .. command .. ' ' .. problem, vim.log.levels.ERROR)
    return nil
  end
  params.uri = vim.uri_from_bufnr(bufnr)
  return bufnr, params
end

function M.request(bufnr, method, params, doing, on_result)
  local client = M.get(bufnr)
  if not client then
    message.notify('volt: no sidecar is running; open a *.strategy.ts file first', vim.log.levels.ERROR)
    return false
  end
  M.when_ready(client, function(ready)
    compat.request(ready, method, params, function(err, result)
      if err then
        message.notify('volt: ' .. doing .. ' failed: ' .. tostring(err.message or err), vim.log.levels.ERROR)
        return
      end
      on_result(result)
    end, bufnr)
  end, function(why)
    message.notify('volt: ' .. why, vim.log.levels.ERROR)
  end)
  return true
end

function M.stop_all()
  for root, id in pairs(by_root) do
    local client = compat.client_by_id(id)
    if client then
      stopping[id] = true
      compat.stop(client)
    end
    by_root[root] = nil
    buffers_by_root[root] = nil
  end
end

return M
