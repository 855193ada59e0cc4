import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesize } from '../data/index.js';
import { transpileStrategy } from '../strategy/index.js';
import { StrategyRunner } from './runner.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-prestart-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sandboxPid = (r: StrategyRunner) => (r as unknown as { spares: { child: { pid: number } }[] }).spares[0]?.child.pid;

describe('a sandbox started before its runner (volt backtest)', () => {
  it('is taken by the next runner with the same heap limit, and runs its backtest', async () => {
    const pid = StrategyRunner.prestart({ timeoutMs: 5000, maxMemoryMb: 160, warmUp: false })!;
    expect(StrategyRunner.prestart({ timeoutMs: 5000, maxMemoryMb: 160, warmUp: false })).toBe(pid);
    const runner = new StrategyRunner({ timeoutMs: 5000, maxMemoryMb: 160, spares: 0, warmUp: false });
    runner.warm();
    expect(sandboxPid(runner)).toBe(pid);
    const file = path.join(tmp, 'buy.strategy.ts');
    writeFileSync(file, `import { defineStrategy } from '@volt/engine';
export default defineStrategy({ name: 'buy', onBar(ctx) { if (ctx.index === 10) ctx.buy(); } });
`);
    const outcome = await runner.run({ bundle: await transpileStrategy(file), series: synthesize({ seed: 3, bars: 300, timeframe: '1h' }) });
    expect(outcome.status).toBe('done');
    await runner.dispose();
  });

  it('is ended when the runner wants another heap limit, which starts its own', async () => {
    const pid = StrategyRunner.prestart({ timeoutMs: 5000, maxMemoryMb: 160, warmUp: false })!;
    const runner = new StrategyRunner({ timeoutMs: 5000, maxMemoryMb: 192, spares: 0, warmUp: false });
    runner.warm();
    const own = sandboxPid(runner);
    expect(own).toBeDefined();
    expect(own).not.toBe(pid);
    await expect.poll(() => alive(pid), { timeout: 3000 }).toBe(false);
    await runner.dispose();
  });

  it('a run sent while its sandbox is still starting gets every message: loaded, the strategy\'s lines, the report', async () => {
    const file = path.join(tmp, 'talks.strategy.ts');
    writeFileSync(file, `import { defineStrategy } from '@volt/engine';
console.log('top level');
export default defineStrategy({ name: 'talks', onBar(ctx) { if (ctx.index === 2) console.log('bar two'); } });
`);
    const runner = new StrategyRunner({ timeoutMs: 5000, maxMemoryMb: 160, spares: 0, warmUp: false });
    const loaded: string[] = [];
    const lines: string[] = [];
    // Nothing waiting: the run is written to a sandbox started for it, before its ready.
    const outcome = await runner.run({ bundle: await transpileStrategy(file), series: synthesize({ seed: 3, bars: 50, timeframe: '1h' }) }, { onLoaded: (f) => loaded.push(f.name), onLog: (l) => lines.push(l) });
    await runner.dispose();
    expect(outcome.status).toBe('done');
    expect(loaded).toEqual(['talks']);
    expect(lines).toEqual(['top level', 'bar two']);
  });
});
