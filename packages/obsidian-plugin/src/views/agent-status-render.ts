/** The agents' table: role, kind, model, weight, availability, their record from the journal. */
import type { AgentStatusResult } from '@volt/lsp-server/protocol';
import { num, share, table } from './format.js';

export function renderAgentStatus(el: HTMLElement, s: AgentStatusResult): void {
  el.empty();
  el.addClass('volt-agent-status');
  el.createEl('h2', { text: `Agents (${s.mode ?? 'off'})` });
  el.createDiv({ cls: 'volt-sub', text: s.llm.available ? `Ollama ${s.llm.version ?? ''} at ${s.llm.host}: ${s.llm.models.length} models` : `LLM unavailable: ${s.llm.reason ?? s.llm.host}. The rule-based agents stand in.` });
  table(
    el,
    ['Role', 'Kind', 'Model', 'Weight', 'Available', 'Proposals', 'Approved', 'Win rate'],
    s.agents.map((a) => [a.role, a.kind, a.model ?? '—', num(a.weight), a.available ? 'yes' : 'no', String(a.metrics?.proposals ?? '—'), String(a.metrics?.approvals ?? '—'), share(a.metrics?.winRate)]),
  );
  if (s.riskGate) {
    const l = s.riskGate.limits;
    el.createDiv({ cls: 'volt-sub', text: `Risk gate: max position ${share(l.maxPositionPct, 0)}, max daily loss ${share(l.maxDailyLoss, 0)}, max drawdown ${share(l.maxDrawdown, 0)}, ${l.maxConsecutiveLosses} losses in a row` });
  }
}
