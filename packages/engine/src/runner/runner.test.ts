import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../backtest/index.js';
import { sliceSeries, synthesize } from '../data/index.js';
import { loadStrategyFile, transpileStrategy } from '../strategy/index.js';
import { instrumentBundle, originalColumn, planCheckpoints } from './instrument.js';
import { StrategyRunner } from './runner.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-runner-'));
const runner = new StrategyRunner({ timeoutMs: 2000, maxMemoryMb: 128, spares: 1 });
afterAll(async () => {
  await runner.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

function strategyFile(name: string, onBar: string, top = ''): string {
  const file = path.join(tmp, `${name}.strategy.ts`);
  writeFileSync(
    file,
    `import { defineStrategy } from '@volt/engine';
${top}
export default defineStrategy({
  name: '${name}',
  params: { level: { value: 35, min: 10, max: 45 } },
  indicators: (ind) => ({ rsi: ind.rsi(14), ema: ind.ema(30) }),
  onBar(ctx) {
${onBar}
    const { rsi, ema } = ctx.ind;
    if (!rsi.ready || !ema.ready) return;
    if (ctx.position.side === 0 && rsi.value < ctx.params.level && ctx.bar.close > ema.value * 0.97) ctx.buy({ confidence: 0.6, reason: 'dip' });
    else if (ctx.position.side === 1 && rsi.value > 60) ctx.exit({ reason: 'back' });
  },
  risk: { stopLoss: 0.05, takeProfit: 0.1, maxPositionPct: 0.1 },
});
`,
  );
  return file;
}

const series = synthesize({ seed: 11, bars: 4000, timeframe: '1h' });

describe('StrategyRunner', () => {
  it('gives the same report as an in-process run, byte for byte, checkpoints and all', async () => {
    const file = strategyFile('same', '    for (let i = 0; i < 3; i++) { if (i > 5) return; }');
    const inProcess = runBacktest(await loadStrategyFile(file), series, { seed: 3 });
    const outcome = await runner.run({ bundle: await transpileStrategy(file), series, options: { seed: 3 } });
    expect(outcome.status).toBe('done');
    if (outcome.status !== 'done') return;
    expect(JSON.stringify(outcome.report)).toBe(JSON.stringify(inProcess));
    expect(outcome.strategy).toMatchObject({ name: 'same', path: file, params: { level: { value: 35, min: 10, max: 45 } } });
  });

  it('a run after a hostile one is unaffected: timers, globals and prototypes die with their run', async () => {
    const hostile = strategyFile(
      'hostile',
      `    if (ctx.index === 10) {
      setTimeout(() => { while (true) {} }, 0);
      setInterval(() => { (globalThis as any).tampered = true; }, 1);
      Math.max = () => 0;
      (Array.prototype as any).push = function () { return 0; };
    }`,
    );
    const healthy = strategyFile('healthy', '    if ((globalThis as any).tampered) throw new Error("tampered");');
    const fresh = new StrategyRunner({ timeoutMs: 2000, maxMemoryMb: 128, spares: 0 });
    const expected = await fresh.run({ bundle: await transpileStrategy(healthy), series });
    await fresh.dispose();

    await runner.run({ bundle: await transpileStrategy(hostile), series });
    const after = await runner.run({ bundle: await transpileStrategy(healthy), series });
    expect(after.status).toBe('done');
    expect(expected.status).toBe('done');
    if (after.status !== 'done' || expected.status !== 'done') return;
    expect(JSON.stringify(after.report)).toBe(JSON.stringify(expected.report));
  });

  it('a cancelled run ends at once and the runner goes on', async () => {
    const file = strategyFile('slow', '    if (ctx.index === 5) { let n = 1; while (n > 0) n = (n * 3) % 977 + 1; }');
    const controller = new AbortController();
    const pending = runner.run({ bundle: await transpileStrategy(file), series }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const t0 = Date.now();
    expect((await pending).status).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(1500);
    const next = await runner.run({ bundle: await transpileStrategy(strategyFile('next', '')), series });
    expect(next.status).toBe('done');
  });

  it("passes on what the strategy prints, capped, without V8's crash report", async () => {
    const file = strategyFile('chatty', "    if (ctx.index < 500) console.log('bar', ctx.index);");
    const lines: string[] = [];
    const outcome = await runner.run({ bundle: await transpileStrategy(file), series }, { onLog: (l) => lines.push(l) });
    expect(outcome.status).toBe('done');
    expect(lines[0]).toBe('bar 0');
    expect(lines).toHaveLength(201);
    expect(lines[200]).toMatch(/only its first 200 lines/);
  });
});

describe('StrategyRunner.sweep', () => {
  it('runs every parameter set in one sandbox, each report as an in-process run gives it', async () => {
    const file = strategyFile('swept', '    if (ctx.params.level === 13) throw new Error("level 13 is unlucky");');
    const bundle = await transpileStrategy(file);
    const loaded = await loadStrategyFile(file);
    const trials = [{ params: { level: 25 } }, { params: { level: 13 } }, { params: { level: 40 }, from: series.time[1000]!, to: series.time[3000]! }];
    const seen: [number, string][] = [];
    const outcome = await runner.sweep({ bundle, series, trials }, {
      onTrial: (i, r) => {
        if ('report' in r) {
          const t = trials[i]!;
          const part = t.from !== undefined ? sliceSeries(series, t.from, t.to) : series;
          expect(JSON.stringify(r.report)).toBe(JSON.stringify(runBacktest(loaded, part, { params: t.params })));
          seen.push([i, 'report']);
        } else {
          expect(r.failure.message).toContain('level 13 is unlucky');
          seen.push([i, r.failure.kind]);
        }
      },
    });
    expect(outcome).toMatchObject({ status: 'done', trials: 3, strategy: { name: 'swept' } });
    expect(seen).toEqual([[0, 'report'], [1, 'threw'], [2, 'report']]);
  });

  it('a trial that never returns ends the sweep at its line, after the trials before it', async () => {
    const file = strategyFile('stuck', '    if (ctx.params.level === 20 && ctx.index === 50) { let n = 1; while (n > 0) n = (n * 3) % 977 + 1; }');
    const done: number[] = [];
    const quick = new StrategyRunner({ timeoutMs: 500, maxMemoryMb: 128, spares: 0 });
    const outcome = await quick.sweep(
      { bundle: await transpileStrategy(file), series, trials: [{ params: { level: 30 } }, { params: { level: 20 } }, { params: { level: 40 } }] },
      { onTrial: (i) => done.push(i) },
    );
    await quick.dispose();
    expect(done).toEqual([0]);
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return;
    expect(outcome.failure).toMatchObject({ kind: 'timeout', file, bar: 50 });
    expect(outcome.failure.message).toBe('onBar did not return within 500 ms');
  });
});

describe('instrumentBundle', () => {
  const tick = (code: string) => {
    const file = path.join(tmp, 'x.strategy.ts');
    const out = instrumentBundle(code, file);
    const seen: number[] = [];
    vm.runInNewContext(out.code, { [out.tickName]: (id: number) => seen.push(id), [`${out.tickName}_f`]: (id: number) => seen.push(-id - 1) });
    return { out, seen };
  };

  it('puts a checkpoint in every loop and function, bodies with or without braces', () => {
    const { out, seen } = tick(`
      'use strict';
      let s = 0;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) s += j;
      let k = 0; while (k < 3) k++;
      do k--; while (k > 0);
      const f = () => ({ a: 1 });
      function g() { 'use strict'; return f().a; }
      for (const x of [1, 2]) g();
      s += g();
    `);
    expect(out.checkpoints.map((c) => c.kind)).toEqual(['loop', 'loop', 'loop', 'loop', 'function', 'function', 'loop']);
    // Every loop turn and call passed its checkpoint: 2 + 4 inner, 3, 3, g twice in the loop + once, f three times.
    expect(seen.filter((id) => id >= 0).length).toBe(2 + 4 + 3 + 3 + 2);
    expect(seen.filter((id) => id < 0).length).toBe(3 + 3);
  });

  it('keeps line numbers and maps columns back', () => {
    const code = 'let a = 0;\nwhile (a < 1) { a++; } let z = 1;\n';
    const out = instrumentBundle(code, path.join(tmp, 'y.strategy.ts'));
    expect(out.code.split('\n').length).toBe(code.split('\n').length);
    const moved = out.code.split('\n')[1]!.indexOf('let z');
    expect(originalColumn(out.shifts, 1, moved)).toBe(code.split('\n')[1]!.indexOf('let z'));
  });

  it('applies a kept plan as a fresh parse would, under a new random name each time, and only to its own code', () => {
    const file = path.join(tmp, 'z.strategy.ts');
    const code = 'let a = 0;\nwhile (a < 1) { a++; }\nconst f = (x) => x + 1; function g() { return f(a); }\n';
    const plan = planCheckpoints(code, file);
    const kept = instrumentBundle(code, file, plan);
    const fresh = instrumentBundle(code, file);
    expect(kept.tickName).not.toBe(fresh.tickName);
    expect(kept.code.split(kept.tickName).join('T')).toBe(fresh.code.split(fresh.tickName).join('T'));
    expect(kept.checkpoints).toEqual(fresh.checkpoints);
    expect(kept.shifts).toEqual(fresh.shifts);
    expect(instrumentBundle(code, file, plan).tickName).not.toBe(kept.tickName);
    // A plan made from other code (a stale record) is not applied: the code is parsed again.
    const other = instrumentBundle(code, file, planCheckpoints('for (;;) {}\n', file));
    expect(other.code.split(other.tickName).join('T')).toBe(fresh.code.split(fresh.tickName).join('T'));
  });
});
