-- Volt for Neovim: commands exist as soon as the plugin is on the runtimepath; the sidecar starts
-- for strategy buffers once require('volt').setup() has run.
if vim.g.loaded_volt then
  return
end
vim.g.loaded_volt = true

if vim.fn.has('nvim-0.7') == 0 then
  vim.api.nvim_err_writeln('volt.nvim needs Neovim 0.7 or newer')
  return
end

require('volt.commands').define()

-- `:help volt` works at once, however the plugin was installed: doc/tags is written here when it is
-- missing or older than doc/volt.txt (a plugin manager that runs :helptags itself leaves it fresh,
-- and a read-only folder is left as it is).
do
  local uv = vim.uv or vim.loop
  local doc = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h') .. '/doc'
  local text, tags = uv.fs_stat(doc .. '/volt.txt'), uv.fs_stat(doc .. '/tags')
  local stale = tags == nil
    or (text ~= nil and (tags.mtime.sec < text.mtime.sec or (tags.mtime.sec == text.mtime.sec and tags.mtime.nsec < text.mtime.nsec)))
  if text and stale then
    pcall(vim.cmd, 'silent! helptags ' .. vim.fn.fnameescape(doc))
  end
end
