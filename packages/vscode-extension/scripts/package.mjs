// npm run package: builds the engine's declarations, bundles the extension and the sidecar
// (esbuild.config.mjs --production) and packs them with vsce into volt-vscode-<version>.vsix.
// `--no-dependencies` because nothing under node_modules/ is needed: the extension is one bundle,
// and the sidecar's native and binary packages travel in dist/server/node_modules. The .vsix is
// platform specific (better-sqlite3 and esbuild are native), hence --target.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(here, '../..');
const { name, version } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const TARGETS = { 'linux-x64': 'linux-x64', 'linux-arm64': 'linux-arm64', 'darwin-x64': 'darwin-x64', 'darwin-arm64': 'darwin-arm64', 'win32-x64': 'win32-x64' };
const target = TARGETS[`${process.platform}-${process.arch}`];
export const vsixPath = join(here, `${name}-${version}.vsix`);

function run(cmd, args, cwd) {
  const result = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`package: \`${cmd} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/engine'], root);
run(process.execPath, ['esbuild.config.mjs', '--production'], here);
const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
run(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', ...(target ? ['--target', target] : []), '--out', vsixPath], here);
console.log(vsixPath);
