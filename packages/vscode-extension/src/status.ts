/**
 * The status bar item: which agents are voting and whether Ollama answers, a spinner while the
 * sidecar works (a backtest on save, a command), and a warning when the sidecar is down.
 * Clicking it runs Volt: Agent Status.
 */
import type * as vscode from 'vscode';
import type { AgentStatusResult } from '@volt/lsp-server/protocol';

/** The parts of `vscode.StatusBarItem` the status needs. */
export type StatusBarLike = Pick<vscode.StatusBarItem, 'text' | 'tooltip' | 'command' | 'show' | 'dispose'>;

export class VoltStatus {
  private agents: AgentStatusResult | null = null;
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
    if (this.sidecarProblem) {
      this.item.text = '$(error) Volt: sidecar stopped';
      this.item.tooltip = this.sidecarProblem;
      return;
    }
    if (running.length > 0) {
      this.item.text = `$(sync~spin) Volt: ${running[running.length - 1]}${running.length > 1 ? ` (+${running.length - 1})` : ''}`;
      this.item.tooltip = ['Volt is working:', ...running, '', llmLine].join('\n');
      return;
    }
    if (!this.agents) {
      this.item.text = '$(pulse) Volt';
    } else {
      const voting = this.agents.agents.filter((a) => a.available).length;
      this.item.text = `$(pulse) Volt: ${voting} agent${voting === 1 ? '' : 's'} · ${llm?.available ? 'Ollama on' : 'LLM unavailable'}`;
    }
    this.item.tooltip = [llmLine, ...agentLines].join('\n');
  }

  dispose(): void {
    this.item.dispose();
  }
}
