/** workspace/executeCommand: volt.analyze, volt.backtest, volt.journal, volt.agentStatus. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { agentStatus, Journal, type JournalFilter } from '@volt/engine';
import { ErrorCodes, LSPErrorCodes, ResponseError, type CancellationToken, type ExecuteCommandParams, type WorkDoneProgressReporter } from 'vscode-languageserver';
import {
  ALL_COMMANDS,
  Commands,
  type AgentStatusResult,
  type AnalyzeParams,
  type AnalyzeResult,
  type BacktestParams,
  type BacktestResult,
  type CritiqueStatus,
  type JournalParams,
  type JournalResult,
} from '../protocol.js';
import { fromEngineFinding, toVoltFinding, type ServerFinding } from '../service/diagnostics.js';
import { journalResult } from '../service/journal.js';
import { checkStrategyTarget } from '../service/targets.js';
import { ClientProgress, commandArgument, optionalArgument, toEpochMs } from '../params.js';
import { uriToPath, type WorkspaceState } from '../workspace.js';
import type { Features } from './features.js';

export class CommandsHandler {
  constructor(
    private readonly state: WorkspaceState,
    private readonly features: Features,
  ) {}

  async execute(params: ExecuteCommandParams, token: CancellationToken): Promise<unknown> {
    const workDone = params.workDoneToken !== undefined ? new ClientProgress(this.state.connection, params.workDoneToken) : undefined;
    switch (params.command) {
      case Commands.analyze:
        return this.analyze(this.strategyArgument<AnalyzeParams>(params));
      case Commands.backtest:
        return this.backtest(this.strategyArgument<BacktestParams>(params), token, workDone);
      case Commands.journal:
        return this.journal(optionalArgument<JournalParams>(params));
      case Commands.agentStatus:
        return this.agentStatus();
      default:
        throw new ResponseError(ErrorCodes.InvalidParams, `unknown command '${params.command}'; known: ${ALL_COMMANDS.join(', ')}`);
    }
  }

  /** The command's argument, refused before anything is read when it is not a strategy of the workspace. */
  private strategyArgument<T extends { uri: string }>(params: ExecuteCommandParams): T {
    const s = this.state;
    const arg = commandArgument<T>(params);
    const config = this.features.settings.configInUse();
    const folders = [...s.folders, ...(config !== undefined ? [path.dirname(config)] : [])];
    const target = checkStrategyTarget(params.command, arg.uri, folders.length > 0 ? folders : [s.root], s.documents.get(arg.uri) !== undefined);
    if (!target.ok) throw new ResponseError(ErrorCodes.InvalidParams, target.message);
    return arg;
  }

  private async analyze(p: AnalyzeParams): Promise<AnalyzeResult> {
    const { documents, critique, runs } = this.features;
    const doc = this.state.documents.get(p.uri);
    let statics: ServerFinding[];
    if (doc) {
      statics = (await documents.analyze(doc)).findings;
      this.state.publish(doc.uri);
    } else {
      let text: string;
      try {
        text = readFileSync(uriToPath(p.uri), 'utf8');
      } catch {
        throw new ResponseError(ErrorCodes.InvalidParams, `cannot read ${p.uri}: open it or pass the URI of an existing file`);
      }
      statics = (await documents.staticAnalyzer().analyze(uriToPath(p.uri), text, documents.analysisConfig())).map(fromEngineFinding);
    }
    // Whatever goes wrong with the critique costs the critique, never the static findings.
    const status = await critique.critique(p.uri, statics).catch((e: unknown): CritiqueStatus => {
      const reason = `the critique failed: ${e instanceof Error ? e.message : String(e)}`;
      this.state.log(reason);
      return { source: 'unavailable', model: this.state.config.ollama.models.critique, reason };
    });
    const findings = [...statics, ...this.state.findingsOf(p.uri, 'backtest'), ...this.state.findingsOf(p.uri, 'critique')].map(toVoltFinding);
    return { uri: p.uri, version: doc?.version ?? null, findings, lastBacktest: runs.lastOf(p.uri).summary ?? null, critique: status };
  }

  private async backtest(p: BacktestParams, token: CancellationToken, given: WorkDoneProgressReporter | undefined): Promise<BacktestResult> {
    const s = this.state;
    if (!existsSync(uriToPath(p.uri))) throw new ResponseError(ErrorCodes.InvalidParams, `no such file: ${p.uri}`);
    const progress = given ?? (s.canCreateProgress ? await s.connection.window.createWorkDoneProgress().catch(() => undefined) : undefined);
    progress?.begin('Volt backtest', 0, path.basename(uriToPath(p.uri)), true);
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort('cancelled'));
    // A progress the server created can be cancelled from the client's progress UI.
    if (progress && 'token' in progress) (progress as { token: CancellationToken }).token.onCancellationRequested(() => controller.abort('cancelled'));
    try {
      const outcome = await this.features.runs.commandRun(p.uri, controller, () =>
        this.features.runs.backtest(p.uri, { why: 'command', params: p, signal: controller.signal, ...(progress ? { progress } : {}) }),
      );
      switch (outcome.status) {
        case 'done': {
          // A run asked for is answered once it is in the journal, so the answer names it (summary.runId).
          await outcome.recorded;
          return { uri: p.uri, summary: outcome.summary, delta: outcome.delta, findings: outcome.findings.map(toVoltFinding), report: outcome.result.report };
        }
        case 'failed':
          throw new ResponseError(ErrorCodes.InternalError, outcome.message, { findings: outcome.findings.map(toVoltFinding) });
        default:
          if (controller.signal.reason === 'superseded') throw new ResponseError(LSPErrorCodes.ContentModified, 'superseded by a newer edit of the strategy');
          throw new ResponseError(LSPErrorCodes.RequestCancelled, 'backtest cancelled');
      }
    } finally {
      progress?.done();
    }
  }

  private journal(p: JournalParams): JournalResult {
    const s = this.state;
    const file = s.journalPath();
    if (!existsSync(file)) return journalResult(file, [], [], s.vault());
    const filter: JournalFilter = { limit: p.limit ?? 20 };
    if (p.strategy !== undefined) {
      if (p.strategy.startsWith('file:')) filter.strategyPath = uriToPath(p.strategy);
      else if (path.isAbsolute(p.strategy)) filter.strategyPath = p.strategy;
      else filter.strategy = p.strategy;
    }
    if (p.outcome !== undefined) filter.outcome = p.outcome;
    if (p.from !== undefined) filter.from = toEpochMs(p.from, 'from');
    if (p.to !== undefined) filter.to = toEpochMs(p.to, 'to');
    const journal = Journal.open(file);
    try {
      const { outcome, ...runFilter } = filter;
      return journalResult(file, outcome === undefined ? journal.listRuns(runFilter) : [], journal.listTrades(filter), s.vault());
    } finally {
      journal.close();
    }
  }

  private async agentStatus(): Promise<AgentStatusResult> {
    const file = this.state.journalPath();
    const journal = existsSync(file) ? Journal.open(file) : undefined;
    try {
      const status = await agentStatus(this.state.config, journal);
      // A host setting that cannot be used is the reason, whatever the fallback host answers.
      if (this.state.hostProblem !== undefined) status.llm = { ...status.llm, available: false, reason: this.state.hostProblem };
      return status;
    } finally {
      journal?.close();
    }
  }
}
