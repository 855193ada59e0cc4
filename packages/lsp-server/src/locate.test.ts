/** The one search for an installed program that `volt doctor`, the VS Code extension and the Obsidian plugin share, against real files. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXED_BIN_DIRS, findProgram, globalBinDirs, programFileNames } from './locate.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-locate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function program(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
  return file;
}

/** A fresh folder with a HOME in it, and a PATH of folders that do not exist yet. */
function freshCase(): { base: string; home: string } {
  const base = path.join(tmp, `case${n++}`);
  const home = path.join(base, 'home');
  mkdirSync(home, { recursive: true });
  return { base, home };
}

describe('the global bin folders', () => {
  it('the prefixes the environment names, then the home ones, then the fixed ones (Homebrew, /usr/local by default)', () => {
    expect(globalBinDirs({ HOME: '/home/t', npm_config_prefix: '/opt/npm', NPM_CONFIG_PREFIX: '/opt/NPM' }, ['/fixed/a', '/fixed/b'])).toEqual([
      '/opt/npm/bin',
      '/opt/NPM/bin',
      '/home/t/.npm-global/bin',
      '/home/t/.local/bin',
      '/home/t/.volta/bin',
      '/fixed/a',
      '/fixed/b',
    ]);
    expect(FIXED_BIN_DIRS).toEqual(['/opt/homebrew/bin', '/usr/local/bin']);
    expect(globalBinDirs({ HOME: '/home/t' })).toEqual(['/home/t/.npm-global/bin', '/home/t/.local/bin', '/home/t/.volta/bin', '/opt/homebrew/bin', '/usr/local/bin']);
    expect(globalBinDirs({ HOME: '/home/t' }, [])).toEqual(['/home/t/.npm-global/bin', '/home/t/.local/bin', '/home/t/.volta/bin']);
  });

  it('each folder once, where it first comes; Windows’ USERPROFILE when there is no HOME', () => {
    // npm's prefix set to ~/.npm-global (the usual advice), in both spellings, and /usr/local/bin twice.
    const env = { HOME: '/home/t', npm_config_prefix: '/home/t/.npm-global', NPM_CONFIG_PREFIX: '/home/t/.npm-global' };
    expect(globalBinDirs(env, ['/usr/local/bin', '/home/t/.local/bin', '/usr/local/bin'])).toEqual([
      '/home/t/.npm-global/bin',
      '/home/t/.local/bin',
      '/home/t/.volta/bin',
      '/usr/local/bin',
    ]);
    expect(globalBinDirs({ HOME: '', USERPROFILE: '/Users/t' }, [])).toEqual(['/Users/t/.npm-global/bin', '/Users/t/.local/bin', '/Users/t/.volta/bin']);
  });
});

describe('finding a program', () => {
  it('PATH first, in PATH’s order; then the prefixes; else none', () => {
    const { base, home } = freshCase();
    const first = path.join(base, 'first');
    const second = path.join(base, 'second');
    const env = { HOME: home, PATH: [first, second].join(path.delimiter) };
    expect(findProgram('volt-lsp', env, { fixedDirs: [] })).toBeUndefined();

    const global = program(path.join(home, '.npm-global', 'bin'), 'volt-lsp');
    expect(findProgram('volt-lsp', env, { fixedDirs: [] })).toEqual({ file: global, via: 'global prefix' });

    const later = program(second, 'volt-lsp');
    expect(findProgram('volt-lsp', env, { fixedDirs: [] })).toEqual({ file: later, via: 'PATH' });
    const earlier = program(first, 'volt-lsp');
    expect(findProgram('volt-lsp', env, { fixedDirs: [] })).toEqual({ file: earlier, via: 'PATH' });
    // Another name is looked up on its own.
    expect(findProgram('node', env, { fixedDirs: [] })).toBeUndefined();
  });

  it('the prefixes in their order: npm’s prefix from the environment before ~/.npm-global, ~/.local, Volta, the fixed folders last', () => {
    const { base, home } = freshCase();
    const fixed = path.join(base, 'brew', 'bin');
    const env = { HOME: home, PATH: '', npm_config_prefix: path.join(base, 'custom') };
    const atFixed = program(fixed, 'volt-lsp');
    expect(findProgram('volt-lsp', env, { fixedDirs: [fixed] })).toEqual({ file: atFixed, via: 'global prefix' });
    // Without the fixed folder passed it is not looked in (the defaults are the machine's own).
    expect(findProgram('volt-lsp', env, { fixedDirs: [] })).toBeUndefined();
    const atVolta = program(path.join(home, '.volta', 'bin'), 'volt-lsp');
    expect(findProgram('volt-lsp', env, { fixedDirs: [fixed] })?.file).toBe(atVolta);
    const atLocal = program(path.join(home, '.local', 'bin'), 'volt-lsp');
    expect(findProgram('volt-lsp', env, { fixedDirs: [fixed] })?.file).toBe(atLocal);
    const atNpmGlobal = program(path.join(home, '.npm-global', 'bin'), 'volt-lsp');
    expect(findProgram('volt-lsp', env, { fixedDirs: [fixed] })?.file).toBe(atNpmGlobal);
    const atPrefix = program(path.join(base, 'custom', 'bin'), 'volt-lsp');
    expect(findProgram('volt-lsp', env, { fixedDirs: [fixed] })).toEqual({ file: atPrefix, via: 'global prefix' });
    expect(findProgram('volt-lsp', { HOME: home, PATH: '', NPM_CONFIG_PREFIX: path.join(base, 'custom') }, { fixedDirs: [fixed] })?.file).toBe(atPrefix);
  });

  it('a prefix that is also on PATH is found as on PATH', () => {
    const { home } = freshCase();
    const global = program(path.join(home, '.npm-global', 'bin'), 'volt-lsp');
    expect(findProgram('volt-lsp', { HOME: home, PATH: path.dirname(global) }, { fixedDirs: [] })).toEqual({ file: global, via: 'PATH' });
  });

  it('a folder that is not there, a file where a folder should be and a folder named like the program are passed over', () => {
    const { base, home } = freshCase();
    const notThere = path.join(base, 'not-there');
    const aFile = program(base, 'not-a-folder');
    const folderNamed = path.join(base, 'has-a-folder');
    mkdirSync(path.join(folderNamed, 'volt-lsp'), { recursive: true });
    const real = program(path.join(base, 'real'), 'volt-lsp');
    const env = { HOME: path.join(home, 'nobody'), PATH: ['', notThere, aFile, folderNamed, path.join(base, 'real')].join(path.delimiter) };
    expect(findProgram('volt-lsp', env, { fixedDirs: [notThere] })).toEqual({ file: real, via: 'PATH' });
    expect(findProgram('volt-lsp', { ...env, PATH: [notThere, folderNamed].join(path.delimiter) }, { fixedDirs: [notThere] })).toBeUndefined();
  });

  it('on Windows, npm’s NAME.cmd, then NAME.exe, then NAME, within each folder before the next folder', () => {
    expect(programFileNames('volt-lsp', 'win32')).toEqual(['volt-lsp.cmd', 'volt-lsp.exe', 'volt-lsp']);
    expect(programFileNames('volt-lsp', 'linux')).toEqual(['volt-lsp']);
    const { base, home } = freshCase();
    const first = path.join(base, 'first');
    const second = path.join(base, 'second');
    const env = { HOME: home, PATH: [first, second].join(path.delimiter) };
    const laterCmd = program(second, 'node.cmd');
    const bare = program(first, 'node');
    expect(findProgram('node', env, { fixedDirs: [], platform: 'win32' })?.file).toBe(bare);
    const exe = program(first, 'node.exe');
    expect(findProgram('node', env, { fixedDirs: [], platform: 'win32' })?.file).toBe(exe);
    const cmd = program(first, 'node.cmd');
    expect(findProgram('node', env, { fixedDirs: [], platform: 'win32' })?.file).toBe(cmd);
    // Elsewhere only the bare name counts.
    expect(findProgram('node', env, { fixedDirs: [], platform: 'linux' })?.file).toBe(bare);
    rmSync(bare);
    expect(findProgram('node', { ...env, PATH: second }, { fixedDirs: [], platform: 'linux' })).toBeUndefined();
    expect(findProgram('node', { ...env, PATH: second }, { fixedDirs: [], platform: 'win32' })?.file).toBe(laterCmd);
  });
});
