import { describe, expect, it } from 'vitest';
import { parseOptionChain, sliceSeries, synthesize } from '../data/index.js';
import { priceOption, syntheticChain, type ListedOption } from '../options/index.js';
import { defineStrategy, type StrategyContext } from '../strategy/index.js';
import { runBacktest } from './index.js';

const series = synthesize({ seed: 3, bars: 2000, timeframe: '1h', start: Date.UTC(2024, 0, 1) });

/** Sample sd of the last 20 log returns up to bar i, × √8760 (1h bars): what prices the chain. */
function realizedVol(i: number): number {
  const r: number[] = [];
  for (let k = i - 19; k <= i; k++) r.push(Math.log(series.close[k]! / series.close[k - 1]!));
  const mean = r.reduce((a, b) => a + b, 0) / 20;
  return Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 19) * Math.sqrt(8760);
}

/** The call nearest `above` × spot among the chain's second expiry. */
function callNear(chain: readonly ListedOption[], spot: number, above: number): ListedOption {
  const expiry = [...new Set(chain.map((q) => q.expiry))][1]!;
  const calls = chain.filter((q) => q.right === 'call' && q.expiry === expiry);
  return calls.reduce((best, q) => (Math.abs(q.strike - spot * above) < Math.abs(best.strike - spot * above) ? q : best));
}

/** Sells a call spread (5% / 10% out of the money, the second weekly expiry) at bar 100, one contract. */
const spreadSeller = defineStrategy({
  name: 'call spread seller',
  onBar(ctx: StrategyContext) {
    if (ctx.index !== 100) return;
    const chain = ctx.options.chain();
    const short = callNear(chain, ctx.bar.close, 1.05);
    const long = callNear(chain, ctx.bar.close, 1.1);
    ctx.options.open(
      [
        { right: 'call', strike: short.strike, expiry: short.expiry, quantity: -1 },
        { right: 'call', strike: long.strike, expiry: long.expiry, quantity: 1 },
      ],
      'premium',
    );
  },
});

describe('ctx.options in a backtest', () => {
  const report = runBacktest(spreadSeller, series);

  it('fills the spread at the next open, at that chain’s bid for the short and ask for the long, with fees', () => {
    const p = report.options!.positions[0]!;
    expect(report.options!.positions).toHaveLength(1);
    expect(p.openedAt).toBe(series.time[101]);
    expect(p.reason).toBe('premium');
    // The chain the fill saw: bar 101's open, volatility as of bar 100's close.
    const chain = syntheticChain(series.time[101]!, series.open[101]!, realizedVol(100));
    const [short, long] = p.legs;
    const quoted = (strike: number) => chain.find((q) => q.right === 'call' && q.strike === strike && q.expiry === short!.expiry)!;
    expect(short!.entry).toBe(quoted(short!.strike).bid);
    expect(long!.entry).toBe(quoted(long!.strike).ask);
    expect(p.fees).toBeCloseTo(2 * 0.65, 12); // opening only: settlement is free
    expect(p.entryCost).toBeCloseTo(100 * (long!.entry - short!.entry) + 2 * 0.65, 9);
  });

  it('counts the options fees in the report’s feesPaid, beside the underlying’s', () => {
    expect(report.trades).toHaveLength(0);
    expect(report.metrics.feesPaid).toBeCloseTo(2 * 0.65, 12);
  });

  it('settles at expiry, and the run ends with exactly the capital plus the spread’s P&L', () => {
    const p = report.options!.positions[0]!;
    expect(p.legs.every((l) => ['expired', 'exercised', 'assigned'].includes(l.state))).toBe(true);
    const expiry = p.legs[0]!.expiry;
    const settleBar = series.time.findIndex((t) => t >= expiry);
    const spot = series.open[settleBar]!;
    for (const l of p.legs) expect(l.exit).toBeCloseTo(Math.max(spot - l.strike, 0), 12);
    const pnl = p.legs.reduce((s, l) => s + l.quantity * 100 * (l.exit - l.entry), 0) - p.fees;
    expect(p.pnl).toBeCloseTo(pnl, 9);
    expect(report.metrics.endEquity).toBeCloseTo(10_000 + pnl, 9);
    // While open the book is marked into equity: the credit sits in cash, the short value against it
    expect(report.equityCurve.equity.length).toBeGreaterThan(0);
  });

  it('reports the book’s greeks per bar from its first use; short calls are short delta and vega', () => {
    const g = report.options!.greeks;
    expect(g.time[0]).toBe(series.time[100]);
    expect(g.time.length).toBeLessThanOrEqual(1000);
    const afterOpen = g.time.findIndex((t) => t > series.time[101]!);
    expect(g.delta[afterOpen]).toBeLessThan(0);
    expect(g.vegaPerPoint[afterOpen]).toBeLessThan(0);
    expect(g.thetaPerDay[afterOpen]).toBeGreaterThan(0);
    expect(g.value.at(-1)).toBe(0); // settled
  });

  it('is deterministic, and costs a strategy that never touches it nothing', () => {
    expect(JSON.stringify(runBacktest(spreadSeller, series))).toBe(JSON.stringify(report));
    const plain = runBacktest(defineStrategy({ name: 'idle', onBar() {} }), series);
    expect('options' in plain).toBe(false);
    expect(plain.metrics.endEquity).toBe(10_000);
  });

  it('an open position at the end is closed at the last bar’s chain', () => {
    const late = defineStrategy({
      name: 'late seller',
      onBar(ctx: StrategyContext) {
        if (ctx.index !== series.length - 30) return;
        const c = callNear(ctx.options.chain(), ctx.bar.close, 1.05);
        ctx.options.open([{ right: 'call', strike: c.strike, expiry: c.expiry, quantity: 1 }]);
      },
    });
    const r = runBacktest(late, series);
    const p = r.options!.positions[0]!;
    expect(p.legs[0]!.state).toBe('closed');
    expect(r.metrics.endEquity).toBeCloseTo(10_000 + p.pnl!, 9);
  });

  it('refuses, at the fill, a position whose worst case is unlimited or over the size cap × equity', () => {
    const seller = (contracts: number, naked: boolean) =>
      defineStrategy({
        name: 'big seller',
        onBar(ctx: StrategyContext) {
          if (ctx.index !== 100) return;
          const chain = ctx.options.chain();
          const short = callNear(chain, ctx.bar.close, 1.05);
          const long = callNear(chain, ctx.bar.close, 1.1);
          const legs = [{ right: 'call' as const, strike: short.strike, expiry: short.expiry, quantity: -contracts }];
          if (!naked) legs.push({ right: 'call', strike: long.strike, expiry: long.expiry, quantity: contracts });
          const id = ctx.options.open(legs, 'too much');
          ctx.state['id'] = id;
        },
      });
    const naked = runBacktest(seller(1, true), series).options!;
    expect(naked.positions).toEqual([]);
    expect(naked.refused).toEqual([{ id: 1, bar: 101, time: series.time[101], reason: 'too much', why: 'the position can lose without limit (a short call nothing caps)', maxRisk: Infinity, limit: expect.closeTo(1000, 6) }]);
    const big = runBacktest(seller(5, false), series).options!;
    expect(big.refused[0]!.why).toMatch(/^its worst case [\d.]+ is more than 10\.0% of equity \(1000\.00\)$/);
    expect(big.refused[0]!.maxRisk).toBeGreaterThan(1000);
    expect(runBacktest(seller(1, false), series).options!.refused).toEqual([]);
  });

  it('ctx.options.close buys back the short at the ask and sells the long at the bid of the next open, with fees both ways', () => {
    const closer = defineStrategy({
      name: 'open then close',
      onBar(ctx: StrategyContext) {
        if (ctx.index === 100) {
          const chain = ctx.options.chain();
          const short = callNear(chain, ctx.bar.close, 1.05);
          const long = callNear(chain, ctx.bar.close, 1.1);
          ctx.state['id'] = ctx.options.open([
            { right: 'call', strike: short.strike, expiry: short.expiry, quantity: -1 },
            { right: 'call', strike: long.strike, expiry: long.expiry, quantity: 1 },
          ]);
        }
        if (ctx.index === 110) ctx.options.close(ctx.state['id'] as number);
      },
    });
    const r = runBacktest(closer, series);
    const p = r.options!.positions[0]!;
    const [short, long] = p.legs;
    expect(short!.state).toBe('closed');
    expect(long!.state).toBe('closed');
    // The chain the close filled at: bar 111's open, volatility as of bar 110's close.
    const chain = syntheticChain(series.time[111]!, series.open[111]!, realizedVol(110));
    const quoted = (strike: number) => chain.find((q) => q.right === 'call' && q.strike === strike && q.expiry === short!.expiry)!;
    expect(short!.exit).toBe(quoted(short!.strike).ask);
    expect(long!.exit).toBe(quoted(long!.strike).bid);
    expect(p.fees).toBeCloseTo(4 * 0.65, 12);
    expect(p.pnl).toBeCloseTo(100 * (short!.entry - short!.exit) + 100 * (long!.exit - long!.entry) - 4 * 0.65, 9);
    expect(r.metrics.feesPaid).toBeCloseTo(4 * 0.65, 12);
    expect(r.metrics.endEquity).toBeCloseTo(10_000 + p.pnl!, 9);
    // Nothing open after the close: the book's value is 0 from the next close on.
    const g = r.options!.greeks;
    expect(g.value[g.time.findIndex((t) => t >= series.time[112]!)]).toBe(0);
  });

  it('a short leg in the money at expiry is assigned: it pays the holder strike − spot at the settling open', () => {
    // A bull put spread written deep in the money (short the put nearest 110% of spot, long the strike below), first expiry.
    const itm = defineStrategy({
      name: 'in-the-money put writer',
      onBar(ctx: StrategyContext) {
        if (ctx.index !== 100) return;
        const chain = ctx.options.chain();
        const puts = chain.filter((q) => q.right === 'put' && q.expiry === chain[0]!.expiry);
        const short = puts.reduce((b, q) => (Math.abs(q.strike - ctx.bar.close * 1.1) < Math.abs(b.strike - ctx.bar.close * 1.1) ? q : b));
        const long = puts.filter((q) => q.strike < short.strike).at(-1)!;
        ctx.options.open([
          { right: 'put', strike: short.strike, expiry: short.expiry, quantity: -1 },
          { right: 'put', strike: long.strike, expiry: long.expiry, quantity: 1 },
        ]);
      },
    });
    const r = runBacktest(itm, series);
    const [short, long] = r.options!.positions[0]!.legs;
    const settleBar = series.time.findIndex((t) => t >= short!.expiry);
    const spot = series.open[settleBar]!;
    expect(spot).toBeLessThan(long!.strike); // both legs ended in the money
    expect(short!.state).toBe('assigned');
    expect(long!.state).toBe('exercised');
    expect(short!.exit).toBeCloseTo(short!.strike - spot, 12);
    expect(long!.exit).toBeCloseTo(long!.strike - spot, 12);
    // Assigned, the writer pays the intrinsic value: the spread loses its width less the credit, and fees.
    const p = r.options!.positions[0]!;
    expect(p.pnl).toBeCloseTo(100 * (short!.entry - long!.entry) - 100 * (short!.strike - long!.strike) - p.fees, 9);
    expect(r.metrics.endEquity).toBeCloseTo(10_000 + p.pnl!, 9);
  });

  it('an order for a strike the chain does not list stops the run with a strategy error', () => {
    const wrong = defineStrategy({
      name: 'wrong strike',
      onBar(ctx: StrategyContext) {
        if (ctx.index === 50) ctx.options.open([{ right: 'put', strike: 12.345, expiry: ctx.options.chain()[0]!.expiry, quantity: 1 }]);
      },
    });
    expect(() => runBacktest(wrong, series)).toThrow(/no put 12.345 expiring/);
  });
});

describe('hedge efficiency', () => {
  /** Buys ~100 units of the underlying at bar 100 and one contract (100 units) of the nearest at-the-money `right`. */
  const hedged = (right: 'put' | 'call') =>
    defineStrategy({
      name: `stock + ${right}`,
      risk: { maxPositionPct: 0.1 },
      onBar(ctx: StrategyContext) {
        if (ctx.index !== 100) return;
        const chain = ctx.options.chain();
        const expiry = [...new Set(chain.map((q) => q.expiry))][3]!;
        const atm = chain.filter((q) => q.right === right && q.expiry === expiry).reduce((b, q) => (Math.abs(q.strike - ctx.bar.close) < Math.abs(b.strike - ctx.bar.close) ? q : b));
        ctx.buy({ reason: 'stock' });
        ctx.options.open([{ right, strike: atm.strike, expiry, quantity: 1 }], 'hedge');
      },
    });
  const capital = 100 * series.close[100]! * 10; // 10% of it buys ~100 units

  it('a protective put offsets part of the stock’s moves; a call adds to them; nothing to hedge is null', () => {
    const put = runBacktest(hedged('put'), series, { capital, maxPositionCap: 0.1 }).options!.hedgeEfficiency!;
    const call = runBacktest(hedged('call'), series, { capital, maxPositionCap: 0.1 }).options!.hedgeEfficiency!;
    // an at-the-money put on as many units as the stock: half the moves at first (delta ≈ −0.5),
    // more as the market falls through the strike; never more than the stock's own moves here
    expect(put).toBeGreaterThan(0.4);
    expect(put).toBeLessThan(0.95);
    expect(call).toBeLessThan(0);
    expect(runBacktest(spreadSeller, series).options!.hedgeEfficiency).toBeNull();
  });
});

describe('ctx.options on a chain file', () => {
  // Snapshots at bars 90–400 (every bar's open time), priced off the synthetic chain and marked up
  // 20% so they cannot be mistaken for it; no iv column: the desk solves it from the mid.
  const rows = ['time,expiry,right,strike,bid,ask'];
  for (let i = 90; i <= 400; i++) {
    for (const q of syntheticChain(series.time[i]!, series.open[i]!, 0.6, { weeks: 3 })) {
      rows.push(`${new Date(series.time[i]!).toISOString()},${new Date(q.expiry).toISOString()},${q.right},${q.strike},${(q.bid * 1.2).toFixed(2)},${(q.ask * 1.2).toFixed(2)}`);
    }
  }
  const optionChain = parseOptionChain(rows.join('\n'), 'btc-chain.csv');
  const seen: { bar: number; chain: readonly ListedOption[] }[] = [];
  const trader = defineStrategy({
    name: 'chain-file spread',
    onBar(ctx: StrategyContext) {
      if (ctx.index === 80 || ctx.index === 100) seen.push({ bar: ctx.index, chain: ctx.options.chain() });
      if (ctx.index !== 100) return;
      const chain = ctx.options.chain();
      const short = callNear(chain, ctx.bar.close, 1.02);
      const long = callNear(chain, ctx.bar.close, 1.06);
      ctx.options.open([
        { right: 'call', strike: short.strike, expiry: short.expiry, quantity: -1 },
        { right: 'call', strike: long.strike, expiry: long.expiry, quantity: 1 },
      ]);
    },
  });
  const report = runBacktest(trader, series, { optionChain });

  it('gives the file’s snapshot at the close (empty before the first), with IVs solved from the mids', () => {
    expect(seen[0]).toEqual({ bar: 80, chain: [] });
    const at100 = seen[1]!.chain;
    const file = optionChain.snapshots.find((s) => s.time === series.time[100])!.quotes;
    expect(at100.map((q) => [q.right, q.strike, q.expiry, q.bid, q.ask])).toEqual(file.map((q) => [q.right, q.strike, q.expiry, q.bid, q.ask]));
    // A quote under its intrinsic value at the close's spot has no IV (NaN); the rest round-trip.
    const solved = at100.filter((x) => x.iv > 0);
    expect(solved.length).toBeGreaterThan(at100.length / 2);
    for (const q of solved) {
      const back = priceOption({ right: q.right, spot: series.close[100]!, strike: q.strike, years: q.years, rate: 0, vol: q.iv }).price;
      expect(back).toBeCloseTo(q.mid, 8);
    }
    expect(report.options!.chain).toBe('btc-chain.csv');
  });

  it('fills at the next open’s snapshot, bid for the short and ask for the long, and settles at expiry', () => {
    const p = report.options!.positions[0]!;
    const fillSnap = optionChain.snapshots.find((s) => s.time === series.time[101])!.quotes;
    const [short, long] = p.legs;
    const quote = (strike: number) => fillSnap.find((q) => q.right === 'call' && q.strike === strike && q.expiry === short!.expiry)!;
    expect(short!.entry).toBe(quote(short!.strike).bid);
    expect(long!.entry).toBe(quote(long!.strike).ask);
    expect(p.legs.every((l) => l.state !== 'open' && l.state !== 'closed')).toBe(true);
    expect(report.metrics.endEquity).toBeCloseTo(10_000 + p.pnl!, 9);
  });

  it('a position the last snapshot no longer quotes is closed at its mark at the end', () => {
    const late = defineStrategy({
      name: 'held past the file',
      onBar(ctx: StrategyContext) {
        if (ctx.index !== 398) return;
        const chain = ctx.options.chain();
        const last = chain.filter((q) => q.expiry === chain.at(-1)!.expiry && q.right === 'put');
        ctx.options.open([{ right: 'put', strike: last[10]!.strike, expiry: last[10]!.expiry, quantity: 1 }]);
      },
    });
    const r = runBacktest(late, sliceSeries(series, undefined, series.time[420]), { optionChain });
    const leg = r.options!.positions[0]!.legs[0]!;
    expect(leg.state).toBe('closed');
    expect(leg.exit).toBeGreaterThan(0);
    expect(r.metrics.endEquity).toBeCloseTo(10_000 + r.options!.positions[0]!.pnl!, 9);
  });
});
