import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { transpileStrategyCached } from './bundle-cache.js';
import { transpileStrategy } from './loader.js';
import { planCheckpoints } from '../runner/instrument.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-bundle-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const file = path.join(tmp, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const strategy = (threshold: number) => `import { defineStrategy } from '@volt/engine';
import { limit } from './helper';
import { double } from 'tiny-pkg';
export default defineStrategy({ name: 'cached', onBar(ctx) { if (ctx.bar.close > limit * double(${threshold})) ctx.buy(); } });
`;

describe('strategy bundles kept by content hash', () => {
  const file = write('ws/s.strategy.ts', strategy(1));
  write('ws/helper.ts', 'export const limit = 100;\n');
  const pkg = write('ws/node_modules/tiny-pkg/index.js', 'exports.double = (x) => 2 * x;\n');
  write('ws/node_modules/tiny-pkg/package.json', '{"name":"tiny-pkg","main":"index.js"}');
  const cache = path.join(tmp, 'ws', '.volt', 'cache', 'bundles');

  it('bundles once, then answers from the record with the same bundle as a fresh one', async () => {
    const first = await transpileStrategyCached(file, cache);
    expect(first.cache).toBe('written');
    const again = await transpileStrategyCached(file, cache);
    expect(again.cache).toBe('hit');
    expect(again.bundle).toEqual(await transpileStrategy(file));
    expect(readdirSync(cache)).toHaveLength(1);
    // Where the runner's checkpoints go is kept with it, made from this very bundle.
    expect(again.checkpoints).toEqual(planCheckpoints(again.bundle.code, again.bundle.path));
    expect(again.checkpoints!.insertions.length).toBeGreaterThan(0);
  });

  it('bundles afresh when the strategy, a helper it imports or a package file it bundles changes', async () => {
    writeFileSync(file, strategy(2));
    const edited = await transpileStrategyCached(file, cache);
    expect(edited.cache).toBe('written');
    expect(edited.bundle.code).toMatch(/double\)?\(2\)/);
    expect((await transpileStrategyCached(file, cache)).cache).toBe('hit');

    write('ws/helper.ts', 'export const limit = 250;\n');
    const helper = await transpileStrategyCached(file, cache);
    expect(helper.cache).toBe('written');
    expect(helper.bundle.code).toContain('250');

    writeFileSync(pkg, 'exports.double = (x) => 3 * x; // v2\n');
    utimesSync(pkg, new Date(), new Date(Date.now() + 5000));
    const upgraded = await transpileStrategyCached(file, cache);
    expect(upgraded.cache).toBe('written');
    expect(upgraded.bundle.code).toContain('3 * x');
  });

  it('still bundles when the cache cannot be written', async () => {
    const blocked = path.join(tmp, 'blocked');
    writeFileSync(blocked, 'a file where the cache directory would be');
    const out = await transpileStrategyCached(file, path.join(blocked, 'bundles'));
    expect(out.cache).toBe('unwritable');
    expect(out.bundle.path).toBe(file);
  });

  it('bundles afresh over a record it cannot read', async () => {
    const dir = path.join(tmp, 'torn');
    await transpileStrategyCached(file, dir);
    const [name] = readdirSync(dir);
    writeFileSync(path.join(dir, name!), '{"format":1,"bund');
    expect((await transpileStrategyCached(file, dir)).cache).toBe('written');
  });
});
