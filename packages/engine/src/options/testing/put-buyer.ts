/**
 * A strategy file for the faces' tests (the sidecar's volt/run, the Obsidian run view): at bar 100
 * it buys one put 5% out of the money of the synthetic chain's second expiry. Its premium, the most
 * it can lose, fits the risk gate's default limit, so its run carries the engine's own options
 * greeks curves; with no underlying held, its hedge efficiency is null.
 */
export const PUT_BUYER_STRATEGY = `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'Put buyer',
  onBar(ctx) {
    if (ctx.index !== 100) return;
    const chain = ctx.options.chain();
    const expiry = [...new Set(chain.map((q) => q.expiry))][1];
    const puts = chain.filter((q) => q.right === 'put' && q.expiry === expiry);
    const put = puts.reduce((b, q) => (Math.abs(q.strike - 0.95 * ctx.bar.close) < Math.abs(b.strike - 0.95 * ctx.bar.close) ? q : b));
    ctx.options.open([{ right: 'put', strike: put.strike, expiry, quantity: 1 }], 'insurance');
  },
});
`;
