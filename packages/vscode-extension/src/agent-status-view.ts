/**
 * Volt: Agent Status as a view: one table of the agents (role, kind, model, weight, status and,
 * with a journal, their record), what the LLM is doing and why not, the critique model and the risk
 * gate's limits; the counterpart of Neovim's :VoltAgentStatus float. The models configured show
 * whether or not Ollama answers, so a trader sees what would run once it does.
 *
 * The page is static HTML built here: no script at all (the policy allows none), values escaped,
 * one stylesheet from the extension. Its Refresh link is a command URI.
 */
import * as vscode from 'vscode';
import type { AgentStatusResult } from '@volt/lsp-server/protocol';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pct = (x: number, digits = 0): string => `${(x * 100).toFixed(digits)}%`;

export const AGENT_STATUS_CSP = (cspSource: string): string => ["default-src 'none'", `style-src ${cspSource}`].join('; ');

/** One line for the status bar's log: what the table says, shortly. */
export function agentStatusLine(status: AgentStatusResult): string {
  const voting = status.agents.filter((a) => a.available && a.weight > 0).length;
  const llm = status.llm.available ? `Ollama at ${status.llm.host} answers` : `LLM unavailable at ${status.llm.host}${status.llm.reason ? `: ${status.llm.reason}` : ''}`;
  return `Volt agents (mode ${status.mode ?? 'unknown'}): ${status.agents.length} agents, ${voting} voting · ${llm}`;
}

/** What each row of the table says, plain data (tests read it; the HTML only lays it out). */
export interface AgentRow {
  role: string;
  agent: string;
  kind: string;
  model: string;
  weight: string;
  status: string;
  record: string;
}

export function agentRows(status: AgentStatusResult): AgentRow[] {
  return status.agents.map((a) => ({
    role: a.role,
    agent: a.name ?? '',
    kind: a.kind === 'llm' ? 'LLM' : 'rules',
    model: a.model ?? '—',
    weight: a.weight.toFixed(2),
    status: a.available ? 'ready' : a.kind === 'llm' ? 'rules stand in' : 'unavailable',
    // Without journaled decisions there is no record, and a row of zeros would read as a poor one.
    record: a.metrics && a.metrics.proposals > 0
      ? `${a.metrics.proposals} proposed · ${a.metrics.approvals} approved · confidence ${a.metrics.avgConfidence.toFixed(2)}${a.metrics.winRate === null ? '' : ` · win ${pct(a.metrics.winRate)}`}`
      : '',
  }));
}

/** The journal's track records and last `volt agents evaluate`, as the tables of the page show them (tests read these). */
export interface LearningTables {
  trackRecords: { agent: string; market: string; regime: string; right: string; accuracy: string; multiplier: string }[];
  evaluation?: {
    title: string;
    arms: { arm: string; sharpe: string; maxDrawdown: string; totalReturn: string; trades: string }[];
    agents: { agent: string; weight: string; judged: string; accuracy: string; marginal: string }[];
    best: string;
  };
}

const fixedOr = (x: number | null | undefined, digits = 2, signed = false): string =>
  typeof x === 'number' && Number.isFinite(x) ? `${signed && x >= 0 ? '+' : ''}${x.toFixed(digits)}` : '—';

export function learningTables(status: AgentStatusResult): LearningTables {
  const trackRecords = (status.trackRecords ?? []).map((t) => ({
    agent: t.agent,
    market: t.market,
    regime: t.regime,
    right: `${t.correct}/${t.judged}`,
    accuracy: t.judged > 0 ? pct(t.correct / t.judged, 1) : '—',
    multiplier: `×${t.multiplier.toFixed(2)}`,
  }));
  const last = status.lastEvaluation;
  if (!last) return { trackRecords };
  const e = last.evaluation;
  const ppOf = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} pp` : '—');
  return {
    trackRecords,
    evaluation: {
      title: `${e.strategy}, out of sample: ${e.folds} walk-forward fold${e.folds === 1 ? '' : 's'} on ${e.datasets.join(', ')} (volt agents evaluate, ${new Date(last.at).toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
      arms: e.arms.map((a) => ({ arm: a.name, sharpe: fixedOr(a.sharpe), maxDrawdown: pct(a.maxDrawdown, 1), totalReturn: pct(a.totalReturn, 1), trades: String(a.trades) })),
      agents: e.agents.map((a) => ({
        agent: a.agent,
        weight: a.weight.toFixed(2),
        judged: String(a.judged),
        accuracy: typeof a.accuracy === 'number' && Number.isFinite(a.accuracy) ? pct(a.accuracy, 1) : '—',
        marginal: a.weight > 0 ? `Sharpe ${fixedOr(a.marginalSharpe, 2, true)} · drawdown ${ppOf(a.marginalDrawdown)} · trades ${a.marginalTrades >= 0 ? '+' : ''}${a.marginalTrades}` : 'no vote',
      })),
      best: e.best,
    },
  };
}

function learningHtml(status: AgentStatusResult): string {
  // No journal read: nothing learned to show (and no "none yet" that would read as a poor record).
  if (status.trackRecords === undefined) return '';
  const t = learningTables(status);
  const row = (cells: string[], numeric: number[] = []) => `<tr>${cells.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`;
  const records = t.trackRecords.length > 0
    ? `<div class="table-scroll"><table id="track-records">
<thead><tr><th>Agent</th><th>Market</th><th>Regime</th><th class="num">Right</th><th class="num">Accuracy</th><th class="num">Weight</th></tr></thead>
<tbody>
${t.trackRecords.map((r) => row([r.agent, r.market, r.regime, r.right, r.accuracy, r.multiplier], [3, 4, 5])).join('\n')}
</tbody>
</table></div>`
    : '<p id="track-records" class="dim">None yet: a backtest through the panel (agents.mode rules or ollama) starts them.</p>';
  const e = t.evaluation;
  const evaluation = e
    ? `<p id="evaluation-title">${escapeHtml(e.title)}</p>
<div class="table-scroll"><table id="evaluation-arms">
<thead><tr><th>Arm</th><th class="num">Sharpe</th><th class="num">Max drawdown</th><th class="num">Return</th><th class="num">Trades</th></tr></thead>
<tbody>
${e.arms.map((a) => row([a.arm, a.sharpe, a.maxDrawdown, a.totalReturn, a.trades], [1, 2, 3, 4])).join('\n')}
</tbody>
</table></div>
<div class="table-scroll"><table id="evaluation-agents">
<thead><tr><th>Agent</th><th class="num">Weight</th><th class="num">Judged</th><th class="num">Accuracy</th><th>Marginal effect (with it − without)</th></tr></thead>
<tbody>
${e.agents.map((a) => row([a.agent, a.weight, a.judged, a.accuracy, a.marginal], [1, 2, 3])).join('\n')}
</tbody>
</table></div>
<p id="evaluation-best">Best weights out of sample: ${escapeHtml(e.best)}</p>`
    : '<p id="evaluation-title" class="dim">No evaluation in the journal: <code>volt agents evaluate FILE --data SPEC …</code> measures the panel out of sample.</p>';
  return `<h2>Track records (journal)</h2>
${records}
<h2>Last evaluation</h2>
${evaluation}`;
}

export function agentStatusHtml(status: AgentStatusResult, options: { cspSource: string; styleUri: string; askedAt: Date }): string {
  const { llm } = status;
  const rows = agentRows(status);
  const hasRecord = rows.some((r) => r.record !== '');
  const cell = (s: string, cls?: string) => `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(s)}</td>`;
  const body = rows
    .map((r) => `<tr class="${r.status === 'ready' ? 'ready' : 'unavailable'}">${cell(r.role)}${cell(r.agent, 'dim')}${cell(r.kind)}${cell(r.model)}${cell(r.weight, 'num')}${cell(r.status, 'status')}${hasRecord ? cell(r.record, 'dim') : ''}</tr>`)
    .join('\n');
  const llmLine = llm.available
    ? `Ollama ${llm.version ? `${escapeHtml(llm.version)} ` : ''}at ${escapeHtml(llm.host)} answers. Installed: ${escapeHtml(llm.models.join(', ') || 'no models')}.`
    : `LLM unavailable at ${escapeHtml(llm.host)}${llm.reason ? `: ${escapeHtml(llm.reason)}` : ''}. The rule-based agents stand in.`;
  const limits = status.riskGate?.limits;
  const gate = status.riskGate?.metrics;
  const facts: [string, string][] = [
    ['Mode', `${status.mode ?? 'unknown'} (agents.mode)`],
    ['Critique model', llm.critiqueModel ?? '—'],
    ...(limits
      ? ([['Risk gate', `position ≤ ${pct(limits.maxPositionPct, 1)} · daily loss ≤ ${pct(limits.maxDailyLoss, 1)} · drawdown ≤ ${pct(limits.maxDrawdown, 1)} · ${limits.maxConsecutiveLosses} losses in a row`]] as [string, string][])
      : []),
    ...(gate && gate.reviews > 0 ? ([['Risk gate record', `${gate.reviews} reviewed · ${gate.rejections} rejected · ${gate.modifications} changed`]] as [string, string][]) : []),
    ...(status.decisionsRead !== undefined ? ([['Journal', `${status.decisionsRead} decision${status.decisionsRead === 1 ? '' : 's'} read`]] as [string, string][]) : []),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${AGENT_STATUS_CSP(options.cspSource)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${options.styleUri}">
<title>Volt agents</title>
</head>
<body>
<header><h1>Volt agents</h1><p class="dim">Asked at ${options.askedAt.toTimeString().slice(0, 8)} · <a href="command:volt.showAgentStatus">Refresh</a></p></header>
<p id="llm" class="llm ${llm.available ? 'ready' : 'unavailable'}">${llmLine}</p>
<div class="table-scroll"><table id="agents">
<thead><tr><th>Role</th><th>Agent</th><th>Kind</th><th>Model</th><th class="num">Weight</th><th>Status</th>${hasRecord ? '<th>Record</th>' : ''}</tr></thead>
<tbody>
${body}
</tbody>
</table></div>
<table id="facts"><tbody>
${facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}
</tbody></table>
${learningHtml(status)}
</body>
</html>`;
}

export class AgentStatusView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {}

  show(status: AgentStatusResult, askedAt = new Date()): void {
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('volt.agents', 'Volt: Agents', { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {
        enableScripts: false,
        enableCommandUris: ['volt.showAgentStatus'],
        localResourceRoots: [media],
      });
      this.panel.onDidDispose(() => (this.panel = undefined));
    }
    const webview = this.panel.webview;
    webview.html = agentStatusHtml(status, { cspSource: webview.cspSource, styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'agents.css')).toString(), askedAt });
    this.panel.reveal(undefined, false);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
