// The Neovim plugin as a release tarball: volt.nvim-<version>.tar.gz holding one folder,
// volt.nvim-<version>/, with what a plugin manager needs and nothing of the monorepo: lua/, plugin/,
// doc/ (with doc/tags made by helptags), README.md and volt.nvim-scm-1.rockspec (so `luarocks make`
// in the folder installs it as a rock). No tests. Entries sorted, owned by 0, dated by the last
// commit (SOURCE_DATE_EPOCH when set), gzip without a timestamp: the same tree gives the same bytes.
//   node scripts/nvim-release.mjs [--out DIR]      (default: release/)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const plugin = join(root, 'packages', 'nvim-plugin');
/** What the tarball holds, relative to the plugin folder. */
export const SHIPPED = ['lua', 'plugin', 'doc/volt.txt', 'README.md', 'volt.nvim-scm-1.rockspec'];

export function pluginVersion() {
  const version = /return\s+'([^']+)'/.exec(readFileSync(join(plugin, 'lua', 'volt', 'version.lua'), 'utf8'))?.[1];
  if (!version) throw new Error('packages/nvim-plugin/lua/volt/version.lua has no version');
  return version;
}

function sourceDateEpoch() {
  if (process.env.SOURCE_DATE_EPOCH) return process.env.SOURCE_DATE_EPOCH;
  const git = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8' });
  return git.status === 0 && git.stdout.trim() ? git.stdout.trim() : '0';
}

/** Builds the tarball into `outDir`; returns its path. */
export function buildNvimTarball(outDir) {
  const version = pluginVersion();
  const name = `volt.nvim-${version}`;
  const stage = mkdtempSync(join(tmpdir(), 'volt-nvim-release-'));
  try {
    const top = join(stage, name);
    for (const part of SHIPPED) {
      const from = join(plugin, part);
      if (!existsSync(from)) throw new Error(`packages/nvim-plugin/${part} is missing`);
      cpSync(from, join(top, part), { recursive: true });
    }
    // :help volt at once, with any plugin manager (plugin/volt.lua would also make it on first load).
    const helptags = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-c', `helptags ${join(top, 'doc')}`, '-c', 'qa!'], { encoding: 'utf8' });
    if (helptags.error || helptags.status !== 0 || !existsSync(join(top, 'doc', 'tags'))) {
      throw new Error(`nvim could not write doc/tags (${helptags.error?.message ?? helptags.stderr}); install Neovim (bash scripts/setup.sh)`);
    }
    mkdirSync(outDir, { recursive: true });
    const tar = execFileSync(
      'tar',
      ['--sort=name', `--mtime=@${sourceDateEpoch()}`, '--owner=0', '--group=0', '--numeric-owner', '--format=gnu', '-cf', '-', '-C', stage, name],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const file = join(outDir, `${name}.tar.gz`);
    writeFileSync(file, gzipSync(tar, { level: 9 }));
    return file;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const at = process.argv.indexOf('--out');
  const outDir = resolve(at > 0 && process.argv[at + 1] ? process.argv[at + 1] : join(root, 'release'));
  try {
    console.log(buildNvimTarball(outDir));
  } catch (e) {
    console.error(`nvim-release: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
