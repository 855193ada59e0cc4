/**
 * Answers a synthesizer model might give, for the tests of every face (engine, CLI, sidecar,
 * editors): one that does not type-check, one that reaches for the network, one that reads a
 * later bar, one that holds out of sample on GOOD_DATA and one that collapses out of sample on
 * COLLAPSE_DATA. Each is the JSON `{ name, code }`
 * the model returns through structured output.
 */
export const TYPE_ERROR_DRAFT = {
  name: 'RSI dips (typo)',
  code: `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'RSI dips (typo)',
  timeframe: '1h',
  params: { dip: { value: 40, min: 25, max: 50, step: 1 } },
  indicators: (ind) => ({ rsi: ind.rsi(14) }),
  onBar(ctx) {
    const rsi = ctx.ind.rsi;
    if (!rsi.ready) return;
    const level: string = rsi.value;
    if (ctx.position.side === 0 && rsi.value < ctx.params.dip) ctx.buy({ confidence: 0.6, reason: level });
  },
  risk: { stopLoss: 0.03, maxPositionPct: 0.1 },
});
`,
};

export const IO_DRAFT = {
  name: 'RSI dips with a sentiment feed',
  code: `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'RSI dips with a sentiment feed',
  timeframe: '1h',
  params: { dip: { value: 40, min: 25, max: 50, step: 1 } },
  indicators: (ind) => ({ rsi: ind.rsi(14) }),
  onBar(ctx) {
    const rsi = ctx.ind.rsi;
    if (!rsi.ready) return;
    fetch('http://127.0.0.1:9/sentiment');
    if (ctx.position.side === 0 && rsi.value < ctx.params.dip) ctx.buy({ confidence: 0.6, reason: 'RSI dip' });
  },
  risk: { stopLoss: 0.03, maxPositionPct: 0.1 },
});
`,
};

export const LOOKAHEAD_DRAFT = {
  name: 'RSI dips that peek',
  code: `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'RSI dips that peek',
  timeframe: '1h',
  params: { dip: { value: 40, min: 25, max: 50, step: 1 } },
  indicators: (ind) => ({ rsi: ind.rsi(14) }),
  onBar(ctx) {
    const rsi = ctx.ind.rsi;
    if (!rsi.ready) return;
    const next = ctx.history(2).close(-1);
    if (ctx.position.side === 0 && rsi.value < ctx.params.dip && next > ctx.bar.close) ctx.buy({ confidence: 0.6, reason: 'RSI dip' });
  },
  risk: { stopLoss: 0.03, maxPositionPct: 0.1 },
});
`,
};

/**
 * Reaches around its history window for the series behind it: nothing the lint can see. The
 * window keeps its columns in `#` fields, so the read finds nothing and the run throws at its line.
 */
export const PEEKING_DRAFT = {
  name: 'EMA trend rider that peeks',
  code: `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'EMA trend rider that peeks',
  timeframe: '1h',
  params: {
    fast: { value: 20, min: 10, max: 40, step: 5 },
    ahead: { value: 3, min: 1, max: 5, step: 1 },
  },
  indicators: (ind, p) => ({ fast: ind.ema(p.fast) }),
  onBar(ctx) {
    const { fast } = ctx.ind;
    if (!fast.ready) return;
    const closes = (ctx.history(1) as unknown as { c: Float64Array }).c;
    const later = closes[ctx.index + ctx.params.ahead];
    if (later === undefined) return;
    if (ctx.position.side === 0 && later > ctx.bar.close) ctx.buy({ confidence: 0.6, reason: 'it rises next' });
    else if (ctx.position.side === 1 && later < ctx.bar.close) ctx.exit({ confidence: 0.6, reason: 'it falls next' });
  },
  risk: { stopLoss: { kind: 'volatility', atrMultiple: 3 }, maxPositionPct: 0.1 },
});
`,
};

/** Holds out of sample on GOOD_DATA. */
export const GOOD_DRAFT = {
  name: 'EMA trend rider',
  code: `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'EMA trend rider',
  timeframe: '1h',
  params: {
    fast: { value: 20, min: 10, max: 40, step: 5 },
    slow: { value: 100, min: 60, max: 200, step: 20 },
  },
  indicators: (ind, p) => ({ fast: ind.ema(p.fast), slow: ind.ema(p.slow) }),
  onBar(ctx) {
    const { fast, slow } = ctx.ind;
    if (!fast.ready || !slow.ready) return;
    if (ctx.position.side === 0 && fast.value > slow.value) ctx.buy({ confidence: 0.6, reason: 'fast EMA above slow' });
    else if (ctx.position.side === 1 && fast.value < slow.value) ctx.exit({ confidence: 0.6, reason: 'fast EMA below slow' });
  },
  risk: { stopLoss: { kind: 'volatility', atrMultiple: 3 }, maxPositionPct: 0.1 },
});
`,
};

/** Earns in sample on COLLAPSE_DATA, loses on every window it was not fitted to. */
export const COLLAPSING_DRAFT = {
  name: 'RSI dips in an uptrend',
  code: `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'RSI dips in an uptrend',
  timeframe: '1h',
  params: {
    dip: { value: 40, min: 25, max: 50, step: 1 },
    trendPeriod: { value: 100, min: 50, max: 200, step: 10 },
    exitBelow: { value: 0, min: -1, max: 1, step: 0.1 },
  },
  indicators: (ind, p) => ({ rsi: ind.rsi(14), trend: ind.ema(p.trendPeriod), macd: ind.macd(12, 26, 9) }),
  onBar(ctx) {
    const { rsi, trend, macd } = ctx.ind;
    if (!rsi.ready || !trend.ready || !macd.ready) return;
    if (ctx.position.side === 0 && ctx.bar.close > trend.value && rsi.value < ctx.params.dip) {
      ctx.buy({ confidence: 0.6, reason: 'RSI dip in an uptrend' });
    } else if (ctx.position.side === 1 && macd.histogram < ctx.params.exitBelow) {
      ctx.exit({ confidence: 0.6, reason: 'MACD crossed below its signal' });
    }
  },
  risk: { stopLoss: { kind: 'volatility', atrMultiple: 2.5 }, maxPositionPct: 0.1 },
});
`,
};

/** The four in the order the test asks for them. */
export const SCRIPTED_DRAFTS = [TYPE_ERROR_DRAFT, IO_DRAFT, LOOKAHEAD_DRAFT, GOOD_DRAFT];

/** The deterministic synthetic market the good draft holds on (3 folds, the synthesizer's defaults). */
export const GOOD_DATA = 'synthetic:4:3000:1h';
/** Where the collapsing draft earns in sample and loses out of sample. */
export const COLLAPSE_DATA = 'synthetic:5:3000:1h';
