import { beforeEach, describe, expect, it } from 'vitest';
import * as vscode from 'vscode';
import type { OptimizeParams, OptimizeProgressParams, OptimizeResult } from '@volt/lsp-server/protocol';
import { heatColor, optimizeCsp, optimizeHtml, optimizeStrategy, OptimizeView, OPTIMIZE_PRESETS } from '../src/optimize-view.js';
import { recorded, resetStandIn } from './vscode-stand-in.js';

const DAY = 86_400_000;
const FROM = Date.UTC(2024, 0, 1);
const metrics = (totalReturn: number, trades: number) => ({ totalReturn, maxDrawdown: 0.08, trades, winRate: 0.5, sharpe: 1 }) as never;

function result(): OptimizeResult {
  return {
    uri: 'file:///ws/ema.strategy.ts',
    sweep: 7,
    strategy: { name: 'EMA <cross>', path: '/ws/ema.strategy.ts', contentHash: 'abc' },
    data: { spec: 'synthetic:42', symbol: 'BTC/USDT', timeframe: '1h', from: FROM, to: FROM + 100 * DAY, bars: 2400, synthetic: true },
    result: {
      method: 'grid', objective: 'sharpe', minTrades: 30, seed: 1,
      trials: { total: 4, failing: 1, distinct: 4 },
      best: { params: { fast: 10, slow: 40 }, score: 1.5, metrics: metrics(0.2, 40) },
      top: [{ params: { fast: 10, slow: 40 }, score: 1.5, metrics: metrics(0.2, 40) }, { params: { fast: 5, slow: 20 }, score: -0.5, metrics: metrics(-0.1, 33) }],
      walkForward: {
        mode: 'rolling', meanInSample: 1.2, meanOutOfSample: 0.4, efficiency: 0.33,
        folds: [
          { fold: 1, train: { from: FROM, to: FROM + 60 * DAY, bars: 1440 }, test: { from: FROM + 60 * DAY, to: FROM + 80 * DAY, bars: 480 }, params: { fast: 5, slow: 40 }, inSample: { score: 1.1 }, outOfSample: { score: 0.6, metrics: metrics(0.03, 9) } },
          { fold: 2, train: { from: FROM + 20 * DAY, to: FROM + 80 * DAY, bars: 1440 }, test: { from: FROM + 80 * DAY, bars: 480 }, params: { fast: 10, slow: 40 }, inSample: { score: 1.3 }, outOfSample: { score: 0.2, metrics: metrics(0.01, 7) } },
        ],
      },
      deflatedSharpe: { probability: 0.62, sharpe: 0.05, expectedMaxSharpe: 0.04, trials: 4, observations: 999, skewness: 0.1, kurtosis: 3.2 } as never,
      overfitting: { probability: 0.25, blocks: 16, splits: 12_870 } as never,
      verdict: 'out-of-sample holds: mean OOS sharpe 0.40 against 1.20 in-sample',
      warnings: ['deflated Sharpe 0.62 is below 0.95'],
    },
    heatmap: { x: 'fast', y: 'slow', xValues: [5, 10], yValues: [20, 40], scores: [[-0.5, null], [0.9, 1.5]], counts: [[1, 1], [1, 1]] },
    apply: { params: { fast: 5, slow: 40 }, source: 'out-of-sample', fold: 1 },
  };
}

beforeEach(() => resetStandIn());

describe('the optimisation report', () => {
  const html = optimizeHtml(result(), { cspSource: 'vscode-webview://abc', styleUri: 'vscode-webview://abc/media/optimize.css' });

  it('is static: no script at all, no inline style, only the extension’s stylesheet', () => {
    expect(optimizeCsp('vscode-webview://abc')).toBe("default-src 'none'; style-src vscode-webview://abc; img-src vscode-webview://abc; font-src vscode-webview://abc");
    expect(html).toContain(`content="${optimizeCsp('vscode-webview://abc')}"`);
    expect(html).not.toMatch(/<script|<style| style=|\son\w+=/);
    expect(html).toContain('EMA &lt;cross&gt;: optimisation');
  });

  it('draws one heatmap cell per value pair, coloured by its score, the top row the highest slow', () => {
    const cells = [...html.matchAll(/<rect class="cell" x="(\d+)" y="(\d+)"[^>]* fill="([^"]+)" data-score="([^"]*)" data-trials="(\d+)"/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), fill: m[3], score: m[4], trials: Number(m[5]) }));
    expect(cells).toHaveLength(4);
    expect(cells.map((c) => c.score)).toEqual(['-0.5', '', '0.9', '1.5']);
    // slow=40 (row 1) is drawn above slow=20 (row 0).
    expect(cells[2]!.y).toBeLessThan(cells[0]!.y);
    expect(cells[1]!.fill).toBe('#8885'); // no passing trial
    expect(cells[3]!.fill).toBe(heatColor(1.5, -0.5, 1.5));
    expect(heatColor(1.5, -0.5, 1.5)).toBe('#1a9c4a'); // the best: full green
    expect(heatColor(-0.5, -0.5, 1.5)).toBe('#c62828'); // the worst: full red
    expect(heatColor(0, -0.5, 1.5)).toBe('#e8e8e8');
    expect(html).toMatch(/<title>fast=10 slow=20: sharpe — \(best of 1\)<\/title>/);
  });

  it('has the walk-forward table, the overfitting figures, the verdict and the params to take', () => {
    const wf = /<table id="walk-forward">.*?<tbody>(.*?)<\/tbody>/s.exec(html)![1]!;
    const rows = [...wf.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]));
    expect(rows[0]).toEqual(['1', '2024-01-01 → 2024-03-01', '2024-03-01 → 2024-03-21', '1.10', '0.60', '+3.0%', '9', 'fast=5 slow=40']);
    expect(rows[1]![2]).toBe('2024-03-21 → 2024-04-10');
    expect(html).toMatch(/Deflated Sharpe ratio<\/th><td class="num">0\.62/);
    expect(html).toMatch(/Probability of backtest overfitting<\/th><td class="num">25\.0%/);
    expect(html).toContain('<p id="verdict" class="verdict">out-of-sample holds');
    expect(html).toContain('<code>fast=5 slow=40</code> · the best out-of-sample fold (1)');
    expect(html).toContain('warning: deflated Sharpe 0.62 is below 0.95');
  });
});

describe('Volt: Optimize Strategy', () => {
  it('asks for a preset, shows progress, opens the report and names the params to take', async () => {
    recorded.quickPickAnswers.push('Walk-forward');
    const listeners = new Set<(p: OptimizeProgressParams) => void>();
    const asked: OptimizeParams[] = [];
    const sidecar = {
      onOptimizeProgress: (l: (p: OptimizeProgressParams) => void) => (listeners.add(l), { dispose: () => listeners.delete(l) }),
      optimize: async (p: OptimizeParams) => {
        asked.push(p);
        for (const l of listeners) l({ uri: p.uri, token: 'someone else', done: 1, total: 2 });
        for (const l of listeners) l({ uri: p.uri, ...(p.token !== undefined ? { token: p.token } : {}), done: 1, total: 2, best: { params: { fast: 5 }, score: 0.5 } });
        return result();
      },
    };
    const view = new OptimizeView(vscode.Uri.file('/ext'));
    const output = vscode.window.createOutputChannel('Volt') as unknown as vscode.OutputChannel & { lines: string[] };
    const r = await optimizeStrategy(sidecar, view, output, vscode.Uri.file('/ws/ema.strategy.ts'));
    expect(r?.sweep).toBe(7);
    expect(asked[0]).toMatchObject({ uri: 'file:///ws/ema.strategy.ts', ...OPTIMIZE_PRESETS[0]!.params });
    expect(recorded.shown.filter((s) => s.kind === 'progressReport').map((s) => s.text)).toEqual(['1/2 trials · best 0.50 (fast=5)']);
    expect(recorded.webviews).toHaveLength(1);
    expect(recorded.webviews[0]!.webview.html).toContain('<svg id="heatmap"');
    expect(recorded.shown.find((s) => s.kind === 'info')?.text).toMatch(/^Volt: sweep 7 of .*: out-of-sample holds.*Best out-of-sample: fast=5 slow=40 \(the lightbulb on params applies them\)\.$/);
    expect(listeners.size).toBe(0);
  });

  it('says why in one line when the sidecar refuses, and does nothing when the pick is dismissed', async () => {
    const sidecar = { onOptimizeProgress: () => ({ dispose() {} }), optimize: () => Promise.reject(new Error('volt/optimize: EMA declares no param with both min and max')) };
    const view = new OptimizeView(vscode.Uri.file('/ext'));
    const output = vscode.window.createOutputChannel('Volt') as unknown as vscode.OutputChannel;
    expect(await optimizeStrategy(sidecar, view, output, vscode.Uri.file('/ws/ema.strategy.ts'))).toBeUndefined();
    expect(recorded.shown.filter((s) => s.kind === 'error')).toEqual([]);
    recorded.quickPickAnswers.push('Quick');
    expect(await optimizeStrategy(sidecar, view, output, vscode.Uri.file('/ws/ema.strategy.ts'))).toBeUndefined();
    expect(recorded.shown.find((s) => s.kind === 'error')?.text).toMatch(/failed: .*declares no param with both min and max$/);
    expect(recorded.webviews).toHaveLength(0);
  });
});
