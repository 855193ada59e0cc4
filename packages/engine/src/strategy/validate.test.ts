import { describe, expect, it } from 'vitest';
import { VoltError, defineStrategy, resolveParams, validateStrategy, strategyProblems, locateProperty } from '@volt/engine';

const onBar = (): void => {};

function problemOf(value: unknown): string {
  const problems = strategyProblems(value);
  expect(problems.length).toBeGreaterThan(0);
  return `${problems[0]!.path.join('.')}: ${problems[0]!.message}`;
}

describe('defineStrategy', () => {
  it('returns the definition unchanged', () => {
    const def = { name: 'x', onBar };
    expect(defineStrategy(def)).toBe(def);
  });
});

describe('resolveParams', () => {
  const def = defineStrategy({
    name: 'dip',
    params: { oversold: { value: 30, min: 10, max: 45 }, period: 14 },
    onBar,
  });

  it('gives each param its default number', () => {
    expect(resolveParams(def)).toEqual({ oversold: 30, period: 14 });
  });

  it('applies overrides inside the range', () => {
    expect(resolveParams(def, { oversold: 45, period: 200 })).toEqual({ oversold: 45, period: 200 });
  });

  it('refuses an override outside min/max, naming the param and its range', () => {
    expect(() => resolveParams(def, { oversold: 50 })).toThrow(VoltError);
    expect(() => resolveParams(def, { oversold: 50 })).toThrow("param 'oversold' = 50 is outside its range [10, 45]");
    expect(() => resolveParams(def, { oversold: 9 })).toThrow(/oversold/);
  });

  it('refuses an unknown param and lists the real ones', () => {
    try {
      resolveParams(def, { overbought: 70 });
      expect.unreachable();
    } catch (e) {
      expect((e as VoltError).message).toMatch(/no param 'overbought'/);
      expect((e as VoltError).hint).toBe('its params are: oversold, period');
    }
  });

  it('refuses NaN', () => {
    expect(() => resolveParams(def, { period: Number.NaN })).toThrow(/finite number/);
  });
});

describe('strategyProblems', () => {
  it('accepts a complete strategy', () => {
    expect(
      strategyProblems({
        name: 'ok',
        timeframe: '4h',
        symbols: ['BTC/USDT'],
        params: { a: 1, b: { value: 2, min: 0, max: 5, step: 1, description: 'b' } },
        indicators: () => ({}),
        onBar,
        risk: { stopLoss: { kind: 'volatility', atrMultiple: 2, period: 14 }, takeProfit: 0.1, maxPositionPct: 1 },
        pyramiding: false,
      }),
    ).toEqual([]);
  });

  it('names what is missing or of the wrong type', () => {
    expect(problemOf({ onBar })).toMatch(/no name/);
    expect(problemOf({ name: 'x' })).toMatch(/no onBar/);
    expect(problemOf({ name: 'x', onBar: 3 })).toMatch(/^onBar: onBar must be a function/);
    expect(problemOf({ name: '', onBar })).toMatch(/^name:/);
    expect(problemOf({ name: 'x', onBar, timeframe: '1hour' })).toMatch(/^timeframe:/);
    expect(problemOf({ name: 'x', onBar, symbols: 'BTC' })).toMatch(/^symbols:/);
    expect(problemOf({ name: 'x', onBar, indicators: {} })).toMatch(/^indicators:/);
    expect(problemOf({ name: 'x', onBar, pyramiding: 'yes' })).toMatch(/^pyramiding:/);
    expect(problemOf(() => 1)).toMatch(/must be a strategy object/);
  });

  it('checks params: numbers or specs whose value sits inside min/max', () => {
    expect(problemOf({ name: 'x', onBar, params: { a: 'high' } })).toMatch(/^params\.a:/);
    expect(problemOf({ name: 'x', onBar, params: { a: { min: 1 } } })).toMatch(/^params\.a: param 'a' has no numeric value/);
    expect(problemOf({ name: 'x', onBar, params: { a: { value: 50, min: 10, max: 45 } } })).toMatch(/^params\.a\.value:.*outside/);
    expect(problemOf({ name: 'x', onBar, params: { a: { value: 5, min: 10, max: 1 } } })).toMatch(/min 10 above max 1/);
    expect(problemOf({ name: 'x', onBar, params: { a: { value: 5, step: 0 } } })).toMatch(/step must be positive/);
    expect(problemOf({ name: 'x', onBar, params: { a: Infinity } })).toMatch(/^params\.a:/);
  });

  it('checks risk fields are in range', () => {
    expect(problemOf({ name: 'x', onBar, risk: { stopLoss: 3 } })).toMatch(/^risk\.stopLoss:/);
    expect(strategyProblems({ name: 'x', onBar, risk: { stopLoss: 3 } })[0]!.hint).toMatch(/0\.03/);
    expect(problemOf({ name: 'x', onBar, risk: { stopLoss: 0 } })).toMatch(/^risk\.stopLoss:/);
    expect(problemOf({ name: 'x', onBar, risk: { stopLoss: { kind: 'atr' } } })).toMatch(/^risk\.stopLoss:/);
    expect(problemOf({ name: 'x', onBar, risk: { stopLoss: { kind: 'volatility', atrMultiple: -1 } } })).toMatch(/atrMultiple/);
    expect(problemOf({ name: 'x', onBar, risk: { stopLoss: { kind: 'volatility', period: 2.5 } } })).toMatch(/period/);
    expect(problemOf({ name: 'x', onBar, risk: { takeProfit: -0.1 } })).toMatch(/^risk\.takeProfit:/);
    expect(problemOf({ name: 'x', onBar, risk: { maxPositionPct: 0 } })).toMatch(/^risk\.maxPositionPct:/);
    expect(problemOf({ name: 'x', onBar, risk: { maxPositionPct: 1.5 } })).toMatch(/^risk\.maxPositionPct:/);
    expect(problemOf({ name: 'x', onBar, risk: 0.1 })).toMatch(/^risk:/);
  });

  it('catches misspelt keys that would otherwise be silently ignored', () => {
    expect(problemOf({ name: 'x', onBar, risk: { stoploss: 0.03 } })).toBe(
      "risk.stoploss: unknown property 'risk.stoploss'",
    );
    expect(strategyProblems({ name: 'x', onBar, risk: { stoploss: 0.03 } })[0]!.hint).toMatch(/did you mean 'stopLoss'/);
    expect(problemOf({ name: 'x', onBar, onbar: onBar })).toMatch(/onbar/);
    expect(problemOf({ name: 'x', onBar, params: { a: { valu: 3, value: 3 } } })).toMatch(/params\.a\.valu/);
    // An unknown risk setting is refused outright: nothing would apply it.
    expect(problemOf({ name: 'x', onBar, risk: { trailingStop: 0.02 } })).toBe(
      'risk.trailingStop: risk.trailingStop is not a risk setting Volt applies',
    );
    // Other keys nowhere near a known one are left alone: others may attach their own metadata.
    expect(strategyProblems({ name: 'x', onBar, author: 'me' })).toEqual([]);
  });
});

describe('validateStrategy', () => {
  const source = [
    "import { defineStrategy } from '@volt/engine';",
    '// maxPositionPct is discussed in this comment before the call, which must not confuse the scan',
    'export default defineStrategy({',
    "  name: 'x',",
    '  params: {',
    '    oversold: { value: 30, min: 10, max: 45 },',
    '    overbought: { value: 70, min: 80, max: 60 },',
    '  },',
    '  onBar(ctx) {},',
    '  risk: { stopLoss: 0.03, "maxPositionPct": 2 },',
    '});',
  ].join('\n');

  it('throws a strategy VoltError with the file and the line:col of the property', () => {
    const value = { name: 'x', onBar, risk: { stopLoss: 0.03, maxPositionPct: 2 } };
    try {
      validateStrategy(value, '/ws/x.strategy.ts', source);
      expect.unreachable();
    } catch (e) {
      const err = e as VoltError;
      expect(err).toBeInstanceOf(VoltError);
      expect(err.kind).toBe('strategy');
      expect(err.format()).toMatch(/^\/ws\/x\.strategy\.ts:10:27: risk\.maxPositionPct must be/);
      expect(err.hint).toMatch(/0\.02/);
    }
  });

  it('places nested params on their own line', () => {
    expect(locateProperty(source, ['params', 'overbought', 'min'])).toEqual({ line: 7, column: 30 });
    expect(locateProperty(source, ['onBar'])).toEqual({ line: 9, column: 3 });
  });

  it('falls back to the defineStrategy call when the property is not written out', () => {
    expect(locateProperty(source, ['nowhere'])).toEqual({ line: 3, column: 16 });
  });

  it('returns the definition when it is fine', () => {
    const def = { name: 'x', onBar };
    expect(validateStrategy(def, 'x.strategy.ts')).toBe(def);
  });
});
