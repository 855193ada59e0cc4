import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../backtest/index.js';
import { synthesize } from '../data/index.js';
import { loadStrategyFile, transpileStrategy } from '../strategy/index.js';
import { codeCacheFor, codeCacheName } from './code-cache.js';
import { StrategyRunner } from './runner.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-code-cache-'));
const host = fileURLToPath(new URL('../../dist/runner/host.cjs', import.meta.url));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sandboxPid = (r: StrategyRunner) => (r as unknown as { spares: { child: { pid: number } }[] }).spares[0]!.child.pid;

describe("a sandbox started from the host's code cache (the default heap limit)", () => {
  it('is started from the boot file, may read only the host, the boot file and the cache, and runs as the host does', async () => {
    const cached = codeCacheFor(host, 256);
    expect(cached, 'npm run build makes dist/runner/host.256mb.v8cache').toBeDefined();
    const runner = new StrategyRunner({ timeoutMs: 5000, maxMemoryMb: 256, spares: 0, warmUp: false });
    runner.warm();
    const argv = readFileSync(`/proc/${sandboxPid(runner)}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain(cached!.boot);
    expect(argv.filter((a) => a.startsWith('--allow-'))).toEqual([`--allow-fs-read=${host}`, `--allow-fs-read=${cached!.boot}`, `--allow-fs-read=${cached!.cache}`]);

    const file = path.join(tmp, 'same.strategy.ts');
    writeFileSync(file, `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'same',
  indicators: (ind) => ({ rsi: ind.rsi(14) }),
  onBar(ctx) {
    if (!ctx.ind.rsi.ready) return;
    if (ctx.position.side === 0 && ctx.ind.rsi.value < 35) ctx.buy({ confidence: 0.6, reason: 'dip' });
    else if (ctx.position.side === 1 && ctx.ind.rsi.value > 60) ctx.exit({ reason: 'back' });
  },
});
`);
    const series = synthesize({ seed: 5, bars: 3000, timeframe: '1h' });
    const outcome = await runner.run({ bundle: await transpileStrategy(file), series });
    expect(outcome.status).toBe('done');
    if (outcome.status === 'done') expect(JSON.stringify(outcome.report)).toBe(JSON.stringify(runBacktest(await loadStrategyFile(file), series)));
    await runner.dispose();
  });

  it('still refuses what a strategy may not do: files (the cache itself too), code from strings', async () => {
    const cache = codeCacheFor(host, 256)!.cache;
    for (const [name, body] of [
      ['reads', `require('node:fs').readFileSync(${JSON.stringify(cache)})`],
      ['binding', `(process as any).binding('fs')`],
      ['evals', `new Function('return 1')()`],
    ] as const) {
      const file = path.join(tmp, `${name}.strategy.ts`);
      writeFileSync(file, `import { defineStrategy } from '@volt/engine';
export default defineStrategy({ name: '${name}', onBar(ctx) { if (ctx.index === 3) ${body}; } });
`);
      const runner = new StrategyRunner({ timeoutMs: 5000, maxMemoryMb: 256, spares: 0, warmUp: false });
      const outcome = await runner.run({ bundle: await transpileStrategy(file), series: synthesize({ seed: 1, bars: 50, timeframe: '1h' }) });
      await runner.dispose();
      expect(outcome.status, name).toBe('failed');
    }
  });

  it('a cache made for another build of the host is not used: the sandbox compiles and runs as without one', async () => {
    const dir = mkdtempSync(path.join(tmp, 'stale-'));
    const copy = path.join(dir, 'host.cjs');
    writeFileSync(copy, readFileSync(host));
    writeFileSync(path.join(dir, 'host-boot.cjs'), readFileSync(codeCacheFor(host, 256)!.boot));
    const kept = readFileSync(codeCacheFor(host, 256)!.cache);
    // Another build's id over this cache: refused before V8 sees it.
    writeFileSync(path.join(dir, codeCacheName(256)), Buffer.concat([Buffer.from('0'.repeat(32), 'latin1'), kept.subarray(32)]));
    const file = path.join(tmp, 'plain.strategy.ts');
    writeFileSync(file, `import { defineStrategy } from '@volt/engine';
export default defineStrategy({ name: 'plain', onBar(ctx) { if (ctx.index === 10) ctx.buy(); } });
`);
    const runner = new StrategyRunner({ timeoutMs: 5000, maxMemoryMb: 256, spares: 0, warmUp: false, hostFile: copy });
    const outcome = await runner.run({ bundle: await transpileStrategy(file), series: synthesize({ seed: 2, bars: 100, timeframe: '1h' }) });
    await runner.dispose();
    expect(outcome.status).toBe('done');
  });

  it('is not used for another host file, nor for a heap limit it was not made for', () => {
    const other = path.join(tmp, 'host.cjs');
    writeFileSync(other, '');
    expect(codeCacheFor(other, 256)).toBeUndefined();
    expect(codeCacheFor(host, 128)).toBeUndefined();
  });
});
