import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * What `volt doctor` finds of an installed Volt besides the sidecar: a program's version and the
 * editor faces. The sidecar itself is found by `findProgram` of @volt/lsp-server/locate, the
 * search the VS Code extension and the Obsidian plugin import too (volt.nvim's
 * lua/volt/locate.lua follows the same order), so doctor names the sidecar an editor would start.
 */

/** `program --version`'s last word ("volt-lsp 0.1.0" → "0.1.0"), or why it did not answer. */
export function versionOf(file: string, env: NodeJS.ProcessEnv = process.env): { version?: string; problem?: string } {
  try {
    const out = execFileSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000, env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const version = out.split(/\s+/).pop();
    return version ? { version } : { problem: `${file} --version printed nothing` };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const said = (err.stderr ?? '').trim().split('\n')[0];
    return { problem: `${file} --version failed${said ? `: ${said}` : ` (${err.message.split('\n')[0]})`}` };
  }
}

export interface FaceFound {
  editor: 'VS Code' | 'Neovim';
  where: string;
  version?: string;
}

function readVersion(packageJson: string): string | undefined {
  try {
    const v = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The plugin's lua/volt/version.lua: `return '0.1.0'`. */
function nvimPluginVersion(root: string): string | undefined {
  try {
    return /return\s+['"]([^'"]+)['"]/.exec(readFileSync(path.join(root, 'lua', 'volt', 'version.lua'), 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

function children(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() || d.isSymbolicLink()).map((d) => path.join(dir, d.name));
  } catch {
    return [];
  }
}

/**
 * Volt's editor faces installed for this user: the VS Code extension in the extension folders of
 * VS Code, VS Code Server, code-server and VSCodium; the Neovim plugin where lazy.nvim, packer,
 * rocks.nvim and native packages put plugins.
 */
export function findFaces(env: NodeJS.ProcessEnv = process.env): FaceFound[] {
  const home = env.HOME ?? os.homedir();
  const found: FaceFound[] = [];
  const vscodeDirs = [
    path.join(home, '.vscode', 'extensions'),
    path.join(home, '.vscode-server', 'extensions'),
    path.join(home, '.vscode-oss', 'extensions'),
    path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'code-server', 'extensions'),
  ];
  for (const dir of vscodeDirs) {
    for (const ext of children(dir)) {
      if (!/^volt\.volt-vscode-/.test(path.basename(ext))) continue;
      const version = readVersion(path.join(ext, 'package.json'));
      found.push({ editor: 'VS Code', where: ext, ...(version ? { version } : {}) });
    }
  }
  const nvimData = path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'nvim');
  const pluginRoots = [
    ...children(path.join(nvimData, 'lazy')),
    ...children(path.join(nvimData, 'site', 'pack')).flatMap((pack) => [...children(path.join(pack, 'start')), ...children(path.join(pack, 'opt'))]),
    // rocks.nvim: rocks/lib/luarocks/rocks-5.1/<name>/<version>/
    ...children(path.join(nvimData, 'rocks', 'lib', 'luarocks', 'rocks-5.1', 'volt.nvim')),
  ];
  for (const root of pluginRoots) {
    if (!existsSync(path.join(root, 'lua', 'volt', 'init.lua')) && !path.basename(path.dirname(root)).startsWith('volt.nvim')) continue;
    // A rock keeps its Lua files apart (share/lua/5.1/volt/); its folder is named by its version.
    const version = nvimPluginVersion(root) ?? /^(\d+\.\d+\.\d+[^-]*)-\d+$/.exec(path.basename(root))?.[1];
    found.push({ editor: 'Neovim', where: root, ...(version ? { version } : {}) });
  }
  return found;
}
