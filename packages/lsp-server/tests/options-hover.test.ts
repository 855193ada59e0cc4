import { describe, expect, it } from 'vitest';
import { hoverAt } from '../src/service/hover.js';

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
    expect(value).toContain('PoP and greeks need `spot` and `vol` as numbers where the legs are analysed.');
  });

  it('shows nothing for an array that is not legs, or legs it cannot read', () => {
    const other = `const ROWS = [{ name: 'a', size: 1 }];\n`;
    expect(hoverAt(other, at(other, 'name'), undefined)).toBeNull();
    const computed = strategy('{ legs: LEGS, spot: 100, vol: 0.45, rate: 0 }').replace('quantity: -1', 'quantity: -size');
    expect(hoverAt(computed, at(computed, 'right'), undefined)).toBeNull();
  });
});
