/** ```volt blocks: `run=12 chart=equity`, `trade=431`, `calendar=all` or `calendar=EMA crossover`, drawn live from the journal. */
import { MarkdownRenderChild, type MarkdownSectionInformation } from 'obsidian';
import { fenceArguments, parseVoltBlock } from '../notes.js';
import { attempt, saveReview } from '../commands.js';
import { removeChart, type DrawnChart } from './chart.js';
import { calendarTrades, tradeWithBars } from './load.js';
import { dailyPnl, renderCalendar } from './calendar.js';
import { renderRun } from './run-render.js';
import { renderTrade } from './trade-render.js';
import type { VoltHost } from './host.js';

export class VoltBlock extends MarkdownRenderChild {
  private drawn: DrawnChart | undefined;

  constructor(
    el: HTMLElement,
    private readonly host: VoltHost,
    private readonly source: string,
    /** Where the block sits in its note (the processor context's getSectionInfo), for the fence line's arguments. */
    private readonly section: () => MarkdownSectionInformation | null = () => null,
  ) {
    super(el);
  }

  override onload(): void {
    void this.render();
  }

  override onunload(): void {
    removeChart(this.drawn);
  }

  async render(): Promise<void> {
    const el = this.containerEl;
    el.addClass('volt-block');
    const parsed = parseVoltBlock(this.source, fenceArguments(this.section()));
    if (!parsed.ok) {
      el.empty();
      el.createDiv({ cls: 'volt-error', text: parsed.message });
      return;
    }
    const b = parsed.block;
    const { ctx } = this.host;
    const failed = (what: string) => {
      el.empty();
      el.createDiv({ cls: 'volt-error', text: `Volt: could not show ${what}; the notice says why.` });
    };
    if (b.kind === 'run') {
      const detail = await attempt(ctx, () => ctx.client.run(b.runId));
      if (!detail) return failed(`run ${b.runId}`);
      this.drawn = renderRun(el, detail, (id) => void this.host.openTrade(id), b.chart, false);
    } else if (b.kind === 'trade') {
      const loaded = await attempt(ctx, () => tradeWithBars(ctx.client, b.tradeId));
      if (!loaded) return failed(`trade ${b.tradeId}`);
      this.drawn = renderTrade(el, loaded.detail, loaded.bars, { onSave: (v) => saveReview(ctx, b.tradeId, v), onOpenRun: (id) => void this.host.openRun(id) });
    } else {
      const trades = await attempt(ctx, () => calendarTrades(ctx.client, b.strategy));
      if (!trades) return failed('the calendar');
      renderCalendar(el, b.strategy ? `Daily P&L: ${b.strategy}` : 'Daily P&L: the whole journal', dailyPnl(trades));
    }
  }
}
