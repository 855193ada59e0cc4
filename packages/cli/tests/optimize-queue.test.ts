import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test-support/ports.js';
import { REPO_ROOT } from '../../../test-support/shared-data.js';

// `volt optimize --queue` and `volt worker --queue` through the built bin, on a real redis-server
// (Debian's, installed by scripts/setup.sh) listening on 127.0.0.1 only.
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const EMA = path.join(REPO_ROOT, 'examples/strategies/ema-crossover.strategy.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-optimize-queue-'));
const started: ChildProcess[] = [];
let url = '';

beforeAll(async () => {
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/commands/worker.js'))) throw new Error('packages/cli/dist is not built: run `npm run build` first');
  const port = await closedPort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(redis);
  await new Promise<void>((resolve, reject) => {
    redis.once('error', (e) => reject(new Error(`redis-server could not start (${e.message}): run scripts/setup.sh, which installs it`)));
    redis.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Ready to accept connections')) resolve();
    });
  });
  url = `redis://127.0.0.1:${port}`;
});

afterAll(() => {
  for (const p of started) if (p.exitCode === null) p.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

function volt(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

function worker(): ChildProcess {
  const w = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--workers', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  started.push(w);
  return w;
}

function trials(ws: string): number {
  try {
    const db = new Database(path.join(ws, '.volt', 'journal.db'), { readonly: true });
    try {
      return Number(db.prepare('SELECT count(*) FROM sweep_trials').pluck().get());
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

function workspace(name: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'volt.config.json'), '{}');
  return dir;
}

const SWEEP = ['optimize', EMA, '--data', 'synthetic:7:4000:1h', '--trials', '24', '--folds', '2', '--min-trades', '10', '--seed', '4', '--json'];
const same = (d: any) => ({ best: d.best, top: d.top, walkForward: d.walkForward, verdict: d.verdict, deflatedSharpe: d.deflatedSharpe, overfitting: d.overfitting });

describe('volt optimize --queue with volt worker', () => {
  it('two workers, one killed mid-run: its chunk is retried elsewhere and the result equals the local run', async () => {
    const local = await volt(SWEEP, workspace('local'));
    expect(local.code).toBe(0);
    const ws = workspace('queued');
    const doomed = worker();
    const survivor = worker();
    const asked = volt([...SWEEP, '--queue', url], ws);
    for (let i = 0; i < 400 && trials(ws) < 10; i++) await new Promise((r) => setTimeout(r, 25));
    expect(trials(ws)).toBeGreaterThanOrEqual(10);
    doomed.kill('SIGKILL');
    const queued = await asked;
    expect(queued.code).toBe(0);
    expect(queued.stderr).toContain(`trials go to the queue at ${url}`);
    expect(same(JSON.parse(queued.stdout))).toEqual(same(JSON.parse(local.stdout)));
    // Every trial journaled by the asking process, once.
    expect(trials(ws)).toBe(24 * 3 + 2);
    survivor.kill('SIGINT');
    await new Promise((r) => survivor.once('exit', r));
  }, 90_000);

  it('says so in one line when Redis cannot be reached', async () => {
    const port = await closedPort();
    const r = await volt(['optimize', EMA, '--data', 'synthetic:7:600:1h', '--trials', '4', '--min-trades', '0', '--queue', `redis://127.0.0.1:${port}`], workspace('down'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^volt optimize: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .+\\n  fix: start redis-server there, or check the host and port\\n$`));
  });
});
