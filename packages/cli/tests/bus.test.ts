import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../../test-support/redis.js';
import { REPO_ROOT } from '../../../test-support/shared-data.js';

// The agent bus between processes: `volt backtest` publishes its run, `volt bus watch` (another
// process, as a dashboard would be) hears it through a real redis-server on 127.0.0.1.
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const EMA = path.join(REPO_ROOT, 'examples/strategies/ema-crossover.strategy.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-bus-'));
let redis: Awaited<ReturnType<typeof startRedis>>;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => {
  redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function volt(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('volt bus watch and volt backtest with bus.redis', () => {
  it("another process sees the run's signals, positions opened and closed", async () => {
    writeFileSync(path.join(tmp, 'volt.config.json'), JSON.stringify({ bus: { redis: redis.url } }));
    const watcher = spawn(process.execPath, [BIN, 'bus', 'watch', 'signals/*', 'positions/open', 'positions/close', '--json'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    watcher.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      let err = '';
      watcher.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('listening on')) resolve();
      });
      watcher.once('exit', (code) => reject(new Error(`volt bus watch exited ${code}: ${err}`)));
    });
    const run = await volt(['backtest', EMA, '--data', 'synthetic:7:3000:1h', '--json', '--no-journal'], tmp);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const expected = report.signals.length + 2 * report.trades.length;
    expect(report.trades.length).toBeGreaterThan(3);
    for (let i = 0; i < 100 && out.split('\n').length - 1 < expected; i++) await new Promise((r) => setTimeout(r, 50));
    watcher.kill('SIGTERM');
    const code = await new Promise((r) => watcher.once('exit', r));
    expect(code).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(expected);
    const closes = lines.filter((l) => l.channel === 'positions/close');
    expect(closes.map((l) => l.message.pnl)).toEqual(report.trades.map((t: { pnl: number }) => t.pnl));
    expect(lines.filter((l) => l.channel === 'positions/open')[0].message).toMatchObject({ kind: 'position-opened', symbol: report.data.symbol, tradeId: 1, price: report.trades[0].entryPrice, source: report.strategy.name });
    expect(new Set(lines.filter((l) => l.message.kind === 'signal').map((l) => l.channel))).toEqual(new Set([`signals/${report.data.symbol}`]));
  });

  it('says what to do when there is no Redis to listen to, or the channel is not one', async () => {
    const bare = mkdtempSync(path.join(tmp, 'bare-'));
    writeFileSync(path.join(bare, 'volt.config.json'), '{}');
    const none = await volt(['bus', 'watch'], bare);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('pass --redis redis://HOST:PORT or set bus.redis in volt.config.json');
    const wrong = await volt(['bus', 'watch', 'trades', '--redis', redis.url], bare);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("'trades' is not a bus channel");
    expect(wrong.stderr).not.toContain('    at ');
  });

  it('a backtest whose bus is down still succeeds and says so in one line', async () => {
    const down = mkdtempSync(path.join(tmp, 'down-'));
    writeFileSync(path.join(down, 'volt.config.json'), JSON.stringify({ bus: { redis: 'redis://127.0.0.1:1' } }));
    const run = await volt(['backtest', EMA, '--data', 'synthetic:7:500:1h', '--no-journal'], down);
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('volt backtest: cannot reach the agent bus at redis://127.0.0.1:1 (bus.redis in volt.config.json)');
  });
});
