-- Buffer-local keymaps for strategy buffers, set on attach when `keymaps` is not false.
local M = {}

local actions = {
  backtest = { function() require('volt.commands').backtest() end, 'Volt: backtest now' },
  analyze = { function() require('volt.commands').analyze() end, 'Volt: analyze' },
  journal = { function() require('volt.commands').journal() end, 'Volt: journal' },
  agent_status = { function() require('volt.commands').agent_status() end, 'Volt: agent status' },
  code_action = { function() vim.lsp.buf.code_action() end, 'Volt: code actions' },
  codelens = { function() vim.lsp.codelens.run() end, 'Volt: run code lens' },
}

function M.set(bufnr, keymaps)
  for name, lhs in pairs(keymaps) do
    local action = actions[name]
    if action and lhs then
      vim.keymap.set('n', lhs, action[1], { buffer = bufnr, desc = action[2], silent = true })
    end
  end
end

return M
