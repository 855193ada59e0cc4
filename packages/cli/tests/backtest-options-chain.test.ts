import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDataSpec, syntheticChain } from '../../engine/src/index.js';
import { REPO_ROOT } from '../../../test-support/shared-data.js';
import { startDeribitApi } from '../../engine/tests/data/deribit-api.js';

// The built `volt` bin running a strategy on ctx.options with a recorded chain file.
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-options-chain-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function volt(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: tmp, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

const STRATEGY = `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'one put from the file',
  timeframe: '1h',
  onBar(ctx) {
    if (ctx.index !== 50) return;
    const puts = ctx.options.chain().filter((q) => q.right === 'put');
    const atm = puts.reduce((b, q) => (Math.abs(q.strike - ctx.bar.close) < Math.abs(b.strike - ctx.bar.close) ? q : b));
    ctx.options.open([{ right: 'put', strike: atm.strike, expiry: atm.expiry, quantity: 1 }], 'protection');
  },
});
`;

describe('volt backtest --options-chain', () => {
  it('runs ctx.options on the file’s quotes; a bad row is refused naming the file and line', async () => {
    const series = await resolveDataSpec('synthetic:7:300:1h');
    const rows = ['time,expiry,right,strike,bid,ask,iv'];
    for (let i = 40; i < 300; i++) {
      for (const q of syntheticChain(series.time[i]!, series.open[i]!, 0.5, { weeks: 2 })) {
        rows.push(`${series.time[i]},${q.expiry},${q.right},${q.strike},${q.bid.toFixed(2)},${(q.ask + 1).toFixed(2)},${q.iv}`);
      }
    }
    const chain = path.join(tmp, 'chain.csv');
    writeFileSync(chain, rows.join('\n') + '\n');
    const strategy = path.join(tmp, 'put.strategy.ts');
    writeFileSync(strategy, STRATEGY);
    const ran = await volt(['backtest', strategy, '--data', 'synthetic:7:300:1h', '--options-chain', chain, '--no-journal', '--json']);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const report = JSON.parse(ran.stdout);
    expect(report.options.chain).toBe(chain);
    const leg = report.options.positions[0].legs[0];
    // Bought at the file's ask (the synthetic ask + 1 this file was written with).
    const quote = rows.find((r) => r.startsWith(`${series.time[51]},${leg.expiry},put,${leg.strike},`))!.split(',');
    expect(leg.entry).toBe(Number(quote[5]));
    expect(report.metrics.feesPaid).toBeCloseTo(0.65 * (leg.state === 'closed' ? 2 : 1), 9);

    writeFileSync(chain, rows.slice(0, 5).join('\n') + '\n' + rows[5]!.replace(/,(call|put),/, ',pt,') + '\n');
    const bad = await volt(['backtest', strategy, '--data', 'synthetic:7:300:1h', '--options-chain', chain, '--no-journal']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`${chain.replace(/[.]/g, '\\.')}:6: right 'pt' is not call or put`));
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('volt options chain and --options-chain deribit:BTC', () => {
  it('fetches Deribit’s chain through ccxt (a loopback server), keeps it in .volt/cache, reads it back, and a backtest replays the cache', async () => {
    const DAY = 86_400_000;
    const asOf = Date.UTC(2030, 0, 1, 8);
    const api = await startDeribitApi({
      chain: { asOf, expiries: [{ time: asOf + 10 * DAY, futures: 60_000 }], strikes: [55_000, 60_000, 65_000], smile: () => 0.6, openInterest: () => 100 },
      dvol: [],
      realized: [],
    });
    try {
      const env = { VOLT_EXCHANGE_API_URL: api.url };
      const first = await volt(['options', 'chain', 'BTC'], env);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^BTC options on deribit, .*: 6 quotes, 1 expiries\n {2}2030-01-11 08:00 {2}futures 60000 {2}3 strikes 55000–65000\n$/);
      expect(first.stderr).toMatch(/^volt options chain: fetched 6 BTC options from deribit; cached in \.volt\/cache\/deribit-BTC-options-\d{8}T\d{6}Z\.json/);
      const served = api.requests.length;
      const again = await volt(['options', 'chain', 'BTC', '--json'], env);
      expect(api.requests.length).toBe(served);
      expect(again.stderr).toMatch(/from the cache/);
      expect(JSON.parse(again.stdout).quotes).toHaveLength(6);

      const strategy = path.join(tmp, 'look.strategy.ts');
      writeFileSync(strategy, `import { defineStrategy } from '@volt/engine';\nexport default defineStrategy({ name: 'look', onBar(ctx) { if (ctx.index === 10) ctx.options.chain(); } });\n`);
      const ran = await volt(['backtest', strategy, '--data', 'synthetic:7:100:1h', '--options-chain', 'deribit:BTC', '--no-journal', '--json']);
      expect(ran.code).toBe(0);
      expect(JSON.parse(ran.stdout).options.chain).toBe('deribit:BTC (1 cached chain)');
      const none = await volt(['backtest', strategy, '--data', 'synthetic:7:100:1h', '--options-chain', 'deribit:ETH', '--no-journal']);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/no cached ETH option chains in /);
    } finally {
      await api.close();
    }
  });
});
