-- lua/volt/protocol.lua copies names from packages/lsp-server/src/protocol.ts; fail when they drift.
local T = require('harness')

T.run('protocol mirror', function()
  local protocol = require('volt.protocol')
  local path = T.repo_root .. '/packages/lsp-server/src/protocol.ts'
  T.ok(vim.fn.filereadable(path) == 1, path .. ' exists')
  local source = table.concat(vim.fn.readfile(path), '\n')

  local function block(name)
    return T.ok(source:match('export const ' .. name .. ' = (%b{})'), 'protocol.ts declares ' .. name)
  end
  local function entries(text)
    local out = {}
    for key, value in text:gmatch("(%w+):%s*'([^']+)'") do
      out[key] = value
    end
    return out
  end
  T.eq(protocol.commands, entries(block('Commands')), 'command names')
  T.eq(protocol.notifications, entries(block('Notifications')), 'notification names')
  T.eq(protocol.optimize.progress, source:match("OPTIMIZE_PROGRESS = '([^']+)'"), 'optimise progress')
  T.eq(protocol.optimize.apply_title, source:match("APPLY_PARAMS_TITLE = '([^']+)'"), 'apply params title')
  T.eq(protocol.requests, entries(block('Requests')), 'request names')
  T.eq(protocol.suggest.apply_title, source:match("APPLY_SUGGESTION_TITLE = '([^']+)'"), 'apply suggestion title')
  T.eq(protocol.draft_progress, source:match("DRAFT_PROGRESS_NOTIFICATION = '([^']+)'"), 'draft progress notification')
  T.eq(protocol.paper, entries(block('PaperRequests')), 'paper session request names')
  T.eq(protocol.configuration_section, source:match("CONFIGURATION_SECTION = '([^']+)'"), 'settings section')
  T.eq(protocol.diagnostic_source, source:match("DIAGNOSTIC_SOURCE = '([^']+)'"), 'diagnostic source')
end)
