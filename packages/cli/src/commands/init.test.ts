import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultConfig, loadConfig, loadStrategyFile, resolveConfigPaths } from '@volt/engine';
import { REPO_ROOT } from '../../../../test-support/shared-data.js';
import { main } from '../main.js';
import { ENGINE_TYPES_DIR, EXAMPLE_STRATEGY, EXAMPLE_STRATEGY_FILE, WORKSPACE_VAULT, WORKSPACE_VOLATILITY_FILES, engineDist } from './init.js';

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

    const written = Object.keys(snapshot(dir));
    expect(written.filter((f) => !f.startsWith(ENGINE_TYPES_DIR + path.sep)).sort()).toEqual(['.gitignore', EXAMPLE_STRATEGY_FILE, 'tsconfig.json', 'volt.config.json'].sort());
    // The engine's declarations, copied whole (no maps, no tests), with the version they are of.
    const types = written.filter((f) => f.startsWith(ENGINE_TYPES_DIR + path.sep)).map((f) => path.relative(ENGINE_TYPES_DIR, f));
    expect(types).toContain('index.d.ts');
    expect(types).toContain(path.join('strategy', 'index.d.ts'));
    expect(types.filter((f) => !f.endsWith('.d.ts') && f !== 'package.json')).toEqual([]);
    const stamp = JSON.parse(readFileSync(path.join(dir, ENGINE_TYPES_DIR, 'package.json'), 'utf8')) as { version: string };
    expect(stamp.version).toBe((JSON.parse(readFileSync(path.join(engineDist(), '..', 'package.json'), 'utf8')) as { version: string }).version);
    const defaults = defaultConfig();
    expect(loadConfig(dir)).toEqual(resolveConfigPaths({ ...defaults, agents: { ...defaults.agents, ...WORKSPACE_VOLATILITY_FILES }, vault: { path: WORKSPACE_VAULT } }, dir));
    const loaded = await loadStrategyFile(path.join(dir, EXAMPLE_STRATEGY_FILE));
    expect(loaded.definition.name).toBe('RSI mean reversion');
    // The journal and the vault exported from it are the folder's state, not its source.
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^\.volt\/$/m);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^\/my-vault\/$/m);

    const tsconfig = JSON.parse(readFileSync(path.join(dir, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { paths: Record<string, string[]> };
    };
    // Relative, so the folder works wherever it is cloned; nothing of this machine is written.
    expect(tsconfig.compilerOptions.paths['@volt/engine']).toEqual(['./types/volt-engine/index.d.ts']);
    for (const [file, text] of Object.entries(snapshot(dir))) {
      expect(text.includes(REPO_ROOT) || text.includes(dir), `${file} names a path of this machine`).toBe(false);
    }
  });

  it('names the agents’ VIX, term structure, implied vol and events files; a run with the agents works before they are downloaded', async () => {
    const dir = freshDir();
    expect(await main(['init', dir])).toBe(0);
    const written = JSON.parse(readFileSync(path.join(dir, 'volt.config.json'), 'utf8')) as { agents: Record<string, unknown> };
    expect(written.agents).toMatchObject({
      vix: 'data/VIX_History.csv',
      vix9d: 'data/VIX9D_History.csv',
      vix3m: 'data/VIX3M_History.csv',
      vix6m: 'data/VIX6M_History.csv',
      impliedVol: 'data/VIX_History.csv',
      events: 'data/events.csv',
    });
    expect(out).not.toContain('agents.vix');
    out = '';
    expect(await main(['init', '--help'])).toBe(0);
    expect(out).toMatch(/agents\.vix, vix9d, vix3m, vix6m +CBOE's daily histories/);
    // The files are read as every face reads them: not there yet, each is a note, not a failure.
    const { loadVolatilityInputs, volatilitySources } = await import('@volt/engine');
    const notices: string[] = [];
    const config = loadConfig(dir);
    expect(await loadVolatilityInputs(volatilitySources(config.agents, {}, dir), { cwd: dir, onNotice: (m) => notices.push(m) })).toEqual({});
    expect(notices).toHaveLength(6);
    expect(notices[0]).toBe("agents.vix of volt.config.json names data/VIX_History.csv, which does not exist yet: left out (put CBOE's daily VIX history (VIX_History.csv) there, or remove agents.vix)");
    // Once downloaded, they are read.
    mkdirSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'data', 'VIX3M_History.csv'), 'DATE,OPEN,HIGH,LOW,CLOSE\n2024-01-02,15,15,15,15\n2024-01-03,16,16,16,16\n');
    const read = await loadVolatilityInputs(volatilitySources(config.agents, {}, dir), { cwd: dir });
    expect(read.term?.curve.vix3m?.levelAt(Date.UTC(2024, 0, 4, 12))).toBe(16);
    // A flag naming a missing file is a mistake to say, not a placeholder.
    await expect(loadVolatilityInputs(volatilitySources(config.agents, { vix9d: 'nope.csv' }, dir), { cwd: dir })).rejects.toThrow(/^--vix9d nope\.csv: no such file/);
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
    // The scaffold copies the built engine's declarations; `npm test` builds first.
    const dts = path.join(engineDist(), 'index.d.ts');
    expect(existsSync(dts), `${dts} is missing: run npx tsc -b first`).toBe(true);
    const dir = freshDir();
    expect(await main(['init', dir])).toBe(0);
    writeFileSync(
      path.join(dir, 'strategies', 'typo.strategy.ts'),
      "import { defineStrategy } from '@volt/engine';\n" +
        // console and timers are there at run time, so the editor knows them too (globals.d.ts).
        "export default defineStrategy({ name: 't', params: { level: 3 }, onBar(ctx) { console.log(ctx.bar.close); ctx.params.levle; } });\n",
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
    // …against the folder's own copy, not the engine this test runs.
    const resolved = ts.resolveModuleName('@volt/engine', path.join(dir, EXAMPLE_STRATEGY_FILE), parsed!.options, ts.sys).resolvedModule;
    expect(resolved?.resolvedFileName).toBe(path.join(dir, ENGINE_TYPES_DIR, 'index.d.ts').split(path.sep).join('/'));
  });

  it('--types replaces the folder’s copy of the declarations and nothing else', async () => {
    const dir = freshDir();
    expect(await main(['init', dir])).toBe(0);
    writeFileSync(path.join(dir, ENGINE_TYPES_DIR, 'index.d.ts'), 'export {};\n');
    writeFileSync(path.join(dir, ENGINE_TYPES_DIR, 'stale.d.ts'), 'export {};\n');
    const strategy = path.join(dir, EXAMPLE_STRATEGY_FILE);
    writeFileSync(strategy, '// my own work\n');
    expect(await main(['init', '--types', dir])).toBe(0);
    expect(readFileSync(path.join(dir, ENGINE_TYPES_DIR, 'index.d.ts'), 'utf8')).toBe(readFileSync(path.join(engineDist(), 'index.d.ts'), 'utf8'));
    expect(existsSync(path.join(dir, ENGINE_TYPES_DIR, 'stale.d.ts'))).toBe(false);
    expect(readFileSync(strategy, 'utf8')).toBe('// my own work\n');
    // Not a Volt folder: refused, nothing written.
    const other = freshDir();
    mkdirSync(other);
    expect(await main(['init', '--types', other])).toBe(1);
    expect(err).toMatch(/volt\.config\.json is missing/);
    expect(readdirSync(other)).toEqual([]);
  });
});
