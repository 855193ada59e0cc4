/** Volt: Agent Status as a table, like Neovim's :VoltAgentStatus float. */
import { describe, expect, it } from 'vitest';
import type { AgentStatusResult } from '@volt/lsp-server/protocol';
import { AGENT_STATUS_CSP, agentRows, agentStatusHtml, agentStatusLine, learningTables } from '../src/agent-status-view.js';

/** What the sidecar answers with agents.mode ollama and no Ollama running (the engine's agentStatus). */
const down: AgentStatusResult = {
  mode: 'ollama',
  agents: [
    { role: 'volatility', name: 'volatility_assessor', kind: 'llm', model: 'deepseek-r1:8b', weight: 0.4, available: false },
    { role: 'trend', name: 'trend_analyzer', kind: 'llm', model: 'llama3.3', weight: 0.25, available: false },
    { role: 'auditor', name: 'auditor', kind: 'rules', weight: 0, available: true },
  ],
  llm: { host: 'http://127.0.0.1:11434', available: false, reason: 'not reachable at http://127.0.0.1:11434 (ECONNREFUSED); start it with `ollama serve`', models: [], critiqueModel: 'qwen2.5-coder:7b' },
  riskGate: { limits: { maxPositionPct: 0.1, maxDailyLoss: 0.03, maxDrawdown: 0.25, maxConsecutiveLosses: 5 } },
  decisionsRead: 0,
};
const html = (s: AgentStatusResult) => agentStatusHtml(s, { cspSource: 'vscode-webview://x', styleUri: 'vscode-webview://x/media/agents.css', askedAt: new Date(2026, 0, 1, 9, 41, 5) });

describe('Agent Status view', () => {
  it('lists every agent with its configured model while Ollama is down, and says its rules stand in', () => {
    expect(agentRows(down)).toEqual([
      { role: 'volatility', agent: 'volatility_assessor', kind: 'LLM', model: 'deepseek-r1:8b', weight: '0.40', status: 'rules stand in', record: '' },
      { role: 'trend', agent: 'trend_analyzer', kind: 'LLM', model: 'llama3.3', weight: '0.25', status: 'rules stand in', record: '' },
      { role: 'auditor', agent: 'auditor', kind: 'rules', model: '—', weight: '0.00', status: 'ready', record: '' },
    ]);
    const page = html(down);
    expect(page.match(/<tr class="(ready|unavailable)">/g)).toHaveLength(3);
    expect(page).toContain('<td>volatility</td><td class="dim">volatility_assessor</td><td>LLM</td><td>deepseek-r1:8b</td><td class="num">0.40</td><td class="status">rules stand in</td>');
    expect(page).toContain('LLM unavailable at http://127.0.0.1:11434: not reachable at http://127.0.0.1:11434 (ECONNREFUSED); start it with `ollama serve`. The rule-based agents stand in.');
    expect(page).toContain('<tr><th>Critique model</th><td>qwen2.5-coder:7b</td></tr>');
    expect(page).toContain('<tr><th>Mode</th><td>ollama (agents.mode)</td></tr>');
    expect(page).toContain('<tr><th>Risk gate</th><td>position ≤ 10.0% · daily loss ≤ 3.0% · drawdown ≤ 25.0% · 5 losses in a row</td></tr>');
    expect(page).toContain('Asked at 09:41:05');
    // No record column without a journal's figures.
    expect(page).not.toContain('<th>Record</th>');
  });

  it('shows the installed models and each agent’s record when Ollama answers and the journal has decisions', () => {
    const up: AgentStatusResult = {
      ...down,
      agents: [{ role: 'trend', name: 'trend_analyzer', kind: 'llm', model: 'llama3.3', weight: 0.25, available: true, metrics: { proposals: 12, approvals: 9, avgConfidence: 0.71, winRate: 0.5 } }],
      llm: { host: 'http://127.0.0.1:11434', available: true, version: '0.6.2', models: ['llama3.3:latest', 'qwen2.5-coder:7b'], critiqueModel: 'qwen2.5-coder:7b' },
      riskGate: { ...down.riskGate!, metrics: { reviews: 12, rejections: 3, modifications: 1 } },
      decisionsRead: 12,
    };
    const page = html(up);
    expect(page).toContain('Ollama 0.6.2 at http://127.0.0.1:11434 answers. Installed: llama3.3:latest, qwen2.5-coder:7b.');
    expect(page).toContain('<td class="status">ready</td><td class="dim">12 proposed · 9 approved · confidence 0.71 · win 50%</td>');
    expect(page).toContain('<tr><th>Risk gate record</th><td>12 reviewed · 3 rejected · 1 changed</td></tr>');
    expect(page).toContain('<tr><th>Journal</th><td>12 decisions read</td></tr>');
  });

  it('shows the journal\u2019s track records and its last `volt agents evaluate`, out of sample', () => {
    const learned: AgentStatusResult = {
      ...down,
      trackRecords: [{ agent: 'trend_analyzer', market: 'BTC', regime: 'highVolatility', judged: 20, correct: 13, multiplier: 1.146 }],
      lastEvaluation: {
        id: 3,
        at: Date.UTC(2026, 0, 5, 9, 30),
        evaluation: {
          strategy: 'EMA crossover',
          datasets: ['BTC_USDT-1h.json', 'ETH_BTC-5m.json', 'SOL_USDT-1h.json'],
          folds: 3,
          arms: [
            { name: 'no panel', sharpe: 0.4, maxDrawdown: 0.12, totalReturn: 0.05, trades: 40 },
            { name: 'panel', sharpe: 0.6, maxDrawdown: 0.08, totalReturn: 0.07, trades: 22 },
          ],
          agents: [
            { agent: 'trend_analyzer', weight: 0.25, judged: 22, accuracy: 0.59, marginalSharpe: 0.1, marginalDrawdown: -0.012, marginalTrades: -3 },
            // NaN went through JSON as null.
            { agent: 'auditor', weight: 0, judged: 0, accuracy: null as unknown as number, marginalSharpe: 0, marginalDrawdown: 0, marginalTrades: 0 },
          ],
          best: 'equal thirds',
        },
      },
    };
    const t = learningTables(learned);
    expect(t.trackRecords).toEqual([{ agent: 'trend_analyzer', market: 'BTC', regime: 'highVolatility', right: '13/20', accuracy: '65.0%', multiplier: '×1.15' }]);
    expect(t.evaluation!.title).toBe('EMA crossover, out of sample: 3 walk-forward folds on BTC_USDT-1h.json, ETH_BTC-5m.json, SOL_USDT-1h.json (volt agents evaluate, 2026-01-05 09:30 UTC)');
    expect(t.evaluation!.arms[1]).toEqual({ arm: 'panel', sharpe: '0.60', maxDrawdown: '8.0%', totalReturn: '7.0%', trades: '22' });
    expect(t.evaluation!.agents).toEqual([
      { agent: 'trend_analyzer', weight: '0.25', judged: '22', accuracy: '59.0%', marginal: 'Sharpe +0.10 · drawdown -1.2 pp · trades -3' },
      { agent: 'auditor', weight: '0.00', judged: '0', accuracy: '—', marginal: 'no vote' },
    ]);
    const page = html(learned);
    expect(page).toContain('<tr><td>trend_analyzer</td><td>BTC</td><td>highVolatility</td><td class="num">13/20</td><td class="num">65.0%</td><td class="num">×1.15</td></tr>');
    expect(page).toContain('<tr><td>no panel</td><td class="num">0.40</td><td class="num">12.0%</td><td class="num">5.0%</td><td class="num">40</td></tr>');
    expect(page).toContain('<p id="evaluation-best">Best weights out of sample: equal thirds</p>');
    // A journal with neither says so; no journal at all shows no such section.
    const fresh = html({ ...down, trackRecords: [] });
    expect(fresh).toContain('None yet: a backtest through the panel');
    expect(fresh).toContain('No evaluation in the journal');
    expect(html(down)).not.toContain('Track records');
  });

  it('runs no script and escapes what the sidecar says', () => {
    const hostile = { ...down, llm: { ...down.llm, reason: '<img src=x onerror=alert(1)>' } };
    const page = html(hostile);
    expect(page).not.toContain('<img');
    expect(page).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(page).not.toMatch(/<script|<[^>]*\s(on\w+|style)=/);
    expect(AGENT_STATUS_CSP('vscode-webview://x')).toBe("default-src 'none'; style-src vscode-webview://x");
    expect(page).toContain('<a href="command:volt.showAgentStatus">Refresh</a>');
  });

  it('says it in one line for the log', () => {
    expect(agentStatusLine(down)).toBe(
      'Volt agents (mode ollama): 3 agents, 0 voting · LLM unavailable at http://127.0.0.1:11434: not reachable at http://127.0.0.1:11434 (ECONNREFUSED); start it with `ollama serve`',
    );
  });
});
