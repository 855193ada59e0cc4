// Sets up code-server 4.100.3 (VS Code 1.100.3 in a browser, extension host on Node 20) from the npm
// registry and Debian, following ../shared/recipes/vscode-e2e.md. The result is cached in the repo's
// ignored .cache/code-server/<version>/ folder and marked ready only after every step succeeded, so a
// half-finished set-up is redone rather than trusted.
//
//   node packages/vscode-extension/scripts/code-server.mjs          set up (or reuse) and print entry.js
//   import { ensureCodeServer } from './code-server.mjs'           the same, from the e2e test
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const cacheDir = join(repoRoot, '.cache', 'code-server', CODE_SERVER_VERSION);
const readyMarker = join(cacheDir, '.ready');

export function entryScript() {
  return join(cacheDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** Finds a Debian tool on PATH or stops with the command that installs it. */
export function requireTool(name, aptPackage = name) {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(`${name} is not on PATH; the VS Code end-to-end test needs it. Install it with: apt-get install -y ${aptPackage} (scripts/setup.sh does this in CI)`);
  }
  return path;
}

function run(cmd, args, cwd, extraEnv = {}) {
  const started = Date.now();
  process.stderr.write(`[code-server setup] ${cwd.replace(repoRoot, '.')}: ${cmd} ${args.join(' ')}\n`);
  const result = spawnSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false', ...extraEnv },
  });
  if (result.status !== 0) {
    throw new Error(`code-server setup step failed (exit ${result.status ?? result.signal}) in ${cwd}: ${cmd} ${args.join(' ')}. Re-run \`node packages/vscode-extension/scripts/code-server.mjs\` to see its output.`);
  }
  process.stderr.write(`[code-server setup]   done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

function forceSymlink(target, path) {
  try {
    lstatSync(path);
    unlinkSync(path);
  } catch {
    // nothing there yet
  }
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

export function isReady() {
  return existsSync(readyMarker) && existsSync(entryScript());
}

/** Returns the path of code-server's entry.js, setting code-server up first when the cache is cold. */
export function ensureCodeServer() {
  if (isReady()) return entryScript();
  requireTool('rg', 'ripgrep');
  requireTool('krb5-config', 'libkrb5-dev');

  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, 'package.json'), JSON.stringify({ name: 'code-server-for-volt-e2e', private: true }, null, 2));

  // code-server's own postinstall fetches ripgrep from outside the npm registry: skip it, do it by hand.
  run('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--ignore-scripts', '--no-save'], cacheDir);
  run('npm', ['rebuild', 'argon2'], cacheDir);

  const vscodeDir = join(cacheDir, 'node_modules', 'code-server', 'lib', 'vscode');
  run('npm', ['install', '--omit=dev', '--ignore-scripts'], vscodeDir);
  // node-pty's install script runs `npx node-gyp`; npm_config_yes answers its prompt.
  run('npm', ['rebuild', 'node-pty', '@parcel/watcher', '@vscode/spdlog', 'native-watchdog', 'kerberos'], vscodeDir, { npm_config_yes: 'true' });
  forceSymlink('node_modules', join(vscodeDir, 'node_modules.asar'));
  forceSymlink(requireTool('rg', 'ripgrep'), join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'));
  forceSymlink('code-linux.sh', join(vscodeDir, 'bin', 'remote-cli', 'code-server'));
  forceSymlink('browser-linux.sh', join(vscodeDir, 'bin', 'helpers', 'browser.sh'));

  const builtinExtensions = join(vscodeDir, 'extensions');
  run('npm', ['install', '--omit=dev', '--ignore-scripts'], builtinExtensions);
  run('node', ['postinstall.mjs'], builtinExtensions);

  // --config keeps code-server from writing a default config into the user's home.
  const version = spawnSync('node', [entryScript(), '--config', join(cacheDir, 'config.yaml'), '--version'], { encoding: 'utf8' });
  if (version.status !== 0 || !version.stdout.includes(CODE_SERVER_VERSION)) {
    throw new Error(`code-server in ${cacheDir} does not start: ${version.stdout}${version.stderr}`);
  }
  writeFileSync(readyMarker, version.stdout);
  return entryScript();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const entry = ensureCodeServer();
    process.stdout.write(`${entry}\n${readFileSync(readyMarker, 'utf8')}`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
