/**
 * What happens to a synthesis outside the model: its attempts in the journal, a proven draft
 * written (with its header) and placed in the COLD tier, and the report a trader reads.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { moveTier, strategyTiers, type Journal } from '../journal/index.js';
import { formatFinding } from './prompt.js';
import type { DraftAttempt, ProvenDraft, SynthOutcome } from './synthesize.js';

/** The default home of drafts, under the workspace root. */
export const DRAFTS_FOLDER = 'strategies/drafts';

/** Journals a synthesis and each of its attempts (tables `syntheses`, `synth_attempts`). */
export class SynthJournal {
  readonly id: number;

  constructor(
    private readonly journal: Journal,
    meta: { idea: string; model: string; dataSpec: string },
    now = Date.now(),
  ) {
    this.id = Number(
      journal.db.prepare(`INSERT INTO syntheses (started_at, status, idea, model, data_spec) VALUES (?, 'running', ?, ?, ?)`).run(now, meta.idea, meta.model, meta.dataSpec).lastInsertRowid,
    );
  }

  recordAttempt(a: DraftAttempt, now = Date.now()): void {
    this.journal.db
      .prepare(`INSERT INTO synth_attempts (synthesis_id, attempt, at, model, prompt_hash, answer_source, code_hash, strategy_name, stage, proven, findings, metrics, walk_forward)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(this.id, a.attempt, now, a.model, a.promptHash, a.answerSource, a.codeHash ?? null, a.strategy?.name ?? a.name ?? null, a.stage, a.proven ? 1 : 0,
        JSON.stringify(a.findings), a.metrics ? JSON.stringify(a.metrics) : null, a.walkForward ? JSON.stringify(a.walkForward) : null);
  }

  finish(outcome: SynthOutcome, draftPath?: string, now = Date.now()): void {
    const status = outcome.status === 'cancelled' ? 'failed' : outcome.status;
    const message = outcome.status === 'refused' || outcome.status === 'unavailable' ? outcome.message : outcome.status === 'cancelled' ? 'cancelled' : null;
    this.journal.db
      .prepare(`UPDATE syntheses SET finished_at = ?, status = ?, strategy_name = ?, draft_path = ?, message = ? WHERE id = ?`)
      .run(now, status, outcome.status === 'proven' ? outcome.draft.name : null, draftPath ?? null, message, this.id);
  }
}

/** One attempt of a synthesis as the journal holds it. */
export interface SynthAttemptRow {
  attempt: number;
  model: string;
  promptHash: string;
  answerSource: 'llm' | 'cache';
  codeHash: string | null;
  strategyName: string | null;
  stage: string;
  proven: boolean;
  findings: unknown[];
  metrics: Record<string, unknown> | null;
}

export function synthAttempts(journal: Journal, synthesisId: number): SynthAttemptRow[] {
  const rows = journal.db.prepare(`SELECT * FROM synth_attempts WHERE synthesis_id = ? ORDER BY attempt`).all(synthesisId) as Record<string, unknown>[];
  return rows.map((r) => ({
    attempt: r.attempt as number, model: r.model as string, promptHash: r.prompt_hash as string, answerSource: r.answer_source as 'llm' | 'cache',
    codeHash: r.code_hash as string | null, strategyName: r.strategy_name as string | null, stage: r.stage as string, proven: r.proven === 1,
    findings: JSON.parse(r.findings as string) as unknown[], metrics: r.metrics ? (JSON.parse(r.metrics as string) as Record<string, unknown>) : null,
  }));
}

/** The draft's file text: a header saying who wrote it from what and how it scored, then the code unchanged. */
export function draftText(d: ProvenDraft): string {
  const w = d.walkForward;
  const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
  const header = [
    `// Drafted by ${d.model} through \`volt synth\` from the idea:`,
    `//   ${oneLine(d.idea)}`,
    `// Proven on ${d.dataLabel}: out-of-sample Sharpe ${w.meanOutOfSample.toFixed(2)} (in-sample ${w.meanInSample.toFixed(2)},`,
    `// walk-forward efficiency ${(w.efficiency * 100).toFixed(0)}% over ${w.folds} folds); whole data: ${d.metrics.trades} trades,`,
    `// return ${(d.metrics.totalReturn * 100).toFixed(2)}%, max drawdown ${(d.metrics.maxDrawdown * 100).toFixed(1)}%. Attempt ${d.attempt}. Tier: COLD.`,
  ];
  return `${header.join('\n')}\n${d.code.endsWith('\n') ? d.code : d.code + '\n'}`;
}

/** `<root>/strategies/drafts/<slug>.strategy.ts`, or `<slug>-2…` when that file exists already. */
export function defaultDraftPath(root: string, slug: string): string {
  const dir = path.join(root, DRAFTS_FOLDER);
  for (let n = 1; ; n++) {
    const file = path.join(dir, `${slug}${n === 1 ? '' : `-${n}`}.strategy.ts`);
    if (!existsSync(file)) return file;
  }
}

/**
 * Writes a proven draft (whole or not at all: a temporary file renamed into place) and places it
 * in the COLD tier with the walk-forward's evidence, unless the journal already tiers a strategy
 * of that name (a redraft does not reset what sweeps decided). Returns the tier it is in.
 */
export function writeDraft(d: ProvenDraft, file: string, journal?: Journal, now = Date.now()): { tier: string; placed: boolean } {
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, draftText(d));
  renameSync(partial, file);
  if (!journal) return { tier: 'COLD', placed: false };
  const current = strategyTiers(journal).get(d.name);
  if (current) return { tier: current.tier, placed: false };
  const w = d.walkForward;
  moveTier(journal, {
    strategyName: d.name,
    at: now,
    to: 'COLD',
    reason: `drafted by ${d.model} from an idea; proven by walk-forward (out-of-sample Sharpe ${w.meanOutOfSample.toFixed(2)} over ${w.folds} folds), sweeps decide from here`,
    sweepId: null,
    evidence: w.evidence ?? {},
  });
  return { tier: 'COLD', placed: true };
}

/** The synthesis as Markdown: each attempt, where it stopped and why; what was written. */
export function synthReport(idea: string, model: string, dataLabel: string, outcome: SynthOutcome, draftPath?: string): string {
  const lines = [`# Strategy draft: ${idea.replace(/\s+/g, ' ').trim()}`, '', `Model ${model}, data ${dataLabel}.`, ''];
  if (outcome.status === 'proven') lines.push(`**Proven** at attempt ${outcome.draft.attempt}: ${outcome.draft.walkForward.verdict}.${draftPath ? ` Written to \`${draftPath}\` (tier COLD).` : ''}`);
  else if (outcome.status === 'cancelled') lines.push('**Cancelled.** Nothing was written.');
  else lines.push(`**Nothing written.** ${outcome.message}.`);
  for (const a of outcome.attempts) {
    lines.push('', `## Attempt ${a.attempt}: ${a.proven ? 'proven' : `refused at ${a.stage}`}${a.name ? ` (${a.strategy?.name ?? a.name})` : ''}`, '');
    lines.push(`Answer ${a.answerSource === 'cache' ? 'replayed from the journal cache' : `from ${a.model}`}; prompt ${a.promptHash.slice(0, 12)}${a.codeHash ? `, code ${a.codeHash.slice(0, 12)}` : ''}.`);
    for (const f of a.findings) lines.push(`- ${formatFinding(f)}`);
    const m = a.metrics;
    if (m) lines.push(`- whole data: ${m.trades} trades, Sharpe ${m.sharpe.toFixed(2)}, return ${(m.totalReturn * 100).toFixed(2)}%, max drawdown ${(m.maxDrawdown * 100).toFixed(1)}%`);
    if (a.walkForward) lines.push(`- walk-forward: ${a.walkForward.verdict}`);
  }
  return lines.join('\n') + '\n';
}
