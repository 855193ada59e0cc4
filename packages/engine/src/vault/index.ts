/** The Obsidian vault: the journal as notes a trader reads, links and writes reviews in. */
export { exportVault, exportRunToVault, exportRunToVaultFile, tradeNotePath, runNotePath, splitNote, VAULT_FOLDERS, type VaultExportOptions, type VaultExportSummary } from './export.js';
export { END_MARKER, strategyNoteName, tradeNoteName, runNoteName, agentLogName } from './notes.js';
export { lineChartSvg, equityChartSvg, drawdownChartSvg, type LineChartOptions } from './svg.js';
export { isoWeekOf, parseIsoWeek, weeklyReport, weeklyNote, writeWeeklyNote, postWeeklyWebhook, type IsoWeek, type WeeklyReport, type WeeklyStrategy } from './weekly.js';
