import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test-support/shared-data.js';

// The built `volt` bin, run as a user runs it (`npm test` builds first).
const BIN = path.join(REPO_ROOT, 'packages/cli/bin/volt.js');

beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'packages/cli/dist/commands/options.js'))) {
    throw new Error('packages/cli/dist is not built: run `npx tsc -b` (npm test does) before these tests');
  }
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function volt(args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO_ROOT }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

const HULL = ['--spot', '49', '--strike', '50', '--years', '0.3846', '--rate', '0.05', '--vol', '0.2'];

describe('volt options price', () => {
  it('--json prints the price and every greek with its unit, for the call and the put', async () => {
    const ran = await volt(['options', 'price', ...HULL, '--json']);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const doc = JSON.parse(ran.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, model: 'bsm', style: 'european', inputs: { spot: 49, strike: 50, years: 0.3846, rate: 0.05, vol: 0.2 } });
    // Hull's 20-week call, the Greek-letters chapter
    expect(doc.call.price.value).toBeCloseTo(2.4, 2);
    expect(doc.call.delta.value).toBeCloseTo(0.522, 3);
    expect(doc.call.thetaPerDay).toEqual({ value: expect.closeTo(-0.0118, 4), unit: 'per calendar day' });
    expect(doc.call.theta.unit).toBe('per year');
    expect(doc.call.vega).toEqual({ value: expect.closeTo(12.1, 1), unit: 'per 1.00 of volatility' });
    expect(doc.call.vegaPerPoint.unit).toBe('per vol point (0.01)');
    expect(doc.call.rho.unit).toBe('per 1.00 of rate');
    expect(Object.keys(doc.put)).toEqual(['price', 'delta', 'gamma', 'theta', 'thetaPerDay', 'vega', 'vegaPerPoint', 'rho', 'rhoPerPoint']);
    expect(doc.call.price.value - doc.put.price.value).toBeCloseTo(49 - 50 * Math.exp(-0.05 * 0.3846), 10);
  });

  it('prints a readable table, and prices American options on the tree', async () => {
    const table = await volt(['options', 'price', ...HULL, '--right', 'put']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Black–Scholes–Merton, spot 49, strike 50/);
    expect(table.stdout).toMatch(/\n {2}thetaPerDay +-0\.00507\d+ {2}per calendar day\n/);
    expect(table.stdout).not.toContain('\ncall\n');
    const american = await volt(['options', 'price', '--spot', '50', '--strike', '50', '--days', `${(5 / 12) * 365}`, '--rate', '0.1', '--vol', '0.4', '--right', 'put', '--american', '--steps', '501', '--json']);
    const doc = JSON.parse(american.stdout);
    expect(doc.style).toBe('american');
    expect(doc.put.price.value).toBeCloseTo(4.28, 2); // Hull's American put, 500-step tree
    expect(doc.put.earlyExercisePremium.value).toBeGreaterThan(0.15);
    expect(doc.treeSteps ?? doc.put.treeSteps).toBe(501);
  });

  it('exits 2 with one line naming the flag for a usage mistake', async () => {
    const missing = await volt(['options', 'price', '--spot', '49', '--strike', '50', '--years', '0.3']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^volt options: --vol is required/);
    const bad = await volt(['options', 'price', ...HULL.slice(0, -2), '--vol', 'twenty']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("volt options: --vol expects a number, got 'twenty'\n");
    const negative = await volt(['options', 'price', ...HULL, '--spot=-3']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toMatch(/option spot must be a positive number, got -3/);
    expect(negative.stderr).not.toMatch(/at .*\.js/);
  });
});

describe('volt options iv', () => {
  it('solves the 20-week call at $2.40 to a 20% vol', async () => {
    const ran = await volt(['options', 'iv', ...HULL.slice(0, -2), '--right', 'call', '--price', '2.40046108696567', '--json']);
    expect(ran.code).toBe(0);
    const doc = JSON.parse(ran.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.vol.value).toBeCloseTo(0.2, 10);
    expect(doc.volPoints.unit).toBe('vol points (%)');
  });

  it('says why a quote has no implied volatility, and exits 1', async () => {
    const ran = await volt(['options', 'iv', '--spot', '90', '--strike', '100', '--years', '0.5', '--rate', '0.05', '--right', 'put', '--price', '5']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^volt options iv: no implied volatility: price 5 is below the intrinsic value 7\.53\d+ \(below-intrinsic\)\n {2}fix: /);
    const json = await volt(['options', 'iv', '--spot', '100', '--strike', '100', '--years', '1', '--right', 'call', '--price', '101', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, reason: 'above-maximum' });
  });

  it('--american solves against the tree: the price volt options price --american gave comes back to its vol', async () => {
    const market = ['--spot', '40', '--strike', '50', '--days', `${(5 / 12) * 365}`, '--rate', '0.1', '--right', 'put'];
    const priced = JSON.parse((await volt(['options', 'price', ...market, '--vol', '0.4', '--american', '--json'])).stdout);
    const price = String(priced.put.price.value);
    const american = await volt(['options', 'iv', ...market, '--price', price, '--american', '--json']);
    expect(american.code).toBe(0);
    expect(JSON.parse(american.stdout).vol.value).toBeCloseTo(0.4, 6);
    const european = JSON.parse((await volt(['options', 'iv', ...market, '--price', price, '--json'])).stdout);
    expect(european.vol.value).toBeGreaterThan(0.45);
    const below = await volt(['options', 'iv', ...market, '--price', '9.5', '--american']);
    expect(below.code).toBe(1);
    expect(below.stderr).toMatch(/below what exercising now pays \(10\).*\(below-intrinsic\)\n {2}fix: check the quote; an American put/);
  });
});

describe('volt options position', () => {
  const SPREAD = ['options', 'position', '--leg', 'short call 105 @3.10', '--leg', 'long call 112 @1.10', '--spot', '100', '--vol', '0.45', '--days', '30'];

  it('the seed’s short call spread: credit 200, max risk 500, PoP 72%, breakeven 107', async () => {
    const ran = await volt([...SPREAD, '--json']);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const doc = JSON.parse(ran.stdout);
    expect(doc.entryCost).toBeCloseTo(-200, 9);
    expect(doc.maxRisk).toBeCloseTo(500, 9);
    expect(doc.maxReward).toBeCloseTo(200, 9);
    expect(doc.probabilityOfProfit).toBeCloseTo(0.72, 2);
    expect(doc.breakevens).toEqual([expect.closeTo(107, 9)]);
    expect(doc.units.thetaPerDay).toBe('currency per calendar day');
    expect(doc.touch.map((t: { why: string }) => t.why)).toEqual(['short strike', 'breakeven']);
  });

  it('sizes by half Kelly within the risk limits of volt.config.json, and reads a straddle with unlimited reward', async () => {
    const sized = await volt([...SPREAD, '--equity', '100000']);
    expect(sized.code).toBe(0);
    // default maxDailyLoss 3%: at most 3,000 at risk → 6 spreads of 500
    expect(sized.stdout).toMatch(/\nsize: 6 unit\(s\), risking 3000\.00 .*allowed 3\.00%\)\n {2}max loss cut from [\d.]+% to 3\.0% of equity so the worst case fits in today's loss budget\n$/);
    const straddle = await volt(['options', 'position', '--leg', 'long call 100', '--leg', 'long put 100', '--spot', '100', '--vol', '0.3', '--days', '60', '--rate', '0.03']);
    expect(straddle.code).toBe(0);
    expect(straddle.stdout).toMatch(/\n {2}max reward +unlimited\n/);
    expect(straddle.stdout).toMatch(/\n {2}breakevens +[\d.]+, [\d.]+\n/);
  });

  it('names the leg it cannot read, and exits 2', async () => {
    const ran = await volt(['options', 'position', '--leg', 'short call @3.10', '--spot', '100', '--vol', '0.3', '--days', '30']);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toBe(`volt options: --leg 1 'short call @3.10': an option leg needs a strike, e.g. "short call 105 @3.10"\n`);
    const noExpiry = await volt(['options', 'position', '--leg', 'short put 95', '--spot', '100', '--vol', '0.3']);
    expect(noExpiry.code).toBe(2);
    expect(noExpiry.stderr).toMatch(/no expiry; give --days/);
  });
});

describe('ctx.options through volt backtest', () => {
  it('a strategy selling weekly call spreads: positions, P&L and greeks in --json, one line in the report, clean lint', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'volt-ctx-options-'));
    try {
      const file = path.join(dir, 'spread.strategy.ts');
      writeFileSync(
        file,
        `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'weekly call spreads',
  timeframe: '1h',
  params: { every: { value: 168, min: 24, max: 500 }, offset: { value: 50, min: 0, max: 100 }, shortAbove: { value: 1.02, min: 1, max: 1.2 }, longAbove: { value: 1.06, min: 1, max: 1.3 } },
  onBar(ctx) {
    if (ctx.index % ctx.params.every !== ctx.params.offset) return;
    const chain = ctx.options.chain();
    if (chain.length === 0) return;
    const expiry = chain[0]!.expiry;
    const calls = chain.filter((q) => q.right === 'call' && q.expiry === expiry);
    const near = (x: number) => calls.reduce((b, q) => (Math.abs(q.strike - x) < Math.abs(b.strike - x) ? q : b));
    ctx.options.open([
      { right: 'call', strike: near(ctx.bar.close * ctx.params.shortAbove).strike, expiry, quantity: -1 },
      { right: 'call', strike: near(ctx.bar.close * ctx.params.longAbove).strike, expiry, quantity: 1 },
    ], 'weekly premium');
  },
  risk: { stopLoss: { kind: 'volatility' } },
});
`,
      );
      const json = await volt(['backtest', file, '--data', 'synthetic:5:3000:1h', '--no-journal', '--json']);
      expect(json.stderr).toBe('');
      expect(json.code).toBe(0);
      const report = JSON.parse(json.stdout);
      const positions = report.options.positions;
      expect(positions.length).toBeGreaterThan(10);
      const pnl = positions.reduce((s: number, p: { pnl: number }) => s + p.pnl, 0);
      expect(report.metrics.endEquity).toBeCloseTo(10_000 + pnl, 6);
      expect(report.options.greeks.delta.length).toBe(report.options.greeks.time.length);
      const table = await volt(['backtest', file, '--data', 'synthetic:5:3000:1h', '--no-journal']);
      expect(table.stdout).toMatch(new RegExp(`\\noptions: ${positions.length} positions, P&L [+-]?[\\d,.]+ after [\\d.]+ fees; legs .*\\(greeks per bar in --json\\)\\n`));
      const lint = await volt(['lint', file]);
      expect(lint.stdout).toBe('no findings\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
