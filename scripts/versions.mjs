// One version for every Volt package: the engine, the CLI, the sidecar, the VS Code extension and the
// Neovim plugin are released together, and each face warns when the sidecar it talks to is of
// another version. `node scripts/versions.mjs` checks that they agree (exit 1 naming the one that
// does not); `node scripts/versions.mjs set 0.2.0` moves them all, internal dependencies included.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGES = ['packages/engine', 'packages/cli', 'packages/lsp-server', 'packages/vscode-extension', 'packages/obsidian-plugin'];
/** Obsidian reads the plugin's version from its manifest.json, not its package.json. */
export const OBSIDIAN_MANIFEST = 'packages/obsidian-plugin/manifest.json';
export const NVIM_VERSION_FILE = 'packages/nvim-plugin/lua/volt/version.lua';
const NVIM_VERSION = /return\s+'([^']+)'/;

function readJson(file) {
  return JSON.parse(readFileSync(join(root, file), 'utf8'));
}

/** Every place a version is written, as [where, version]; internal dependencies count as places. */
export function versionsInRepo() {
  const found = [];
  for (const dir of PACKAGES) {
    const pkg = readJson(`${dir}/package.json`);
    found.push([`${dir}/package.json version`, pkg.version]);
    for (const [name, spec] of Object.entries(pkg.dependencies ?? {})) {
      if (name.startsWith('@volt/')) found.push([`${dir}/package.json dependencies.${name}`, spec]);
    }
  }
  found.push([`${OBSIDIAN_MANIFEST} version`, readJson(OBSIDIAN_MANIFEST).version]);
  found.push([NVIM_VERSION_FILE, NVIM_VERSION.exec(readFileSync(join(root, NVIM_VERSION_FILE), 'utf8'))?.[1]]);
  return found;
}

function check() {
  const found = versionsInRepo();
  const expected = found[0][1];
  const wrong = found.filter(([, v]) => v !== expected);
  if (wrong.length > 0) {
    for (const [where, v] of wrong) console.error(`versions: ${where} is ${v}, but packages/engine is ${expected}; run node scripts/versions.mjs set ${expected}`);
    process.exit(1);
  }
  console.log(`versions: all ${found.length} agree on ${expected}`);
}

function set(version) {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version ?? '')) {
    console.error(`versions: '${version ?? ''}' is not a version like 0.2.0`);
    process.exit(2);
  }
  for (const dir of PACKAGES) {
    const file = join(root, dir, 'package.json');
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    pkg.version = version;
    for (const name of Object.keys(pkg.dependencies ?? {})) if (name.startsWith('@volt/')) pkg.dependencies[name] = version;
    writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
    console.log(`versions: ${relative(root, file)} → ${version}`);
  }
  const manifest = readJson(OBSIDIAN_MANIFEST);
  manifest.version = version;
  writeFileSync(join(root, OBSIDIAN_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`versions: ${OBSIDIAN_MANIFEST} → ${version} (add it to versions.json with its minAppVersion)`);
  const lua = join(root, NVIM_VERSION_FILE);
  writeFileSync(lua, readFileSync(lua, 'utf8').replace(NVIM_VERSION, `return '${version}'`));
  console.log(`versions: ${NVIM_VERSION_FILE} → ${version}; run npm install to update package-lock.json, and add a CHANGELOG.md entry`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command, arg] = process.argv.slice(2);
  if (command === undefined || command === 'check') check();
  else if (command === 'set') set(arg);
  else {
    console.error('usage: node scripts/versions.mjs [check | set VERSION]');
    process.exit(2);
  }
}
