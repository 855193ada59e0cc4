-- :checkhealth volt — the sidecar binary (and that it answers `initialize`), Node's version, the
-- workspace journal, and whether Ollama answers.
local compat = require('volt.compat')
local config = require('volt.config')
local locate = require('volt.locate')

local M = {}

local MIN_NODE = { 20, 19, 0 }

local function parse_version(text)
  local major, minor, patch = tostring(text):match('v?(%d+)%.(%d+)%.(%d+)')
  if not major then
    return nil
  end
  return { tonumber(major), tonumber(minor), tonumber(patch) }
end

local function at_least(v, min)
  for i = 1, 3 do
    if v[i] ~= min[i] then
      return v[i] > min[i]
    end
  end
  return true
end

M.parse_version, M.at_least = parse_version, at_least

-- Starts the sidecar, sends `initialize` and waits for its answer: proof it runs, not just exists.
function M.probe_server(cmd, timeout_ms)
  local body = vim.json.encode({
    jsonrpc = '2.0',
    id = 1,
    method = 'initialize',
    params = { processId = vim.NIL, rootUri = vim.NIL, capabilities = vim.empty_dict() },
  })
  local out, err = {}, {}
  local job = vim.fn.jobstart(cmd, {
    on_stdout = function(_, data)
      vim.list_extend(out, data)
    end,
    on_stderr = function(_, data)
      vim.list_extend(err, data)
    end,
  })
  if job <= 0 then
    return false, 'could not start ' .. table.concat(cmd, ' ')
  end
  vim.fn.chansend(job, 'Content-Length: ' .. #body .. '\r\n\r\n' .. body)
  local answered = vim.wait(timeout_ms or 10000, function()
    return table.concat(out, '\n'):find('"capabilities"', 1, true) ~= nil
  end, 50)
  vim.fn.jobstop(job)
  if answered then
    local text = table.concat(out, '\n')
    local name, version = text:match('"serverInfo"%s*:%s*{%s*"name"%s*:%s*"([^"]*)"%s*,%s*"version"%s*:%s*"([^"]*)"')
    return true, name and (name .. ' ' .. version) or 'answered initialize', version
  end
  local stderr = vim.trim(table.concat(err, '\n'))
  return false, stderr ~= '' and stderr or 'no answer to initialize within the timeout'
end

local function check_server(h)
  h.start('volt: sidecar (volt-lsp)')
  local cmd, how = config.find_server()
  if not cmd then
    h.error('volt-lsp not found: ' .. how, {
      'Install Volt: npm install -g @volt/cli (it gives volt-lsp), then make sure its bin folder is on PATH',
      'Or set server_path in require("volt").setup() to a volt-lsp (or a checkout\'s packages/lsp-server/bin/volt-lsp.js)',
    })
    return
  end
  h.ok(string.format('found via %s: %s', how, table.concat(cmd, ' ')))
  local program = cmd[1]
  if not compat.executable(program) then
    h.error(program .. ' is not executable', { 'Set `node` or `cmd` in setup() to a working path' })
    return
  end
  local ok, detail, version = M.probe_server(cmd)
  if ok then
    h.ok('the sidecar starts and answers initialize (' .. detail .. ')')
    local mismatch = locate.mismatch(version)
    if mismatch ~= '' then
      h.warn(mismatch, { 'npm install -g @volt/cli to update the sidecar, or update the plugin, so both are of one release' })
    else
      h.ok('volt.nvim ' .. locate.version .. ' and the sidecar are of one release')
    end
  else
    h.error('the sidecar did not answer initialize: ' .. detail, {
      'Build it: npx tsc -b (in the Volt repository)',
      'Run it by hand: ' .. table.concat(cmd, ' '),
    })
  end
  local running = compat.clients('volt')
  if #running > 0 then
    for _, c in ipairs(running) do
      h.info(string.format('running: client %d for %s', c.id, tostring(c.config.root_dir)))
    end
  else
    h.info('no sidecar running yet: it starts when a *.strategy.ts file opens')
  end
end

local function check_node(h)
  h.start('volt: Node.js')
  local node = config.options.node or 'node'
  if not compat.executable(node) then
    h.error('`' .. node .. '` not found', { 'Install Node.js 20.19 or newer, or set `node` in setup()' })
    return
  end
  local text = vim.trim(vim.fn.system({ node, '--version' }))
  local version = parse_version(text)
  if not version then
    h.error('could not read the version of ' .. node .. ': ' .. text)
  elseif at_least(version, MIN_NODE) then
    h.ok('Node ' .. text .. ' (>= 20.19)')
  else
    h.error('Node ' .. text .. ' is too old', { 'Volt needs Node 20.19 or newer' })
  end
end

local function workspace_root()
  local name = vim.api.nvim_buf_get_name(0)
  local running = require('volt.client').get(0)
  if running and running.config.root_dir then
    return running.config.root_dir
  end
  if name ~= '' and vim.bo.buftype == '' then
    return require('volt.client').find_root(name)
  end
  return require('volt.client').find_root(vim.fn.getcwd() .. '/x')
end

local function check_journal(h)
  h.start('volt: journal')
  local root = workspace_root()
  local path = config.options.journal_path
  if not path:match('^/') then
    path = compat.join(root, path)
  end
  if not compat.file_exists(path) then
    h.info('no journal yet at ' .. path .. ': the first backtest creates it')
    return
  end
  local fd = compat.uv.fs_open(path, 'r', 438)
  if not fd then
    h.error('journal at ' .. path .. ' cannot be opened', { 'Check the file permissions' })
    return
  end
  local header = compat.uv.fs_read(fd, 16, 0)
  local stat = compat.uv.fs_fstat(fd)
  compat.uv.fs_close(fd)
  if header == 'SQLite format 3\0' then
    h.ok(string.format('journal at %s (SQLite, %d KB)', path, math.floor((stat and stat.size or 0) / 1024)))
  else
    h.error('journal at ' .. path .. ' is not an SQLite database', { 'Move it aside; the sidecar creates a new one' })
  end
end

local function parse_version_body(body)
  local doc = compat.json_decode(body)
  if type(doc) == 'table' and doc.version then
    return true, 'Ollama ' .. doc.version
  end
  return false, 'answered but not like Ollama: ' .. vim.trim(body):sub(1, 80)
end

-- GET /api/version over a bare TCP socket (HTTP/1.0, so the server closes when done): for machines
-- without curl.
local function http_get_version(host, timeout_ms)
  local hostname, port = host:match('^%a+://%[?([^%]/]+)%]?:(%d+)')
  if not hostname then
    hostname = host:match('^%a+://([^:/]+)')
  end
  if not hostname then
    return false, 'cannot parse host ' .. host
  end
  local address = hostname
  if not hostname:match('^[%d%.]+$') and not hostname:find(':', 1, true) then
    local found = compat.uv.getaddrinfo(hostname, nil, { socktype = 'stream' })
    address = found and found[1] and found[1].addr or nil
    if not address then
      return false, 'cannot resolve ' .. hostname
    end
  end
  local tcp = compat.uv.new_tcp()
  local chunks, result = {}, nil
  tcp:connect(address, tonumber(port) or 80, function(err)
    if err then
      result = { false, err }
      return
    end
    tcp:write('GET /api/version HTTP/1.0\r\nHost: ' .. hostname .. '\r\nAccept: application/json\r\n\r\n')
    tcp:read_start(function(read_err, data)
      if read_err then
        result = { false, read_err }
      elseif data then
        table.insert(chunks, data)
      else
        local response = table.concat(chunks)
        local status = response:match('^HTTP/%d%.%d (%d+)')
        local body = response:match('\r\n\r\n(.*)$') or ''
        if status == '200' then
          result = { parse_version_body(body) }
        else
          result = { false, 'HTTP ' .. tostring(status) }
        end
      end
    end)
  end)
  vim.wait(timeout_ms, function()
    return result ~= nil
  end, 20)
  if not tcp:is_closing() then
    tcp:close()
  end
  if not result then
    return false, 'no answer within ' .. timeout_ms .. ' ms'
  end
  return result[1], result[2]
end

---GET host/api/version with a short timeout: through curl when present, else a plain socket.
function M.probe_ollama(host, timeout_ms, use_curl)
  timeout_ms = timeout_ms or 2000
  host = host:gsub('/+$', '')
  if use_curl ~= false and compat.executable('curl') then
    local out = vim.fn.system({ 'curl', '-sS', '--max-time', tostring(timeout_ms / 1000), host .. '/api/version' })
    if vim.v.shell_error == 0 then
      return parse_version_body(out)
    end
    return false, vim.trim(out)
  end
  return http_get_version(host, timeout_ms)
end

local function check_ollama(h)
  h.start('volt: Ollama (LLM agents)')
  local host = config.ollama_host()
  -- The sidecar refuses a host with credentials (Ollama takes none); never probe or print them.
  local scheme = host:match('^(%a+://)') or ''
  if host:sub(#scheme + 1):find('@', 1, true) then
    h.error(string.format('the Ollama host %s***@%s holds a user name or password', scheme, host:match('@([^@]*)$')), {
      'Remove user:password@ from settings.ollama.host (Ollama itself takes no credentials)',
    })
    return
  end
  local ok, detail = M.probe_ollama(host)
  if ok then
    h.ok(string.format('%s reachable at %s', detail, host))
  else
    h.warn(string.format('Ollama not reachable at %s (%s): the rule-based agents stand in', host, detail), {
      'Start it with `ollama serve`, or set settings.ollama.host in setup() / volt.config.json',
    })
  end
end

-- The TypeScript language servers people run beside volt.nvim, by the client name they use.
local TS_SERVERS = { 'ts_ls', 'tsserver', 'vtsls', 'typescript-tools' }

-- Completion, hover and go-to-definition of the strategy API are the TypeScript server's, not the
-- sidecar's: they need a TypeScript client in this Neovim and the tsconfig.json `volt init` writes
-- (its `paths` maps @volt/engine to the folder's own copy of the engine's declarations).
local function check_completion(h)
  h.start('volt: completion and go-to-definition (the TypeScript server)')
  h.info('volt-lsp gives diagnostics, code actions, the lens and hover on params; completion and definitions of the strategy API come from a TypeScript server (ts_ls, vtsls, typescript-tools) through tsconfig.json')
  local running = {}
  for _, name in ipairs(TS_SERVERS) do
    for _, c in ipairs(compat.clients(name)) do
      table.insert(running, c.name)
    end
  end
  if #running > 0 then
    h.ok('TypeScript server running: ' .. table.concat(running, ', '))
  else
    h.warn('no TypeScript server running in this Neovim: no completion of the strategy API', {
      'Install typescript-language-server (npm install -g typescript typescript-language-server) and enable ts_ls (nvim-lspconfig), or vtsls',
    })
  end
  local root = workspace_root()
  local tsconfig = compat.join(root, 'tsconfig.json')
  if not compat.file_exists(tsconfig) then
    h.warn('no tsconfig.json at ' .. root .. ': the TypeScript server cannot find @volt/engine', { 'Run `volt init` in the folder (it writes tsconfig.json and types/volt-engine/)' })
    return
  end
  local doc = compat.json_decode(table.concat(vim.fn.readfile(tsconfig), '\n'))
  local paths = type(doc) == 'table' and type(doc.compilerOptions) == 'table' and doc.compilerOptions.paths or nil
  local target = type(paths) == 'table' and type(paths['@volt/engine']) == 'table' and paths['@volt/engine'][1] or nil
  if not target then
    h.warn(tsconfig .. ' does not map @volt/engine (compilerOptions.paths)', { 'Run `volt init --types` there, or add the paths entry `volt init` writes' })
    return
  end
  local file = target:match('^/') and target or compat.join(root, (target:gsub('^%./', '')))
  if compat.file_exists(file) then
    h.ok(string.format('tsconfig.json maps @volt/engine to %s', target))
  else
    h.error(string.format('tsconfig.json maps @volt/engine to %s, which does not exist', target), { 'Run `volt init --types` in ' .. root })
  end
end

function M.check()
  local h = compat.health()
  h.start('volt: Neovim')
  local v = vim.version()
  h.ok(string.format('Neovim %d.%d.%d', v.major, v.minor, v.patch) .. (vim.lsp.start and '' or ' (using vim.lsp.start_client)'))
  check_server(h)
  check_node(h)
  check_journal(h)
  check_ollama(h)
  check_completion(h)
end

return M
