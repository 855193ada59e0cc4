/**
 * Review (issue 13): volt/runs, volt/run, volt/trade, volt/annotateTrade, volt/exportVault. The
 * journal read back for a face that reviews trades (Obsidian first), and the trader's review written
 * into it. Each request opens the workspace journal, answers, and closes it again, so several
 * sidecars and the CLI share the file as they do for volt.journal.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { exportVault, isVoltError, Journal, type JournalFilter, type VaultExportOptions } from '@volt/engine';
import { ErrorCodes, LSPErrorCodes, ResponseError, type Connection } from 'vscode-languageserver';
import {
  Requests,
  type AnnotateTradeParams,
  type AnnotateTradeResult,
  type ExportVaultParams,
  type ExportVaultResult,
  type RunDetailResult,
  type RunParams,
  type RunsParams,
  type RunsResult,
  type TradeDetailResult,
  type TradeParams,
} from '../protocol.js';
import { ClientProgress } from '../params.js';
import { runEntry } from '../service/journal.js';
import { auditorNotes, reviewOf, reviewTrade, runDetail, tradeDecision } from '../service/review.js';
import { uriToPath, type WorkspaceState } from '../workspace.js';

export class ReviewHandler {
  constructor(private readonly state: WorkspaceState) {}

  /** Binds the five requests; `open` refuses them once the server is shutting down. */
  register(c: Connection, open: <A extends unknown[], R>(handler: (...args: A) => R) => (...args: A) => R): void {
    c.onRequest(Requests.runs, open((p: RunsParams | undefined) => this.runs(p)));
    c.onRequest(Requests.run, open((p: RunParams) => this.run(p)));
    c.onRequest(Requests.trade, open((p: TradeParams) => this.trade(p)));
    c.onRequest(Requests.annotateTrade, open((p: AnnotateTradeParams) => this.annotateTrade(p)));
    c.onRequest(Requests.exportVault, open((p: ExportVaultParams | undefined) => this.exportVault(p)));
  }

  runs(p: RunsParams | undefined): RunsResult {
    const params = p ?? {};
    const file = this.state.journalPath();
    const vault = this.state.vault();
    const result: RunsResult = { runs: [], journalPath: file, ...(vault ? { vaultPath: vault.path } : {}) };
    if (!existsSync(file)) return result;
    const filter: JournalFilter = { limit: wholeNumber(params.limit ?? 50, 'limit') };
    if (typeof params.strategy === 'string') {
      if (params.strategy.startsWith('file:')) filter.strategyPath = uriToPath(params.strategy);
      else if (path.isAbsolute(params.strategy)) filter.strategyPath = params.strategy;
      else filter.strategy = params.strategy;
    }
    return this.withJournal((j) => ({ ...result, runs: j.listRuns(filter).map((r) => runEntry(r, vault?.notes)) }));
  }

  run(p: RunParams): RunDetailResult {
    const runId = wholeNumber(p?.runId, 'runId');
    return this.withJournal((j) => {
      const run = j.getRun(runId);
      if (!run) throw notFound(`run ${runId} is not in the journal at ${j.path}`, 'pick a run from volt/runs (a run note\'s `run`)');
      return runDetail(run, j.listTrades({ runId }), this.state.vault()?.notes);
    });
  }

  trade(p: TradeParams): TradeDetailResult {
    const tradeId = wholeNumber(p?.tradeId, 'tradeId');
    return this.withJournal((j) => {
      const t = j.getTrade(tradeId);
      if (!t) throw notFound(`trade ${tradeId} is not in the journal at ${j.path}`, "pick a trade from volt/run (a trade note's `trade_id`)");
      const run = j.getRun(t.runId)!;
      const decisions = j
        .listDecisions({ runId: t.runId })
        .filter((d) => d.tradeNo === t.tradeNo)
        .reverse()
        .map(tradeDecision);
      const notes = this.state.vault()?.notes;
      return {
        trade: reviewTrade(t, notes),
        run: { runId: run.id, strategy: run.strategyName, path: run.strategyPath, data: run.dataSource, timeframe: run.timeframe, symbol: run.symbol },
        decisions,
        auditorNotes: auditorNotes(j.listAgentMessages(t.runId)),
        ...(notes ? { notePath: notes.trade(t) } : {}),
      };
    });
  }

  annotateTrade(p: AnnotateTradeParams): AnnotateTradeResult {
    const tradeId = wholeNumber(p?.tradeId, 'tradeId');
    const { tradeId: _, ...change } = p;
    return this.withJournal((j) => {
      const review = j.annotateTrade(tradeId, change);
      const notes = this.state.vault()?.notes;
      const t = notes ? j.getTrade(tradeId) : undefined;
      return { tradeId, review: reviewOf(review), ...(notes && t ? { notePath: notes.trade(t) } : {}) };
    });
  }

  exportVault(p: ExportVaultParams | undefined): ExportVaultResult {
    const params = p ?? {};
    const s = this.state;
    const configured = s.vault()?.path;
    const dir = typeof params.vault === 'string' && params.vault.trim() ? path.resolve(s.root, params.vault) : configured;
    if (dir === undefined) {
      throw new ResponseError(ErrorCodes.InvalidParams, 'volt/exportVault: no vault folder: pass { vault } or set vault.path in volt.config.json');
    }
    const filter: JournalFilter = {};
    if (params.runId !== undefined) filter.runId = wholeNumber(params.runId, 'runId');
    if (typeof params.strategy === 'string') filter.strategy = params.strategy;
    const progress = params.workDoneToken !== undefined ? new ClientProgress(s.connection, params.workDoneToken) : undefined;
    progress?.begin('Volt: export to the vault', 0, dir);
    const options: VaultExportOptions = { force: params.force === true };
    if (progress) options.onProgress = (done, total) => progress.report(Math.round((100 * done) / total), `${done} of ${total} notes`);
    try {
      return this.withJournal((j) => ({ ...exportVault(j, dir, filter, options) }));
    } finally {
      progress?.done();
    }
  }

  /** The workspace journal for one request; what goes wrong is said as the journal's own error says it. */
  private withJournal<T>(read: (journal: Journal) => T): T {
    let journal: Journal | undefined;
    try {
      journal = Journal.open(this.state.journalPath());
      return read(journal);
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      if (isVoltError(e)) throw new ResponseError(LSPErrorCodes.RequestFailed, sidecarWords(e.format()).replace(/\n\s*fix: /, ' (fix: ') + (e.hint ? ')' : ''));
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new ResponseError(LSPErrorCodes.RequestFailed, (e as Error).message);
      throw e;
    } finally {
      journal?.close();
    }
  }
}

/** The journal's hints speak to the CLI (--journal); a face's user points the journal.path setting instead. */
function sidecarWords(message: string): string {
  return message.replace(/pass --journal with another path|point --journal at another file/g, 'point the journal.path setting at another file');
}

function wholeNumber(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw new ResponseError(ErrorCodes.InvalidParams, `${what} must be a whole number, got ${JSON.stringify(v)}`);
}

function notFound(message: string, hint: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, `${message}: ${hint}`);
}
