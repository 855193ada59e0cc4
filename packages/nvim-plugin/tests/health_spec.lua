-- :checkhealth volt against the real sidecar binary, the real node, a journal file on disk and an
-- HTTP server on 127.0.0.1 answering Ollama's GET /api/version (Ollama itself is not installed on
-- the test machines; the check only speaks that one endpoint).
local T = require('harness')

-- Reads the report and puts the screen back however this Neovim opened it: 0.7 in a new tab page,
-- 0.11 in the current one (where :tabclose fails with E784), newer ones perhaps in a float.
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

-- The line holding `needle`, which must also carry the report level `level` (OK, WARNING, ERROR, INFO).
local function expect(lines, level, needle)
  for _, line in ipairs(lines) do
    if line:find(needle, 1, true) then
      T.ok(line:find(level, 1, true), string.format('%q is reported as %s: %s', needle, level, line))
      return line
    end
  end
  T.fail(string.format('checkhealth has no line with %q:\n%s', needle, table.concat(lines, '\n')))
end

-- A Node HTTP server answering /api/version like Ollama does; returns its URL and job id.
local function start_version_server()
  local port
  local script = [[
    const http = require('node:http');
    const server = http.createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/api/version') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ version: '0.12.6' }));
      } else { res.writeHead(404); res.end(); }
    });
    server.listen(0, '127.0.0.1', () => console.log('port=' + server.address().port));
  ]]
  local job = vim.fn.jobstart({ 'node', '-e', script }, {
    on_stdout = function(_, data)
      for _, l in ipairs(data) do
        port = port or l:match('port=(%d+)')
      end
    end,
  })
  T.wait(10000, function() return port end, 'the loopback Ollama endpoint to listen')
  return 'http://127.0.0.1:' .. port, job
end

-- A port nothing listens on: bind one, note it, close it.
local function closed_port()
  local tcp = vim.loop.new_tcp()
  tcp:bind('127.0.0.1', 0)
  local port = tcp:getsockname().port
  tcp:close()
  return port
end

T.run('checkhealth', function()
  local ws = vim.fn.tempname() .. '-volt-health'
  vim.fn.mkdir(ws, 'p')
  vim.fn.writefile({ '{}' }, ws .. '/volt.config.json')
  vim.cmd('cd ' .. vim.fn.fnameescape(ws))

  local url, job = start_version_server()
  require('volt').setup({ settings = { ollama = { host = url } } })
  local lines = checkhealth()
  expect(lines, 'OK', 'found via ')
  expect(lines, 'OK', 'the sidecar starts and answers initialize')
  expect(lines, 'OK', 'Node v')
  expect(lines, 'INFO', 'no journal yet at ' .. ws .. '/.volt/journal.db')
  expect(lines, 'OK', 'Ollama 0.12.6 reachable at ' .. url)
  -- The same answer read without curl, over a plain socket.
  local ok, detail = require('volt.health').probe_ollama(url, 3000, false)
  T.eq({ ok, detail }, { true, 'Ollama 0.12.6' }, 'probe over a socket')
  vim.fn.jobstop(job)

  -- Nothing listening, and a journal that is not SQLite.
  local down = 'http://127.0.0.1:' .. closed_port()
  vim.fn.mkdir(ws .. '/.volt', 'p')
  vim.fn.writefile({ 'not a database' }, ws .. '/.volt/journal.db')
  require('volt').setup({ settings = { ollama = { host = down } } })
  lines = checkhealth()
  expect(lines, 'WARNING', 'Ollama not reachable at ' .. down)
  ok, detail = require('volt.health').probe_ollama(down, 3000, false)
  T.eq(ok, false, 'socket probe of a closed port')
  T.contains(detail, 'ECONNREFUSED', 'socket probe says why')
  expect(lines, 'ERROR', 'is not an SQLite database')

  -- A host with credentials is refused without being probed, and the password is not printed.
  require('volt').setup({ settings = { ollama = { host = 'http://user:s3cret@127.0.0.1:1' } } })
  lines = checkhealth()
  expect(lines, 'ERROR', 'the Ollama host http://***@127.0.0.1:1 holds a user name or password')
  T.ok(not table.concat(lines, '\n'):find('s3cret', 1, true), 'the password is not shown')

  -- A server path that does not exist is an error with advice, not a crash.
  require('volt').setup({ server_path = ws .. '/missing/volt-lsp.js' })
  lines = checkhealth()
  expect(lines, 'ERROR', 'missing/volt-lsp.js does not exist')
end)
