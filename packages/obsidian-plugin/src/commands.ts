/**
 * What the palette's commands do, apart from Obsidian's UI: main.ts finds the active note and opens
 * views and modals; these talk to the sidecar and say how it went in one Notice. A user's mistake
 * (a note that is not Volt's, a strategy that moved, a trade not in the journal, a locked journal)
 * is a Notice naming the note or file and what to do, never a stack trace, and changes nothing.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Notice } from 'obsidian';
import type { AgentStatusResult, ExportVaultResult, RunDetailResult, TradeReview } from '@volt/lsp-server/protocol';
import type { VoltClient } from './client.js';
import { noteTarget, type NoteInfo } from './notes.js';
import type { ReviewValues } from './review.js';

export { parseTags, type ReviewValues } from './review.js';

export interface CommandContext {
  client: VoltClient;
  syncAfterRun: boolean;
  /** Shows a message (a Notice in Obsidian). */
  notify?(message: string): void;
}

/** A mistake of the user's, said as it is. */
export class VoltNotice extends Error {}

const say = (ctx: CommandContext, message: string): void => (ctx.notify ? ctx.notify(message) : void new Notice(message));

/** The one line a failed command shows: the sidecar's own message for its errors, prefixed once. */
export function messageOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.startsWith('Volt:') ? m : `Volt: ${m}`;
}

/** Runs a command; what goes wrong becomes one Notice and `undefined`. */
export async function attempt<T>(ctx: CommandContext, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    say(ctx, messageOf(e));
    return undefined;
  }
}

function counts(r: ExportVaultResult): string {
  return `${r.files} files: ${r.created} new, ${r.updated} updated, ${r.unchanged} unchanged`;
}

/** Volt: Sync journal to vault. */
export async function syncVault(ctx: CommandContext): Promise<ExportVaultResult | undefined> {
  return attempt(ctx, async () => {
    const r = await ctx.client.exportVault({ workDoneToken: `volt-export-${Date.now()}` });
    say(ctx, `Volt: vault synced (${r.trades} trades, ${r.runs} runs, ${r.strategies} strategies; ${counts(r)})`);
    return r;
  });
}

/** The strategy file a Strategy, Run or Trade note stands for; a Notice when there is none or it is gone. */
export async function strategyFileOf(ctx: CommandContext, note: NoteInfo): Promise<{ file: string; strategy: string }> {
  const target = noteTarget(note);
  let file: string | null | undefined;
  let strategy = '';
  let what = note.path;
  switch (target.kind) {
    case 'none':
      throw new VoltNotice(`Volt: ${note.path} is not a Volt Strategy, Run or Trade note (no trade_id, run or strategy in its frontmatter). Open one from the Volt folder.`);
    case 'trade': {
      const t = await ctx.client.trade(target.tradeId);
      file = t.run.path;
      strategy = t.run.strategy;
      what = `Trade ${target.tradeId}`;
      break;
    }
    case 'run': {
      const r = await ctx.client.run(target.runId);
      file = r.run.path ?? target.strategyPath;
      strategy = r.run.strategy;
      what = `Run ${target.runId}`;
      break;
    }
    case 'strategy': {
      const runs = await ctx.client.runs({ strategy: target.strategy, limit: 1 });
      file = runs.runs[0]?.path;
      strategy = target.strategy;
      what = `Strategy ${target.strategy}`;
      if (!file) throw new VoltNotice(`Volt: the journal has no run of ${target.strategy} with its file, so ${note.path} links to no strategy file. Backtest it once from its folder.`);
      break;
    }
  }
  if (!file) throw new VoltNotice(`Volt: ${what} (${note.path}) does not say which strategy file it ran. Backtest the strategy from its folder.`);
  if (!existsSync(file)) {
    throw new VoltNotice(`Volt: ${what} (${note.path}) links to ${file}, which is not there any more. Restore it, or backtest the strategy from where it is now.`);
  }
  return { file, strategy };
}

/** Volt: Backtest this strategy: volt.backtest on the note's strategy file, then its notes. */
export async function backtestNote(ctx: CommandContext, note: NoteInfo): Promise<{ runId: number | undefined; exported?: ExportVaultResult } | undefined> {
  return attempt(ctx, async () => {
    const { file, strategy } = await strategyFileOf(ctx, note);
    say(ctx, `Volt: backtesting ${strategy}…`);
    const result = await ctx.client.backtest({ uri: pathToFileURL(file).href });
    const s = result.summary;
    // The sidecar answers once the run is in the journal, with its id; none when the journal could not take it.
    const runId = s.runId !== undefined ? Number(s.runId) : undefined;
    const exported = ctx.syncAfterRun && runId !== undefined ? await ctx.client.exportVault({ runId }) : undefined;
    const pct = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`;
    say(
      ctx,
      `Volt: ${strategy}: Sharpe ${s.sharpe.toFixed(2)}, return ${pct(s.totalReturn)}, ${s.trades} trades` +
        (runId !== undefined ? ` (run ${runId})` : ', not recorded in the journal (the sidecar log says why)') +
        (exported ? `; notes ${exported.created} new, ${exported.updated} updated` : ''),
    );
    return { runId, ...(exported ? { exported } : {}) };
  });
}

/** Volt: Review this trade (the modal's Save): into the journal, then the trade's notes. */
export async function saveReview(ctx: CommandContext, tradeId: number, values: ReviewValues): Promise<TradeReview | undefined> {
  return attempt(ctx, async () => {
    const r = await ctx.client.annotateTrade({ tradeId, ...values });
    const detail = await ctx.client.trade(tradeId);
    await ctx.client.exportVault({ runId: detail.run.runId });
    say(ctx, `Volt: review of trade ${tradeId} saved to the journal${r.review.rating !== null ? ` (${r.review.rating}/5)` : ''}`);
    return r.review;
  });
}

/** The trade a note is about: a Notice when it is not a Trade note. */
export function tradeIdOf(note: NoteInfo): number {
  const t = noteTarget(note);
  if (t.kind !== 'trade') throw new VoltNotice(`Volt: ${note.path} is not a Volt Trade note (no trade_id in its frontmatter). Open a note from the Trades folder.`);
  return t.tradeId;
}

/** Volt: Compare runs: the note's run (or the strategy's latest) beside the run before it. */
export async function runsToCompare(ctx: CommandContext, note: NoteInfo): Promise<[RunDetailResult, RunDetailResult]> {
  const target = noteTarget(note);
  let strategy: string;
  let newest: number | undefined;
  if (target.kind === 'strategy') strategy = target.strategy;
  else if (target.kind === 'run') {
    strategy = (await ctx.client.run(target.runId)).run.strategy;
    newest = target.runId;
  } else if (target.kind === 'trade') {
    const t = await ctx.client.trade(target.tradeId);
    strategy = t.run.strategy;
    newest = t.run.runId;
  } else throw new VoltNotice(`Volt: ${note.path} is not a Volt Strategy, Run or Trade note, so there is no strategy to compare runs of.`);
  const ids = (await ctx.client.runs({ strategy, limit: 200 })).runs.map((r) => Number(r.runId));
  const from = newest !== undefined ? ids.indexOf(newest) : 0;
  const pair = ids.slice(Math.max(0, from), Math.max(0, from) + 2);
  if (pair.length < 2) throw new VoltNotice(`Volt: ${strategy} has only ${ids.length} run${ids.length === 1 ? '' : 's'} in the journal; compare needs two. Backtest it again after a change.`);
  const [a, b] = await Promise.all([ctx.client.run(pair[1]!), ctx.client.run(pair[0]!)]);
  return [a, b];
}

/** Volt: Agent status. */
export function agentStatus(ctx: CommandContext): Promise<AgentStatusResult> {
  return ctx.client.agentStatus();
}

/** The ribbon: the newest run in the journal. */
export async function latestRunId(ctx: CommandContext): Promise<number> {
  const runs = await ctx.client.runs({ limit: 1 });
  const run = runs.runs[0];
  if (!run) throw new VoltNotice(`Volt: the journal (${runs.journalPath}) has no runs yet. Backtest a strategy first (volt backtest, or save it in an editor with Volt).`);
  return Number(run.runId);
}
