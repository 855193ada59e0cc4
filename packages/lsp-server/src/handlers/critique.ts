/**
 * The LLM critique: the critique model is asked about a strategy (with its static findings and its
 * last run), its points become VOLT3xx diagnostics with their edits as code actions. Answers are
 * cached in the workspace journal, so a repeated question costs nothing.
 */
import path from 'node:path';
import { critiqueStrategy, OllamaGateway } from '@volt/engine';
import type { CancellationToken } from 'vscode-languageserver';
import { Notifications, type CritiqueStatus, type CritiqueStatusParams } from '../protocol.js';
import { lineRange } from '../service/backtest.js';
import type { ServerFinding } from '../service/diagnostics.js';
import { uriToPath, type WorkspaceState } from '../workspace.js';
import type { Features } from './features.js';

export class CritiqueHandler {
  private gateway: OllamaGateway | undefined;
  private readonly inFlight = new Map<string, AbortController>();

  constructor(
    private readonly state: WorkspaceState,
    private readonly features: Features,
  ) {}

  /** Host, timeout or model may have changed: the next critique makes a new gateway. */
  configure(): void {
    this.gateway = undefined;
  }

  abort(uri: string, why: string): void {
    this.inFlight.get(uri)?.abort(why);
  }

  forget(uri: string): void {
    this.abort(uri, 'closed');
  }

  /** The critique of a save: faces are told how it went (volt/critiqueStatus), since nothing asked for it. */
  async critiqueOnSave(uri: string): Promise<void> {
    const status = await this.critique(uri);
    if (this.state.shuttingDown) return;
    const params: CritiqueStatusParams = { uri, ...status, at: Date.now(), findings: status.source === 'unavailable' ? 0 : this.state.findingsOf(uri, 'critique').length };
    void this.state.connection.sendNotification(Notifications.critiqueStatus, params);
  }

  /**
   * Asks the critique model about the strategy and publishes the answer as VOLT3xx diagnostics.
   * Reports progress; a newer edit cancels it. Without a reachable model it publishes nothing and
   * says why.
   */
  async critique(uri: string, statics?: ServerFinding[]): Promise<CritiqueStatus> {
    const s = this.state;
    const model = s.config.ollama.models.critique;
    if (s.hostProblem !== undefined) return { source: 'unavailable', model, reason: s.hostProblem };
    const text = s.documentText(uri);
    this.abort(uri, 'superseded');
    const controller = new AbortController();
    this.inFlight.set(uri, controller);
    const progress = s.canCreateProgress ? await s.connection.window.createWorkDoneProgress().catch(() => undefined) : undefined;
    progress?.begin('Volt critique', undefined, `asking ${model}`, true);
    if (progress && 'token' in progress) (progress as { token: CancellationToken }).token.onCancellationRequested(() => controller.abort('cancelled'));
    try {
      this.gateway ??= new OllamaGateway({
        timeoutMs: s.config.ollama.timeoutMs,
        cache: s.journalCache(),
        onNotice: (m) => s.log(m),
        ...(s.config.ollama.host ? { host: s.config.ollama.host } : {}),
      });
      const doc = s.documents.get(uri);
      const shown = statics ?? (doc ? (await this.features.documents.analyze(doc)).findings : []);
      const lastReport = this.features.runs.lastOf(uri).report;
      const result = await critiqueStrategy(
        { source: text, findings: shown, fileName: path.basename(uriToPath(uri)), ...(lastReport ? { lastReport } : {}) },
        // The model's edits are linted on the analysis thread, which holds the TypeScript parser.
        {
          gateway: this.gateway,
          model,
          signal: controller.signal,
          mask: s.config.agents.llm?.mask ?? true,
          reviewEdit: (source, edits, name) => this.features.documents.staticAnalyzer().reviewEdit(name, source, edits),
        },
      );
      if (controller.signal.aborted) return { source: 'cancelled', model };
      if (result.source === 'unavailable') {
        return { source: 'unavailable', model, ...(result.reason !== undefined ? { reason: result.reason } : {}) };
      }
      s.setFindings(uri, 'critique', result.findings.map((f) => {
        const finding: ServerFinding = { code: f.code, severity: f.severity, message: `${f.message} (${result.model})`, range: lineRange(text, f.line + 1), source: 'critique' };
        if (f.edit) {
          const line = text.split('\n')[f.edit.line]?.replace(/\r$/, '') ?? '';
          finding.fix = {
            title: `Apply the critique's edit to line ${f.edit.line + 1}`,
            edits: [{ range: { start: { line: f.edit.line, character: 0 }, end: { line: f.edit.line, character: line.length } }, newText: f.edit.newText }],
          };
        }
        return finding;
      }));
      s.publish(uri);
      return { source: result.source, model: result.model };
    } finally {
      if (this.inFlight.get(uri) === controller) this.inFlight.delete(uri);
      progress?.done();
    }
  }

  dispose(): void {
    for (const c of this.inFlight.values()) c.abort('shutdown');
  }
}
