/**
 * Where an installed program (`volt-lsp`, `node`) is: the first file of that name in PATH's
 * folders, else in the bin folders of the usual global installs (npm's prefix, ~/.npm-global,
 * ~/.local, Volta, Homebrew, /usr/local), because an editor started from a desktop launcher often
 * lacks the shell's PATH. The one search order of Volt's TypeScript faces: `volt doctor`
 * (packages/cli/src/commands/doctor.ts), the VS Code extension and the Obsidian plugin (their
 * src/locate.ts) import it as `@volt/lsp-server/locate`; volt.nvim's lua/volt/locate.lua follows
 * the same order. What a face does with the file (realpath, which Node runs it) stays in the face.
 *
 * Only Node's fs, os and path: the extension and the plugin bundle this file from its source.
 */
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** An environment as a face has it: process.env, or a test's own. */
export type SearchEnv = Readonly<Record<string, string | undefined>>;

/** Global prefixes that no environment variable names: Homebrew's and /usr/local. */
export const FIXED_BIN_DIRS: readonly string[] = ['/opt/homebrew/bin', '/usr/local/bin'];

export interface SearchOptions {
  /** Folders looked in whatever the environment says, after the ones it names (default FIXED_BIN_DIRS; tests pass []). */
  fixedDirs?: readonly string[];
  /** Whose file names to look for (default process.platform): on win32 npm's `NAME.cmd`, then `NAME.exe`, then `NAME`. */
  platform?: NodeJS.Platform;
}

export interface ProgramFound {
  file: string;
  /** Found in a PATH folder, or only in a global prefix (not on PATH: worth saying to add it). */
  via: 'PATH' | 'global prefix';
}

/** The bin folders of the usual global installs, in the order they are tried after PATH; each once. */
export function globalBinDirs(env: SearchEnv = process.env, fixedDirs: readonly string[] = FIXED_BIN_DIRS): string[] {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  const dirs = [
    env.npm_config_prefix && path.join(env.npm_config_prefix, 'bin'),
    env.NPM_CONFIG_PREFIX && path.join(env.NPM_CONFIG_PREFIX, 'bin'),
    home && path.join(home, '.npm-global', 'bin'),
    home && path.join(home, '.local', 'bin'),
    home && path.join(home, '.volta', 'bin'),
    ...fixedDirs,
  ];
  return [...new Set(dirs.filter((d): d is string => typeof d === 'string' && d.length > 0))];
}

/** PATH's folders, empty entries left out. */
export function pathDirs(env: SearchEnv = process.env): string[] {
  return (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
}

/** The file names a program goes by: npm's Windows shims are `NAME.cmd`, Node itself `node.exe`. */
export function programFileNames(name: string, platform: NodeJS.Platform = process.platform): string[] {
  return platform === 'win32' ? [`${name}.cmd`, `${name}.exe`, name] : [name];
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first file named `name` on PATH, else in the global prefixes; undefined when there is none. */
export function findProgram(name: string, env: SearchEnv = process.env, options: SearchOptions = {}): ProgramFound | undefined {
  const names = programFileNames(name, options.platform);
  const onPath = pathDirs(env);
  const searched = new Set(onPath);
  const prefixes = globalBinDirs(env, options.fixedDirs).filter((d) => !searched.has(d));
  for (const [dirs, via] of [[onPath, 'PATH'], [prefixes, 'global prefix']] as const) {
    for (const dir of dirs) {
      for (const n of names) {
        const file = path.join(dir, n);
        if (isFile(file)) return { file, via };
      }
    }
  }
  return undefined;
}
