/** volt/optimize through the sidecar over LSP: the sweep, its progress, the heatmap, the journal, the code action. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CodeAction } from 'vscode-languageserver';
import { startInBand, type TestClient } from './utils/connection.js';
import { APPLY_PARAMS_TITLE, OPTIMIZE_PROGRESS, Requests, type OptimizeParams, type OptimizeProgressParams, type OptimizeResult } from '../src/protocol.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'volt-optimize-lsp-'));
let client: TestClient;
const progress: OptimizeProgressParams[] = [];

// Two moving averages: a 3 × 3 grid, so every cell of the heatmap is a known trial.
const STRATEGY = `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'sma cross',
  params: {
    fast: { value: 7, min: 5, max: 15, step: 5 },
    slow: { value: 25, min: 20, max: 40, step: 10 },
    size: 0.05,
  },
  indicators: (ind, p) => ({ fast: ind.sma(p.fast), slow: ind.sma(p.slow) }),
  onBar(ctx) {
    const { fast, slow } = ctx.ind;
    if (!fast.ready || !slow.ready) return;
    if (fast.value > slow.value && ctx.position.side !== 1) ctx.buy({ reason: 'fast above slow' });
    else if (fast.value < slow.value && ctx.position.side === 1) ctx.exit({ reason: 'fast below slow' });
  },
});
`;

const optimize = (p: OptimizeParams) => client.connection.sendRequest<OptimizeResult>(Requests.optimize, p);

beforeAll(async () => {
  writeFileSync(path.join(root, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:11:3000:1h' } }));
  client = await startInBand({ root, settings: { lint: { debounceMs: 5 }, onSave: { backtest: false } } });
  client.connection.onNotification(OPTIMIZE_PROGRESS, (p: OptimizeProgressParams) => progress.push(p));
  await client.initialize();
});
afterAll(async () => {
  await client.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('volt/optimize', () => {
  it('sweeps, reports progress and a heatmap, journals the sweep, and offers the best out-of-sample params on the params block', async () => {
    const uri = await client.open('sma.strategy.ts', STRATEGY);
    const r = await optimize({ uri, method: 'grid', trials: 9, folds: 2, minTrades: 1, workers: 1, token: 'a' });
    expect(r.strategy.name).toBe('sma cross');
    expect(r.data).toMatchObject({ spec: 'synthetic:11:3000:1h', bars: 3000, synthetic: true });
    expect(r.result.trials.total).toBe(9);
    expect(r.result.walkForward?.folds).toHaveLength(2);
    expect(r.result.verdict).toMatch(/^(out-of-sample (holds|collapses)|no edge in-sample): /);
    expect(r.result.overfitting?.probability).toBeGreaterThanOrEqual(0);

    // Every whole-series trial is one cell; the best cell is the sweep's best.
    expect(r.heatmap).toMatchObject({ x: 'fast', y: 'slow', xValues: [5, 10, 15], yValues: [20, 30, 40] });
    expect(r.heatmap!.counts.flat()).toEqual(new Array(9).fill(1));
    const best = r.result.best!;
    const row = r.heatmap!.yValues.indexOf(best.params.slow!);
    const col = r.heatmap!.xValues.indexOf(best.params.fast!);
    expect(r.heatmap!.scores[row]![col]).toBe(best.score);
    expect(Math.max(...r.heatmap!.scores.flat().filter((s): s is number => s !== null))).toBe(best.score);

    const mine = progress.filter((p) => p.token === 'a');
    expect(mine[0]).toMatchObject({ uri, done: 0, total: 29 });
    expect(mine.at(-1)).toMatchObject({ done: 29, total: 29 });

    // The same sweep as `volt optimize` keeps: a complete row, every trial.
    const db = new Database(path.join(root, '.volt', 'journal.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT status FROM sweeps WHERE id = ?').pluck().get(r.sweep)).toBe('complete');
      expect(db.prepare('SELECT count(*) FROM sweep_trials WHERE sweep_id = ?').pluck().get(r.sweep)).toBe(29);
    } finally {
      db.close();
    }

    // The code action: on the params block only, writing the chosen fold's values and nothing else.
    expect(r.apply?.source).toBe('out-of-sample');
    const chosen = r.result.walkForward!.folds.find((f) => f.fold === r.apply!.fold)!;
    expect(r.apply!.params).toEqual(chosen.params);
    const at = (line: number) => ({ start: { line, character: 4 }, end: { line, character: 4 } });
    const ask = (line: number) => client.connection.sendRequest<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: at(line), context: { diagnostics: [] } });
    expect(await ask(11)).toEqual([]); // inside onBar
    const actions = (await ask(4)).filter((a) => a.title.startsWith(APPLY_PARAMS_TITLE));
    const values = r.apply!.params;
    // The defaults (7, 25) sit between the grid's values, so the sweep's always differ from them.
    expect(actions).toHaveLength(1);
    expect(actions[0]!.title).toContain(`sweep ${r.sweep}, best out-of-sample, fold ${r.apply!.fold}`);
    const edits = actions[0]!.edit!.changes![uri]!;
    const lines = STRATEGY.split('\n');
    const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
    let text = STRATEGY;
    for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
    expect(text).toBe(STRATEGY.replace('fast: { value: 7,', `fast: { value: ${values.fast},`).replace('slow: { value: 25,', `slow: { value: ${values.slow},`));
    // Once applied there is nothing left to write: the action goes away.
    await client.applyEdit(uri, actions[0]!.edit!);
    expect((await ask(4)).filter((a) => a.title.startsWith(APPLY_PARAMS_TITLE))).toEqual([]);
  });

  it('refuses bad arguments in one line', async () => {
    const uri = await client.open('sma2.strategy.ts', STRATEGY);
    await expect(optimize({ uri, method: 'annealing' as never })).rejects.toThrow("volt/optimize: method must be grid, random, tpe, got \"annealing\"");
    await expect(optimize({ uri, trials: 0 })).rejects.toThrow('volt/optimize: trials must be a whole number from 1 to 20000, got 0');
    await expect(optimize({ uri, axes: ['fast', 'size'] })).rejects.toThrow("volt/optimize: axes: 'size' is not a searched param (searched: fast, slow)");
    const fixed = await client.open('fixed.strategy.ts', STRATEGY.replace(/params: \{[\s\S]*?\n  \},/, 'params: { fast: 10, slow: 30 },'));
    await expect(optimize({ uri: fixed })).rejects.toThrow('declares no param with both min and max');
  });

  it('a cancelled sweep keeps what finished and says how to resume it', async () => {
    const wide = STRATEGY.replace('min: 5, max: 15, step: 5', 'min: 2, max: 50, step: 1').replace('min: 20, max: 40, step: 10', 'min: 20, max: 200, step: 1');
    const uri = await client.open('sma3.strategy.ts', wide);
    const source = new (await import('vscode-jsonrpc')).CancellationTokenSource();
    const pending = client.connection.sendRequest<OptimizeResult>(Requests.optimize, { uri, method: 'random', trials: 5000, minTrades: 1, workers: 1, token: 'c' }, source.token);
    await client.until(() => progress.find((p) => p.token === 'c' && p.done > 0), 'the first trials');
    source.cancel();
    const error = await pending.then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/^volt\/optimize: interrupted; \d+ of 5000 trials of sweep (\d+) are in the journal \(volt optimize --resume \1 continues it\)$/);
    const id = Number(/sweep (\d+)/.exec(error!.message)![1]);
    const db = new Database(path.join(root, '.volt', 'journal.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT status FROM sweeps WHERE id = ?').pluck().get(id)).toBe('interrupted');
    } finally {
      db.close();
    }
  });
});
