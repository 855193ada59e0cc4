import { describe, expect, it } from 'vitest';
import { analyzeStrategySource, STATIC_RULES } from './index.js';

const FILE = '/virtual/strategies/spread.strategy.ts';

/** A strategy whose onBar sizes an options position written out as legs. */
function withLegs(legs: string): string {
  return `import { analyzePosition, defineStrategy } from '@volt/engine';

const LEGS = [
${legs}
];

export default defineStrategy({
  name: 'premium seller',
  timeframe: '1d',
  params: { minPop: { value: 0.7, min: 0.5, max: 0.9 } },
  onBar(ctx) {
    const pos = analyzePosition({ legs: LEGS, spot: ctx.bar.close, rate: 0, vol: 0.3 });
    if (ctx.position.side === 0 && pos.probabilityOfProfit > ctx.params.minPop) ctx.buy({ confidence: 0.6, reason: 'PoP' });
  },
  risk: { stopLoss: { kind: 'volatility' }, maxPositionPct: 0.05 },
});
`;
}

const volt111 = (text: string) => analyzeStrategySource(text, FILE, { typeCheck: false }).filter((f) => f.code === 'VOLT111');

describe('VOLT111: a short option leg without a defined maximum loss', () => {
  it('flags a naked short call, at the leg, saying why and what to do', () => {
    const text = withLegs(`  { right: 'put', quantity: -1, strike: 95, years: 0.08, premium: 1.2 },
  { right: 'call', quantity: -1, strike: 105, years: 0.08, premium: 3.1 },`);
    const [f, ...rest] = volt111(text);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'warning', source: 'static' });
    expect(f!.message).toBe(
      'short call 105 with nothing above it: 1 more call(s) sold than bought, so the loss grows without limit as the price rises. Buy a call above it (a call spread) to define the maximum loss.',
    );
    expect(f!.range.start.line).toBe(4); // the short call's line
  });

  it('flags a ratio spread (two sold, one bought) at the highest short call', () => {
    const [f] = volt111(withLegs(`  { right: 'call', quantity: 1, strike: 100, years: 0.08, premium: 4 },
  { right: 'call', quantity: -2, strike: 110, years: 0.08, premium: 1.5 },`));
    expect(f!.message).toMatch(/^short call 110 with nothing above it: 1 more call/);
  });

  it('is quiet for defined-risk shapes: a call spread, an iron condor, a covered call, a short put', () => {
    expect(volt111(withLegs(`  { right: 'call', quantity: -1, strike: 105, years: 0.08, premium: 3.1 },
  { right: 'call', quantity: 1, strike: 112, years: 0.08, premium: 1.1 },`))).toEqual([]);
    expect(volt111(withLegs(`  { right: 'put', quantity: 1, strike: 85, years: 0.08, premium: 0.3 },
  { right: 'put', quantity: -1, strike: 92, years: 0.08, premium: 1.1 },
  { right: 'call', quantity: -1, strike: 108, years: 0.08, premium: 1.2 },
  { right: 'call', quantity: 1, strike: 115, years: 0.08, premium: 0.4 },`))).toEqual([]);
    expect(volt111(withLegs(`  { right: 'underlying', quantity: 100, premium: 100 },
  { right: 'call', quantity: -1, strike: 105, years: 0.08, premium: 1.5 },`))).toEqual([]);
    expect(volt111(withLegs(`  { right: 'put', quantity: -1, strike: 95, years: 0.08, premium: 1.2 },`))).toEqual([]);
  });

  it('says nothing when it cannot read the legs, or the array is not legs', () => {
    expect(volt111(withLegs(`  { right: 'call', quantity: -ctx, strike: 105, years: 0.08, premium: 3.1 },`.replace('-ctx', '-size')).replace('const LEGS', 'const size = 2;\nconst LEGS'))).toEqual([]);
    expect(volt111(withLegs(`  { right: 'call', quantity: -1, strike: 105, years: 0.08, premium: 3.1 },
  ...OTHER,`).replace('const LEGS', 'const OTHER: never[] = [];\nconst LEGS'))).toEqual([]);
    expect(volt111(withLegs(`  1, 2, 3,`))).toEqual([]);
  });

  it('reads ctx.options.open([...]) orders too, whose strikes come from the chain', () => {
    const text = withLegs(`  { right: 'put', quantity: 1, strike: 90, years: 0.08, premium: 1 },`).replace(
      "if (ctx.position.side === 0",
      "const c = ctx.options.chain()[0]!;\n    ctx.options.open([{ right: 'call', strike: c.strike, expiry: c.expiry, quantity: -1 }]);\n    if (ctx.position.side === 0",
    );
    const [f, ...rest] = volt111(text);
    expect(rest).toEqual([]);
    expect(f!.message).toMatch(/^short call with nothing above it: 1 more call\(s\) sold than bought/);
  });

  it('is listed with the other static rules', () => {
    expect(STATIC_RULES.find((r) => r.code === 'VOLT111')).toEqual({ code: 'VOLT111', severity: 'warning', title: 'short option leg without a defined maximum loss', fix: null });
  });
});
