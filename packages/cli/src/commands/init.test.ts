import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultConfig, loadConfig, loadStrategyFile, resolveConfigPaths } from '@volt/engine';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { main } from '../main.js';
import { EXAMPLE_STRATEGY, EXAMPLE_STRATEGY_FILE, WORKSPACE_VAULT, engineTypesPath } from './init.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-init-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => path.join(tmp, `folder${n++}`);

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
});

function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else files[path.relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return files;
}

describe('volt init', () => {
  it('scaffolds a folder whose config and example strategy load', async () => {
    const dir = freshDir();
    expect(await main(['init', dir])).toBe(0);
    expect(out).toContain('created volt.config.json');
    expect(out).toContain(`volt backtest`);

    expect(Object.keys(snapshot(dir)).sort()).toEqual(['.gitignore', EXAMPLE_STRATEGY_FILE, 'tsconfig.json', 'volt.config.json'].sort());
    expect(loadConfig(dir)).toEqual(resolveConfigPaths({ ...defaultConfig(), vault: { path: WORKSPACE_VAULT } }, dir));
    const loaded = await loadStrategyFile(path.join(dir, EXAMPLE_STRATEGY_FILE));
    expect(loaded.definition.name).toBe('RSI mean reversion');
    // The journal and the vault exported from it are the folder's state, not its source.
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^\.volt\/$/m);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^\/my-vault\/$/m);

    const tsconfig = JSON.parse(readFileSync(path.join(dir, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { paths: Record<string, string[]> };
    };
    const types = tsconfig.compilerOptions.paths['@volt/engine']![0]!;
    expect(types).toBe(path.join(REPO_ROOT, 'packages', 'engine', 'dist', 'index.d.ts'));
  });

  it('refuses to overwrite, names the file, exits 1 and leaves the folder as it was', async () => {
    const dir = freshDir();
    mkdirSync(path.join(dir, 'strategies'), { recursive: true });
    writeFileSync(path.join(dir, EXAMPLE_STRATEGY_FILE), '// my own work\n');
    const before = snapshot(dir);

    expect(await main(['init', dir])).toBe(1);
    expect(err).toContain(path.join(dir, EXAMPLE_STRATEGY_FILE));
    expect(err).toMatch(/already exists; volt init never overwrites/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('run twice, the second run refuses on volt.config.json', async () => {
    const dir = freshDir();
    expect(await main(['init', dir])).toBe(0);
    const before = snapshot(dir);
    expect(await main(['init', dir])).toBe(1);
    expect(err).toContain(path.join(dir, 'volt.config.json'));
    expect(snapshot(dir)).toEqual(before);
  });

  it('adds .volt/ and the vault to an existing .gitignore, keeping what is there, and only once', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(path.join(dir, '.gitignore'), 'node_modules');
    expect(await main(['init', dir])).toBe(0);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n.volt/\n/my-vault/\n');

    const other = freshDir();
    mkdirSync(other);
    writeFileSync(path.join(other, '.gitignore'), '/.volt\nmy-vault/\n');
    expect(await main(['init', other])).toBe(0);
    expect(readFileSync(path.join(other, '.gitignore'), 'utf8')).toBe('/.volt\nmy-vault/\n');

    const half = freshDir();
    mkdirSync(half);
    writeFileSync(path.join(half, '.gitignore'), '.volt/\n');
    expect(await main(['init', half])).toBe(0);
    expect(readFileSync(path.join(half, '.gitignore'), 'utf8')).toBe('.volt/\n/my-vault/\n');
    expect(out).toContain('added /my-vault/ to .gitignore');
  });

  it('defaults to the current folder and refuses two folders as a usage error', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await main(['init'])).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(path.join(dir, 'volt.config.json'))).toBe(true);
    expect(await main(['init', 'a', 'b'])).toBe(2);
  });

  it('ships the same example as examples/strategies', () => {
    const example = readFileSync(path.join(REPO_ROOT, 'examples', 'strategies', 'rsi-mean-reversion.strategy.ts'), 'utf8');
    expect(EXAMPLE_STRATEGY).toBe(example);
  });

  // The editor's view: with the generated tsconfig, the example type-checks against the engine's
  // declarations (needs the engine built, as `npm test` does first).
  it('gives the editor the engine’s types: the example type-checks, a typo does not', async () => {
    // The scaffolded tsconfig points at the built engine's declarations; `npm test` builds first.
    expect(existsSync(engineTypesPath()), `${engineTypesPath()} is missing: run npx tsc -b first`).toBe(true);
    const dir = freshDir();
    expect(await main(['init', dir])).toBe(0);
    writeFileSync(
      path.join(dir, 'strategies', 'typo.strategy.ts'),
      "import { defineStrategy } from '@volt/engine';\n" +
        "export default defineStrategy({ name: 't', params: { level: 3 }, onBar(ctx) { ctx.params.levle; } });\n",
    );
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(dir, 'tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => {},
    });
    expect(parsed?.errors).toEqual([]);
    const program = ts.createProgram(parsed!.fileNames, parsed!.options);
    const messages = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${path.basename(d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(messages).toEqual([expect.stringMatching(/^typo\.strategy\.ts: Property 'levle' does not exist/)]);
  });
});
