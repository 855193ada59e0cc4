/**
 * Volt as a trader installs it: the engine, the sidecar and the CLI packed with `npm pack`, installed
 * with `npm install -g` into a prefix of their own, and used from a folder outside the repository
 * with only that prefix (and Node) on PATH. Dependencies come from the npm registry (or npm's cache).
 * better-sqlite3 would compile for a minute; it is handed the module this checkout already built,
 * as a local prebuild (prebuild-install's own mechanism), so the install takes seconds.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT as ROOT_WITH_SLASH } from '../../../test-support/shared-data.js';

const REPO_ROOT = path.resolve(ROOT_WITH_SLASH);
const PACKAGES = ['engine', 'lsp-server', 'cli'] as const;
const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }).version;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-install-'));
const prefix = path.join(tmp, 'prefix');
const home = path.join(tmp, 'home');
const work = path.join(home, 'work');
const folder = path.join(work, 'my-strategies');
const STRATEGY = path.join('strategies', 'rsi-mean-reversion.strategy.ts');

interface Packed {
  name: string;
  filename: string;
  files: Array<{ path: string }>;
}
let packed: Packed[] = [];

/** What a shell of the trader's has: the prefix's bin, Node, the system; HOME a fresh one. */
const env: NodeJS.ProcessEnv = {
  PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter),
  HOME: home,
  LANG: 'C.UTF-8',
  // No Ollama in this test: point the host at a closed loopback port so nothing waits.
  OLLAMA_HOST: 'http://127.0.0.1:9',
};

function run(command: string, args: string[], cwd = work): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The module this checkout built, laid out as prebuild-install's prebuilt tarball for this Node. */
function localPrebuild(): { dir: string; version: string } {
  const pkgDir = path.join(REPO_ROOT, 'node_modules', 'better-sqlite3');
  const version = (JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = path.join(tmp, 'prebuilds');
  mkdirSync(dir, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', ['-czf', path.join(dir, name), '-C', pkgDir, 'build/Release/better_sqlite3.node']);
  return { dir, version };
}

beforeAll(() => {
  mkdirSync(work, { recursive: true });
  // The test command builds first (npm test); the packages' prepack (the same build, which
  // `npm run release:pack` runs) would rewrite dist/ under the tests running beside this one.
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp, ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`])], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  // prepack scripts print before the JSON document.
  packed = JSON.parse(out.slice(out.indexOf('\n[') + 1 || out.indexOf('['))) as Packed[];
  const prebuild = localPrebuild();
  execFileSync(
    'npm',
    ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...packed.map((p) => path.join(tmp, p.filename))],
    {
      cwd: tmp,
      env: { ...process.env, npm_config_better_sqlite3_local_prebuilds: prebuild.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 480_000,
    },
  );
}, 540_000);

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('the packed tarballs', () => {
  it('hold the built code, types and READMEs, and no tests, sources or maps', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(['@volt/cli', '@volt/engine', '@volt/lsp-server']);
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      expect(files.filter((f) => /\.test\./.test(f)), `${p.name} ships tests`).toEqual([]);
      expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('tests/')), `${p.name} ships sources or maps`).toEqual([]);
      expect(files).toContain('README.md');
      expect(files).toContain('package.json');
    }
    const files = (name: string): string[] => packed.find((p) => p.name === name)!.files.map((f) => f.path);
    expect(files('@volt/engine')).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/runner/host.cjs']));
    // dist/locate.js: the installed `volt doctor` finds the sidecar with it (@volt/lsp-server/locate).
    expect(files('@volt/lsp-server')).toEqual(expect.arrayContaining(['bin/volt-lsp.js', 'dist/main.js', 'dist/locate.js', 'dist/worker/analysis-worker.js']));
    expect(files('@volt/cli')).toEqual(expect.arrayContaining(['bin/volt.js', 'bin/volt-lsp.js', 'dist/main.js', 'dist/commands/init.js']));
  });

  it('name no absolute path of the machine that built them', () => {
    const unpacked = path.join(tmp, 'unpacked');
    // The repo's folder, its parent (where a clone sits) and this user's home, as the start of a path
    // (so '/work/' is not found inside 'src/worker/').
    const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const forbidden = [REPO_ROOT, path.dirname(REPO_ROOT), os.homedir()]
      .filter((p) => p.length > 1)
      .map((p) => new RegExp(`(^|[^\\w./-])${escape(p)}(/|$)`, 'm'));
    for (const p of packed) {
      const dir = path.join(unpacked, p.name.replace('/', '-'));
      mkdirSync(dir, { recursive: true });
      execFileSync('tar', ['-xzf', path.join(tmp, p.filename), '-C', dir]);
      const walk = (d: string): void => {
        for (const entry of readdirSync(d, { withFileTypes: true })) {
          const file = path.join(d, entry.name);
          if (entry.isDirectory()) {
            walk(file);
            continue;
          }
          const text = readFileSync(file, 'latin1');
          for (const f of forbidden) expect(f.exec(text)?.[0], `${path.relative(unpacked, file)} names a path of this machine`).toBeUndefined();
        }
      };
      walk(dir);
    }
  });

  it('each builds before it packs', () => {
    for (const p of PACKAGES) {
      const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages', p, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(manifest.scripts.prepack, `packages/${p} has no prepack`).toMatch(/tsc -b|npm run build/);
    }
  });

  it('all carry one version, and the CLI and the sidecar depend on exactly that version', () => {
    const check = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'versions.mjs')], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const manifest = (name: string): { version: string; dependencies?: Record<string, string> } =>
      JSON.parse(readFileSync(path.join(prefix, 'lib', 'node_modules', ...name.split('/'), 'package.json'), 'utf8'));
    for (const name of ['@volt/engine', '@volt/lsp-server', '@volt/cli']) expect(manifest(name).version).toBe(VERSION);
    expect(manifest('@volt/cli').dependencies).toMatchObject({ '@volt/engine': VERSION, '@volt/lsp-server': VERSION });
  });
});

describe('the installed volt, from a folder outside the repository', () => {
  it('puts volt and volt-lsp on PATH and both say their version', () => {
    expect(existsSync(path.join(prefix, 'bin', 'volt'))).toBe(true);
    expect(existsSync(path.join(prefix, 'bin', 'volt-lsp'))).toBe(true);
    const volt = run('volt', ['--version']);
    expect(volt.stderr).toBe('');
    expect(volt.stdout).toBe(`volt ${VERSION}\n`);
    expect(run('volt-lsp', ['--version']).stdout).toBe(`volt-lsp ${VERSION}\n`);
  });

  it('volt init scaffolds a folder that names no path of this machine', () => {
    const r = run('volt', ['init', 'my-strategies']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const tsconfig = readFileSync(path.join(folder, 'tsconfig.json'), 'utf8');
    expect(JSON.parse(tsconfig).compilerOptions.paths).toEqual({ '@volt/engine': ['./types/volt-engine/index.d.ts'] });
    for (const name of ['tsconfig.json', 'volt.config.json', '.gitignore', path.join('types', 'volt-engine', 'index.d.ts')]) {
      const text = readFileSync(path.join(folder, name), 'utf8');
      expect(text.includes(prefix) || text.includes(REPO_ROOT) || text.includes(home), `${name} names a path of this machine`).toBe(false);
    }
  });

  it('volt backtest runs the scaffolded example and journals it', () => {
    const r = run('volt', ['backtest', STRATEGY, '--data', 'synthetic:42'], folder);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/RSI mean reversion/);
    expect(r.stdout).toMatch(/Sharpe/i);
    expect(existsSync(path.join(folder, '.volt', 'journal.db'))).toBe(true);
  });

  it('volt lint reports the example’s findings', () => {
    const r = run('volt', ['lint', STRATEGY], folder);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/VOLT108/);
    const bad = path.join('strategies', 'bad.strategy.ts');
    writeFileSync(path.join(folder, bad), readFileSync(path.join(folder, STRATEGY), 'utf8').replace('ctx.state.previousRsi = rsi.value;', 'ctx.state.previousRsi = rsi.value + Math.random();'));
    const flagged = run('volt', ['lint', bad], folder);
    expect(flagged.code).toBe(1);
    expect(flagged.stdout).toMatch(/VOLT105/);
  });

  it('volt doctor finds the installed sidecar of its own version and the journal', () => {
    const r = run('volt', ['doctor'], folder);
    expect(r.stdout).toContain(`volt-lsp  ${VERSION} at ${path.join(prefix, 'bin', 'volt-lsp')} (on PATH)`);
    expect(r.stdout).toMatch(/journal .*schema \d+, quick check ok, 1 run/);
    // Ollama is down but not asked for by the scaffold's config: reported, not a failure.
    expect(r.stdout).toMatch(/warn {2}ollama/);
    expect(r.code).toBe(0);
  });

  it('volt-lsp --stdio answers initialize and publishes diagnostics for the scaffolded strategy', async () => {
    const child: ChildProcess = spawn('volt-lsp', ['--stdio'], { cwd: folder, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const connection: MessageConnection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const published = new Map<string, Array<{ code?: unknown }>>();
    const waiters: Array<() => void> = [];
    connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Array<{ code?: unknown }> }) => {
      published.set(p.uri, p.diagnostics);
      for (const w of waiters.splice(0)) w();
    });
    connection.onRequest(() => null);
    connection.onNotification(() => {});
    connection.listen();
    try {
      const rootUri = `file://${folder}`;
      const init = (await connection.sendRequest('initialize', { processId: process.pid, rootUri, capabilities: {}, workspaceFolders: [{ uri: rootUri, name: 'my-strategies' }] })) as {
        serverInfo?: { name: string; version: string };
      };
      expect(init.serverInfo).toEqual({ name: 'volt-lsp', version: VERSION });
      await connection.sendNotification('initialized', {});
      const open = async (rel: string, code: string): Promise<Array<{ code?: unknown }>> => {
        const uri = `file://${path.join(folder, rel)}`;
        const text = readFileSync(path.join(folder, rel), 'utf8');
        await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text } });
        const deadline = Date.now() + 60_000;
        while (!(published.get(uri) ?? []).some((d) => d.code === code) && Date.now() < deadline) {
          await new Promise<void>((resolve) => {
            waiters.push(resolve);
            setTimeout(resolve, 1000);
          });
        }
        return published.get(uri) ?? [];
      };
      // The scaffolded example as written: only its hint. Its import of '@volt/engine' resolves in
      // the installed sidecar, so no TypeScript error comes with it.
      const example = await open(STRATEGY, 'VOLT108');
      expect(example.map((d) => d.code)).toEqual(['VOLT108']);
      // The same with a mistake made in it.
      const bad = await open(path.join('strategies', 'bad.strategy.ts'), 'VOLT105');
      expect(bad.map((d) => d.code)).toContain('VOLT105');
      expect(bad.filter((d) => String(d.code).startsWith('TS'))).toEqual([]);
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
    } finally {
      connection.dispose();
      child.kill();
    }
  });

  it('the scaffolded tsconfig.json gives the editor completion of the strategy API', () => {
    const configFile = path.join(folder, 'tsconfig.json');
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    expect(parsed.errors).toEqual([]);
    const file = path.join(folder, STRATEGY);
    const original = readFileSync(file, 'utf8');
    // The trader has typed `ctx.` in onBar and `ind.` in indicators.
    const typed = original.replace('if (!rsi.ready || !trend.ready) return;', 'ctx.\n    if (!rsi.ready || !trend.ready) return;').replace('rsi: ind.rsi(p.rsiPeriod),', 'rsi: ind.rsi(p.rsiPeriod), x: ind.,');
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => parsed.options,
      getScriptFileNames: () => parsed.fileNames,
      getScriptVersion: () => '1',
      getScriptSnapshot: (f) => {
        const text = path.resolve(f) === file ? typed : ts.sys.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => folder,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists,
      readFile: (f) => (path.resolve(f) === file ? typed : ts.sys.readFile(f)),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    };
    const service = ts.createLanguageService(host);
    const names = (marker: string): string[] =>
      service.getCompletionsAtPosition(file, typed.indexOf(marker) + marker.length, {})?.entries.map((e) => e.name) ?? [];
    expect(names('    ctx.')).toEqual(expect.arrayContaining(['buy', 'sell', 'exit', 'position', 'params', 'ind', 'bar']));
    expect(names('x: ind.')).toEqual(expect.arrayContaining(['rsi', 'sma', 'ema', 'atr']));
    // Hover shows the API's own documentation of what is under the cursor.
    const hover = service.getQuickInfoAtPosition(file, typed.indexOf('ctx.buy(') + 'ctx.'.length);
    expect(ts.displayPartsToString(hover?.displayParts)).toMatch(/buy\(/);
    // Go-to-definition lands in the folder's own copy of the declarations.
    const at = typed.indexOf('defineStrategy({');
    const [definition] = service.getDefinitionAtPosition(file, at) ?? [];
    expect(definition?.fileName.startsWith(path.join(folder, 'types', 'volt-engine').split(path.sep).join('/'))).toBe(true);
    // And the untouched example type-checks clean against them.
    const clean = ts.createProgram(parsed.fileNames.filter((f) => !f.endsWith('bad.strategy.ts')), parsed.options);
    expect(ts.getPreEmitDiagnostics(clean).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    expect(statSync(file).isFile()).toBe(true);
  });
});
