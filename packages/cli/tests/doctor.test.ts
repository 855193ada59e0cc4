/**
 * `volt doctor` through the built CLI (bin/volt.js → dist/), as a trader runs it: PATH holds only
 * what each case puts there, HOME is a fresh folder (so the faces found are the ones a case
 * installs), and Ollama is a small server on 127.0.0.1 speaking its real HTTP API.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../../engine/src/llm/testing/fake-ollama.js';
import { REPO_ROOT } from '../../../test-support/shared-data.js';

const VOLT = path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'volt.js');
const SIDECAR = path.join(REPO_ROOT, 'packages', 'lsp-server', 'bin', 'volt-lsp.js');
const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }).version;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-doctor-'));
let n = 0;
let ollama: FakeOllama;

beforeAll(async () => {
  ollama = await FakeOllama.start({ models: ['llama3.3:latest', 'deepseek-r1:8b'], version: '0.9.1' });
});
afterAll(async () => {
  await ollama.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface Case {
  home: string;
  bin: string;
  workspace: string;
}

/** A fresh HOME, a bin folder for PATH, and a workspace with `config` as its volt.config.json. */
function freshCase(config: object = {}): Case {
  const base = path.join(tmp, `case${n++}`);
  const c = { home: path.join(base, 'home'), bin: path.join(base, 'bin'), workspace: path.join(base, 'home', 'strategies') };
  for (const d of Object.values(c)) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(c.workspace, 'volt.config.json'), JSON.stringify(config));
  return c;
}

function withSidecar(c: Case): Case {
  symlinkSync(SIDECAR, path.join(c.bin, 'volt-lsp'));
  return c;
}

/** Asynchronous, so that the Ollama server in this process can answer while doctor asks it. */
async function doctor(c: Case): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [VOLT, 'doctor'], {
    cwd: c.workspace,
    env: { PATH: [c.bin, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter), HOME: c.home, OLLAMA_HOST: 'http://127.0.0.1:9' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(err).toBe('');
  return { code, out };
}

describe('volt doctor', () => {
  it('all there: Node, the sidecar of its version, a journal to be, the data; exit 0 with Ollama down but not asked for', async () => {
    const c = withSidecar(freshCase({ agents: { mode: 'rules' } }));
    const { code, out } = await doctor(c);
    expect(out).toMatch(new RegExp(`ok {4}node +${process.version.replace(/\./g, '\\.')}`));
    expect(out).toContain(`volt-lsp  ${VERSION} at ${path.join(c.bin, 'volt-lsp')} (on PATH)`);
    expect(out).toContain(`journal   ${path.join(c.workspace, '.volt', 'journal.db')}: none yet`);
    expect(out).toMatch(/warn {2}ollama .*not reachable at http:\/\/127\.0\.0\.1:9.*not needed/);
    expect(out).toContain('info  editors   no VS Code extension or Neovim plugin found');
    expect(out).toContain(`data      cache ${path.join(c.workspace, '.volt', 'cache')}: empty`);
    expect(out).toContain('everything Volt needs is here');
    expect(code).toBe(0);
  });

  it('no volt-lsp anywhere: exit 1 with the install line', async () => {
    const { code, out } = await doctor(freshCase());
    expect(out).toMatch(/FAIL {2}volt-lsp {2}not on PATH nor in the usual global prefixes/);
    expect(out).toContain('→ npm install -g @volt/cli');
    expect(code).toBe(1);
  });

  it('finds volt-lsp in a global prefix that is not on PATH, and says to add it', async () => {
    const c = freshCase();
    const global = path.join(c.home, '.npm-global', 'bin');
    mkdirSync(global, { recursive: true });
    symlinkSync(SIDECAR, path.join(global, 'volt-lsp'));
    const { code, out } = await doctor(c);
    expect(out).toContain(`warn  volt-lsp  ${VERSION} at ${path.join(global, 'volt-lsp')} (global prefix, not on PATH)`);
    expect(out).toContain(`→ add ${global} to PATH`);
    expect(code).toBe(0);
  });

  it('a volt-lsp of another version is a problem, not a detail', async () => {
    const c = freshCase();
    const other = path.join(c.bin, 'volt-lsp');
    writeFileSync(other, '#!/bin/sh\necho "volt-lsp 9.9.9"\n');
    chmodSync(other, 0o755);
    const { code, out } = await doctor(c);
    expect(out).toContain(`FAIL  volt-lsp  9.9.9 at ${other} (on PATH), but this volt is ${VERSION}`);
    expect(code).toBe(1);
  });

  it('a journal that is not SQLite fails its check, read only', async () => {
    const c = withSidecar(freshCase());
    const file = path.join(c.workspace, '.volt', 'journal.db');
    mkdirSync(path.dirname(file));
    writeFileSync(file, 'this is not a database, it is a note I saved over it\n'.repeat(200));
    const before = readFileSync(file, 'utf8');
    const { code, out } = await doctor(c);
    expect(out).toMatch(/FAIL {2}journal .*journal\.db: cannot read it as a journal \(file is not a database\)/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(code).toBe(1);
  });

  it('a journal with runs: its schema, the quick check and the count', async () => {
    const c = withSidecar(freshCase());
    const backtest = spawnSync(process.execPath, [VOLT, 'backtest', path.join(REPO_ROOT, 'examples', 'strategies', 'macd-trend.strategy.ts'), '--data', 'synthetic:3:600:1h'], {
      cwd: c.workspace,
      encoding: 'utf8',
    });
    expect(backtest.status).toBe(0);
    const { code, out } = await doctor(c);
    expect(out).toMatch(/ok {4}journal .*journal\.db: schema \d+, quick check ok, 1 run\(s\)/);
    expect(code).toBe(0);
  });

  it('Ollama asked for: its models, and each one missing with its ollama pull line; exit 1', async () => {
    const c = withSidecar(freshCase({ agents: { mode: 'ollama' }, ollama: { host: ollama.host } }));
    const { code, out } = await doctor(c);
    expect(out).toContain(`ok    ollama    ${ollama.host}, version 0.9.1, models: llama3.3:latest, deepseek-r1:8b`);
    expect(out).toContain('FAIL  models    not pulled: qwen2.5-coder:7b');
    expect(out).toContain('→ ollama pull qwen2.5-coder:7b');
    expect(code).toBe(1);
    // The same models missing while nothing asks for Ollama: reported, exit 0.
    const relaxed = withSidecar(freshCase({ agents: { mode: 'rules' }, ollama: { host: ollama.host } }));
    const second = await doctor(relaxed);
    expect(second.out).toMatch(/warn {2}models {4}not pulled: qwen2\.5-coder:7b \(not needed/);
    expect(second.code).toBe(0);
  });

  it('names the editor faces installed for this user and their versions', async () => {
    const c = withSidecar(freshCase());
    const ext = path.join(c.home, '.vscode', 'extensions', `volt.volt-vscode-${VERSION}`);
    mkdirSync(ext, { recursive: true });
    writeFileSync(path.join(ext, 'package.json'), JSON.stringify({ name: 'volt-vscode', version: VERSION }));
    const plugin = path.join(c.home, '.local', 'share', 'nvim', 'lazy', 'volt.nvim');
    mkdirSync(path.join(plugin, 'lua', 'volt'), { recursive: true });
    writeFileSync(path.join(plugin, 'lua', 'volt', 'init.lua'), 'return {}\n');
    writeFileSync(path.join(plugin, 'lua', 'volt', 'version.lua'), "return '0.0.9'\n");
    const { code, out } = await doctor(c);
    expect(out).toContain(`ok    editors   VS Code: ${VERSION} at ${ext}`);
    expect(out).toContain(`warn  editors   Neovim: 0.0.9 at ${plugin}, but this volt is ${VERSION}`);
    expect(code).toBe(0);
  });

  it('a data.default file that is not there fails', async () => {
    const c = withSidecar(freshCase({ data: { default: 'data/btc.csv' } }));
    const { code, out } = await doctor(c);
    expect(out).toContain(`FAIL  data      data.default ${path.join(c.workspace, 'data', 'btc.csv')} does not exist`);
    expect(code).toBe(1);
  });
});
