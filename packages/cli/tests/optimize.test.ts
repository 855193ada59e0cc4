import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test-support/shared-data.js';

// `volt optimize` through the built bin, as a user runs it: real sandboxes, a real SQLite journal,
// real signals (SIGINT, SIGKILL).
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const EMA = path.join(REPO_ROOT, 'examples/strategies/ema-crossover.strategy.ts');
const DATA = 'synthetic:7:4000:1h';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-optimize-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/commands/optimize.js'))) {
    throw new Error('packages/cli/dist is not built: run `npm run build` (npm test does) before these tests');
  }
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function volt(args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

function workspace(): string {
  const dir = path.join(tmp, `ws${n++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'volt.config.json'), '{}');
  return dir;
}

function journalRows(ws: string, sql: string): Record<string, unknown>[] {
  const db = new Database(path.join(ws, '.volt', 'journal.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

function trialCount(ws: string): number {
  try {
    return Number(journalRows(ws, 'SELECT count(*) AS n FROM sweep_trials')[0]!.n);
  } catch {
    return 0;
  }
}

/** Starts the bin, waits until the journal holds `after` trials, then sends `signal`. */
async function stopMidway(args: string[], ws: string, after: number, signal: NodeJS.Signals): Promise<Ran & { seen: number }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.once('exit', (code, sig) => resolve(code ?? (sig === 'SIGKILL' ? 137 : 1))));
  let seen = 0;
  for (let i = 0; i < 600; i++) {
    seen = trialCount(ws);
    if (seen >= after) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill(signal);
  return { code: await exited, stdout, stderr, seen };
}

const SWEEP = ['optimize', EMA, '--data', DATA, '--trials', '24', '--folds', '2', '--min-trades', '10', '--workers', '2', '--seed', '4'];

describe('volt optimize', () => {
  let ws: string;
  let whole: Ran;
  let doc: any;
  beforeAll(async () => {
    ws = workspace();
    whole = await volt([...SWEEP, '--json'], ws);
    doc = JSON.parse(whole.stdout);
  });

  it('searches the declared ranges: integers stay integers and step is honoured', () => {
    expect(whole.code).toBe(0);
    expect(doc).toMatchObject({ schemaVersion: 1, sweep: 1, method: 'tpe', objective: 'sharpe', minTrades: 10, trials: { total: 24 } });
    for (const t of doc.top) {
      expect(Number.isInteger(t.params.fast) && t.params.fast >= 5 && t.params.fast <= 50).toBe(true);
      expect(t.params.slow % 5).toBe(0);
      expect(Math.round(t.params.maxVol * 10) / 10).toBe(t.params.maxVol);
      expect(t.metrics.trades).toBeGreaterThanOrEqual(10);
    }
    expect(doc.best.params).toEqual(doc.top[0].params);
  });

  it('walk-forward: per fold the params chosen, in- and out-of-sample metrics; the overfitting figures; a one-line verdict', () => {
    expect(doc.walkForward.folds).toHaveLength(2);
    for (const f of doc.walkForward.folds) {
      expect(Object.keys(f.params).sort()).toEqual(['fast', 'maxVol', 'slow']);
      expect(f.inSample.metrics.trades).toBeGreaterThanOrEqual(10);
      expect(typeof f.outOfSample.metrics.sharpe).toBe('number');
    }
    expect(doc.deflatedSharpe.trials).toBe(doc.trials.distinct);
    expect(doc.overfitting.splits).toBe(12870);
    expect(doc.monteCarlo.runs).toBe(1000);
    expect(doc.verdict).toMatch(/^(out-of-sample (holds|collapses)|no edge in-sample): sharpe/);
    expect(doc.verdict).not.toContain('\n');
  });

  it('journals every trial with params, metrics and fold, and the sweep with both hashes', () => {
    const [sweep] = journalRows(ws, 'SELECT * FROM sweeps');
    expect(sweep).toMatchObject({ id: 1, status: 'complete', strategy_name: 'EMA crossover', method: 'tpe', folds: 2, trials: 24 });
    expect(String(sweep!.content_hash)).toMatch(/^[0-9a-f]{64}$/);
    expect(String(sweep!.data_hash)).toMatch(/^[0-9a-f]{64}$/);
    const folds = journalRows(ws, 'SELECT fold, role, count(*) AS n FROM sweep_trials GROUP BY fold, role ORDER BY fold, role');
    expect(folds).toEqual([
      { fold: 0, role: 'search', n: 24 },
      { fold: 1, role: 'search', n: 24 },
      { fold: 1, role: 'test', n: 1 },
      { fold: 2, role: 'search', n: 24 },
      { fold: 2, role: 'test', n: 1 },
    ]);
    const [trial] = journalRows(ws, "SELECT params, metrics FROM sweep_trials WHERE fold = 0 AND trial_no = 0");
    expect(Object.keys(JSON.parse(String(trial!.params))).sort()).toEqual(['fast', 'maxVol', 'slow']);
    expect(JSON.parse(String(trial!.metrics))).toHaveProperty('sharpe');
  });

  it('places the strategy in a tier on the walk-forward evidence, journaled with the reason; volt tiers lists it', async () => {
    expect(doc.tier.from).toBeNull();
    expect(['COLD', 'WARM']).toContain(doc.tier.to);
    expect(doc.tier.reason).toMatch(/out-of-sample Sharpe -?[\d.]+, \d+ trades, max drawdown \d+% over 2 folds/);
    const listed = await volt(['tiers'], ws);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`\\n  ${doc.tier.to} +EMA crossover +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  `));
    const moves = await volt(['tiers', 'EMA crossover', '--json'], ws);
    expect(JSON.parse(moves.stdout)).toMatchObject([{ strategyName: 'EMA crossover', from: null, to: doc.tier.to, sweepId: 1, reason: doc.tier.reason }]);
  });

  it('prints a readable report without --json', async () => {
    const r = await volt(['optimize', EMA, '--data', 'synthetic:7:1500:1h', '--trials', '6', '--method', 'random', '--min-trades', '3'], workspace());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^EMA crossover on SYNTH 1h, synthetic:7:1500:1h, 1,500 bars\nsweep 1: random, 6 trials/);
    expect(r.stdout).toMatch(/\nbest: fast=\d+ slow=\d+ maxVol=[\d.]+\n/);
    expect(r.stdout).toMatch(/\ndeflated Sharpe ratio [\d.]+: /);
    expect(r.stdout).toMatch(/\nverdict: .+\n/);
    expect(r.stdout).toContain('recorded as sweep 1 in .volt/journal.db');
  });

  it('on a terminal, shows a progress line with the best so far (under script(1), a real pty)', async () => {
    const w = workspace();
    const command = [process.execPath, BIN, 'optimize', EMA, '--data', 'synthetic:7:3000:1h', '--trials', '20', '--min-trades', '5']
      .map((a) => `'${a}'`)
      .join(' ');
    const r = await new Promise<Ran>((resolve) => {
      execFile('script', ['-qec', command, '/dev/null'], { cwd: w }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }));
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\r').map((l) => l.replace(/\x1b\[K/g, ''));
    expect(lines.some((l) => /^\[[#.]{24}\] \d+\/20 trials {2}[\d.]+\/s {2}best sharpe -?[\d.]+ \(fast=\d+ slow=\d+ maxVol=[\d.]+\)$/.test(l))).toBe(true);
    expect(r.stdout).toContain('verdict: ');
  });

  it('a grid takes every value of a small space once', async () => {
    const w = workspace();
    const file = path.join(w, 'tiny.strategy.ts');
    writeFileSync(file, [
      "import { defineStrategy } from '@volt/engine';",
      'export default defineStrategy({',
      "  name: 'tiny',",
      '  params: { period: { value: 10, min: 10, max: 30, step: 10 }, level: { value: 0.5, min: 0.5, max: 1, step: 0.25 } },',
      '  indicators: (ind, p) => ({ sma: ind.sma(p.period) }),',
      "  onBar(ctx) { if (ctx.ind.sma.ready && ctx.position.side === 0 && ctx.index % 20 === 0) ctx.buy({ reason: 'x' }); else if (ctx.position.side !== 0 && ctx.index % 20 === 10) ctx.exit({ reason: 'y' }); },",
      '});',
      '',
    ].join('\n'));
    const r = await volt(['optimize', file, '--data', 'synthetic:3:800:1h', '--method', 'grid', '--trials', '50', '--min-trades', '0', '--json'], w);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.trials).toEqual({ total: 9, failing: 0, distinct: 9 });
    const params = journalRows(w, 'SELECT params FROM sweep_trials ORDER BY trial_no').map((row) => JSON.parse(String(row.params)));
    expect(params).toEqual([10, 20, 30].flatMap((period) => [0.5, 0.75, 1].map((level) => ({ period, level }))));
  });

  it('says what is wrong, in one line, for bad flags and for a strategy with nothing to search', async () => {
    const w = workspace();
    const bad = await volt(['optimize', EMA, '--method', 'annealing'], w);
    expect(bad).toMatchObject({ code: 2, stderr: "volt optimize: --method expects grid, random or tpe, got 'annealing'\n" });
    const file = path.join(w, 'flat.strategy.ts');
    writeFileSync(file, "import { defineStrategy } from '@volt/engine';\nexport default defineStrategy({ name: 'flat', params: { level: 3 }, onBar() {} });\n");
    const flat = await volt(['optimize', file, '--data', 'synthetic:1:300:1h'], w);
    expect(flat.code).toBe(2);
    expect(flat.stderr).toContain('flat declares no param with both min and max: there is nothing to search');
    expect(flat.stderr).not.toMatch(/\n\s+at /);
    const none = await volt(['optimize', '--resume', '9'], w);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('the journal has no sweep 9');
  });

  it('Ctrl-C keeps what finished and says how to continue', async () => {
    const w = workspace();
    const r = await stopMidway([...SWEEP], w, 15, 'SIGINT');
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/volt optimize: interrupted: \d+ of 74 trials of sweep 1 are in the journal; best so far sharpe -?[\d.]+ \(fast=\d+ slow=\d+ maxVol=[\d.]+\)\n/);
    expect(r.stderr).toContain('continue with: volt optimize --resume 1\n');
    const [sweep] = journalRows(w, 'SELECT status FROM sweeps');
    expect(sweep!.status).toBe('interrupted');
    const kept = trialCount(w);
    expect(kept).toBeGreaterThanOrEqual(15);
    expect(kept).toBeLessThan(74);
  });

  it('after kill -9, --resume runs only the unfinished trials and ends with the same best params as an uninterrupted run', async () => {
    const w = workspace();
    const killed = await stopMidway([...SWEEP], w, 30, 'SIGKILL');
    expect(killed.code).toBe(137);
    const kept = trialCount(w);
    expect(kept).toBeGreaterThanOrEqual(30);
    expect(kept).toBeLessThan(74);
    const listed = await volt(['optimize', '--list'], w);
    expect(listed.stdout).toMatch(/\n {2}1 +\S+ \S+ +interrupted +EMA crossover/);
    const resumed = await volt(['optimize', '--resume', '1', '--json', '--workers', '1'], w);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`volt optimize: resuming sweep 1: ${kept} of 74 trials already done\n`);
    const r = JSON.parse(resumed.stdout);
    expect(r.best).toEqual(doc.best);
    expect(r.top).toEqual(doc.top);
    expect(r.walkForward).toEqual(doc.walkForward);
    expect(r.verdict).toBe(doc.verdict);
    expect(trialCount(w)).toBe(74);
  });

  it('refuses to resume when the strategy changed since the sweep started', async () => {
    const w = workspace();
    const file = path.join(w, 'ema.strategy.ts');
    writeFileSync(file, readFileSync(EMA, 'utf8').replace("from './lib/crossing'", `from '${path.join(path.dirname(EMA), 'lib/crossing')}'`));
    await stopMidway(['optimize', file, '--data', DATA, '--trials', '24', '--min-trades', '10'], w, 3, 'SIGKILL');
    writeFileSync(file, readFileSync(file, 'utf8').replace('confidence: 0.7', 'confidence: 0.8'));
    const r = await volt(['optimize', '--resume', '1'], w);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the strategy changed since sweep 1 started');
  });
});
