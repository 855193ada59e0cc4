// Builds what the extension ships:
//   dist/extension.js                 the extension (CommonJS, `vscode` external)
//   dist/media/report.js              the report page's script: media/report.js with TradingView's
//                                     lightweight-charts bundled in (the webview loads nothing remote)
//   dist/server/bin/volt-lsp.js       the sidecar with @volt/engine bundled in (ES module)
//   dist/server/bin/volt-init.js      `volt init`, for the palette's "Volt: New Strategy Folder"
//   dist/server/worker/*.js           the sidecar's worker threads (the static analysis)
//   dist/server/runner/host.cjs       the engine's sandbox host, where strategy code runs (one file:
//                                     its process may read nothing else)
//   dist/server/**/*.d.ts             the engine's declarations: strategies type-check against them
//   dist/server/node_modules/         what cannot be bundled: better-sqlite3 (native), esbuild (a
//                                     binary the strategy loader runs), typescript (reads its lib
//                                     .d.ts files from beside itself)
// The sidecar runs on the user's Node (PATH or volt.server.nodePath), so better-sqlite3's native
// module must match that Node's ABI; the one copied here is the one built for this repository's
// Node (20.x), on this platform. `node esbuild.config.mjs --production` minifies and drops maps.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const production = process.argv.includes('--production');
const lspSrc = join(root, 'packages/lsp-server/src');
const engineDist = join(root, 'packages/engine/dist');
const dist = join(here, 'dist');
const serverDist = join(dist, 'server');

/** Packages the sidecar loads at run time from dist/server/node_modules. */
export const SERVER_RUNTIME_MODULES = ['better-sqlite3', 'esbuild', 'typescript'];
/** Loaded lazily by the engine for exchange downloads (`volt data fetch`), which the sidecar never
 * does; left out of the bundle and of the .vsix (it is tens of MB). */
const NOT_SHIPPED = ['ccxt'];

const sourceAliases = {
  '@volt/engine': join(root, 'packages/engine/src/index.ts'),
  '@volt/lsp-server/protocol': join(lspSrc, 'protocol.ts'),
  '@volt/lsp-server/locate': join(lspSrc, 'locate.ts'),
  '@volt/lsp-server': join(lspSrc, 'index.ts'),
};

function fail(message) {
  console.error(`esbuild.config.mjs: ${message}`);
  process.exit(1);
}

/** Output name (under dist/server) → source, for the sidecar and each of its worker threads. */
function serverEntryPoints() {
  // volt-init: `volt init` for "Volt: New Strategy Folder" (src/server/volt-init.ts).
  const entries = { 'bin/volt-lsp': join(here, 'src/server/volt-lsp.ts'), 'bin/volt-init': join(here, 'src/server/volt-init.ts') };
  const workerDir = join(lspSrc, 'worker');
  if (!existsSync(workerDir)) fail(`${relative(root, workerDir)} is missing: the sidecar's workers must exist to bundle them`);
  // Worker threads are entry points of their own (`…worker.ts`); src/server/volt-lsp.ts points the
  // server at them.
  for (const f of readdirSync(workerDir).filter((name) => /worker\.ts$/.test(name))) {
    entries[`worker/${f.replace(/\.ts$/, '')}`] = join(workerDir, f);
  }
  if (!entries['worker/analysis-worker']) fail(`${relative(root, workerDir)}/analysis-worker.ts is missing`);
  return entries;
}

/** Copies only what runs: a package's manifest and the files/folders named. */
function copyModule(name, parts) {
  const require = createRequire(join(root, 'package.json'));
  const from = dirname(require.resolve(`${name}/package.json`));
  const to = join(serverDist, 'node_modules', name);
  for (const part of ['package.json', ...parts]) {
    const source = join(from, part);
    if (!existsSync(source)) fail(`${name}: ${part} is missing in ${from}; run npm install`);
    cpSync(source, join(to, part), { recursive: true, dereference: true });
  }
}

function copyServerRuntime() {
  copyModule('better-sqlite3', ['lib', 'build/Release/better_sqlite3.node']);
  copyModule('bindings', ['bindings.js']);
  copyModule('file-uri-to-path', ['index.js']);
  copyModule('esbuild', ['lib']);
  copyModule(`@esbuild/${process.platform}-${process.arch}`, ['bin']);
  const tsLib = join(root, 'node_modules/typescript/lib');
  copyModule('typescript', ['lib/typescript.js', ...readdirSync(tsLib).filter((f) => /^lib\..*\.d\.ts$/.test(f)).map((f) => `lib/${f}`)]);
}

/** The engine's declarations, laid out as the engine's own dist/ so its type checker finds index.d.ts one folder up. */
function copyEngineDeclarations() {
  if (!existsSync(join(engineDist, 'index.d.ts'))) fail('packages/engine/dist/index.d.ts is missing: run `npx tsc -b` first');
  cpSync(engineDist, serverDist, {
    recursive: true,
    filter: (source) => statSync(source).isDirectory() || (source.endsWith('.d.ts') && !source.endsWith('.test.d.ts')),
  });
}

/** Built by the engine (scripts/build-host.mjs) as one file; the server runs it as a process of its own. */
function copySandboxHost() {
  const host = join(engineDist, 'runner/host.cjs');
  if (!existsSync(host)) fail('packages/engine/dist/runner/host.cjs is missing: run `npm run build` first');
  mkdirSync(join(serverDist, 'runner'), { recursive: true });
  cpSync(host, join(serverDist, 'runner/host.cjs'));
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(serverDist, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  alias: sourceAliases,
};

await esbuild.build({
  ...common,
  entryPoints: [join(here, 'src/extension.ts')],
  outfile: join(dist, 'extension.js'),
  format: 'cjs',
  external: ['vscode'],
});

await esbuild.build({
  bundle: true,
  platform: 'browser',
  // VS Code 1.100's webviews run Chromium 132.
  target: 'chrome120',
  format: 'iife',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  entryPoints: [join(here, 'media/report.js')],
  outfile: join(dist, 'media/report.js'),
});
// Apache-2.0: its licence travels with the code bundled from it.
cpSync(join(dirname(createRequire(join(root, 'package.json')).resolve('lightweight-charts/package.json')), 'LICENSE'), join(dist, 'media/lightweight-charts.LICENSE'));

await esbuild.build({
  ...common,
  entryPoints: serverEntryPoints(),
  outdir: serverDist,
  format: 'esm',
  external: [...SERVER_RUNTIME_MODULES, ...NOT_SHIPPED],
  // Bundled CommonJS dependencies (vscode-languageserver) call require(); give the ES module one.
  banner: { js: "import { createRequire as __voltCreateRequire } from 'node:module'; const require = __voltCreateRequire(import.meta.url);" },
});
// The sidecar reads its version (serverInfo.version) from the package.json beside its folder.
const { version: serverVersion } = JSON.parse(readFileSync(join(root, 'packages/lsp-server/package.json'), 'utf8'));
writeFileSync(join(serverDist, 'package.json'), `${JSON.stringify({ type: 'module', private: true, version: serverVersion }, null, 2)}\n`);
copyEngineDeclarations();
copyServerRuntime();
copySandboxHost();
console.log(`built ${relative(root, dist)} (${production ? 'production' : 'development'})`);
