import { describe, expect, it } from 'vitest';
import { parseOptionChain, synthesize, type OptionChainData } from '../data/index.js';
import { runBacktest } from '../backtest/index.js';
import { priceOption, type ListedOption } from '../options/index.js';
import type { RiskLimits } from '../risk/index.js';
import { defineStrategy, type StrategyContext } from '../strategy/index.js';
import { MarketContextBuilder } from './context.js';
import { AgentPanel } from './panel.js';
import { AgentReview } from './review.js';
import { AGENT_ROLES, type Agent, type AgentRole, type TradeDecision } from './types.js';

const series = synthesize({ seed: 3, bars: 600, timeframe: '1h', start: Date.UTC(2024, 0, 1) });

function review(decision: TradeDecision, limits: Partial<RiskLimits> = {}): AgentReview {
  const agents: Partial<Record<AgentRole, Agent>> = {};
  for (const role of AGENT_ROLES) agents[role] = { role, kind: 'rules', assess: (p) => ({ decision: decision === 'HOLD' ? 'HOLD' : p.side, confidence: 0.9, reasoning: 'scripted' }) };
  return new AgentReview(new AgentPanel({ agents, limits }), new MarketContextBuilder(series), { journaled: true });
}

function callNear(chain: readonly ListedOption[], spot: number, above: number): ListedOption {
  const expiry = [...new Set(chain.map((q) => q.expiry))][1]!;
  const calls = chain.filter((q) => q.right === 'call' && q.expiry === expiry);
  return calls.reduce((best, q) => (Math.abs(q.strike - spot * above) < Math.abs(best.strike - spot * above) ? q : best));
}

/** At bar 100: `contracts` short calls at the money, covered by as many 3% out (unless naked). */
const seller = (contracts: number, naked = false) =>
  defineStrategy({
    name: 'spread seller',
    onBar(ctx: StrategyContext) {
      if (ctx.index !== 100) return;
      const chain = ctx.options.chain();
      const short = callNear(chain, ctx.bar.close, 1);
      const long = callNear(chain, ctx.bar.close, 1.03);
      const legs = [{ right: 'call' as const, strike: short.strike, expiry: short.expiry, quantity: -contracts }];
      if (!naked) legs.push({ right: 'call', strike: long.strike, expiry: long.expiry, quantity: contracts });
      ctx.options.open(legs, 'premium');
    },
  });

describe('options orders through the agents’ panel and the risk gate', () => {
  it('a spread the panel approves is one proposal, sized by its worst case, and fills', () => {
    const r = review('BUY');
    const report = runBacktest(seller(1), series, {}, r);
    expect(r.summary.proposals).toBe(1);
    expect(r.summary.approved).toBe(1);
    expect(report.options!.positions).toHaveLength(1);
    expect(report.options!.refused).toEqual([]);
  });

  it('the gate rejects an unlimited worst case at the signal close, before it could fill', () => {
    const r = review('BUY');
    const report = runBacktest(seller(1, true), series, {}, r);
    expect(r.summary.gateRejections).toEqual({ 'undefined-max-loss': 1 });
    expect(report.options!.positions).toEqual([]);
    expect(report.options!.refused).toEqual([{ id: 1, bar: 100, time: series.time[100], reason: 'premium', why: 'REJECTED by risk_gate: undefined-max-loss', maxRisk: null, limit: 0 }]);
  });

  it('a vote short of the threshold refuses it as consensus', () => {
    const report = runBacktest(seller(1), series, {}, review('HOLD'));
    expect(report.options!.refused[0]!.why).toMatch(/^REJECTED by consensus: /);
  });

  it('the gate’s position and daily-loss limits scale the legs down in whole units of the spread', () => {
  const loose = { maxPositionPct: 1, maxDailyLoss: 1 };
    const wide = runBacktest(seller(4), series, { maxPositionCap: 1 }, review('BUY', loose)).options!.positions[0]!;
    expect(wide.legs.map((l) => l.quantity)).toEqual([-4, 4]);
    const [short, long] = wide.legs;
    const perUnit = (long!.strike - short!.strike - (short!.entry - long!.entry)) * 100;
    // Room for 2.5 units of worst case: 2 whole spreads.
    const capped = review('BUY', { ...loose, maxPositionPct: (2.5 * perUnit) / 10_000 });
    const two = runBacktest(seller(4), series, { maxPositionCap: 1 }, capped).options!.positions[0]!;
    expect(capped.summary.gateModifications).toEqual({ 'max-position': 1 });
    expect(two.legs.map((l) => l.quantity)).toEqual([-2, 2]);
    // The default daily-loss budget (3% of the day's starting equity) alone allows 300 of worst case.
    const budget = review('BUY', { maxPositionPct: 1 });
    const fitted = runBacktest(seller(4), series, { maxPositionCap: 1 }, budget).options!.positions[0]!;
    expect(budget.summary.gateModifications).toEqual({ 'daily-loss-budget': 1 });
    expect(fitted.legs[1]!.quantity).toBe(Math.floor(300 / perUnit + 1e-9));
    // Less room than one spread: refused, saying so.
    const none = runBacktest(seller(4), series, { maxPositionCap: 1 }, review('BUY', { ...loose, maxPositionPct: (0.5 * perUnit) / 10_000 })).options!;
    expect(none.positions).toEqual([]);
    expect(none.refused[0]!.why).toMatch(/^APPROVED_WITH_MODIFICATIONS: one unit of the position risks [\d.]+, more than the [\d.]+ allowed$/);
  });

  it('the liquidity limit (bid-ask as % of mid) rejects a position in wide markets', () => {
    const r = review('BUY', { maxBidAskPct: 0.001 });
    const report = runBacktest(seller(1), series, {}, r);
    expect(report.options!.refused[0]!.why).toBe('REJECTED by risk_gate: illiquid');
  });

  it('the decision is journaled with the options proposal, and an ended position feeds the gate’s daily loss', () => {
    const r = review('BUY');
    const report = runBacktest(seller(1), series, {}, r);
    const decisions: { status?: string; action: string }[] = [];
    r.flushTo({ recordDecision: (d) => (decisions.push(d), decisions.length), recordMessage() {} });
    expect(decisions).toMatchObject([{ status: 'approved', action: 'sell' }]);
    const closed: [number, number][] = [];
    const pnl = report.options!.positions[0]!.pnl!;
    runBacktest(seller(1), series, {}, { decide: (e) => r.decide(e), onOptionsClosed: (p, t) => closed.push([p, t]) });
    // Told once, at the open that settled it.
    expect(closed).toHaveLength(1);
    expect(closed[0]![0]).toBeCloseTo(pnl, 9);
    const before = r.panel.gate.todayPnl;
    r.onOptionsClosed(-123, closed[0]![1]);
    expect(r.panel.gate.todayPnl).toBeCloseTo(before - 123, 9);
  });
});

describe('options risk flags from a chain file reach the gate', () => {
  /** Snapshots at bars 95–110: a front expiry 3 days out and a back one 10 days out, 9 strikes around spot. */
  function chainFile(frontIv: number, backIv: number, pinnedOi: number, oi = { call: 10, put: 10 }): OptionChainData {
    const rows = ['time,expiry,right,strike,bid,ask,iv,open_interest'];
    for (let i = 95; i <= 110; i++) {
      const t = series.time[i]!;
      const spot = series.open[i]!;
      const front = series.time[100]! + 3 * 86_400_000;
      const back = series.time[100]! + 10 * 86_400_000;
      const centre = Math.round(series.close[100]!);
      for (const [expiry, iv] of [[front, frontIv], [back, backIv]] as const) {
        for (let k = -4; k <= 4; k++) {
          const strike = centre + k;
          for (const right of ['call', 'put'] as const) {
            const price = priceOption({ right, spot, strike, years: (expiry - t) / (365 * 86_400_000), rate: 0, vol: iv }).price;
            rows.push(`${t},${expiry},${right},${strike},${(price * 0.99).toFixed(4)},${(price * 1.01).toFixed(4)},${iv},${k === 0 ? pinnedOi : oi[right]}`);
          }
        }
      }
    }
    return parseOptionChain(rows.join('\n'), 'flags.csv');
  }
  /** A put spread on the front expiry at bar 100: long the strike at the money, short one below. */
  const putSpread = defineStrategy({
    name: 'put spread',
    onBar(ctx: StrategyContext) {
      if (ctx.index !== 100) return;
      const chain = ctx.options.chain();
      const front = chain[0]!.expiry;
      const puts = chain.filter((q) => q.right === 'put' && q.expiry === front);
      const atm = puts.reduce((b, q) => (Math.abs(q.strike - ctx.bar.close) < Math.abs(b.strike - ctx.bar.close) ? q : b));
      ctx.options.open([
        { right: 'put', strike: atm.strike, expiry: front, quantity: 1 },
        { right: 'put', strike: atm.strike - 2, expiry: front, quantity: -1 },
      ]);
    },
  });
    /** The same spread sold: short the put at the money, long one below (short gamma). */
  const shortPutSpread = defineStrategy({
    name: 'short put spread',
    onBar(ctx: StrategyContext) {
      if (ctx.index !== 100) return;
      const chain = ctx.options.chain();
      const front = chain[0]!.expiry;
      const puts = chain.filter((q) => q.right === 'put' && q.expiry === front);
      const atm = puts.reduce((b, q) => (Math.abs(q.strike - ctx.bar.close) < Math.abs(b.strike - ctx.bar.close) ? q : b));
      ctx.options.open([
        { right: 'put', strike: atm.strike, expiry: front, quantity: -1 },
        { right: 'put', strike: atm.strike - 2, expiry: front, quantity: 1 },
      ]);
    },
  });
  const loose = { maxPositionPct: 1, maxDailyLoss: 1 };

  it('open interest piled at the strike by spot, days before expiry, is pinning; an event priced into the front month is volatility crush', () => {
    const calm = runBacktest(putSpread, series, { optionChain: chainFile(0.6, 0.6, 10), maxPositionCap: 1 }, review('BUY', loose)).options!;
    expect(calm.refused).toEqual([]);
    expect(calm.positions).toHaveLength(1);
    const pinned = runBacktest(putSpread, series, { optionChain: chainFile(0.6, 0.6, 50_000), maxPositionCap: 1 }, review('BUY', loose)).options!;
    expect(pinned.refused[0]!.why).toBe('REJECTED by risk_gate: pinning');
    const event = runBacktest(putSpread, series, { optionChain: chainFile(0.9, 0.5, 10), maxPositionCap: 1 }, review('BUY', loose)).options!;
    expect(event.refused[0]!.why).toBe('REJECTED by risk_gate: volatility-crush');
    // The limits are the trader's: a looser crush limit lets it through.
    const allowed = runBacktest(putSpread, series, { optionChain: chainFile(0.9, 0.5, 10), maxPositionCap: 1 }, review('BUY', { ...loose, maxVolatilityCrush: 0.95 })).options!;
    expect(allowed.refused).toEqual([]);
  });

  it('dealers short gamma (put open interest dominates): a short-gamma entry is refused under risk.minDealerGamma, a long-gamma one is not', () => {
    // Customers long puts: dealers short their gamma, 90% of the gross net short.
    const dealersShort = chainFile(0.6, 0.6, 10, { call: 10, put: 190 });
    const dealersLong = chainFile(0.6, 0.6, 10, { call: 190, put: 10 });
    const run = (s: typeof putSpread, chain: OptionChainData, limits: Partial<RiskLimits>) =>
      runBacktest(s, series, { optionChain: chain, maxPositionCap: 1 }, review('BUY', { ...loose, maxPinning: 1, ...limits })).options!;
    expect(run(shortPutSpread, dealersShort, { minDealerGamma: 0 }).refused[0]!.why).toBe('REJECTED by risk_gate: gamma-flip');
    // Long gamma gains from moves dealers' hedging feeds: not this limit's business.
    expect(run(putSpread, dealersShort, { minDealerGamma: 0 }).refused).toEqual([]);
    // Dealers long gamma damp the moves: the seller is let through.
    expect(run(shortPutSpread, dealersLong, { minDealerGamma: 0 }).refused).toEqual([]);
    // The default (−1) never refuses; a limit under the chain's figure (about −0.9) lets it through too.
    expect(run(shortPutSpread, dealersShort, {}).refused).toEqual([]);
    expect(run(shortPutSpread, dealersShort, { minDealerGamma: -0.95 }).refused).toEqual([]);
  });
});
