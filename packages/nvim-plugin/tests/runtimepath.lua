-- Which runtimepath folders are the user's (tests/minimal_init.lua drops them, keeps the rest).
local M = {}

---Is `dir` the user's or a site's: under stdpath('config'), stdpath('data') or an
---$XDG_CONFIG_DIRS/nvim folder, or a site folder (…/site, …/site/after) where plugins go?
function M.users(dir)
  dir = dir:gsub('/+$', '')
  local mine = { vim.fn.stdpath('config'), vim.fn.stdpath('data') }
  for _, xdg in ipairs(vim.split(vim.env.XDG_CONFIG_DIRS or '/etc/xdg', ':', { plain = true })) do
    table.insert(mine, xdg .. '/nvim')
  end
  for _, root in ipairs(mine) do
    if type(root) == 'string' and root ~= '' and (dir == root or vim.startswith(dir, root .. '/')) then
      return true
    end
  end
  return dir:match('/site$') ~= nil or dir:match('/site/after$') ~= nil
end

return M
