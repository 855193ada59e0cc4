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
  runs = 'volt/runs', -- RunsParams { strategy?, limit? } → RunsResult
  run = 'volt/run', -- RunParams { runId } → RunDetailResult
  trade = 'volt/trade', -- TradeParams { tradeId } → TradeDetailResult
  annotateTrade = 'volt/annotateTrade', -- AnnotateTradeParams { tradeId, outcome?, rating?, tags?, review? } → AnnotateTradeResult
  exportVault = 'volt/exportVault', -- ExportVaultParams { vault?, runId?, strategy?, force? } → ExportVaultResult
  draftStrategy = 'volt/draftStrategy', -- DraftStrategyParams { idea, data?, out?, model?, attempts? } → DraftStrategyResult
  optimize = 'volt/optimize', -- OptimizeParams { uri, trials?, method?, objective?, folds?, ... } → OptimizeResult
  suggest = 'volt/suggest', -- SuggestRequestParams { uri, data?, folds?, ... } → SuggestResult
}

-- DraftProgressParams { attempt, of, state = 'asking'|'proven'|'refused', message }, per attempt of a draft.
M.draft_progress = 'volt/draftProgress'

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

-- Optimisation (protocol.ts "Optimisation (issue 15)"): the request, its progress notification and
-- the title prefix of the code action that writes the best params into the `params` block.
M.optimize = {
  progress = 'volt/optimizeProgress', -- OptimizeProgressParams { uri, token?, done, total, best? }
  apply_title = 'Volt: apply optimised params',
}

-- Bounded suggestions (protocol.ts "Bounded suggestions in the editor (issue 16)"): the title prefix
-- of the quick fix on a VOLT207 hint that writes a suggested value.
M.suggest = {
  apply_title = 'Volt: set',
}

-- workspace/configuration section (VoltSettings) and initializationOptions key.
M.configuration_section = 'volt'

-- `source` of every diagnostic Volt publishes.
M.diagnostic_source = 'volt'

return M
