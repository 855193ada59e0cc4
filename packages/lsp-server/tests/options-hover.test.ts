import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { analyzePosition, defineStrategy, impliedVolatility, priceOption, resolveDataSpec, runBacktest, synthesize, type StrategyContext } from '@volt/engine';
import { Commands } from '../src/protocol.js';
import { hoverAt } from '../src/service/hover.js';
import { lastRunMarket } from '../src/service/options-hover.js';
import { startInBand } from './utils/connection.js';

/** A strategy holding the seed's short call spread as legs, analysed with `analysis`. */
function strategy(analysis: string): string {
  return `import { analyzePosition, defineStrategy } from '@volt/engine';

const LEGS = [
  { right: 'call', quantity: -1, strike: 105, years: 30 / 365, premium: 3.1 },
  { right: 'call', quantity: 1, strike: 112, years: 30 / 365, premium: 1.1 },
];

export default defineStrategy({
  name: 'call spread seller',
  timeframe: '1d',
  params: { minPop: { value: 0.7, min: 0.5, max: 0.9 } },
  onBar(ctx) {
    const pos = analyzePosition(${analysis});
    if (ctx.position.side === 0 && pos.probabilityOfProfit > ctx.params.minPop) ctx.buy({ confidence: 0.6, reason: 'PoP' });
  },
  risk: { stopLoss: { kind: 'volatility' }, maxPositionPct: 0.05 },
});
`;
}

const at = (text: string, needle: string, nth = 0): number => {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`no ${needle}`);
  return i + 1;
};

describe('hover over an options leg', () => {
  it('shows breakevens, max risk and reward, PoP and greeks when spot and vol are numbers', () => {
    const text = strategy('{ legs: LEGS, spot: 100, vol: 0.45, rate: 0 }');
    const hover = hoverAt(text, at(text, 'right'), undefined);
    const value = (hover!.contents as { value: string }).value;
    expect(value).toMatch(/^\*\*options position\*\* of 2 legs: entry credit 200\.00\n/);
    expect(value).toContain('| at the first expiry (30 days) | |');
    expect(value).toContain('| breakevens | 107 |');
    expect(value).toContain('| max reward | 200.00 |');
    expect(value).toContain('| max risk | 500.00 |');
    expect(value).toMatch(/\| probability of profit \| 72\.2% \(lognormal, spot 100, vol 45\.0%\) \|/);
    expect(value).toMatch(/\| greeks now \| delta -16\.9\d, gamma -0\.7\d+, theta 2\.0\d\/day, vega -2\.6\d\/vol point \|/);
    // the hover covers the word under the cursor
    expect(hover!.range!.start).toEqual({ line: 3, character: 4 });
  });

  it('without numbers for spot and vol, the structure only, and says what PoP needs', () => {
    const text = strategy('{ legs: LEGS, spot: ctx.bar.close, vol: 0.45, rate: 0 }');
    const value = (hoverAt(text, at(text, 'premium', 1), undefined)!.contents as { value: string }).value;
    expect(value).toContain('| max risk | 500.00 |');
    expect(value).not.toContain('probability of profit');
    expect(value).toContain('PoP and greeks need `spot` and `vol` as numbers where the legs are analysed, or a run of the strategy.');
  });

  it('with the last run, spot and vol left to run time come from its close, and premiums not written are priced there', () => {
    const market = { symbol: 'BTC/USDT', spot: 100, vol: 0.45, time: Date.UTC(2024, 4, 31, 23), synthetic: false };
    const text = strategy('{ legs: LEGS, spot: ctx.bar.close, vol: realized, rate: 0 }');
    const value = (hoverAt(text, at(text, 'premium', 1), undefined, market)!.contents as { value: string }).value;
    // The same spread and numbers as with spot 100 and vol 0.45 written out.
    expect(value).toMatch(/\| probability of profit \| 72\.2% \(lognormal, spot 100, vol 45\.0%\) \|/);
    expect(value).toContain('From the last run: BTC/USDT closed at 100 on 2024-05-31 23:00 UTC, realized vol 45.0% over 20 bars.');
    // Numbers in the source win over the run's.
    const written = strategy('{ legs: LEGS, spot: 100, vol: 0.45, rate: 0 }');
    expect((hoverAt(written, at(written, 'right'), undefined, { ...market, spot: 90 })!.contents as { value: string }).value).not.toContain('From the last run');
    // A premium quoted at run time is priced by Black–Scholes at the run's close.
    const quoted = strategy('{ legs: LEGS, spot: ctx.bar.close, vol: 0.45, rate: 0 }').replace('premium: 3.1', 'premium: quote.ask');
    const q = (hoverAt(quoted, at(quoted, 'right'), undefined, market)!.contents as { value: string }).value;
    const bs = priceOption({ right: 'call', spot: 100, strike: 105, years: 30 / 365, rate: 0, vol: 0.45 }).price;
    expect(q).toContain(`entry credit ${(100 * (bs - 1.1)).toFixed(2)}`);
    expect(q).toContain('1 premium priced there by Black–Scholes');
    expect(hoverAt(quoted, at(quoted, 'right'), undefined)).toBeNull();
  });

  it('shows nothing for an array that is not legs, or legs it cannot read', () => {
    const other = `const ROWS = [{ name: 'a', size: 1 }];\n`;
    expect(hoverAt(other, at(other, 'name'), undefined)).toBeNull();
    const computed = strategy('{ legs: LEGS, spot: 100, vol: 0.45, rate: 0 }').replace('quantity: -1', 'quantity: -size');
    expect(hoverAt(computed, at(computed, 'right'), undefined)).toBeNull();
  });
});

describe('hover over an options leg in the sidecar, after a run', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-options-hover-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('shows the position at the last run’s close: its symbol, price, realized vol, and the PoP there', async () => {
    writeFileSync(path.join(tmp, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:3:400:1h' } }));
    const c = await startInBand({ root: tmp });
    try {
      await c.initialize();
      const text = strategy('{ legs: LEGS, spot: ctx.bar.close, vol: 0.45, rate: 0 }');
      const uri = await c.open('spread.strategy.ts', text);
      const lines = text.split('\n');
      const line = lines.findIndex((l) => l.includes('premium: 1.1'));
      const position = { line, character: lines[line]!.indexOf('premium') + 2 };
      const hover = () => c.connection.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position });
      expect((await hover()).contents.value).not.toContain('From the last run');
      await c.executeCommand(Commands.backtest, [{ uri }]);
      const series = await resolveDataSpec('synthetic:3:400:1h');
      const close = series.close[399]!;
      const value = (await hover()).contents.value;
      expect(value).toContain(`From the last run: ${series.symbol} (synthetic data) closed at ${Number(close.toPrecision(6))} on ${new Date(series.time[399]!).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
      expect(value).toMatch(new RegExp(`probability of profit \\| [\\d.]+% \\(lognormal, spot ${Number(close.toPrecision(6))}, vol 45\\.0%\\)`));
    } finally {
      await c.dispose();
    }
  });
});

/** A strategy selling a weekly call spread whose strikes it picks from the chain at run time. */
const SELLER = `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'weekly call spreads',
  timeframe: '1h',
  onBar(ctx) {
    if (ctx.index % 168 !== 50) return;
    const chain = ctx.options.chain();
    if (chain.length === 0) return;
    const expiry = chain[0]!.expiry;
    const calls = chain.filter((q) => q.right === 'call' && q.expiry === expiry);
    const near = (x: number) => calls.reduce((b, q) => (Math.abs(q.strike - x) < Math.abs(b.strike - x) ? q : b));
    ctx.options.open([
      { right: 'call', strike: near(ctx.bar.close * 1.02).strike, expiry, quantity: -1 },
      { right: 'call', strike: near(ctx.bar.close * 1.06).strike, expiry, quantity: 1 },
    ], 'weekly premium');
  },
});
`;

describe('hover over a ctx.options.open order', () => {
  // The same strategy in-process, so the test knows what the run filled.
  const spreads = defineStrategy({
    name: 'weekly call spreads',
    onBar(ctx: StrategyContext) {
      if (ctx.index % 168 !== 50) return;
      const chain = ctx.options.chain();
      if (chain.length === 0) return;
      const expiry = chain[0]!.expiry;
      const calls = chain.filter((q) => q.right === 'call' && q.expiry === expiry);
      const near = (x: number) => calls.reduce((b, q) => (Math.abs(q.strike - x) < Math.abs(b.strike - x) ? q : b));
      ctx.options.open([
        { right: 'call', strike: near(ctx.bar.close * 1.02).strike, expiry, quantity: -1 },
        { right: 'call', strike: near(ctx.bar.close * 1.06).strike, expiry, quantity: 1 },
      ], 'weekly premium');
    },
  });
  const series = synthesize({ seed: 5, bars: 1500, timeframe: '1h', start: Date.UTC(2024, 0, 1) });
  const report = runBacktest(spreads, series);
  const market = lastRunMarket(series, report.options)!;

  it('shows the latest position the last run filled for it, priced at its fill: legs, max risk and reward, PoP, greeks, P&L', () => {
    const positions = report.options!.positions;
    expect(positions.length).toBeGreaterThan(3);
    const last = positions.at(-1)!;
    const bar = series.time.indexOf(last.openedAt);
    const spot = series.open[bar]!;
    const legs = last.legs.map((l) => {
      const years = (l.expiry - last.openedAt) / (365 * 86_400_000);
      const iv = impliedVolatility({ right: l.right, spot, strike: l.strike, years, rate: 0, price: l.entry });
      if (!iv.ok) throw new Error('fill has no implied vol');
      return { right: l.right, quantity: l.quantity, strike: l.strike, years, premium: l.entry, vol: iv.vol };
    });
    const vols = legs.map((l) => l.vol).sort((a, b) => a - b);
    const a = analyzePosition({ legs, spot, vol: vols[1]!, rate: 0 });
    const value = (hoverAt(SELLER, at(SELLER, 'open('), undefined, market)!.contents as { value: string }).value;
    const ended = positions.filter((p) => p.pnl !== null);
    const pnl = ended.reduce((s, p) => s + p.pnl!, 0);
    expect(value).toContain(`**options order** (\`ctx.options.open\`, reason "weekly premium"): the last run filled it ${positions.length} times`);
    expect(value).toContain(`${ended.length === positions.length ? 'they' : `the ${ended.length} that ended`} made ${pnl >= 0 ? '+' : ''}${pnl.toFixed(2)} after fees`);
    expect(value).toContain(`| the latest, filled ${new Date(last.openedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC at spot ${Number(spot.toPrecision(6))} | |`);
    expect(value).toContain(`| entry | credit ${Math.abs(last.entryCost).toFixed(2)}, fees ${last.fees.toFixed(2)} included |`);
    expect(value).toContain(`| max risk | ${a.maxRisk.toFixed(2)} before fees |`);
    expect(value).toContain(`| max reward | ${a.maxReward.toFixed(2)} before fees |`);
    expect(value).toContain(`| probability of profit | ${(a.probabilityOfProfit * 100).toFixed(1)}% (lognormal, vol ${(vols[1]! * 100).toFixed(1)}% implied by the fills) |`);
    expect(value).toContain(`| greeks at the fill | delta ${a.greeks.delta.toFixed(2)}, gamma ${a.greeks.gamma.toFixed(4)}, theta ${a.greeks.thetaPerDay.toFixed(2)}/day, vega ${a.greeks.vegaPerPoint.toFixed(2)}/vol point |`);
    // A short call spread: short delta, capped risk.
    expect(a.greeks.delta).toBeLessThan(0);
    expect(Number.isFinite(a.maxRisk)).toBe(true);
    // Over a leg of the order, the same.
    const overLeg = (hoverAt(SELLER, at(SELLER, 'quantity: 1'), undefined, market)!.contents as { value: string }).value;
    expect(overLeg).toBe(value);
  });

  it('before a run it says where its numbers come from; an order of another reason was not filled', () => {
    const before = (hoverAt(SELLER, at(SELLER, 'open('), undefined)!.contents as { value: string }).value;
    expect(before).toContain('come from a run of the strategy');
    const other = SELLER.replace("'weekly premium'", "'monthly premium'");
    expect((hoverAt(other, at(other, 'open('), undefined, market)!.contents as { value: string }).value).toContain('the last run filled none of these.');
  });
});

describe('hover over a ctx.options.open order in the sidecar, after a run', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-options-order-hover-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('shows what the last run (in its sandbox) filled for the order', async () => {
    writeFileSync(path.join(tmp, 'volt.config.json'), JSON.stringify({ data: { default: 'synthetic:5:1500:1h' } }));
    const c = await startInBand({ root: tmp });
    try {
      await c.initialize();
      const uri = await c.open('seller.strategy.ts', SELLER);
      const lines = SELLER.split('\n');
      const line = lines.findIndex((l) => l.includes('ctx.options.open('));
      const position = { line, character: lines[line]!.indexOf('open(') + 1 };
      const hover = () => c.connection.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position });
      expect((await hover()).contents.value).toContain('come from a run of the strategy');
      await c.executeCommand(Commands.backtest, [{ uri }]);
      const value = (await hover()).contents.value;
      expect(value).toMatch(/the last run filled it \d+ times/);
      expect(value).toMatch(/\| probability of profit \| [\d.]+% \(lognormal, vol [\d.]+% implied by the fills\) \|/);
      expect(value).toMatch(/\| greeks at the fill \| delta -/);
    } finally {
      await c.dispose();
    }
  });
});
