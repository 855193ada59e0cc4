-- What every headless test script shares: assertions that end Neovim with a non-zero exit status
-- (read by tests/nvim.test.ts), waiting on the real sidecar, and a throwaway copy of the example
-- workspace.
local T = {}

local plugin_root = vim.g.volt_test_plugin_root
T.plugin_root = plugin_root
T.repo_root = vim.fn.fnamemodify(plugin_root .. '/../..', ':p'):gsub('/$', '')

function T.log(...)
  local parts = {}
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    parts[i] = type(v) == 'string' and v or vim.inspect(v)
  end
  io.stdout:write(table.concat(parts, ' ') .. '\n')
  io.stdout:flush()
end

local function exit(code)
  io.stdout:flush()
  io.stderr:flush()
  vim.cmd((code == 0 and 'qall!') or ('cquit ' .. code))
end

local function lsp_log_tail()
  local ok, path = pcall(vim.lsp.get_log_path)
  if not ok or vim.fn.filereadable(path) == 0 then
    return ''
  end
  -- This run's part of the log (it starts at the last [START]), at most its last 40 lines.
  local lines = vim.fn.readfile(path)
  local first = 1
  for i = #lines, 1, -1 do
    if lines[i]:find('[START]', 1, true) then
      first = i
      break
    end
  end
  return table.concat(vim.list_slice(lines, math.max(first, #lines - 40)), '\n')
end

function T.fail(message)
  io.stderr:write('FAIL: ' .. message .. '\n')
  local tail = lsp_log_tail()
  if tail ~= '' then
    io.stderr:write('--- last lines of the LSP log ---\n' .. tail .. '\n')
  end
  error({ volt_test_failure = message }, 0)
end

function T.ok(cond, message)
  if not cond then
    T.fail(message)
  end
  return cond
end

function T.eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    T.fail(string.format('%s: expected %s, got %s', what, vim.inspect(expected), vim.inspect(actual)))
  end
end

function T.contains(haystack, needle, what)
  if type(haystack) == 'table' then
    haystack = table.concat(haystack, '\n')
  end
  if not tostring(haystack):find(needle, 1, true) then
    T.fail(string.format('%s: %q not found in:\n%s', what, needle, haystack))
  end
end

---Waits for fn() to return a truthy value, letting Neovim process LSP messages meanwhile.
function T.wait(timeout_ms, fn, what)
  local value
  local done = vim.wait(timeout_ms, function()
    value = fn()
    return value ~= nil and value ~= false
  end, 50)
  if not done then
    T.fail('timed out after ' .. timeout_ms .. ' ms waiting for ' .. what)
  end
  return value
end

-- Copies examples/ (volt.config.json and strategies/) into a fresh temp directory.
function T.workspace()
  local dir = vim.fn.tempname() .. '-volt-ws'
  vim.fn.mkdir(dir, 'p')
  local examples = T.repo_root .. '/examples'
  T.ok(vim.fn.filereadable(examples .. '/volt.config.json') == 1, 'examples/volt.config.json exists')
  local out = vim.fn.system({ 'cp', '-R', examples .. '/volt.config.json', examples .. '/strategies', dir })
  T.ok(vim.v.shell_error == 0, 'copy the example workspace: ' .. out)
  return dir
end

-- Captures vim.notify calls so a test can assert on what the user was told.
T.notes = {}
local original_notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(T.notes, { msg = msg, level = level })
  T.log('notify[' .. tostring(level) .. ']: ' .. tostring(msg))
  return original_notify(msg, level, opts)
end

function T.buf_lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

-- Runs the test body; any failure or Lua error ends Neovim with exit status 1.
function T.run(name, body)
  local ok, err = xpcall(body, function(e)
    if type(e) == 'table' and e.volt_test_failure then
      return e
    end
    return debug.traceback(tostring(e), 2)
  end)
  if ok then
    T.log('PASS ' .. name)
    exit(0)
  else
    if type(err) ~= 'table' then
      io.stderr:write('ERROR in ' .. name .. ': ' .. tostring(err) .. '\n')
    end
    exit(1)
  end
end

return T
