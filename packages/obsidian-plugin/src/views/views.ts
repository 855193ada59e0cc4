/** The plugin's panes: a trade, a run, a calendar of daily P&L. Each keeps its id in the view state, so Obsidian restores it. */
import { ItemView, type ViewStateResult, type WorkspaceLeaf } from 'obsidian';
import { attempt, saveReview } from '../commands.js';
import { removeChart, type DrawnChart } from './chart.js';
import { calendarTrades, tradeWithBars } from './load.js';
import { dailyPnl, renderCalendar } from './calendar.js';
import { renderRun } from './run-render.js';
import { renderTrade } from './trade-render.js';
import type { VoltHost } from './host.js';

export const TRADE_VIEW = 'volt-trade';
export const RUN_VIEW = 'volt-run';
export const CALENDAR_VIEW = 'volt-calendar';

abstract class VoltView extends ItemView {
  protected drawn: DrawnChart | undefined;

  constructor(
    leaf: WorkspaceLeaf,
    protected readonly host: VoltHost,
  ) {
    super(leaf);
  }

  protected clearChart(): void {
    removeChart(this.drawn);
    this.drawn = undefined;
  }

  override async onClose(): Promise<void> {
    this.clearChart();
  }
}

export class TradeView extends VoltView {
  tradeId: number | undefined;

  getViewType(): string {
    return TRADE_VIEW;
  }
  getDisplayText(): string {
    return this.tradeId === undefined ? 'Volt trade' : `Trade ${this.tradeId}`;
  }
  override getIcon(): string {
    return 'candlestick-chart';
  }
  override getState(): Record<string, unknown> {
    return { tradeId: this.tradeId };
  }
  override async setState(state: unknown, result: ViewStateResult): Promise<void> {
    const id = (state as { tradeId?: unknown } | undefined)?.tradeId;
    if (typeof id === 'number') await this.show(id);
    await super.setState(state, result);
  }

  async show(tradeId: number): Promise<void> {
    this.tradeId = tradeId;
    const loaded = await attempt(this.host.ctx, () => tradeWithBars(this.host.ctx.client, tradeId));
    this.clearChart();
    if (!loaded) {
      this.contentEl.empty();
      this.contentEl.createDiv({ cls: 'volt-empty', text: `Trade ${tradeId} could not be loaded.` });
      return;
    }
    this.drawn = renderTrade(this.contentEl, loaded.detail, loaded.bars, {
      onSave: async (values) => {
        const saved = await saveReview(this.host.ctx, tradeId, values);
        if (saved) await this.show(tradeId);
        return saved;
      },
      onOpenRun: (runId) => void this.host.openRun(runId),
    });
  }
}

export class RunView extends VoltView {
  runId: number | undefined;

  getViewType(): string {
    return RUN_VIEW;
  }
  getDisplayText(): string {
    return this.runId === undefined ? 'Volt run' : `Run ${this.runId}`;
  }
  override getIcon(): string {
    return 'line-chart';
  }
  override getState(): Record<string, unknown> {
    return { runId: this.runId };
  }
  override async setState(state: unknown, result: ViewStateResult): Promise<void> {
    const id = (state as { runId?: unknown } | undefined)?.runId;
    if (typeof id === 'number') await this.show(id);
    await super.setState(state, result);
  }

  async show(runId: number): Promise<void> {
    this.runId = runId;
    const detail = await attempt(this.host.ctx, () => this.host.ctx.client.run(runId));
    this.clearChart();
    if (!detail) return;
    this.drawn = renderRun(this.contentEl, detail, (tradeId) => void this.host.openTrade(tradeId));
  }
}

export class CalendarView extends VoltView {
  strategy: string | undefined;

  getViewType(): string {
    return CALENDAR_VIEW;
  }
  getDisplayText(): string {
    return this.strategy ? `P&L: ${this.strategy}` : 'P&L calendar';
  }
  override getIcon(): string {
    return 'calendar-days';
  }
  override getState(): Record<string, unknown> {
    return { strategy: this.strategy ?? null };
  }
  override async setState(state: unknown, result: ViewStateResult): Promise<void> {
    const s = (state as { strategy?: unknown } | undefined)?.strategy;
    await this.show(typeof s === 'string' ? s : undefined);
    await super.setState(state, result);
  }

  async show(strategy: string | undefined): Promise<void> {
    this.strategy = strategy;
    const trades = await attempt(this.host.ctx, () => calendarTrades(this.host.ctx.client, strategy));
    if (!trades) return;
    renderCalendar(this.contentEl, strategy ? `Daily P&L: ${strategy}` : 'Daily P&L: the whole journal', dailyPnl(trades));
  }
}
