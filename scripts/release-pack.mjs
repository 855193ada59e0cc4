// npm run release:pack: every artifact of a release, into release/ (ignored by git):
//   volt-engine-<v>.tgz, volt-lsp-server-<v>.tgz, volt-cli-<v>.tgz   npm pack of the three packages
//   volt-vscode-<v>.vsix                                             packages/vscode-extension's npm run package
//   volt.nvim-<v>.tar.gz                                             scripts/nvim-release.mjs
//   SHA256SUMS                                                       the checksums, also printed
// Refused before anything is built when the packages' versions disagree (scripts/versions.mjs) or
// CHANGELOG.md has no entry for the version.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNvimTarball } from './nvim-release.mjs';
import { versionsInRepo } from './versions.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const release = join(root, 'release');

function fail(message) {
  console.error(`release:pack: ${message}`);
  process.exit(1);
}

function run(cmd, args) {
  console.log(`release:pack: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
}

const versions = versionsInRepo();
const version = versions[0][1];
const wrong = versions.filter(([, v]) => v !== version);
if (wrong.length > 0) fail(`versions disagree: ${wrong.map(([where, v]) => `${where} is ${v}`).join('; ')} (engine: ${version}); run node scripts/versions.mjs set ${version}`);
const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
if (!new RegExp(`^## ${version.replace(/\./g, '\\.')}(\\s|$)`, 'm').test(changelog)) fail(`CHANGELOG.md has no "## ${version}" entry: write what this release changes first`);

rmSync(release, { recursive: true, force: true });
mkdirSync(release, { recursive: true });
run('npm', ['run', 'build']);
run('npm', ['pack', '--pack-destination', release, '-w', 'packages/engine', '-w', 'packages/lsp-server', '-w', 'packages/cli']);
run('npm', ['run', 'package', '-w', 'packages/vscode-extension']);
copyFileSync(join(root, 'packages', 'vscode-extension', `volt-vscode-${version}.vsix`), join(release, `volt-vscode-${version}.vsix`));
console.log(`release:pack: ${buildNvimTarball(release)}`);

const sums = readdirSync(release)
  .filter((f) => f !== 'SHA256SUMS')
  .sort()
  .map((f) => `${createHash('sha256').update(readFileSync(join(release, f))).digest('hex')}  ${f}`);
writeFileSync(join(release, 'SHA256SUMS'), sums.join('\n') + '\n');
console.log(`\nVolt ${version} in release/ (SHA256SUMS):\n${sums.join('\n')}`);
