/**
 * The status bar item: which agents are voting and whether Ollama answers, a spinner while the
 * sidecar works (a backtest on save, a command), and a warning when the sidecar is down.
 * Clicking it runs Volt: Agent Status.
 */
import type * as vscode from 'vscode';
import type { AgentStatusResult, PaperSessionStatus } from '@volt/lsp-server/protocol';

/** The parts of `vscode.StatusBarItem` the status needs. */
export type StatusBarLike = Pick<vscode.StatusBarItem, 'text' | 'tooltip' | 'command' | 'show' | 'dispose'>;

/** The sidecar that runs, as the client started it. */
export interface SidecarInfo {
  /** In a few words, e.g. "volt-lsp on PATH (/usr/local/bin/volt-lsp)" or "the bundled sidecar". */
  which: string;
  source: 'setting' | 'PATH' | 'global prefix' | 'bundled';
  /** InitializeResult.serverInfo.version. */
  version: string | undefined;
  /** '' when it is of the extension's release, else the sentence saying it is not. */
  mismatch: string;
}

export class VoltStatus {
  private agents: AgentStatusResult | null = null;
  /** The journal's running paper and live sessions. */
  private sessions: PaperSessionStatus[] = [];
  private sidecar: SidecarInfo | null = null;
  private sidecarProblem: string | null = null;
  /** Work in progress, by a key (a file's URI for backtests) so a repeated start counts once. */
  private readonly work = new Map<string, string>();

  constructor(
    private readonly item: StatusBarLike,
    command: string,
  ) {
    item.command = command;
    this.render();
    item.show();
  }

  setAgents(agents: AgentStatusResult): void {
    this.agents = agents;
    this.render();
  }

  /** The running sessions (volt.paper.status), shown in the item and listed in its tooltip. */
  setSessions(sessions: PaperSessionStatus[]): void {
    this.sessions = sessions.filter((s) => s.status === 'running');
    this.render();
  }

  /** Which sidecar runs and its version, once it answered initialize. */
  setSidecar(info: SidecarInfo): void {
    this.sidecar = info;
    this.render();
  }

  /** The sidecar stopped or could not start; null once it runs again. */
  setSidecarProblem(problem: string | null): void {
    this.sidecarProblem = problem;
    this.render();
  }

  workStarted(key: string, label: string): void {
    this.work.set(key, label);
    this.render();
  }

  workFinished(key: string): void {
    this.work.delete(key);
    this.render();
  }

  /** Runs `task` with the spinner showing `label`, however it ends. */
  async during<T>(key: string, label: string, task: () => Promise<T>): Promise<T> {
    this.workStarted(key, label);
    try {
      return await task();
    } finally {
      this.workFinished(key);
    }
  }

  get text(): string {
    return this.item.text;
  }

  private render(): void {
    const llm = this.agents?.llm;
    const llmLine = !llm
      ? 'Agents: not asked yet (click to ask the sidecar)'
      : llm.available
        ? `Ollama at ${llm.host}: available (${llm.models.join(', ') || 'no models'})`
        : `LLM unavailable at ${llm.host}${llm.reason ? `: ${llm.reason}` : ''} (rule-based agents stand in)`;
    const agentLines = (this.agents?.agents ?? []).map(
      (a) => `${a.role}: ${a.kind === 'llm' ? `LLM ${a.model ?? ''}`.trim() : 'rules'}, weight ${a.weight}${a.available ? '' : ' (unavailable)'}`,
    );
    const running = [...this.work.values()];
    const sidecar = this.sidecar;
    const sidecarLines = sidecar ? [`Sidecar: ${sidecar.which}, version ${sidecar.version ?? 'unknown'}`, ...(sidecar.mismatch ? [`Warning: ${sidecar.mismatch}`] : [])] : [];
    if (this.sidecarProblem) {
      this.item.text = '$(error) Volt: sidecar stopped';
      this.item.tooltip = this.sidecarProblem;
      return;
    }
    if (running.length > 0) {
      this.item.text = `$(sync~spin) Volt: ${running[running.length - 1]}${running.length > 1 ? ` (+${running.length - 1})` : ''}`;
      this.item.tooltip = ['Volt is working:', ...running, '', llmLine, ...sidecarLines].join('\n');
      return;
    }
    // A sidecar of another release shows in the item itself, not only in its tooltip.
    const icon = sidecar?.mismatch ? '$(warning)' : '$(pulse)';
    const versions = sidecar?.mismatch ? ` · sidecar ${sidecar.version}` : '';
    const n = this.sessions.length;
    const sessions = n > 0 ? ` · ${n} session${n === 1 ? '' : 's'}` : '';
    const sessionLines = this.sessions.map((s) => `Session ${s.id} (${s.mode}): ${s.exchange} ${s.symbol} ${s.timeframe}, ${s.label}`);
    if (!this.agents) {
      this.item.text = `${icon} Volt${sessions}${versions}`;
    } else {
      const voting = this.agents.agents.filter((a) => a.available).length;
      this.item.text = `${icon} Volt: ${voting} agent${voting === 1 ? '' : 's'} · ${llm?.available ? 'Ollama on' : 'LLM unavailable'}${sessions}${versions}`;
    }
    this.item.tooltip = [llmLine, ...agentLines, ...sessionLines, ...sidecarLines].join('\n');
  }

  dispose(): void {
    this.item.dispose();
  }
}
