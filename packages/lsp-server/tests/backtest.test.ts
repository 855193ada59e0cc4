import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startInBand, type TestClient } from './utils/connection.js';
import { CLEAN, variant, withOnBar } from './fixtures.js';

let client: TestClient;

beforeAll(async () => {
  client = await startInBand({
    settings: {
      data: { default: 'synthetic:7:3000:1h' },
      lint: { debounceMs: 10 },
      risk: { maxDrawdown: 0.25 },
      backtest: { timeoutMs: 1500, maxMemoryMb: 96 },
    },
  });
  await client.initialize();
});
afterAll(async () => {
  await client.dispose();
});

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

const saveAndRun = (name: string, text: string) => client.saveAndRun(name, text);

describe('backtest findings (VOLT2xx)', () => {
  it('VOLT202: no trades; VOLT201: too few; none for an active strategy', async () => {
    const never = await saveAndRun('never.strategy.ts', variant('oversold: { value: 30, min: 10, max: 45 }', 'oversold: { value: -5, min: -10, max: 45 }'));
    expect(never.backtest.map((d) => d.code)).toEqual(['VOLT202']);
    expect(never.backtest[0]!.message).toContain('onBar never called buy or sell');

    const rare = await saveAndRun('rare.strategy.ts', variant('oversold: { value: 30, min: 10, max: 45 }', 'oversold: { value: 12, min: 10, max: 45 }'));
    expect(rare.status.summary!.trades).toBeGreaterThan(0);
    expect(rare.status.summary!.trades).toBeLessThan(30);
    expect(rare.backtest.map((d) => d.code)).toEqual(['VOLT201']);

    const busy = await saveAndRun('busy.strategy.ts', variant('oversold: { value: 30, min: 10, max: 45 }', 'oversold: { value: 45, min: 10, max: 45 }'));
    expect(busy.status.summary!.trades).toBeGreaterThanOrEqual(30);
    expect(busy.backtest.filter((d) => d.code !== 'VOLT203')).toEqual([]);
  });

  it('VOLT203: drawdown past the configured limit', async () => {
    const reckless = withOnBar(`    if (ctx.position.side === 0) ctx.buy({ confidence: 0.9, reason: 'always in' });
    else if (ctx.position.barsHeld > 5) ctx.exit({ reason: 'turnover' });`).replace('maxPositionPct: 0.1', 'maxPositionPct: 1').replace("stopLoss: { kind: 'volatility', atrMultiple: 2 }, takeProfit: 0.06, ", '');
    await client.updateSettings({ ...client.settings, risk: { maxDrawdown: 0.01 } });
    const r = await saveAndRun('reckless.strategy.ts', reckless);
    expect(r.status.summary!.maxDrawdown).toBeGreaterThan(0.01);
    const dd = r.backtest.find((d) => d.code === 'VOLT203')!;
    expect(dd.message).toMatch(/past the 1\.0% limit/);
    expect(dd.range.start.line).toBe(lineOf(reckless, '  risk:'));
    await client.updateSettings({ ...client.settings, risk: { maxDrawdown: 0.25 } });
  });

  it('VOLT204: a throw at bar N is reported on the line that threw', async () => {
    const text = withOnBar(`    if (ctx.index === 120) {
      const levels: number[] = [];
      throw new Error('no level at ' + levels.length);
    }`);
    const r = await saveAndRun('throws.strategy.ts', text);
    expect(r.status.state).toBe('failed');
    const d = r.backtest[0]!;
    expect(d.code).toBe('VOLT204');
    expect(d.severity).toBe(1);
    expect(d.message).toContain('bar 120');
    expect(d.message).toContain('no level at 0');
    expect(d.range.start.line).toBe(lineOf(text, "throw new Error('no level"));
    const [lens] = await client.codeLens(r.uri);
    expect(lens!.command!.title).toMatch(/^Volt: backtest failed/);
  });

  it('a strategy reaching around the history window for the series behind it finds nothing: the run stops at that line', async () => {
    // The window's columns are # fields (backtest/future.test.ts walks all that ctx reaches).
    const text = withOnBar(`    const closes = (ctx.history(1) as unknown as { c: Float64Array }).c;
    const ahead = closes[ctx.index + 3];
    if (ahead! > ctx.bar.close) ctx.buy({ confidence: 0.9, reason: 'knows' });
    else ctx.exit({ reason: 'knows' });`);
    const r = await saveAndRun('peeks.strategy.ts', text);
    expect(r.status.state).toBe('failed');
    const d = r.backtest[0]!;
    expect(d.code).toBe('VOLT204');
    expect(d.message).toMatch(/Cannot read properties of undefined/);
    expect(d.range.start.line).toBe(lineOf(text, 'const ahead = closes['));
  });

  it('VOLT205: signals that change when the future is cut off', async () => {
    // No route to a later bar is left for a strategy; what the cut still catches is a run that is
    // not the same twice (randomness the lint cannot see), so the message names both.
    const text = withOnBar(`    const draw = (Math as unknown as Record<string, () => number>)['ran' + 'dom']!();
    if (ctx.position.side === 0 && draw < 0.05) ctx.buy({ confidence: 0.9, reason: 'a coin' });
    else if (ctx.position.side === 1 && draw < 0.05) ctx.exit({ reason: 'a coin' });`);
    const r = await saveAndRun('coin.strategy.ts', text);
    const d = r.backtest.find((x) => x.code === 'VOLT205')!;
    expect(d.message).toMatch(/with the data cut after bar 2000, the signal at bar \d+ .* changes from .*reads bars that had not closed yet, or is not the same run to run/);
    expect(d.range.start.line).toBe(lineOf(text, 'onBar(ctx)'));
    // An honest strategy passes the same check.
    const honest = await saveAndRun('honest.strategy.ts', CLEAN);
    expect(honest.backtest.find((x) => x.code === 'VOLT205')).toBeUndefined();
  });
});

describe('containment', () => {
  it('an endless loop is stopped at its line while the server keeps answering', async () => {
    const text = withOnBar(`    let spins = 0;
    if (ctx.index === 300) {
      while (spins >= 0) {
        spins = (spins + 1) % 1000;
      }
    }`);
    const uri = await client.open('spins.strategy.ts', text);
    await client.save(uri, text);
    await client.until(() => client.statuses.find((s) => s.uri === uri && s.state === 'running'), 'run start');
    // The worker is busy: the server still answers.
    const t0 = Date.now();
    const lenses = await client.codeLens(uri);
    expect(lenses[0]!.command!.title).toBe('Volt: backtesting…');
    expect(client.settledCount(uri)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1000);

    const status = await client.backtestSettled(uri, 1);
    expect(status.state).toBe('failed');
    const d = (await client.diagnosticsFor(uri, (ds) => ds.some((x) => x.code === 'VOLT204'))).find((x) => x.code === 'VOLT204')!;
    expect(d.message).toMatch(/^Stopped at bar 300: onBar did not return within 1500 ms/);
    const loopLines = [lineOf(text, 'while (spins'), lineOf(text, 'spins = (spins + 1)')];
    expect(loopLines).toContain(d.range.start.line);

    // Each run has a sandbox process of its own: the next save runs normally.
    const fixed = CLEAN;
    await client.replaceAll(uri, fixed);
    await client.save(uri, fixed);
    expect((await client.backtestSettled(uri, 2)).state).toBe('done');
  });

  it('unbounded allocation is stopped and placed; the next run works', async () => {
    const text = withOnBar(`    const hoard = (ctx.state.hoard ??= []) as number[][];
    hoard.push(new Array(50_000).fill(ctx.bar.close));`);
    const r = await saveAndRun('hoards.strategy.ts', text);
    expect(r.status.state).toBe('failed');
    const d = r.backtest[0]!;
    expect(d.code).toBe('VOLT204');
    expect(d.message).toMatch(/memory/);
    expect([lineOf(text, 'hoard.push'), lineOf(text, 'onBar(ctx)')]).toContain(d.range.start.line);
    await client.replaceAll(r.uri, CLEAN);
    await client.save(r.uri, CLEAN);
    expect((await client.backtestSettled(r.uri, 2)).state).toBe('done');
  });
});

describe('hot reload from disk', () => {
  it('re-runs a strategy when a helper it imports changes on disk', async () => {
    const helper = path.join(client.root, 'lib', 'levels.ts');
    writeFileSync(path.join(client.root, 'placeholder'), '');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(helper), { recursive: true });
    writeFileSync(helper, 'export const ENTRY = 30;\n');
    const text = variant("import { defineStrategy } from '@volt/engine';", "import { defineStrategy } from '@volt/engine';\nimport { ENTRY } from './lib/levels.js';")
      .replace('rsi.value < ctx.params.oversold', 'rsi.value < ctx.params.oversold + ENTRY - 30');
    const r = await saveAndRun('helper.strategy.ts', text);
    expect(r.status.state).toBe('done');
    writeFileSync(helper, 'export const ENTRY = 42;\n');
    const second = await client.backtestSettled(r.uri, 2);
    expect(second.state).toBe('done');
    expect(second.summary!.trades).toBeGreaterThan(r.status.summary!.trades);
  });
});
