import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDataSpec, syntheticChain } from '../../engine/src/index.js';
import { REPO_ROOT } from '../../../test-support/shared-data.js';

// The built `volt` bin running a strategy on ctx.options with a recorded chain file.
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-options-chain-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function volt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: tmp, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
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
