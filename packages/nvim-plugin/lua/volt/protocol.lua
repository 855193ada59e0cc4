-- Lua mirror of packages/lsp-server/src/protocol.ts, the one declaration of Volt's custom LSP
-- surface. Lua cannot import TypeScript, so the names are copied here and nowhere else in the plugin;
-- tests/protocol_spec.lua reads protocol.ts and fails when the two drift apart.
local M = {}

-- workspace/executeCommand names. Each takes one JSON object argument (e.g. { uri = ... }).
M.commands = {
  analyze = 'volt.analyze', -- AnalyzeParams { uri } → AnalyzeResult
  backtest = 'volt.backtest', -- BacktestParams { uri, symbol?, from?, to?, data? } → BacktestResult
  journal = 'volt.journal', -- JournalParams { strategy?, outcome?, from?, to?, limit? } → JournalResult
  agentStatus = 'volt.agentStatus', -- {} → AgentStatusResult
}

-- Requests a face sends (plain JSON-RPC requests, not commands).
M.requests = {
  bars = 'volt/bars', -- BarsParams { data? | uri?, from?, to?, maxBars? } → BarsResult
  symbols = 'volt/symbols', -- SymbolsParams { uri? } → SymbolsResult { symbols = { { symbol, data, source } } }
}

-- Paper and live sessions (plain requests): status {} → PaperStatusResult { sessions },
-- stop { session } → PaperStopResult, start { uri, exchange, symbol, timeframe, … } → { pid }.
M.paper = {
  status = 'volt.paper.status',
  stop = 'volt.paper.stop',
  start = 'volt.paper.start',
}

-- Notifications the server sends.
M.notifications = {
  -- BacktestStatusParams { uri, state = 'running'|'done'|'failed'|'cancelled', summary?, delta?, message? }
  backtestStatus = 'volt/backtestStatus',
  critiqueStatus = 'volt/critiqueStatus',
}

-- workspace/configuration section (VoltSettings) and initializationOptions key.
M.configuration_section = 'volt'

-- `source` of every diagnostic Volt publishes.
M.diagnostic_source = 'volt'

return M
