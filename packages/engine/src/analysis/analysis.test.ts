import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeStrategySource, applyEdits, StrategyTypeChecker, type Finding } from './index.js';

const FILE = '/virtual/strategies/rsi.strategy.ts';

const CLEAN = `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'RSI dip buyer',
  timeframe: '1h',
  symbols: ['BTC/USDT'],
  params: {
    oversold: { value: 30, min: 10, max: 45 },
    overbought: { value: 70, min: 55, max: 90 },
  },
  indicators: (ind) => ({ rsi: ind.rsi(14), trend: ind.ema(50) }),
  onBar(ctx) {
    const { rsi, trend } = ctx.ind;
    if (!rsi.ready || !trend.ready) return;
    if (ctx.position.side === 0 && rsi.value < ctx.params.oversold && ctx.bar.close > trend.value) {
      ctx.buy({ confidence: 0.6, reason: 'oversold in an uptrend' });
    } else if (ctx.position.side === 1 && rsi.value > ctx.params.overbought) {
      ctx.exit({ reason: 'overbought' });
    }
  },
  risk: { stopLoss: { kind: 'volatility', atrMultiple: 2 }, takeProfit: 0.06, maxPositionPct: 0.1 },
});
`;

function variant(from: string, to: string, base = CLEAN): string {
  if (!base.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return base.replace(from, to);
}

const checker = new StrategyTypeChecker();
function analyze(text: string, config = {}): Finding[] {
  return analyzeStrategySource(text, FILE, config, checker);
}
function codes(text: string, config = {}): string[] {
  return analyze(text, config).map((f) => f.code);
}
/** Applies the fix of the first finding with `code`, and returns the fixed text. */
function fixed(text: string, code: string, config = {}): string {
  const f = analyze(text, config).find((x) => x.code === code);
  if (!f?.fix) throw new Error(`no fix for ${code}: ${JSON.stringify(analyze(text, config))}`);
  return applyEdits(text, f.fix.edits);
}
function lineOf(text: string, f: Finding): string {
  return text.split('\n')[f.range.start.line]!.slice(f.range.start.character, f.range.end.line === f.range.start.line ? f.range.end.character : undefined);
}

describe('analyzeStrategySource', () => {
  it('finds nothing in a clean strategy, types included', () => {
    expect(analyze(CLEAN)).toEqual([]);
  });

  it('VOLT101: no stop-loss; the fix adds a volatility stop to risk, or a risk block', () => {
    const noStop = variant("stopLoss: { kind: 'volatility', atrMultiple: 2 }, ", '');
    expect(codes(noStop)).toEqual(['VOLT101']);
    const a = fixed(noStop, 'VOLT101');
    expect(a).toContain("maxPositionPct: 0.1, stopLoss: { kind: 'volatility', atrMultiple: 2 } }");
    expect(analyze(a)).toEqual([]);

    const noRisk = variant("  risk: { stopLoss: { kind: 'volatility', atrMultiple: 2 }, takeProfit: 0.06, maxPositionPct: 0.1 },\n", '');
    const f = analyze(noRisk);
    expect(f.map((x) => x.code)).toEqual(['VOLT101']);
    expect(lineOf(noRisk, f[0]!)).toBe('defineStrategy');
    expect(analyze(fixed(noRisk, 'VOLT101'))).toEqual([]);
  });

  it('VOLT102: maxPositionPct above the cap, and order pct above it; the fix clamps', () => {
    const big = variant('maxPositionPct: 0.1', 'maxPositionPct: 0.25');
    const f = analyze(big);
    expect(f.map((x) => x.code)).toEqual(['VOLT102']);
    expect(lineOf(big, f[0]!)).toBe('0.25');
    expect(fixed(big, 'VOLT102')).toContain('maxPositionPct: 0.1 }');
    expect(codes(big, { maxPositionCap: 0.3 })).toEqual([]);

    const order = variant("ctx.buy({ confidence: 0.6,", "ctx.buy({ pct: 0.5, confidence: 0.6,");
    expect(codes(order)).toEqual(['VOLT102']);
    expect(analyze(fixed(order, 'VOLT102'))).toEqual([]);
  });

  it('VOLT103: a threshold literal in onBar; the fix moves it into params', () => {
    const hard = variant('rsi.value < ctx.params.oversold', 'rsi.value < 30');
    const f = analyze(hard);
    // oversold is now unused as well.
    expect(f.map((x) => x.code)).toEqual(['VOLT109', 'VOLT103']);
    expect(lineOf(hard, f[1]!)).toBe('30');
    const out = fixed(hard, 'VOLT103');
    expect(out).toContain('rsi.value < ctx.params.rsiBelow');
    expect(out).toContain('    rsiBelow: { value: 30 },\n  },');
    expect(codes(out)).toEqual(['VOLT109']);

    const confidence = variant("ctx.buy({ confidence: 0.6, reason: 'oversold in an uptrend' });",
      "if (ctx.state.confidence as number > 0.6) ctx.buy({ confidence: 0.6, reason: 'sure enough' });");
    expect(codes(confidence)).toEqual(['VOLT103']);
    expect(fixed(confidence, 'VOLT103')).toContain('ctx.params.confidenceAbove');
    // 0, 1, -1 and bookkeeping (side, length, index) are not thresholds; literals outside onBar are not either.
    expect(codes(variant('if (!rsi.ready || !trend.ready) return;', 'if (ctx.index < 50 || ctx.history(3).length < 3) return;'))).toEqual([]);
  });

  it('VOLT103 with destructured params and without a params block', () => {
    const noParams = `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'x',
  indicators: (ind) => ({ rsi: ind.rsi(14) }),
  onBar(ctx) {
    if (ctx.ind.rsi.value > 70) ctx.exit({ reason: 'overbought' });
  },
  risk: { stopLoss: 0.05 },
});
`;
    const out = fixed(noParams, 'VOLT103');
    expect(out).toContain("params: { rsiAbove: { value: 70 } }");
    expect(analyze(out).map((f) => f.code)).toEqual(['VOLT108']);
  });

  it('VOLT104: negative ago and indexing past the current bar', () => {
    const future = variant('const { rsi, trend } = ctx.ind;', 'const { rsi, trend } = ctx.ind;\n    if (ctx.history(2).close(-1) > ctx.bar.close) return;');
    const f = analyze(future);
    expect(f.map((x) => x.code)).toEqual(['VOLT104']);
    expect(lineOf(future, f[0]!)).toBe('ctx.history(2).close(-1)');

    const indexed = variant('const { rsi, trend } = ctx.ind;', 'const { rsi, trend } = ctx.ind;\n    const closes: number[] = ctx.state.closes as number[];\n    if (closes[ctx.index + 1]! > 0) return;');
    expect(codes(indexed)).toEqual(['VOLT104']);
    expect(codes(variant('closes[ctx.index + 1]', 'closes[ctx.index - 1]', indexed))).toEqual([]);
    expect(codes(variant('close(-1)', 'close(1)', future))).toEqual([]);
  });

  it('VOLT105: wall clock and Math.random; the fix uses ctx.random', () => {
    const random = variant('ctx.buy({ confidence: 0.6,', 'ctx.buy({ confidence: Math.random(),');
    const f = analyze(random);
    expect(f.map((x) => x.code)).toEqual(['VOLT105']);
    const out = fixed(random, 'VOLT105');
    expect(out).toContain('confidence: ctx.random(),');
    expect(analyze(out)).toEqual([]);

    const clock = variant('const { rsi, trend } = ctx.ind;', 'const { rsi, trend } = ctx.ind;\n    const t = Date.now() + new Date().getTime() + performance.now();\n    const ok = new Date(ctx.bar.time);');
    expect(codes(clock).filter((c) => c.startsWith('VOLT'))).toEqual(['VOLT105', 'VOLT105', 'VOLT105']);
  });

  it('VOLT106: network, files, processes', () => {
    const io = variant("import { defineStrategy } from '@volt/engine';",
      "import { defineStrategy } from '@volt/engine';\nimport { readFileSync } from 'node:fs';")
      .replace('const { rsi, trend } = ctx.ind;', "const { rsi, trend } = ctx.ind;\n    void fetch('https://x'); const k = process.env.KEY;");
    const f = analyze(io).filter((x) => x.code.startsWith('VOLT'));
    expect(f.map((x) => x.code)).toEqual(['VOLT106', 'VOLT106', 'VOLT106']);
    expect(lineOf(io, f[0]!)).toBe("'node:fs'");
  });

  it('VOLT107: a period that cannot warm up on the configured data, or is not a period at all', () => {
    expect(codes(CLEAN, { bars: 40 })).toEqual(['VOLT107']);
    expect(codes(CLEAN, { bars: 5000 })).toEqual([]);
    const viaParam = variant('oversold: { value: 30', 'slow: { value: 400 },\n    oversold: { value: 30')
      .replace('ind.ema(50)', 'ind.ema(params.slow)').replace('indicators: (ind)', 'indicators: (ind, params)');
    const f = analyze(viaParam, { bars: 300, dataLabel: 'synthetic:7' });
    expect(f.map((x) => x.code)).toEqual(['VOLT107']);
    expect(f[0]!.message).toContain('needs 400 bars');
    expect(f[0]!.message).toContain('synthetic:7');
    expect(codes(variant('ind.rsi(14)', 'ind.rsi(0)'))).toEqual(['VOLT107']);
  });

  it('VOLT108: a fixed stop is a hint with a fix to the volatility stop', () => {
    const fixedStop = variant("stopLoss: { kind: 'volatility', atrMultiple: 2 }", 'stopLoss: 0.03');
    const f = analyze(fixedStop);
    expect(f.map((x) => [x.code, x.severity])).toEqual([['VOLT108', 'hint']]);
    expect(analyze(fixed(fixedStop, 'VOLT108'))).toEqual([]);
  });

  it('VOLT109: an unused param; the fix removes it and leaves valid code', () => {
    const unused = variant('overbought: { value: 70, min: 55, max: 90 },', 'overbought: { value: 70, min: 55, max: 90 },\n    lookback: 20,');
    const f = analyze(unused);
    expect(f.map((x) => x.code)).toEqual(['VOLT109']);
    expect(f[0]!.unnecessary).toBe(true);
    expect(fixed(unused, 'VOLT109')).toBe(CLEAN);
    const first = variant('    oversold: { value: 30, min: 10, max: 45 },\n', '    lookback: 20,\n    oversold: { value: 30, min: 10, max: 45 },\n');
    expect(fixed(first, 'VOLT109')).toBe(CLEAN);
  });

  it('VOLT110: an order without confidence or reason; the fix adds them, the reason from its signal', () => {
    const bare = variant("ctx.buy({ confidence: 0.6, reason: 'oversold in an uptrend' });", 'ctx.buy();');
    const f = analyze(bare);
    expect(f.map((x) => [x.code, x.severity])).toEqual([['VOLT110', 'warning']]);
    expect(lineOf(bare, f[0]!)).toBe('ctx.buy()');
    expect(f[0]!.message).toContain('fully sure (1.0)');
    expect(f[0]!.fix!.title).toBe('Add confidence 0.5 and the signal as its reason');
    const out = fixed(bare, 'VOLT110');
    expect(out).toContain("ctx.buy({ confidence: 0.5, reason: 'ctx.position.side === 0 && rsi.value < ctx.params.oversold && ctx.bar.close > trend.value' });");
    expect(analyze(out)).toEqual([]);

    // Only what is missing is added, into the object that is there; an exit needs a reason only.
    const noReason = variant("ctx.buy({ confidence: 0.6, reason: 'oversold in an uptrend' });", 'ctx.buy({ confidence: 0.6 });');
    expect(analyze(noReason)[0]!.message).toMatch(/^ctx\.buy\(\) gives no reason: the journal cannot say why/);
    expect(fixed(noReason, 'VOLT110')).toContain("ctx.buy({ confidence: 0.6, reason: 'ctx.position.side === 0");
    const exit = variant("ctx.exit({ reason: 'overbought' });", "ctx.exit({});");
    expect(codes(exit)).toEqual(['VOLT110']);
    expect(fixed(exit, 'VOLT110')).toContain("ctx.exit({ reason: 'ctx.position.side === 1 && rsi.value > ctx.params.overbought' });");

    // A quote in the condition stays a valid string; an order built elsewhere is not judged.
    const quoted = variant('ctx.position.side === 0 && rsi.value', "ctx.state.mode !== 'off' && ctx.position.side === 0 && rsi.value").replace("ctx.buy({ confidence: 0.6, reason: 'oversold in an uptrend' });", 'ctx.buy();');
    expect(analyze(fixed(quoted, 'VOLT110'))).toEqual([]);
    expect(fixed(quoted, 'VOLT110')).toContain("reason: 'ctx.state.mode !== \\'off\\' && ");
    const built = variant("ctx.buy({ confidence: 0.6, reason: 'oversold in an uptrend' });", 'const order = { pct: 0.05 };\n      ctx.buy(order);');
    expect(codes(built)).toEqual([]);
  });

  it('reports TypeScript syntax and type errors at their ranges', () => {
    const typo = variant('ctx.params.overbought', 'ctx.params.overbougth');
    const f = analyze(typo);
    expect(f).toHaveLength(2); // the typo, and 'overbought' now unused
    const ts = f.find((x) => x.source === 'typescript')!;
    expect(ts.code).toBe('TS2551');
    expect(lineOf(typo, ts)).toBe('overbougth');

    const broken = variant('ctx.exit({ reason: \'overbought\' });', 'ctx.exit({ reason: \'overbought\' ;');
    expect(analyze(broken).some((x) => x.source === 'typescript' && x.severity === 'error')).toBe(true);
  });

  it('knows the globals a strategy can use at run time (console, structuredClone), without Node\'s types', () => {
    const logs = variant('if (!rsi.ready || !trend.ready) return;', 'if (!rsi.ready || !trend.ready) return;\n    console.log(structuredClone({ rsi: rsi.value }));');
    expect(analyze(logs)).toEqual([]);
  });

  it('checks against the whole engine when a strategy imports beyond the strategy API', () => {
    const wide = variant("import { defineStrategy } from '@volt/engine';", "import { defineStrategy, Journal } from '@volt/engine';\nexport type J = Journal;");
    expect(analyze(wide)).toEqual([]);
    const missing = variant("import { defineStrategy } from '@volt/engine';", "import { defineStrategy, NoSuchThing } from '@volt/engine';\nexport const n = NoSuchThing;");
    expect(analyze(missing).map((f) => f.code)).toEqual(['TS2305']);
    expect(analyze(missing)[0]!.message).toContain('"@volt/engine"');
  });

  it('gives the same findings whatever was analysed before (program reuse is invisible)', () => {
    const texts = [CLEAN, variant('maxPositionPct: 0.1', 'maxPositionPct: 0.5'), variant('ctx.params.overbought', 'ctx.params.nope'), CLEAN];
    const warm = texts.map((t) => analyze(t));
    const cold = texts.map((t) => analyzeStrategySource(t, FILE, {}, new StrategyTypeChecker()));
    expect(warm).toEqual(cold);
  });
});

describe('the example strategies', () => {
  const dir = fileURLToPath(new URL('../../../../examples/strategies/', import.meta.url));
  const examples = readdirSync(dir).filter((f) => f.endsWith('.strategy.ts'));

  it.each(examples)('%s has no warnings or errors', (name) => {
    const file = path.join(dir, name);
    const findings = analyzeStrategySource(readFileSync(file, 'utf8'), file, { bars: 5000 }, checker);
    expect(findings.filter((f) => f.severity !== 'hint')).toEqual([]);
  });

  it('the faulty example trips the rules it documents', () => {
    const file = path.join(dir, 'faulty', 'hardcoded-threshold.strategy.ts');
    const findings = analyzeStrategySource(readFileSync(file, 'utf8'), file, {}, checker);
    expect(findings.map((f) => f.code)).toEqual(['VOLT103', 'VOLT105', 'VOLT103', 'VOLT110', 'VOLT103', 'VOLT110', 'VOLT101', 'VOLT102']);
  });
});
