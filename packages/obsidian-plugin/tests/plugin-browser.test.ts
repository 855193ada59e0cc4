/**
 * The palette's commands as a trader runs them: the whole plugin (src/main.ts with its views and
 * modals) in a headless Chromium page over the obsidian stand-in, its requests answered by the
 * built volt-lsp (the page reaches the test's Sidecar: a page cannot spawn one). Open trade view,
 * Review this trade (the modal filled and saved: the journal and the note on disk get it), Compare
 * runs, Agent status, Daily P&L calendar, and the ribbon's latest run whose trade list opens a trade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { syncVault } from '../src/commands.js';
import { PLUGIN_DIR, recordedRun, workbench, type Workbench } from './fixtures.js';
import { ARTIFACTS, buildPage, chromiumPath } from './browser/harness.js';

let w: Workbench;
let browser: Browser;
let page: Page;
let rsiRun: number;
let emaRuns: [number, number];

type Plugin = {
  voltPlugin: {
    start(vault: string): Promise<void>;
    run(id: string, note?: unknown): boolean;
    ribbon(): void;
    state(): { notices: string[]; modals: number; status: string; leaves: string[] };
  };
};
const state = () => page.evaluate(() => (window as unknown as Plugin).voltPlugin.state());
const command = (id: string, note?: unknown) => page.evaluate(([i, n]) => (window as unknown as Plugin).voltPlugin.run(i as string, n), [id, note] as const);
const noteIn = (folder: string, prefix: string) => {
  const dir = path.join(w.notes, folder);
  const name = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.md'));
  if (!name) throw new Error(`no ${prefix}… note in ${dir}`);
  return path.join(dir, name);
};

beforeAll(async () => {
  w = await workbench();
  rsiRun = await recordedRun(w, w.strategy('rsi-mean-reversion.strategy.ts'));
  const ema = w.strategy('ema-crossover.strategy.ts');
  emaRuns = [await recordedRun(w, ema), await recordedRun(w, ema, true)];
  await syncVault(w.ctx);

  const out = path.join(w.root, 'page');
  await buildPage(path.join(PLUGIN_DIR, 'tests', 'browser', 'plugin-page.ts'), path.join(out, 'plugin.js'), { '/sidecar.js': path.join(PLUGIN_DIR, 'tests', 'browser', 'sidecar-bridge.ts') });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.exposeFunction('voltRequest', (method: string, params: unknown) => w.sidecar.request(method, params));
  await page.setContent(`<!doctype html><html><head><style>body { margin: 16px; font-family: sans-serif; } .workspace-leaf-content { width: 1000px; }
    ${readFileSync(path.join(PLUGIN_DIR, 'src', 'styles.css'), 'utf8')}</style></head><body></body></html>`);
  await page.addScriptTag({ content: readFileSync(path.join(out, 'plugin.js'), 'utf8') });
  await page.evaluate((v) => (window as unknown as Plugin).voltPlugin.start(v), w.vaultRoot);
  expect(errors).toEqual([]);
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await w?.dispose();
});

describe('the palette in Chromium, against the real sidecar', () => {
  it('Open trade view: from a Trade note, the trade view with its chart, votes and review form', async () => {
    const note = w.note(noteIn('Trades', 'Trade '));
    expect(await command('open-trade-view', note)).toBe(true);
    const view = page.locator('.workspace-leaf-content .volt-trade');
    await view.locator('h2').waitFor();
    expect(await view.locator('h2').innerText()).toMatch(new RegExp(`^Trade ${note.frontmatter!.trade_id}: `));
    expect(await view.locator('.volt-trade-chart canvas').count()).toBeGreaterThan(0);
    expect(await view.locator('.volt-votes tbody tr').count()).toBeGreaterThanOrEqual(3);
    expect(await view.locator('form.volt-review-form').count()).toBe(1);
    expect((await state()).leaves).toEqual(['volt-trade']);
    // Not a Trade note: one Notice, no view.
    const before = (await state()).notices.length;
    await command('open-trade-view', { path: 'Daily/2024-01-02.md', frontmatter: { mood: 'ok' } });
    await page.waitForFunction((n) => (window as unknown as Plugin).voltPlugin.state().notices.length > n, before);
    expect((await state()).notices.at(-1)).toBe('Volt: Daily/2024-01-02.md is not a Volt Trade note (no trade_id in its frontmatter). Open a note from the Trades folder.');
  });

  it('Review this trade: the modal, filled and saved, writes the journal and the note; the modal closes', async () => {
    const file = noteIn('Trades', 'Trade ');
    const note = w.note(file);
    expect(await command('review-trade', note)).toBe(true);
    const modal = page.locator('.modal');
    await modal.locator('form.volt-review-form').waitFor();
    expect(await modal.locator('.modal-title').innerText()).toMatch(new RegExp(`^Review trade ${note.frontmatter!.trade_id}: `));
    await modal.locator('select[name=outcome]').selectOption('STOPPED');
    await modal.locator('select[name=rating]').selectOption('3');
    await modal.locator('input[name=tags]').fill('#chased, gap');
    await modal.locator('textarea[name=review]').fill('Chased the gap; the stop was right.');
    await page.locator('.modal').screenshot({ path: path.join(ARTIFACTS, 'review-modal.png') });
    await modal.locator('button[type=submit]').click();
    await page.waitForFunction(() => (window as unknown as Plugin).voltPlugin.state().modals === 0);
    expect((await state()).notices.at(-1)).toBe(`Volt: review of trade ${note.frontmatter!.trade_id} saved to the journal (3/5)`);
    expect(w.note(file).frontmatter).toMatchObject({ review_outcome: 'STOPPED', rating: 3, review_tags: ['chased', 'gap'] });
    expect(readFileSync(file, 'utf8')).toContain('> Chased the gap; the stop was right.');
    expect(await page.locator('.modal').count()).toBe(0);
  });

  it('Compare runs: from a Run note, that run beside the one before it', async () => {
    expect(await command('compare-runs', w.note(noteIn('Performance', `Run ${emaRuns[1]}`)))).toBe(true);
    const modal = page.locator('.modal.volt-wide-modal');
    await modal.locator('h2').waitFor();
    expect(await modal.locator('h2').innerText()).toBe(`EMA crossover: run ${emaRuns[0]} and run ${emaRuns[1]}`);
    expect(await modal.locator('.volt-metrics tbody tr').count()).toBe(6);
    expect(await modal.locator('.volt-chart canvas').count()).toBeGreaterThan(0);
    await page.waitForTimeout(100);
    await modal.screenshot({ path: path.join(ARTIFACTS, 'compare-modal.png') });
    await page.evaluate(() => document.querySelector('.modal')?.remove());
  });

  it('Agent status: a modal with the agents\' table', async () => {
    const status = await w.client.agentStatus();
    expect(await command('agent-status')).toBe(true);
    const modal = page.locator('.modal.volt-agent-status, .modal .volt-agent-status').first();
    await modal.locator('tbody tr').first().waitFor();
    expect(await modal.locator('tbody tr').count()).toBe(status.agents.length);
    expect(await modal.locator('h2').innerText()).toBe('Agents (rules)');
    await page.evaluate(() => document.querySelector('.modal')?.remove());
  });

  it('Daily P&L calendar: of the open Strategy note\'s strategy', async () => {
    expect(await command('pnl-calendar', w.note(noteIn('Strategies', 'RSI mean reversion')))).toBe(true);
    const view = page.locator('.workspace-leaf-content .volt-calendar');
    await view.locator('h2').waitFor();
    expect(await view.locator('h2').innerText()).toBe('Daily P&L: RSI mean reversion');
    expect(await view.locator('.volt-day-win, .volt-day-loss').count()).toBeGreaterThan(0);
  });

  it('the ribbon opens the latest run; a click in its trade list opens that trade in the trade view', async () => {
    await page.evaluate(() => (window as unknown as Plugin).voltPlugin.ribbon());
    const view = page.locator('.workspace-leaf-content .volt-run');
    await view.locator('h2').waitFor();
    const latest = Math.max(rsiRun, ...emaRuns);
    expect(await view.locator('h2').innerText()).toBe(`Run ${latest}: EMA crossover`);
    const detail = await w.client.run(latest);
    await view.locator('.volt-trades tbody tr').nth(1).click();
    const trade = page.locator('.workspace-leaf-content .volt-trade h2');
    await page.waitForFunction((id) => document.querySelector('.workspace-leaf-content .volt-trade h2')?.textContent?.startsWith(`Trade ${id}:`), detail.trades[1]!.tradeId);
    expect(await trade.innerText()).toMatch(new RegExp(`^Trade ${detail.trades[1]!.tradeId}: `));
    // The trade view's leaf is reused, not a second one.
    expect((await state()).leaves.filter((l) => l === 'volt-trade')).toHaveLength(1);
  });
});
