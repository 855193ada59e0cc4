// Bundles the sandbox host (src/runner/host.ts) with the engine code it runs into one CommonJS file,
// dist/runner/host.cjs: the process that runs strategy code may read only that file (Node's
// permission model), and one file also starts fastest. Packages the sandbox never uses (the journal's
// SQLite, the strategy bundler, exchanges, the TypeScript compiler) are left out as empty modules.
import * as esbuild from 'esbuild';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The V8 flags the runner starts a sandbox with (runner.ts, sandboxV8Flags): the cache is V8's only under them.
const { sandboxV8Flags: SANDBOX_V8_FLAGS, codeCacheName } = await import('../dist/runner/code-cache.js');
const here = dirname(fileURLToPath(import.meta.url));
const engine = join(here, '..');
// (yaml: volt.config.json and notes; acorn: the checkpoints, put in by the runner before a bundle is sent;
// ioredis and bullmq: the agent bus and the trial queue, ~400 KB a sandbox would compile at every start.)
const LEFT_OUT = ['better-sqlite3', 'esbuild', 'ccxt', 'typescript', 'chokidar', 'yaml', 'acorn', 'acorn-walk', 'ioredis', 'bullmq'];

const leaveOut = {
  name: 'volt-sandbox-leave-out',
  setup(build) {
    const filter = new RegExp(`^(${LEFT_OUT.join('|')})(/.*)?$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'left-out' }));
    build.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

await esbuild.build({
  entryPoints: [join(engine, 'src/runner/host.ts')],
  outfile: join(engine, 'dist/runner/host.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  // The static analysis (which reads import.meta) is in the bundle only because the engine's index
  // re-exports it; the sandbox never runs it.
  logOverride: { 'empty-import-meta': 'silent' },
  plugins: [leaveOut],
  // What the code cache below is made from: host-boot.cjs uses a cache only with this host's id.
  banner: { js: `// volt-host-build ${randomBytes(16).toString('hex')}` },
});

// V8's code cache of the host, so a sandbox does not compile its ~1 MB again at every start (~13 ms
// of ~45 ms to its ready). V8 takes a cache only under the flags it was made with, the heap limit
// among them: made for backtest.maxMemoryMb's default; other limits start without one. Made by the
// host's own boot (host-boot.cjs) after a warm-up run, so the backtester's code is in it compiled.
copyFileSync(join(here, 'host-boot.cjs'), join(engine, 'dist/runner/host-boot.cjs'));
const DEFAULT_HEAP_MB = 256;
const cacheFile = join(engine, `dist/runner/${codeCacheName(DEFAULT_HEAP_MB)}`);
rmSync(cacheFile, { force: true });
await new Promise((resolve, reject) => {
  const child = spawn(
    process.execPath,
    [...SANDBOX_V8_FLAGS(DEFAULT_HEAP_MB), join(engine, 'dist/runner/host-boot.cjs'), `--make-code-cache=${cacheFile}`, '--warm-up'],
    { stdio: ['ignore', 'inherit', 'inherit', 'pipe'], env: {} },
  );
  child.once('error', reject);
  child.once('exit', (code) => (code === 0 && existsSync(cacheFile) ? resolve() : reject(new Error(`making the sandbox host's code cache failed (exit ${code})`))));
});
