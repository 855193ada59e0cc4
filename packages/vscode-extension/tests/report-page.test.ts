/**
 * The report page drawn in a real headless Chromium, outside VS Code: media/report.js bundled with
 * lightweight-charts as esbuild.config.mjs does, loaded by the page reportHtml writes (its strict
 * Content-Security-Policy included), fed the models the extension posts. `acquireVsCodeApi` is the
 * one thing the page gets from the test: a stand-in that keeps what the page posts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chartModel, reportModel } from '../src/report-model.js';
import { reportHtml } from '../src/report-view.js';
import { chromiumPath } from './e2e/workbench.js';
import { backtestResult, optionsBacktestResult } from './fixtures.js';

// The few DOM names the callbacks run in the page use: this package's tsconfig has no DOM library
// (the extension runs in Node), and these stay in this module.
interface PageElement {
  hidden: boolean;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  getBoundingClientRect(): { top: number; bottom: number; height: number };
  querySelectorAll(selector: string): { length: number };
}
declare const document: { body: PageElement; getElementById(id: string): PageElement | null };
declare const window: { postMessage(message: unknown, origin: string): void };
declare function requestAnimationFrame(callback: () => void): number;

const EXTENSION = fileURLToPath(new URL('..', import.meta.url));
const ARTIFACTS = path.join(EXTENSION, '..', '..', 'test-artifacts', 'vscode');

let dir: string;
let browser: Browser;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'volt-report-page-'));
  await esbuild.build({ entryPoints: [path.join(EXTENSION, 'media', 'report.js')], outfile: path.join(dir, 'report.js'), bundle: true, platform: 'browser', target: 'chrome120', format: 'iife', logLevel: 'warning' });
  copyFileSync(path.join(EXTENSION, 'media', 'report.css'), path.join(dir, 'report.css'));
  const html = reportHtml({ cspSource: 'file:', nonce: 'dGVzdG5vbmNl', scriptUri: 'report.js', styleUri: 'report.css' });
  writeFileSync(path.join(dir, 'report.html'), html);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const posted: unknown[] = [];
    Object.assign(window, { posted, acquireVsCodeApi: () => ({ postMessage: (m: unknown) => posted.push(m) }) });
  });
  await page.goto(pathToFileURL(path.join(dir, 'report.html')).href);
  await page.waitForFunction(() => (window as unknown as { posted: { type: string }[] }).posted.some((m) => m.type === 'ready'));
  mkdirSync(ARTIFACTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Posts a run's report and chart (no candles: the chart draws on the equity curve's times) and waits until both are drawn. */
async function show(result: ReturnType<typeof backtestResult>): Promise<void> {
  await page.evaluate(() => {
    delete document.body.dataset.drawn;
    delete document.body.dataset.chart;
  });
  const messages = [
    { type: 'report', model: reportModel(result) },
    { type: 'chart', chart: chartModel(result, undefined, 'no candles in this test') },
  ];
  await page.evaluate((ms) => ms.forEach((m) => window.postMessage(m, '*')), messages);
  await page.waitForFunction(() => document.body.dataset.drawn !== undefined && document.body.dataset.chart !== undefined);
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

const greeksPanel = () =>
  page.evaluate(() => {
    const section = document.getElementById('greeks')!;
    const host = document.getElementById('greeks-chart')!;
    return {
      hidden: section.hidden,
      height: section.getBoundingClientRect().height,
      canvases: host.querySelectorAll('canvas').length,
      series: host.dataset.series,
      panes: host.dataset.panes,
      points: host.dataset.points,
      hedge: document.getElementById('greeks-hedge')!.textContent,
      legend: document.getElementById('greeks-legend')!.textContent,
    };
  });

describe('the report page in Chromium', () => {
  it("draws an options run's greeks under the price chart: four panes of the engine's curves, the hedge efficiency and the units", async () => {
    const result = optionsBacktestResult();
    await show(result);
    const panel = await greeksPanel();
    const n = result.report.options!.greeks.time.length;
    expect(panel).toMatchObject({ hidden: false, series: '4', panes: '4', points: [n, n, n, n].join(',') });
    expect(panel.canvases).toBeGreaterThan(0);
    expect(panel.height).toBeGreaterThan(400);
    expect(panel.hedge).toBe(`hedge efficiency ${result.report.options!.hedgeEfficiency!.toFixed(2)}: the share of the underlying's moves the options offset (1 a perfect hedge, 0 none, below 0 adds to them)`);
    expect(panel.legend).toMatch(/delta: units of the underlying · gamma: delta per 1\.00 of the underlying's price · vega: currency per vol point · theta: currency per day$/);
    // Under the equity chart, and nothing the policy had to block.
    const order = await page.evaluate(() => document.getElementById('price-chart')!.getBoundingClientRect().bottom <= document.getElementById('greeks-chart')!.getBoundingClientRect().top);
    expect(order).toBe(true);
    expect(await page.evaluate(() => document.body.dataset.cspViolations ?? '0')).toBe('0');
    expect(errors).toEqual([]);
    await page.locator('#greeks').screenshot({ path: path.join(ARTIFACTS, 'report-greeks.png') });
  });

  it('a run without options has no Greeks panel and keeps no room for one, also after an options run was shown', async () => {
    await show(optionsBacktestResult());
    await show(backtestResult('file:///ws/rsi.strategy.ts'));
    const panel = await greeksPanel();
    expect(panel).toMatchObject({ hidden: true, height: 0, canvases: 0, series: undefined });
    expect(errors).toEqual([]);
  });
});
