-- How Volt's diagnostics read in Neovim. Neovim's float, virtual text and location list show a
-- diagnostic's message but not its code, and without severity_sort a line's hint sign can cover
-- its error. For the volt client only (never the user's other servers): each message starts with
-- its code, a line's most severe diagnostic comes first, and its namespace sorts by severity so
-- that diagnostic's sign is the one shown.
local M = {}

---The published diagnostics as a user should read them: "VOLT105: message" (file: URIs written as
---paths), sorted by line, then
---most severe first (LSP severity 1 is an error), then column. Returns a new list.
function M.shape(diagnostics)
  local out = {}
  for i, d in ipairs(diagnostics or {}) do
    local copy = vim.deepcopy(d)
    local code = d.code ~= nil and d.code ~= vim.NIL and tostring(d.code) or nil
    if type(copy.message) == 'string' then
      copy.message = require('volt.message').paths(copy.message)
      if code and copy.message:sub(1, #code) ~= code then
        copy.message = code .. ': ' .. copy.message
      end
    end
    copy._volt_order = i
    out[i] = copy
  end
  table.sort(out, function(a, b)
    local la, lb = a.range.start.line, b.range.start.line
    if la ~= lb then
      return la < lb
    end
    local sa, sb = a.severity or 1, b.severity or 1
    if sa ~= sb then
      return sa < sb
    end
    if a.range.start.character ~= b.range.start.character then
      return a.range.start.character < b.range.start.character
    end
    return a._volt_order < b._volt_order
  end)
  for _, d in ipairs(out) do
    d._volt_order = nil
  end
  return out
end

---textDocument/publishDiagnostics for the volt client: shaped, then handed to whatever handler
---the user has (vim.lsp.handlers), so their own diagnostic settings still apply.
function M.on_publish(err, result, ctx, config)
  if type(result) == 'table' and type(result.diagnostics) == 'table' then
    result.diagnostics = M.shape(result.diagnostics)
  end
  return vim.lsp.handlers['textDocument/publishDiagnostics'](err, result, ctx, config)
end

---Sorts the client's diagnostic namespace by severity (signs, virtual text), leaving every other
---option to the user's vim.diagnostic.config().
function M.configure(client_id)
  local ok, ns = pcall(vim.lsp.diagnostic.get_namespace, client_id)
  if ok and ns then
    vim.diagnostic.config({ severity_sort = true }, ns)
  end
end

return M
