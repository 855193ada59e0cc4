import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '@volt/engine';
import { REPO_ROOT } from '../../../test-support/shared-data.js';

// `volt backtest` records itself in the workspace's journal and exports to its vault. Runs the built bin.
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const EMA = path.join(REPO_ROOT, 'examples/strategies/ema-crossover.strategy.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-backtest-journal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/commands/journal.js'))) {
    throw new Error('packages/cli/dist is not built: run `npx tsc -b` (npm test does) before these tests');
  }
});

function volt(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

function workspace(config: object = {}): string {
  const dir = path.join(tmp, `ws${n++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'volt.config.json'), JSON.stringify(config));
  return dir;
}

describe('volt backtest records itself', () => {
  it('writes the run, with file, content hash and git commit, to .volt/journal.db and exports it to the configured vault', async () => {
    const ws = workspace({ vault: { path: 'Vault' } });
    const r = await volt(['backtest', EMA, '--data', 'synthetic:7:1500:1h'], ws);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/recorded as run 1 in \.volt\/journal\.db \(volt journal show 1\)/);
    expect(r.stdout).toMatch(/vault Vault: \d+ notes created, 0 updated/);

    const journal = Journal.open(path.join(ws, '.volt', 'journal.db'));
    const run = journal.getRun(1)!;
    expect(run).toMatchObject({ status: 'complete', strategyName: 'EMA crossover', strategyPath: EMA, dataSource: 'synthetic:7:1500:1h' });
    expect(run.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.gitCommit).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim());
    expect(run.tradeCount).toBe(run.metrics!.trades);
    journal.close();
    expect(readdirSync(path.join(ws, 'Vault', 'Trades'))).toHaveLength(run.tradeCount);

    const json = await volt(['backtest', EMA, '--data', 'synthetic:7:1500:1h', '--json'], ws);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout).strategy.name).toBe('EMA crossover');
    const list = await volt(['journal', 'list', '--json'], ws);
    expect((JSON.parse(list.stdout) as { id: number }[]).map((x) => x.id)).toEqual([2, 1]);
  });

  it('skips the journal with --no-journal, and honours --journal PATH', async () => {
    const ws = workspace();
    expect((await volt(['backtest', EMA, '--data', 'synthetic:7:500:1h', '--no-journal'], ws)).code).toBe(0);
    // .volt/ itself may hold caches now (the strategy's bundle): no journal, and nothing else but the caches.
    expect(existsSync(path.join(ws, '.volt', 'journal.db'))).toBe(false);
    expect(readdirSync(path.join(ws, '.volt'))).toEqual(['cache']);
    expect((await volt(['backtest', EMA, '--data', 'synthetic:7:500:1h', '--journal', 'elsewhere.db'], ws)).code).toBe(0);
    expect(existsSync(path.join(ws, 'elsewhere.db'))).toBe(true);
  });

  it('marks the run failed, with the error, when the strategy throws', async () => {
    const ws = workspace();
    const file = path.join(ws, 'boom.strategy.ts');
    writeFileSync(file, ["import { defineStrategy } from '@volt/engine';", "export default defineStrategy({ name: 'boom', onBar(ctx) { if (ctx.index === 50) throw new Error('kaboom'); } });", ''].join('\n'));
    expect((await volt(['backtest', file, '--data', 'synthetic:1:200:1h'], ws)).code).toBe(1);
    const journal = Journal.open(path.join(ws, '.volt', 'journal.db'));
    expect(journal.getRun(1)).toMatchObject({ status: 'failed', strategyName: 'boom' });
    expect(journal.getRun(1)!.error).toContain('kaboom');
    journal.close();
  });
});
