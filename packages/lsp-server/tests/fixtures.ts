/** Strategy texts the tests edit; each variant differs from CLEAN in one mistake. */
export const CLEAN = `import { defineStrategy } from '@volt/engine';

export default defineStrategy({
  name: 'RSI dip buyer',
  timeframe: '1h',
  symbols: ['BTC/USDT'],
  params: {
    oversold: { value: 30, min: 10, max: 45 },
    overbought: { value: 70, min: 55, max: 90 },
  },
  indicators: (ind) => ({ rsi: ind.rsi(14) }),
  onBar(ctx) {
    const { rsi } = ctx.ind;
    if (!rsi.ready) return;
    if (ctx.position.side === 0 && rsi.value < ctx.params.oversold) {
      ctx.buy({ confidence: 0.6, reason: 'oversold' });
    } else if (ctx.position.side === 1 && rsi.value > ctx.params.overbought) {
      ctx.exit({ reason: 'overbought' });
    }
  },
  risk: { stopLoss: { kind: 'volatility', atrMultiple: 2 }, takeProfit: 0.06, maxPositionPct: 0.1 },
});
`;

export function variant(from: string, to: string, base = CLEAN): string {
  if (!base.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return base.replace(from, to);
}

/** onBar body replaced by `body` (keeps everything else clean). */
export function withOnBar(body: string): string {
  const start = CLEAN.indexOf('  onBar(ctx) {');
  const end = CLEAN.indexOf('  risk:');
  return `${CLEAN.slice(0, start)}  onBar(ctx) {\n${body}\n  },\n${CLEAN.slice(end)}`;
}
