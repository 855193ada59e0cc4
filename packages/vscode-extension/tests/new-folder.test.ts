/**
 * Volt: New Strategy Folder runs `volt init` bundled the way esbuild.config.mjs bundles it (one ES
 * module, the engine inside, the declarations read from a folder laid out as the engine's dist/),
 * on a real Node, into a real folder; the result type-checks with the repository's TypeScript.
 * Bundled here into a temp folder rather than dist/, which the e2e test rebuilds.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_FILE, runInit } from '../src/new-folder.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-vscode-init-'));
const serverDist = path.join(tmp, 'server');
const script = path.join(serverDist, 'bin', 'volt-init.js');

beforeAll(async () => {
  await esbuild.build({
    entryPoints: { 'bin/volt-init': path.join(here, '..', 'src', 'server', 'volt-init.ts') },
    outdir: serverDist,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'error',
    alias: {
      '@volt/engine': path.join(root, 'packages/engine/src/index.ts'),
    },
    external: ['better-sqlite3', 'esbuild', 'typescript', 'ccxt'],
    banner: { js: "import { createRequire as __voltCreateRequire } from 'node:module'; const require = __voltCreateRequire(import.meta.url);" },
  });
  // Beside the bundle, as in the .vsix: the engine's declarations, and the package.json with the version.
  const engineDist = path.join(root, 'packages', 'engine', 'dist');
  expect(existsSync(path.join(engineDist, 'index.d.ts')), 'build the engine first: npx tsc -b').toBe(true);
  const { cpSync, statSync } = await import('node:fs');
  cpSync(engineDist, serverDist, { recursive: true, filter: (s) => statSync(s).isDirectory() || s.endsWith('.d.ts') });
  // What the .vsix carries in dist/server/node_modules (esbuild, better-sqlite3, typescript): here the repo's.
  symlinkSync(path.join(root, 'node_modules'), path.join(serverDist, 'node_modules'));
  writeFileSync(path.join(serverDist, 'package.json'), JSON.stringify({ type: 'module', private: true, version: '0.1.0' }));
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('Volt: New Strategy Folder', () => {
  it('writes what volt init writes, with the bundled declarations and relative paths only', async () => {
    const dir = path.join(tmp, 'my strategies');
    const outcome = await runInit(process.execPath, script, dir);
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('created volt.config.json');
    const tsconfig = JSON.parse(readFileSync(path.join(dir, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions.paths).toEqual({ '@volt/engine': ['./types/volt-engine/index.d.ts'] });
    expect(JSON.parse(readFileSync(path.join(dir, 'types', 'volt-engine', 'package.json'), 'utf8')).version).toBe('0.1.0');
    expect(existsSync(path.join(dir, 'types', 'volt-engine', 'strategy', 'index.d.ts'))).toBe(true);
    // The runtime's node_modules beside the declarations are not the engine's: not copied.
    expect(existsSync(path.join(dir, 'types', 'volt-engine', 'node_modules'))).toBe(false);
    expect(readFileSync(path.join(dir, 'tsconfig.json'), 'utf8')).not.toContain(tmp);

    // VS Code's TypeScript sees the strategy API through it: the example type-checks, a typo does not.
    writeFileSync(path.join(dir, 'strategies', 'typo.strategy.ts'), readFileSync(path.join(dir, EXAMPLE_FILE), 'utf8').replace('ctx.params.exitLevel', 'ctx.params.exitLevle'));
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(dir, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const messages = ts.getPreEmitDiagnostics(ts.createProgram(parsed.fileNames, parsed.options)).map((d) => `${path.basename(d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(messages).toEqual([expect.stringMatching(/^typo\.strategy\.ts: Property 'exitLevle' does not exist/)]);
  });

  it('a folder already set up is refused with the file and the fix, and nothing is written', async () => {
    const dir = path.join(tmp, 'twice');
    expect((await runInit(process.execPath, script, dir)).code).toBe(0);
    const again = await runInit(process.execPath, script, dir);
    expect(again.code).toBe(1);
    const before = readFileSync(path.join(dir, 'volt.config.json'), 'utf8');
    expect(again.stderr).toMatch(/volt\.config\.json already exists; volt init never overwrites a file\n {2}fix: move or delete it first/);
    expect(again.stderr).not.toMatch(/\bat \S+:\d+:\d+/);
    expect(readFileSync(path.join(dir, 'volt.config.json'), 'utf8')).toBe(before);
  });

  it('a Node that does not start is an outcome, not a throw', async () => {
    const outcome = await runInit(path.join(tmp, 'no-such-node'), script, path.join(tmp, 'x'));
    expect(outcome.code).toBeNull();
    expect(outcome.stderr).toMatch(/^cannot run .*no-such-node: spawn .* ENOENT/);
  });
});
