import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { Journal, strategyTiers, type DecisionEntry, type JournalFilter, type RunEntry, type TradeEntry } from '../journal/index.js';
import {
  END_MARKER,
  END_MARKER_PREFIX,
  agentLogName,
  agentLogNote,
  dashboardNote,
  drawdownChartName,
  equityChartName,
  runNote,
  runNoteName,
  strategyNote,
  strategyNoteName,
  tradeNote,
  tradeNoteName,
} from './notes.js';
import { drawdownChartSvg, equityChartSvg } from './svg.js';

export const VAULT_FOLDERS = { trades: 'Trades', strategies: 'Strategies', performance: 'Performance', agentLogs: 'Agent-Logs' } as const;

export interface VaultExportOptions {
  /** Decisions listed per Agent-Logs note before it points to the CLI for the rest (default 1000). */
  decisionsPerLog?: number;
  /** Rewrite every note even when Volt's part is unchanged (benchmarks compare against this). */
  force?: boolean;
  /** Told how far the export is (trade and run notes written or checked, of how many), every 200 notes and at the end. */
  onProgress?: (done: number, total: number) => void;
}

export interface VaultExportSummary {
  dir: string;
  /** Notes and charts Volt looked at. */
  files: number;
  created: number;
  updated: number;
  unchanged: number;
  trades: number;
  runs: number;
  strategies: number;
}

/** The user's part of a new note: an empty review section to write in. */
const NEW_USER_PART = '\n## Review\n\n';

/**
 * Splits a note into Volt's part and the user's. The marker line divides them; a note whose
 * marker was deleted keeps its `## Review` section onwards, and a note with neither keeps all of
 * its old text below the new marker, so nothing the user wrote is ever lost.
 */
export function splitNote(existing: string): { generated: string; user: string; marked: boolean } {
  const at = existing.startsWith(END_MARKER_PREFIX) ? 0 : existing.indexOf('\n' + END_MARKER_PREFIX);
  if (at >= 0) {
    const markerStart = at === 0 ? 0 : at + 1;
    const lineEnd = existing.indexOf('\n', markerStart);
    return { generated: existing.slice(0, markerStart), user: lineEnd < 0 ? '' : existing.slice(lineEnd + 1), marked: true };
  }
  const review = /^## Review\b/m.exec(existing);
  if (review) return { generated: existing.slice(0, review.index), user: '\n' + existing.slice(review.index), marked: false };
  return {
    generated: '',
    user: `\n## Review\n\n_Kept from an earlier version of this note, whose Volt marker was removed:_\n\n${existing}`,
    marked: false,
  };
}

class VaultWriter {
  readonly summary: VaultExportSummary;
  private readonly made = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly force: boolean,
  ) {
    this.summary = { dir, files: 0, created: 0, updated: 0, unchanged: 0, trades: 0, runs: 0, strategies: 0 };
  }

  private ensureDir(folder: string): void {
    if (this.made.has(folder)) return;
    mkdirSync(folder, { recursive: true });
    this.made.add(folder);
  }

  private readExisting(file: string): string | undefined {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  private write(file: string, content: string, existed: boolean): void {
    // Write beside, then rename: Obsidian (or a crash) never sees a half-written note.
    const tmp = `${file}.volt-tmp`;
    writeFileSync(tmp, content);
    renameSync(tmp, file);
    if (existed) this.summary.updated++;
    else this.summary.created++;
  }

  /** A note: Volt's part is replaced when it changed; the user's part is kept as it is. */
  note(folder: string, name: string, generated: string, userDefault = NEW_USER_PART): void {
    const dir = folder ? path.join(this.dir, folder) : this.dir;
    this.ensureDir(dir);
    const file = path.join(dir, `${name}.md`);
    this.summary.files++;
    const existing = this.readExisting(file);
    // A blank line before the marker keeps it out of the last list or table.
    let end = generated.length;
    while (end > 0 && generated.charCodeAt(end - 1) === 10) end--;
    const ours = generated.slice(0, end) + '\n\n';
    if (existing === undefined) {
      this.write(file, `${ours}${END_MARKER}\n${userDefault}`, false);
      return;
    }
    const { generated: old, user, marked } = splitNote(existing);
    if (!this.force && marked && old === ours) {
      this.summary.unchanged++;
      return;
    }
    this.write(file, `${ours}${END_MARKER}\n${user}`, true);
  }

  /** A file Volt owns entirely (SVG charts): rewritten only when different. */
  asset(folder: string, name: string, content: string): void {
    const dir = path.join(this.dir, folder);
    this.ensureDir(dir);
    const file = path.join(dir, name);
    this.summary.files++;
    const existing = this.readExisting(file);
    if (!this.force && existing === content) {
      this.summary.unchanged++;
      return;
    }
    this.write(file, content, existing !== undefined);
  }
}

/**
 * Writes the journal (or the part `filter` selects) into an Obsidian vault at `dir`: one note per
 * trade, per run (with equity and drawdown charts), per strategy and per run's decision log, and a
 * dashboard. Safe to run again at any time: file names come from journal ids, unchanged notes are
 * not touched, and what the user wrote below a note's marker or under `## Review` is kept.
 */
export function exportVault(journal: Journal, dir: string, filter: JournalFilter = {}, options: VaultExportOptions = {}): VaultExportSummary {
  const root = path.resolve(dir);
  const out = new VaultWriter(root, options.force ?? false);
  const cap = options.decisionsPerLog ?? 1000;

  const trades = journal.listTrades(filter);
  const runIds = new Set<number>(trades.map((t) => t.runId));
  // Runs with no matching trades still belong in the vault when the filter is about runs, not trades.
  if (filter.outcome === undefined && filter.from === undefined && filter.to === undefined) {
    const runFilter: JournalFilter = {};
    if (filter.strategy !== undefined) runFilter.strategy = filter.strategy;
    if (filter.runId !== undefined) runFilter.runId = filter.runId;
    if (filter.status !== undefined) runFilter.status = filter.status;
    if (filter.limit !== undefined) runFilter.limit = filter.limit;
    for (const r of journal.listRuns(runFilter)) runIds.add(r.id);
  }

  // Decisions per run, grouped by the trade they opened or closed.
  const decisionsByRun = new Map<number, DecisionEntry[]>();
  for (const runId of runIds) decisionsByRun.set(runId, journal.listDecisions({ runId }).reverse());

  const signalsOf = new Map<string, DecisionEntry[]>();
  for (const [runId, decisions] of decisionsByRun) {
    for (const d of decisions) {
      if (d.tradeNo === null) continue;
      const key = `${runId}:${d.tradeNo}`;
      let list = signalsOf.get(key);
      if (!list) signalsOf.set(key, (list = []));
      list.push(d);
    }
  }

  const total = trades.length + runIds.size;
  let done = 0;
  const step = (): void => {
    if (options.onProgress && (++done % 200 === 0 || done === total)) options.onProgress(done, total);
  };
  for (const t of trades) {
    out.note(VAULT_FOLDERS.trades, tradeNoteName(t), tradeNote(t, signalsOf.get(`${t.runId}:${t.tradeNo}`) ?? []));
    step();
  }
  out.summary.trades = trades.length;

  const strategyNames = new Set<string>();
  for (const runId of [...runIds].sort((a, b) => a - b)) {
    const run = journal.getRun(runId);
    if (!run) continue;
    strategyNames.add(run.strategyName);
    out.note(VAULT_FOLDERS.performance, runNoteName(run.id), runNote(run));
    if (run.equityCurve && run.equityCurve.time.length > 1) {
      const c = run.equityCurve;
      const title = `Run ${run.id} · ${run.strategyName.replace(/\s+/g, ' ')}`;
      out.asset(path.join(VAULT_FOLDERS.performance, 'charts'), equityChartName(run.id), equityChartSvg(`${title} · equity`, c.time, c.equity));
      out.asset(path.join(VAULT_FOLDERS.performance, 'charts'), drawdownChartName(run.id), drawdownChartSvg(`${title} · drawdown`, c.time, c.drawdown));
    }
    const decisions = decisionsByRun.get(runId) ?? [];
    const messages = journal.listAgentMessages(runId);
    out.note(VAULT_FOLDERS.agentLogs, agentLogName(run.id), agentLogNote(run, decisions, messages, cap));
    out.summary.runs++;
    step();
  }

  const summaries = journal.listStrategies();
  const byName = new Map(summaries.map((s) => [s.strategyName, s]));
  const tiers = strategyTiers(journal);
  for (const name of [...strategyNames].sort()) {
    const history: RunEntry[] = journal.strategyHistory(name);
    out.note(VAULT_FOLDERS.strategies, strategyNoteName(name), strategyNote(name, history, byName.get(name), tiers.get(name)));
    out.summary.strategies++;
  }

  out.note('', 'Dashboard', dashboardNote(summaries, path.basename(journal.path)), '');
  return out.summary;
}

/** Exports what one run touched: its trades, run note, charts, decision log, strategy and dashboard. */
export function exportRunToVault(journal: Journal, dir: string, runId: number, options?: VaultExportOptions): VaultExportSummary {
  return exportVault(journal, dir, { runId }, options);
}

/** Where a trade's note is (or will be) in the vault at `dir`, for editors that open it. */
export function tradeNotePath(dir: string, trade: Pick<TradeEntry, 'id' | 'symbol' | 'side'>): string {
  return path.join(path.resolve(dir), VAULT_FOLDERS.trades, `${tradeNoteName(trade)}.md`);
}

/** Where a run's Performance note is in the vault at `dir`. */
export function runNotePath(dir: string, runId: number): string {
  return path.join(path.resolve(dir), VAULT_FOLDERS.performance, `${runNoteName(runId)}.md`);
}

/**
 * After a run is recorded: opens the journal file, exports what the run touched into the vault, and
 * closes it again (the CLI and the sidecar call this when volt.config.json names a vault).
 */
export function exportRunToVaultFile(journalPath: string, dir: string, runId: number): VaultExportSummary {
  const journal = Journal.open(journalPath);
  try {
    return exportRunToVault(journal, dir, runId);
  } finally {
    journal.close();
  }
}
