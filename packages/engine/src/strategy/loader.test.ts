import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { VoltError, defineStrategy as engineDefineStrategy } from '@volt/engine';
import {
  evaluateStrategy,
  loadStrategyFile,
  strategyRuntimeError,
  transpileStrategy,
} from './loader.js';

const EXAMPLES = path.join(REPO_ROOT, 'examples', 'strategies');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-loader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const file = path.join(tmp, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

async function loadError(file: string): Promise<VoltError> {
  try {
    await loadStrategyFile(file);
  } catch (e) {
    expect(e).toBeInstanceOf(VoltError);
    return e as VoltError;
  }
  throw new Error(`${file} loaded, but an error was expected`);
}

describe('the example strategies', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.strategy.ts'));

  it('include the three a trader would recognise', () => {
    expect(files).toEqual(
      expect.arrayContaining(['rsi-mean-reversion.strategy.ts', 'macd-trend.strategy.ts', 'bollinger-breakout.strategy.ts']),
    );
  });

  for (const name of [...files, 'faulty/hardcoded-threshold.strategy.ts']) {
    it(`${name} loads, validates, and reports its hash and inputs`, async () => {
      const file = path.join(EXAMPLES, name);
      const loaded = await loadStrategyFile(file);
      expect(loaded.path).toBe(file);
      expect(typeof loaded.definition.name).toBe('string');
      expect(typeof loaded.definition.onBar).toBe('function');
      expect(loaded.inputs?.[0]).toBe(file);
      expect(loaded.contentHash).toMatch(/^[0-9a-f]{64}$/);
      if (loaded.inputs?.length === 1) {
        expect(loaded.contentHash).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
      }
      if (!name.startsWith('faulty/')) {
        // The house rules the examples teach: a stop, a capped size, thresholds as tunable params.
        const risk = loaded.definition.risk;
        expect(risk?.stopLoss).toBeDefined();
        expect(risk?.maxPositionPct).toBeLessThanOrEqual(0.1);
        for (const spec of Object.values(loaded.definition.params ?? {})) {
          expect(spec).toMatchObject({ min: expect.any(Number), max: expect.any(Number) });
        }
      }
    });
  }

  it('the EMA crossover example lists its helper module among its inputs', async () => {
    const loaded = await loadStrategyFile(path.join(EXAMPLES, 'ema-crossover.strategy.ts'));
    expect(loaded.inputs).toEqual([path.join(EXAMPLES, 'ema-crossover.strategy.ts'), path.join(EXAMPLES, 'lib', 'crossing.ts')]);
  });

  it('strategies get the same engine module the process runs', async () => {
    const file = write('identity.strategy.ts', `
      import * as engine from '@volt/engine';
      export default engine.defineStrategy({ name: 'id', onBar() {}, params: { engine: 1 } });
      export const seen = engine;
    `);
    const { code } = await transpileStrategy(file);
    expect(code).toContain('require("@volt/engine")');
    const loaded = await loadStrategyFile(file);
    expect(loaded.definition.name).toBe('id');
    expect(engineDefineStrategy).toBeTypeOf('function');
  });
});

describe('errors point at the line', () => {
  it('a syntax error is reported with file:line:col and esbuild’s message', async () => {
    const file = write('syntax.strategy.ts', [
      "import { defineStrategy } from '@volt/engine';",
      'const café = 1;',
      'export default defineStrategy({',
      "  name: 'broken',",
      '  onBar(ctx) { if (ctx.bar.close > ) ctx.buy(); },',
      '});',
      '',
    ].join('\n'));
    const e = await loadError(file);
    expect(e.kind).toBe('strategy');
    expect(e.file).toBe(file);
    expect(e.line).toBe(5);
    expect(e.column).toBe(36);
    expect(e.message).toMatch(/Unexpected "\)"/);
    expect(e.format()).toContain(`${file}:5:36: `);
  });

  it('columns count characters, not UTF-8 bytes', async () => {
    const file = write('utf8.strategy.ts', "const é = 'héllo'; const y = ;\n");
    const e = await loadError(file);
    expect([e.line, e.column]).toEqual([1, 30]);
  });

  it('a wrong shape is reported on the line of the offending property', async () => {
    const file = write('shape.strategy.ts', [
      "import { defineStrategy } from '@volt/engine';",
      'export default defineStrategy({',
      "  name: 'too big',",
      '  onBar() {},',
      '  risk: {',
      '    stopLoss: 0.03,',
      '    maxPositionPct: 25,',
      '  },',
      '});',
      '',
    ].join('\n'));
    const e = await loadError(file);
    expect(e.kind).toBe('strategy');
    expect(e.file).toBe(file);
    expect([e.line, e.column]).toEqual([7, 5]);
    expect(e.message).toMatch(/maxPositionPct/);
    expect(e.hint).toMatch(/0\.25/);
  });

  it('a missing default export says how to write one', async () => {
    const file = write('nodefault.strategy.ts', "export const strategy = { name: 'x', onBar() {} };\n");
    const e = await loadError(file);
    expect(e.message).toMatch(/no default export/);
    expect(e.hint).toMatch(/export default defineStrategy/);
  });

  it('an import that cannot be resolved is placed on the import line', async () => {
    const file = write('missing-import.strategy.ts', [
      "import { defineStrategy } from '@volt/engine';",
      "import { magic } from './does-not-exist';",
      "export default defineStrategy({ name: 'x', onBar() { magic(); } });",
      '',
    ].join('\n'));
    const e = await loadError(file);
    expect([e.file, e.line]).toEqual([file, 2]);
    expect(e.message).toMatch(/Could not resolve/);
  });

  it('a throw at the module’s top level maps back to the strategy’s line through the source map', async () => {
    const file = write('toplevel.strategy.ts', [
      "import { defineStrategy } from '@volt/engine';",
      'type Level = { value: number };',
      'const levels: Level[] = [];',
      '',
      'const first = levels[0]!.value;',
      "export default defineStrategy({ name: 'x', params: { first }, onBar() {} });",
      '',
    ].join('\n'));
    const e = await loadError(file);
    expect(e.kind).toBe('strategy');
    expect(e.file).toBe(file);
    expect(e.line).toBe(5);
    expect(e.message).toMatch(/TypeError/);
    expect(e.message).toMatch(/while loading/);
  });

  it('a throw inside a helper module is placed in the helper', async () => {
    const helper = write('throwing/helper.ts', [
      'export function threshold(): number {',
      "  throw new RangeError('no threshold configured');",
      '}',
      '',
    ].join('\n'));
    const file = write('throwing/uses-helper.strategy.ts', [
      "import { defineStrategy } from '@volt/engine';",
      "import { threshold } from './helper';",
      'const level = threshold();',
      "export default defineStrategy({ name: 'x', params: { level }, onBar() {} });",
      '',
    ].join('\n'));
    const e = await loadError(file);
    expect([e.file, e.line, e.column]).toEqual([helper, 2, 9]);
    expect(e.message).toMatch(/RangeError: no threshold configured/);
  });

  it('an error thrown later by onBar is placed on its line', async () => {
    const file = write('onbar-throws.strategy.ts', [
      "import { defineStrategy } from '@volt/engine';",
      'export default defineStrategy({',
      "  name: 'thrower',",
      '  onBar(ctx) {',
      "    if (ctx.index > 2) throw new Error('bar ' + ctx.index);",
      '  },',
      '});',
      '',
    ].join('\n'));
    const loaded = await loadStrategyFile(file);
    let thrown: unknown;
    try {
      loaded.definition.onBar({ index: 3 } as never);
    } catch (e) {
      thrown = e;
    }
    const e = strategyRuntimeError(thrown, loaded);
    expect([e.file, e.line]).toEqual([file, 5]);
    expect(e.message).toBe('Error: bar 3 (while running onBar)');
  });

  it('a require of something that is neither the engine, a built-in nor bundled is refused', async () => {
    const file = write('dynamic-require.strategy.ts', [
      "const name = 'left' + '-pad';",
      'const pad = require(name);',
      "export default { name: 'x', onBar() { pad(); } };",
      '',
    ].join('\n'));
    const e = await loadError(file);
    expect(e.message).toMatch(/requires 'left-pad'/);
    expect([e.file, e.line]).toEqual([file, 2]);
  });

  it('node built-ins are allowed (the sidecar’s static checks flag I/O instead)', async () => {
    const file = write('builtin.strategy.ts', [
      "import { defineStrategy } from '@volt/engine';",
      "import { EventEmitter } from 'node:events';",
      'const bus = new EventEmitter();',
      "export default defineStrategy({ name: 'uses events', onBar() { bus.emit('bar'); } });",
      '',
    ].join('\n'));
    const loaded = await loadStrategyFile(file);
    expect(loaded.definition.name).toBe('uses events');
  });
});

describe('hot reload', () => {
  it('editing a helper module and loading again gives the new behaviour, with a new hash', async () => {
    const helper = write('hot/levels.ts', 'export const OVERSOLD = 30;\n');
    const file = write('hot/dip.strategy.ts', [
      "import { defineStrategy } from '@volt/engine';",
      "import { OVERSOLD } from './levels';",
      "export default defineStrategy({ name: 'dip', params: { oversold: OVERSOLD }, onBar() {} });",
      '',
    ].join('\n'));

    const first = await loadStrategyFile(file);
    expect(first.inputs).toEqual([file, helper]);
    expect(first.definition.params).toEqual({ oversold: 30 });

    writeFileSync(helper, 'export const OVERSOLD = 25;\n');
    const second = await loadStrategyFile(file);
    expect(second.definition.params).toEqual({ oversold: 25 });
    expect(second.contentHash).not.toBe(first.contentHash);
    expect(second.definition).not.toBe(first.definition);
  });

  it('module-level state starts afresh on every evaluation', async () => {
    const file = write('hot/counter.strategy.ts', [
      'let loads = 0;',
      'loads++;',
      "export default { name: 'counter', onBar() {}, params: { loads } };",
      '',
    ].join('\n'));
    const { code } = await transpileStrategy(file);
    const a = (await evaluateStrategy(code, file)) as { params: { loads: number } };
    const b = (await evaluateStrategy(code, file)) as { params: { loads: number } };
    expect(a.params.loads).toBe(1);
    expect(b.params.loads).toBe(1);
  });

  it('the same text gives the same hash', async () => {
    const file = write('hash/same.strategy.ts', "export default { name: 'same', onBar() {} };\n");
    const a = await transpileStrategy(file);
    const b = await transpileStrategy(file);
    expect(a.contentHash).toBe(b.contentHash);
    writeFileSync(file, "export default { name: 'same', onBar() { } };\n");
    expect((await transpileStrategy(file)).contentHash).not.toBe(a.contentHash);
  });

  it('names a missing strategy file plainly instead of as an unresolved import', async () => {
    const missing = path.join(os.tmpdir(), 'volt-no-such-dir', 'gone.strategy.ts');
    const err = await transpileStrategy(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VoltError);
    expect((err as VoltError).message).toBe('no such strategy file');
    expect((err as VoltError).file).toBe(missing);
  });
});
