/**
 * The views drawn in a real headless Chromium: the plugin's renderers and the obsidian stand-in's
 * DOM helpers bundled into a page, fed what the real sidecar answers. Screenshots go to
 * test-artifacts/obsidian/; the trade chart's markers and price lines are checked in the data the
 * chart holds and in the pixels it drew; the review form is filled and saved from the page into the journal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AgentStatusResult, BarsResult, RunDetailResult, TradeDetailResult } from '@volt/lsp-server/protocol';
import { saveReview, type ReviewValues } from '../src/commands.js';
import { calendarTrades, tradeWithBars } from '../src/views/load.js';
import { PLUGIN_DIR, putBuyer, recordedRun, workbench, type Workbench } from './fixtures.js';
import { ARTIFACTS, buildPage, chromiumPath } from './browser/harness.js';

let w: Workbench;
let browser: Browser;
let page: Page;
let trade: TradeDetailResult;
let bars: BarsResult;
let run: RunDetailResult;
let optionsRun: RunDetailResult;
let compare: [RunDetailResult, RunDetailResult];
let status: AgentStatusResult;
const saved: ReviewValues[] = [];

beforeAll(async () => {
  w = await workbench();
  const runId = await recordedRun(w, w.strategy('rsi-mean-reversion.strategy.ts'));
  run = await w.client.run(runId);
  // The trade the gate changed, with a stop and a target to draw.
  const details = await Promise.all(run.trades.map((t) => w.client.trade(Number(t.tradeId))));
  const pick = details.find((d) => d.decisions.some((x) => x.gateChanges.length > 0) && d.trade.stopPrice !== null && d.trade.takeProfitPrice !== null) ?? details[0]!;
  const loaded = await tradeWithBars(w.client, Number(pick.trade.tradeId));
  trade = loaded.detail;
  bars = loaded.bars!;
  const ema = w.strategy('ema-crossover.strategy.ts');
  const a = await recordedRun(w, ema);
  const b = await recordedRun(w, ema, true);
  compare = [await w.client.run(a), await w.client.run(b)];
  status = await w.client.agentStatus();
  optionsRun = await w.client.run(await recordedRun(w, putBuyer(w)));

  const out = path.join(w.root, 'page');
  await buildPage(path.join(PLUGIN_DIR, 'tests', 'browser', 'page.ts'), path.join(out, 'page.js'));
  // The plugin's stylesheet as Obsidian would load it, over a few of Obsidian's theme variables.
  await esbuild.build({ entryPoints: [path.join(PLUGIN_DIR, 'src', 'styles.css')], outfile: path.join(out, 'styles.css'), bundle: true, logLevel: 'warning' });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.exposeFunction('voltRequest', (method: string, params: unknown) => w.sidecar.request(method, params));
  await page.exposeFunction('voltSave', async (values: ReviewValues) => {
    saved.push(values);
    return saveReview(w.ctx, Number(trade.trade.tradeId), values);
  });
  await page.setContent(`<!doctype html><html><head><style>
    body { --text-muted: #6c757d; --text-faint: #adb5bd; --text-error: #c92a2a; --background-modifier-border: #dee2e6; --background-modifier-hover: #f1f3f5;
           --font-ui-small: 13px; --font-ui-smaller: 11px; font-family: sans-serif; margin: 16px; background: #fff; color: #212529; }
    ${readFileSync(path.join(out, 'styles.css'), 'utf8')}</style></head><body><div id="root"></div></body></html>`);
  await page.addScriptTag({ content: readFileSync(path.join(out, 'page.js'), 'utf8') });
  expect(errors).toEqual([]);
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await w?.dispose();
});

/** A fresh container in the page, wide as an Obsidian pane. */
async function fresh(): Promise<void> {
  await page.evaluate(() => {
    const root = document.getElementById('root')!;
    root.replaceChildren();
    const pane = document.createElement('div');
    pane.id = 'pane';
    pane.style.width = '1000px';
    root.appendChild(pane);
  });
}

describe('views in Chromium', () => {
  it('trade view: candles with the entry and exit marked, entry/stop/target lines, votes, gate changes, review form', async () => {
    await fresh();
    const drawn = await page.evaluate(
      async ([d, b]) => {
        type V = { renderTrade: (...a: unknown[]) => { markers: { time: number; shape: string; text: string; position: string }[]; priceLines: { title: string; price: number }[]; chart: { timeScale(): { timeToCoordinate(t: number): number | null }; takeScreenshot(): HTMLCanvasElement }; priceSeries: { priceToCoordinate(p: number): number | null } } };
        const v = (window as unknown as { volt: V }).volt;
        const save = (window as unknown as { voltSave: (x: unknown) => Promise<unknown> }).voltSave;
        const out = v.renderTrade(document.getElementById('pane')!, d, b, { onSave: (x: unknown) => save(x) });
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        // Where the entry marker must be: below (long) or above (short) its candle; count the marker colour there.
        const shot = out.chart.takeScreenshot();
        const ctx = shot.getContext('2d')!;
        const entry = out.markers[0]!;
        const x = Math.round(out.chart.timeScale().timeToCoordinate(entry.time as never) ?? -1);
        const bar = (b as { time: number[]; low: number[]; high: number[] }).time.findIndex((t) => Math.floor(t / 1000) === entry.time);
        const long = entry.position === 'belowBar';
        const edge = out.priceSeries.priceToCoordinate(long ? (b as { low: number[] }).low[bar]! : (b as { high: number[] }).high[bar]!) ?? 0;
        let hits = 0;
        for (let dy = 2; dy < 40; dy++) {
          const y = Math.round(long ? edge + dy : edge - dy);
          for (let dx = -4; dx <= 4; dx++) {
            const [r, g, bl] = ctx.getImageData(x + dx, y, 1, 1).data;
            const want = long ? [0x26, 0xa6, 0x9a] : [0xef, 0x53, 0x50];
            if (Math.abs(r! - want[0]!) < 30 && Math.abs(g! - want[1]!) < 30 && Math.abs(bl! - want[2]!) < 30) hits++;
          }
        }
        return { markers: out.markers, priceLines: out.priceLines, markerPixels: hits, x, width: shot.width };
      },
      [trade, bars] as const,
    );
    const t = trade.trade;
    const sec = (ms: number) => Math.floor(ms / 1000);
    const candleOf = (ms: number) => sec(bars.time.filter((x) => x <= ms).at(-1)!);
    expect(drawn.markers.map((m) => m.text)).toEqual([`${t.side === 'long' ? 'Buy' : 'Sell'} ${t.entry.toFixed(2)}`, `Exit ${t.exitPrice!.toFixed(2)} (${t.exitReason})`]);
    expect(drawn.markers[0]).toMatchObject({ time: candleOf(t.entryTime), shape: t.side === 'long' ? 'arrowUp' : 'arrowDown' });
    expect(drawn.markers[1]!.time).toBe(candleOf(t.exitTime!));
    expect(drawn.priceLines.map((l) => l.title)).toEqual(['entry', ...(t.stopPrice !== null ? ['stop'] : []), ...(t.takeProfitPrice !== null ? ['target'] : [])]);
    // The strategy sets a 4% stop and an 8% target: both are drawn at the trade's own prices.
    expect(drawn.priceLines).toEqual([
      { title: 'entry', price: t.entry },
      { title: 'stop', price: t.stopPrice },
      { title: 'target', price: t.takeProfitPrice },
    ]);
    expect(drawn.x).toBeGreaterThan(0);
    expect(drawn.markerPixels).toBeGreaterThan(5);

    const text = await page.locator('#pane').innerText();
    expect(text).toContain(`Trade ${t.tradeId}: ${t.asset} ${t.side}`);
    const votes = await page.locator('.volt-votes tbody tr').count();
    expect(votes).toBeGreaterThanOrEqual(3);
    const changes = trade.decisions.flatMap((d) => d.gateChanges);
    expect(changes.length).toBeGreaterThan(0);
    expect(await page.locator('.volt-gate tbody tr').count()).toBe(changes.length);
    expect(await page.locator('.volt-gate tbody tr td').nth(2).innerText()).toBe(String(Number(changes[0]!.to.toPrecision(8))));
    await page.locator('#pane').screenshot({ path: path.join(ARTIFACTS, 'trade-view.png') });

    // The review form, filled in the page and saved through the plugin into the journal.
    await page.selectOption('select[name=outcome]', 'FALSE_POSITIVE');
    await page.selectOption('select[name=rating]', '2');
    await page.fill('input[name=tags]', 'late-entry, #news');
    await page.fill('textarea[name=review]', 'Bought into the news spike.');
    await page.click('button[type=submit]');
    await page.locator('.volt-review-status', { hasText: /^saved$/ }).waitFor();
    expect(saved.at(-1)).toEqual({ outcome: 'FALSE_POSITIVE', rating: 2, tags: ['late-entry', 'news'], review: 'Bought into the news spike.' });
    expect((await w.client.trade(Number(t.tradeId))).trade.review).toMatchObject({ outcome: 'FALSE_POSITIVE', rating: 2, tags: ['late-entry', 'news'] });
  });

  it('run view: metrics, equity over drawdown, the trade list', async () => {
    await fresh();
    const { series, below, above } = await page.evaluate(async (d) => {
      type Drawn = {
        series: Record<string, number>;
        chart: { panes(): { getHeight(): number }[]; timeScale(): { timeToCoordinate(t: number): number | null }; takeScreenshot(): HTMLCanvasElement };
        drawdownSeries: { priceToCoordinate(p: number): number | null };
      };
      const v = (window as unknown as { volt: { renderRun: (...a: unknown[]) => Drawn } }).volt;
      const opened: number[] = [];
      (window as unknown as { opened: number[] }).opened = opened;
      const drawn = v.renderRun(document.getElementById('pane')!, d, (tradeId: number) => opened.push(tradeId));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      // Where the run is flat at 0% drawdown and where it is deepest: the red is between the line and 0%, never below the line.
      const dd = d.equity.drawdown.map((x: number) => Math.abs(x));
      const flat = dd.findIndex((x: number, i: number) => i > dd.length * 0.05 && x === 0);
      const deepest = dd.indexOf(Math.max(...dd));
      const shot = drawn.chart.takeScreenshot();
      const ctx = shot.getContext('2d')!;
      const [top, bottom] = drawn.chart.panes().map((p) => p.getHeight()) as [number, number];
      const red = (x: number, y: number) => {
        const [r, g, b] = ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data;
        return r! - Math.min(g!, b!) > 20;
      };
      const at = (i: number) => drawn.chart.timeScale().timeToCoordinate(Math.floor(d.equity.time[i]! / 1000))!;
      const lineY = (i: number) => top + 1 + drawn.drawdownSeries.priceToCoordinate(-dd[i]! * 100)!;
      return {
        series: drawn.series,
        below: red(at(flat), top + bottom - 4),
        above: red(at(deepest), (top + 1 + drawn.drawdownSeries.priceToCoordinate(0)! + lineY(deepest)) / 2),
      };
    }, run);
    expect(below).toBe(false);
    expect(above).toBe(true);
    expect(series).toEqual({ equity: run.equity.time.length, drawdown: run.equity.time.length });
    // No ctx.options in this run: no Greeks panel, not even an empty one.
    expect(run.options).toBeUndefined();
    expect(await page.locator('#pane .volt-greeks').count()).toBe(0);
    expect(await page.locator('.volt-trades tbody tr').count()).toBe(run.trades.length);
    // A click on a trade's row opens that trade.
    const third = Math.min(2, run.trades.length - 1);
    await page.locator('.volt-trades tbody tr').nth(third).click();
    expect(await page.evaluate(() => (window as unknown as { opened: number[] }).opened)).toEqual([Number(run.trades[third]!.tradeId)]);
    expect(await page.locator('.volt-metrics td').first().innerText()).toMatch(/^[+-]\d+\.\d\d%$/);
    // A win rate is a share, not a gain: no sign.
    expect(await page.locator('.volt-metrics td').nth(4).innerText()).toBe(`${(run.run.metrics!.winRate! * 100).toFixed(1)}%`);
    await page.waitForTimeout(100);
    await page.locator('#pane').screenshot({ path: path.join(ARTIFACTS, 'run-view.png') });
  });

  it("run view of a ctx.options run: the book's delta, gamma, vega and theta under the equity, a pane each, units in the legend", async () => {
    await fresh();
    const g = optionsRun.options!.greeks;
    expect(g.time.length).toBeGreaterThan(100);
    const drawn = await page.evaluate(async (d) => {
      type Drawn = { series: Record<string, number>; chart: { panes(): { getHeight(): number }[]; takeScreenshot(): HTMLCanvasElement } };
      const v = (window as unknown as { volt: { renderRun: (...a: unknown[]) => Drawn & { greeks?: Drawn } } }).volt;
      const out = v.renderRun(document.getElementById('pane')!, d, () => undefined);
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const greeks = out.greeks!;
      // The delta line's colour in the first pane: the curve was drawn, not only its axes.
      const shot = greeks.chart.takeScreenshot();
      const ctx = shot.getContext('2d')!;
      const top = greeks.chart.panes()[0]!.getHeight();
      const data = ctx.getImageData(0, 0, shot.width, top).data;
      let delta = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - 0x5c) < 25 && Math.abs(data[i + 1]! - 0x7c) < 25 && Math.abs(data[i + 2]! - 0xfa) < 25) delta++;
      return { series: out.series, greeks: greeks.series, panes: greeks.chart.panes().length, delta };
    }, optionsRun);
    expect(drawn.series).toEqual({ equity: optionsRun.equity.time.length, drawdown: optionsRun.equity.time.length });
    const n = g.time.length;
    expect(drawn.greeks).toEqual({ delta: n, gamma: n, 'vega / vol pt': n, 'theta / day': n });
    expect(drawn.panes).toBe(4);
    expect(drawn.delta).toBeGreaterThan(50);
    // A long put: short delta, long gamma and vega, paying theta while held.
    const held = optionsRun.options!.greeks.value.findIndex((v) => v > 0);
    expect([Math.sign(g.delta[held]!), Math.sign(g.gamma[held]!), Math.sign(g.vegaPerPoint[held]!), Math.sign(g.thetaPerDay[held]!)]).toEqual([-1, 1, 1, -1]);
    expect(await page.locator('#pane .volt-greeks h3').innerText()).toBe('Greeks');
    expect(await page.locator('#pane .volt-greeks-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#pane .volt-legend').innerText()).toMatch(/delta: units of the underlying · gamma: delta per 1\.00 of the underlying's price · vega: currency per vol point · theta: currency per day/);
    expect(await page.locator('#pane .volt-hedge').innerText()).toMatch(/^Hedge efficiency n\/a: /);
    await page.waitForTimeout(100);
    await page.locator('#pane').screenshot({ path: path.join(ARTIFACTS, 'run-view-greeks.png') });
  });

  it('calendar: each day of closed trades with its P&L', async () => {
    await fresh();
    const trades = await calendarTrades(w.client, 'RSI mean reversion');
    const days = await page.evaluate((ts) => {
      const v = (window as unknown as { volt: { dailyPnl: (t: unknown) => Map<string, { pnl: number }>; renderCalendar: (...a: unknown[]) => void } }).volt;
      const d = v.dailyPnl(ts);
      v.renderCalendar(document.getElementById('pane')!, 'Daily P&L: RSI mean reversion', d);
      return d.size;
    }, trades);
    expect(days).toBeGreaterThan(0);
    expect(await page.locator('.volt-day-win, .volt-day-loss').count()).toBe(days);
    const first = trades.find((t) => t.exitTime !== null)!;
    const cell = page.locator(`[data-day="${new Date(first.exitTime!).toISOString().slice(0, 10)}"]`);
    expect(await cell.getAttribute('class')).toMatch(/volt-day-(win|loss)/);
    await page.locator('#pane').screenshot({ path: path.join(ARTIFACTS, 'calendar.png') });
  });

  it('the volt code block: arguments on the opening fence, drawn live from the journal', async () => {
    await fresh();
    const runId = Number(run.run.runId);
    const note = `# Notes\n\nHow the week went:\n\n\`\`\`volt run=${runId} chart=equity\n\`\`\`\n`;
    const drawn = await page.evaluate(([n]) => (window as unknown as { volt: { codeBlock: (...a: unknown[]) => Promise<unknown> } }).volt.codeBlock(document.getElementById('pane')!, n, 4), [note] as const);
    expect(drawn).toEqual({ notices: [], opened: [], series: { equity: run.equity.time.length } });
    expect(await page.locator('#pane h2').innerText()).toBe(`Run ${runId}: ${run.run.strategy}`);
    expect(await page.locator('#pane .volt-equity-chart canvas').count()).toBeGreaterThan(0);
    // A block is a summary: no trade list.
    expect(await page.locator('#pane .volt-trades').count()).toBe(0);
    await page.waitForTimeout(100);
    await page.locator('#pane').screenshot({ path: path.join(ARTIFACTS, 'code-block-run.png') });

    // The body wins over the fence where both say; a trade block is the whole trade view.
    await fresh();
    const tradeId = Number(trade.trade.tradeId);
    const inBody = await page.evaluate(
      ([n]) => (window as unknown as { volt: { codeBlock: (...a: unknown[]) => Promise<unknown> } }).volt.codeBlock(document.getElementById('pane')!, n, 0),
      [`~~~volt trade=99999\ntrade=${tradeId}\n~~~`] as const,
    );
    expect(inBody).toMatchObject({ notices: [] });
    expect(await page.locator('#pane h2').innerText()).toBe(`Trade ${tradeId}: ${trade.trade.asset} ${trade.trade.side}`);
    expect(await page.locator('#pane form.volt-review-form').count()).toBe(1);

    // A trade the journal does not have: the block says so in place, the Notice says why.
    await fresh();
    const missing = await page.evaluate(
      ([n]) => (window as unknown as { volt: { codeBlock: (...a: unknown[]) => Promise<{ notices: string[] }> } }).volt.codeBlock(document.getElementById('pane')!, n, 0),
      ['```volt trade=99999\n```'] as const,
    );
    expect(missing.notices).toHaveLength(1);
    expect(missing.notices[0]).toMatch(/^Volt: trade 99999 is not in the journal at .*journal\.db: pick a trade/);
    expect(await page.locator('#pane').innerText()).toBe('Volt: could not show trade 99999; the notice says why.');
  });

  it('compare runs and agent status', async () => {
    await fresh();
    const series = await page.evaluate(([a, b]) => {
      const v = (window as unknown as { volt: { renderComparison: (...a: unknown[]) => { series: Record<string, number> } } }).volt;
      return v.renderComparison(document.getElementById('pane')!, a, b).series;
    }, compare);
    expect(Object.keys(series)).toEqual([`run ${compare[0].run.runId}`, `run ${compare[1].run.runId}`]);
    await page.waitForTimeout(100);
    await page.locator('#pane').screenshot({ path: path.join(ARTIFACTS, 'compare-runs.png') });
    await fresh();
    await page.evaluate((s) => (window as unknown as { volt: { renderAgentStatus: (...a: unknown[]) => void } }).volt.renderAgentStatus(document.getElementById('pane')!, s), status);
    expect(await page.locator('#pane tbody tr').count()).toBe(status.agents.length);
    // Limits are sizes, not gains: no sign.
    const l = status.riskGate!.limits;
    expect(await page.locator('#pane').innerText()).toContain(`Risk gate: max position ${Math.round(l.maxPositionPct * 100)}%, max daily loss ${Math.round(l.maxDailyLoss * 100)}%, max drawdown ${Math.round(l.maxDrawdown * 100)}%, ${l.maxConsecutiveLosses} losses in a row`);
    await page.locator('#pane').screenshot({ path: path.join(ARTIFACTS, 'agent-status.png') });
    expect(existsSync(path.join(ARTIFACTS, 'trade-view.png'))).toBe(true);
  });
});
