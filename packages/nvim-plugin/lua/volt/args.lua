-- The `key=value` words of :VoltOptimize and :VoltSuggest as request fields. Each command names its
-- keys by kind; a word that is not one of them is refused with a message naming what is known.
local M = {}

local ALIASES = { ['min-trades'] = 'minTrades', min_trades = 'minTrades' }

---`spec`: { numbers = {...}, words = {...}, lists = {...}, example = 'trials=50 method=grid' }; the
---known keys are listed in that order. Returns the fields, or nil and a message.
function M.parse(text, spec)
  local kind, known = {}, {}
  for _, k in ipairs({ 'numbers', 'words', 'lists' }) do
    for _, key in ipairs(spec[k] or {}) do
      kind[key] = k
      table.insert(known, key)
    end
  end
  local params = {}
  for word in (text or ''):gmatch('%S+') do
    local key, value = word:match('^([%w_-]+)=(.+)$')
    if not key then
      return nil, string.format("'%s' is not key=value (e.g. %s)", word, spec.example)
    end
    key = ALIASES[key] or key
    if kind[key] == 'numbers' then
      local n = tonumber(value)
      if not n then
        return nil, string.format("%s expects a number, got '%s'", key, value)
      end
      params[key] = n
    elseif kind[key] == 'words' then
      params[key] = value
    elseif kind[key] == 'lists' then
      params[key] = vim.split(value, ',', { plain = true })
    else
      return nil, string.format("unknown option '%s'; known: %s", key, table.concat(known, ', '))
    end
  end
  return params
end

return M
