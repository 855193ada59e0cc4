// The Neovim plugin as a plugin manager gets it: the release tarball that scripts/nvim-release.mjs
// builds, unpacked and used on its own (no monorepo around it) by a real headless Neovim, and
// installed as a rock by the real luarocks from its rockspec, then loaded the way rocks.nvim
// loads rocks (the Lua tree on package.path, the rock's folder on the runtimepath).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNvimTarball, pluginVersion } from '../../../scripts/nvim-release.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'volt-nvim-release-'));
const pluginSrc = join(import.meta.dirname, '..');
let tarball = '';
let unpacked = '';
let version = '';

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

/** A Neovim with no config of the user's, running `lua` and printing what it writes to stdout. */
function nvim(args: string[], lua: string): { code: number | null; out: string } {
  const r = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', ...args, '-c', `lua ${lua}`, '-c', 'qa!'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, XDG_CONFIG_HOME: join(tmp, 'config'), XDG_DATA_HOME: join(tmp, 'data'), XDG_STATE_HOME: join(tmp, 'state') },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

// Each check prints `key=value` lines; `:help volt` proves doc/ and its tags came along.
const PROBE = [
  "require('volt').setup({})",
  "io.stdout:write('version=' .. require('volt.version') .. '\\n')",
  "io.stdout:write('command=' .. vim.fn.exists(':VoltBacktest') .. '\\n')",
  "vim.cmd('help volt')",
  "io.stdout:write('help=' .. vim.fn.expand('%:t') .. '\\n')",
].join('; ');

beforeAll(() => {
  version = pluginVersion();
  tarball = buildNvimTarball(join(tmp, 'release'));
  unpacked = join(tmp, 'unpacked');
  mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the Neovim plugin release', () => {
  it('is one folder named by the version with the plugin and its rockspec, and no tests', () => {
    expect(tarball.endsWith(`volt.nvim-${version}.tar.gz`)).toBe(true);
    expect(readdirSync(unpacked)).toEqual([`volt.nvim-${version}`]);
    const shipped = files(join(unpacked, `volt.nvim-${version}`));
    const lua = files(join(pluginSrc, 'lua')).map((f) => join('lua', f));
    expect(shipped).toEqual(['README.md', 'doc/tags', 'doc/volt.txt', ...lua, 'plugin/volt.lua', 'volt.nvim-scm-1.rockspec'].sort());
    expect(shipped.some((f) => f.startsWith('tests/'))).toBe(false);
  });

  it('the same tree gives the same bytes', () => {
    const again = buildNvimTarball(join(tmp, 'again'));
    expect(execFileSync('sha256sum', [again], { encoding: 'utf8' }).split(' ')[0]).toBe(execFileSync('sha256sum', [tarball], { encoding: 'utf8' }).split(' ')[0]);
  });

  it('works from the unpacked folder on the runtimepath alone, :help included', () => {
    const dir = join(unpacked, `volt.nvim-${version}`);
    const r = nvim(['--cmd', `set runtimepath^=${dir}`, '-c', 'runtime plugin/volt.lua'], PROBE);
    expect(r.out).toContain(`version=${version}`);
    expect(r.out).toContain('command=2');
    expect(r.out).toContain('help=volt.txt');
    expect(r.code).toBe(0);
  });

  it('installs as a rock with luarocks make from its rockspec, and loads as rocks.nvim loads it', () => {
    const tree = join(tmp, 'rocks');
    const dir = join(unpacked, `volt.nvim-${version}`);
    const make = spawnSync('luarocks', ['--lua-version=5.1', '--tree', tree, 'make', 'volt.nvim-scm-1.rockspec'], { cwd: dir, encoding: 'utf8' });
    expect(make.error, 'luarocks is missing: run bash scripts/setup.sh').toBeUndefined();
    expect(make.status, make.stderr).toBe(0);
    const installedLua = files(join(tree, 'share', 'lua', '5.1'));
    expect(installedLua).toEqual(files(join(pluginSrc, 'lua')));
    const rock = join(tree, 'lib', 'luarocks', 'rocks-5.1', 'volt.nvim', 'scm-1');
    expect(existsSync(join(rock, 'plugin', 'volt.lua'))).toBe(true);
    expect(existsSync(join(rock, 'doc', 'volt.txt'))).toBe(true);
    const share = join(tree, 'share', 'lua', '5.1');
    const r = nvim(
      ['--cmd', `lua package.path = '${share}/?.lua;${share}/?/init.lua;' .. package.path`, '--cmd', `set runtimepath^=${rock}`, '-c', 'runtime plugin/volt.lua'],
      PROBE,
    );
    expect(r.out).toContain(`version=${version}`);
    expect(r.out).toContain('command=2');
    expect(r.out).toContain('help=volt.txt');
    expect(r.code).toBe(0);
  });
});
