/** Review this trade, Agent status, Compare runs: modals over the note. */
import { Modal, type App } from 'obsidian';
import type { AgentStatusResult, RunDetailResult, TradeDetailResult } from '@volt/lsp-server/protocol';
import { saveReview, type CommandContext } from '../commands.js';
import type { DrawnChart } from './chart.js';
import { renderAgentStatus } from './agent-status-render.js';
import { renderComparison } from './compare-render.js';
import { renderReviewForm } from './review-form.js';

export class ReviewModal extends Modal {
  constructor(
    app: App,
    private readonly ctx: CommandContext,
    private readonly detail: TradeDetailResult,
  ) {
    super(app);
  }

  override onOpen(): void {
    const t = this.detail.trade;
    this.titleEl.setText(`Review trade ${t.tradeId}: ${t.asset} ${t.side}`);
    this.contentEl.createDiv({ cls: 'volt-sub', text: `${this.detail.run.strategy} · run ${this.detail.run.runId} · recorded ${t.outcome}, P&L ${t.pnl === null ? 'open' : t.pnl.toFixed(2)}` });
    renderReviewForm(this.contentEl, t.outcome, t.review, async (values) => {
      const saved = await saveReview(this.ctx, Number(t.tradeId), values);
      if (saved) this.close();
      return saved;
    });
  }

  override onClose(): void {
    this.contentEl.empty();
  }
}

export class AgentStatusModal extends Modal {
  constructor(
    app: App,
    private readonly status: AgentStatusResult,
  ) {
    super(app);
  }
  override onOpen(): void {
    renderAgentStatus(this.contentEl, this.status);
  }
  override onClose(): void {
    this.contentEl.empty();
  }
}

export class CompareModal extends Modal {
  private drawn: DrawnChart | undefined;
  constructor(
    app: App,
    private readonly runs: [RunDetailResult, RunDetailResult],
  ) {
    super(app);
  }
  override onOpen(): void {
    this.modalEl.addClass('volt-wide-modal');
    this.drawn = renderComparison(this.contentEl, this.runs[0], this.runs[1]);
  }
  override onClose(): void {
    this.drawn?.chart.remove();
    this.contentEl.empty();
  }
}
