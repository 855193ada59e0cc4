/**
 * volt/draftStrategy: a strategy drafted from an idea by the synthesizer model and proven by the
 * engine (engine/src/synth) before it is written. The sidecar adds what an editor needs: the
 * workspace's settings, data and journal, a line of progress per attempt, cancellation, and the
 * report the faces open beside the draft.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DEFAULT_SYNTH_MODEL,
  defaultDraftPath,
  formatFinding,
  gatewayFromConfig,
  isVoltError,
  resolveDataSpec,
  synthAnswerTimeout,
  synthesizeStrategy,
  SynthJournal,
  synthReport,
  writeDraft,
  type CandleSeries,
  type DraftAttempt,
} from '@volt/engine';
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken, type WorkDoneProgressReporter } from 'vscode-languageserver';
import { DRAFT_PROGRESS_NOTIFICATION, type DraftProgressParams, type DraftStrategyParams, type DraftStrategyResult } from '../protocol.js';
import { ClientProgress } from '../params.js';
import type { WorkspaceState } from '../workspace.js';
import type { Features } from './features.js';

export class SynthHandler {
  constructor(
    private readonly state: WorkspaceState,
    private readonly features: Features,
  ) {}

  async draft(params: DraftStrategyParams, token: CancellationToken): Promise<DraftStrategyResult> {
    const s = this.state;
    const idea = typeof params?.idea === 'string' ? params.idea.trim() : '';
    if (!idea) throw new ResponseError(ErrorCodes.InvalidParams, 'volt/draftStrategy needs { idea }: what the strategy should do');
    if (params.out !== undefined && (typeof params.out !== 'string' || !params.out.endsWith('.strategy.ts'))) {
      throw new ResponseError(ErrorCodes.InvalidParams, `out must name a .strategy.ts file, got ${JSON.stringify(params.out)}`);
    }
    const attempts = params.attempts ?? 4;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) throw new ResponseError(ErrorCodes.InvalidParams, `attempts must be a whole number from 1 to 20, got ${JSON.stringify(params.attempts)}`);
    const spec = typeof params.data === 'string' && params.data.trim() ? params.data.trim() : s.config.data.default;
    const model = params.model ?? s.config.ollama.models.synth ?? DEFAULT_SYNTH_MODEL;
    let series: CandleSeries;
    try {
      series = await resolveDataSpec(spec, { cwd: s.root, lenient: true });
    } catch (e) {
      const hint = isVoltError(e) && e.hint ? ` (${e.hint})` : '';
      throw new ResponseError(LSPErrorCodes.RequestFailed, `volt/draftStrategy: could not load ${spec}: ${e instanceof Error ? e.message : String(e)}${hint}`);
    }

    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    const progress: WorkDoneProgressReporter | undefined = params.workDoneToken !== undefined ? new ClientProgress(s.connection, params.workDoneToken) : undefined;
    progress?.begin('Volt: drafting a strategy', 0, idea, true);
    const tell = (p: DraftProgressParams) => {
      void s.connection.sendNotification(DRAFT_PROGRESS_NOTIFICATION, p);
      progress?.report(Math.round(((p.attempt - (p.state === 'asking' ? 1 : 0)) / p.of) * 100), p.message);
    };
    const journal = s.journalCache();
    const synthesis = journal ? new SynthJournal(journal, { idea, model, dataSpec: spec }) : undefined;
    try {
      const outcome = await synthesizeStrategy({
        idea, model, series, dataLabel: spec, maxAttempts: attempts, signal: controller.signal, answerTimeoutMs: synthAnswerTimeout(s.config.ollama.timeoutMs),
        // On the analysis thread, which holds the TypeScript checker the editor's diagnostics use.
        analyze: (text, fileName, config) => this.features.documents.staticAnalyzer().analyze(fileName, text, config),
        ...(s.options.sandboxHostFile ? { hostFile: s.options.sandboxHostFile } : {}),
        gateway: gatewayFromConfig(s.config.ollama, { ...(journal ? { cache: journal } : {}), ...(s.hostProblem !== undefined ? { hostProblem: s.hostProblem } : {}) }),
        options: { capital: s.config.backtest.capital, feeRate: s.config.backtest.feeRate, slippage: s.config.backtest.slippage, seed: 1, maxPositionCap: s.config.risk.maxPositionPct },
        limits: { timeoutMs: s.config.backtest.timeoutMs, maxMemoryMb: s.config.backtest.maxMemoryMb },
        onAttemptStart: (attempt, of) => tell({ attempt, of, state: 'asking', message: `attempt ${attempt} of ${of}: asking ${model}` }),
        onAttempt: (a) => {
          synthesis?.recordAttempt(a);
          tell({ attempt: a.attempt, of: attempts, state: a.proven ? 'proven' : 'refused', message: `attempt ${a.attempt} of ${attempts}: ${attemptLine(a)}` });
        },
      });
      let file: string | undefined;
      let tier: string | undefined;
      if (outcome.status === 'proven') {
        file = params.out !== undefined ? path.resolve(s.root, params.out) : defaultDraftPath(s.root, outcome.draft.slug);
        tier = writeDraft(outcome.draft, file, journal).tier;
        s.log(`draft: wrote ${file} (${outcome.draft.name}, tier ${tier})`);
      }
      synthesis?.finish(outcome, file);
      const report = synthReport(idea, model, spec, outcome, file && (path.relative(s.root, file) || file));
      const reportFile = this.writeReport(report, file ? path.basename(file, '.strategy.ts') : `draft-${synthesis?.id ?? Date.now()}`);
      return {
        status: outcome.status,
        ...(file ? { uri: pathToFileURL(file).href } : {}),
        ...(outcome.status === 'proven' ? { name: outcome.draft.name, tier: tier! } : {}),
        ...(outcome.status === 'refused' || outcome.status === 'unavailable' ? { message: outcome.message } : {}),
        report,
        ...(reportFile ? { reportUri: pathToFileURL(reportFile).href } : {}),
        attempts: outcome.attempts.map((a) => ({ attempt: a.attempt, stage: a.stage, proven: a.proven, findings: a.findings.map(formatFinding) })),
      };
    } finally {
      progress?.done();
    }
  }

  /** `.volt/drafts/<stem>.report.md` beside the journal; a report that cannot be written is still returned. */
  private writeReport(report: string, stem: string): string | undefined {
    const file = path.join(path.dirname(this.state.journalPath()), 'drafts', `${stem}.report.md`);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, report);
      return file;
    } catch (e) {
      this.state.log(`draft: could not write ${file}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }
}

function attemptLine(a: DraftAttempt): string {
  if (a.proven) return `proven, ${a.walkForward!.verdict}`;
  return `refused at ${a.stage}: ${a.findings.slice(0, 2).map(formatFinding).join('; ')}${a.findings.length > 2 ? ` (and ${a.findings.length - 2} more)` : ''}`;
}
