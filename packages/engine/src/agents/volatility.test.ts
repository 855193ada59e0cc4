import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ivPercentile, ivRank, newHedgeQuote, quoteProtectiveSpread } from '../options/index.js';
import { classifyRegime, loadVixSeries, loadVixTermStructure, MarketContextBuilder, VixSeries, VixTermStructure } from './context.js';
import { HedgeOptimizer, VolatilityAssessor } from './rules.js';
import type { MarketContext, Proposal } from './types.js';
import { isVoltError } from '../errors.js';
import { sharedDataFile } from '../../../../test-support/shared-data.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-vix-term-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const DAY = 86_400_000;

/** A CBOE-style daily file (DATE,OPEN,HIGH,LOW,CLOSE) of closes. */
function cboeFile(name: string, rows: [string, number][]): string {
  const file = path.join(tmp, name);
  writeFileSync(file, ['DATE,OPEN,HIGH,LOW,CLOSE', ...rows.map(([d, c]) => `${d},${c},${c},${c},${c}`)].join('\n') + '\n');
  return file;
}

/** An hourly series of `n` bars from `t0`, a gentle zig-zag. */
function hourly(t0: number, n: number) {
  const close = Float64Array.from({ length: n }, (_, i) => 100 * (1 + 0.002 * (i % 2 === 0 ? 1 : -1)));
  return {
    symbol: 'SPX', timeframe: '1h', source: 'test', length: n,
    time: Float64Array.from({ length: n }, (_, i) => t0 + i * 3_600_000),
    open: close, high: close.map((c) => c * 1.001), low: close.map((c) => c * 0.999), close, volume: new Float64Array(n).fill(1),
  };
}

describe('the VIX term structure from files', () => {
  // VIX3M closes around Volmageddon (January calm, the 5 February spike), VIX from the real file.
  const vix3m = cboeFile('VIX3M.csv', [
    ['2018-01-16', 13.9], ['2018-01-17', 13.6], ['2018-01-18', 13.5], ['2018-01-19', 13.4],
    ['2018-02-01', 15.9], ['2018-02-02', 18.3], ['2018-02-05', 27.7], ['2018-02-06', 24.9],
  ]);

  it('contango in a calm January, backwardation the day after the spike; the regime follows', async () => {
    const term = await loadVixTermStructure({ vix: sharedDataFile('vix-daily.csv'), vix3m });
    const calm = new MarketContextBuilder(hourly(Date.UTC(2018, 0, 19, 14), 30), { term }).at(20);
    // Bar 20 is 2018-01-20 10:00: it sees the closes of the 19th, VIX 11.27 and VIX3M 13.4
    expect(calm.termStructure).toBe('contango');
    expect(calm.vix3m).toBe(13.4);
    expect(calm.vix).toBeCloseTo(11.27, 2);
    expect(calm.termRatio).toBeCloseTo(calm.vix / 13.4, 12);
    expect(calm.termRatio).toBeLessThan(0.95);
    const spike = new MarketContextBuilder(hourly(Date.UTC(2018, 1, 6, 14), 30), { term }).at(5);
    // 2018-02-05: VIX 37.32 over VIX3M 27.7
    expect(spike.vix).toBeCloseTo(37.32, 2);
    expect(spike.termRatio).toBeCloseTo(37.32 / 27.7, 4);
    expect(spike.termStructure).toBe('backwardation');
    expect(spike.regime).toBe('crash'); // VIX ≥ 35 decides first
  });

  it('backwardation lifts a normal VIX level to high volatility', () => {
    expect(classifyRegime(22, Number.NaN)).toBe('normal');
    expect(classifyRegime(22, Number.NaN, undefined, 1.05)).toBe('highVolatility');
    expect(classifyRegime(22, Number.NaN, undefined, 0.9)).toBe('normal');
    expect(classifyRegime(Number.NaN, 0.5, undefined, 1.05)).toBe('highVolatility');
    const t0 = Date.UTC(2024, 2, 4);
    const term = new VixTermStructure({
      vix: new VixSeries(Float64Array.of(t0 - 2 * DAY), Float64Array.of(22), 'test'),
      vix3m: new VixSeries(Float64Array.of(t0 - 2 * DAY), Float64Array.of(20), 'test'),
    });
    const c = new MarketContextBuilder(hourly(t0, 30), { term }).at(3);
    expect(c.termRatio).toBeCloseTo(1.1, 12);
    expect(c.regime).toBe('highVolatility');
    expect(c.threshold).toBe(0.7);
  });

  it('falls back to VIX/VIX6M, then VIX9D/VIX, and is unknown without a pair', () => {
    const t = Date.UTC(2024, 2, 4);
    const one = (x: number) => new VixSeries(Float64Array.of(t - 2 * DAY), Float64Array.of(x), 'test');
    expect(new VixTermStructure({ vix: one(20), vix6m: one(25) }).ratioAt(t)).toBeCloseTo(0.8, 12);
    expect(new VixTermStructure({ vix9d: one(24), vix: one(20) }).ratioAt(t)).toBeCloseTo(1.2, 12);
    expect(new VixTermStructure({ vix: one(20) }).ratioAt(t)).toBeNaN();
  });

  it('read strictly, a bad row is refused at its line', async () => {
    const file = cboeFile('VIX9D-bad.csv', [['2018-01-16', 11], ['2018-01-16', 12]]);
    const error = await loadVixTermStructure({ vix9d: file }, { lenient: false }).catch((e: unknown) => e);
    expect(isVoltError(error) && error.format()).toMatch(/VIX9D-bad\.csv:3: duplicate/);
    const term = await loadVixTermStructure({ vix9d: file });
    expect(term.curve.vix9d?.length).toBe(1);
  });
});

describe('IV rank and the realized/implied spread in the context', () => {
  it('ranks the VIX among its last 252 daily readings; spread = implied − annualised realized', async () => {
    const vix = await loadVixSeries(sharedDataFile('vix-daily.csv'));
    const t0 = Date.UTC(2020, 2, 18, 15); // March 2020
    const c = new MarketContextBuilder(hourly(t0, 60), { vix }).at(40);
    const i = vix.indexAt(c.time);
    expect(c.impliedVol).toBeCloseTo(vix.closes[i]! / 100, 12);
    expect(c.ivRank).toBeCloseTo(ivRank(vix.closes, i), 12);
    expect(c.ivPercentile).toBeCloseTo(ivPercentile(vix.closes, i), 12);
    expect(c.ivRank).toBeGreaterThan(80);
    expect(c.realizedVolAnnual).toBeCloseTo(c.realizedVol * Math.sqrt(8760), 12);
    expect(c.volSpread).toBeCloseTo(c.impliedVol - c.realizedVolAnnual, 12);
  });
});

describe('the volatility assessor and the hedge optimizer name their numbers', () => {
  const proposal: Proposal = {
    symbol: 'SPY', side: 'BUY', pct: 0.05, stopPrice: 97, takeProfitPrice: 106, confidence: 0.7, reason: 'test',
    bar: 10, time: Date.UTC(2024, 0, 2), price: 100, equity: 10_000,
  };
  const base: MarketContext = {
    symbol: 'SPY', bar: 10, time: proposal.time, price: 100, lastReturn: 0, momentum: 0.01, trendSpread: 0.002,
    realizedVol: 0.001, volPercentile: 0.4, barRange: 0.01, volume: 1, vix: 22.4, vix3m: 20.7, termRatio: 22.4 / 20.7, termStructure: 'backwardation',
    impliedVol: 0.224, ivRank: 82, ivPercentile: 90, realizedVolAnnual: 0.153, volSpread: 0.224 - 0.153, regime: 'highVolatility', threshold: 0.7, drawdown: 0,
  };

  it('volatility assessor: "IV rank 82, backwardation 1.08: high volatility"', () => {
    const a = new VolatilityAssessor().assess(proposal, base);
    expect(a.reasoning).toBe(
      'VIX 22.4, backwardation 1.08 (VIX/VIX3M), IV rank 82, IV percentile 90, implied 22.4% vs realized 15.3% (+7.1 pts), realized-vol percentile 40: ' +
        'high volatility (the VIX curve is inverted); acceptable with the stop tightened to the volatility table',
    );
    const calm = new VolatilityAssessor().assess(proposal, { ...base, termRatio: 0.85, termStructure: 'contango', ivRank: 12, ivPercentile: 10, regime: 'normal', threshold: 0.55 });
    expect(calm.reasoning).toMatch(/^VIX 22\.4, contango 0\.85 \(VIX\/VIX3M\), IV rank 12, .*: normal volatility; the calmer/);
    // cheap volatility (IV rank 12) is more room for the trade than dear (IV rank 82)
    const dear = new VolatilityAssessor().assess(proposal, { ...base, termRatio: 0.85, termStructure: 'contango', regime: 'normal', threshold: 0.55 }).confidence;
    expect(calm.confidence).toBeGreaterThan(dear);
    // realized well above implied: trusted less, and said
    const under = new VolatilityAssessor().assess(proposal, { ...base, termStructure: 'contango', termRatio: 0.9, regime: 'normal', ivRank: 12, volSpread: -0.08, realizedVolAnnual: 0.304 });
    expect(under.reasoning).toContain('but realized runs above implied');
    expect(under.confidence).toBeCloseTo(calm.confidence - 0.1, 12);
  });

  it('hedge optimizer: prices a 30-day 95/90 put spread at the implied vol and names cost and greeks', () => {
    const agent = new HedgeOptimizer();
    const a = agent.assess(proposal, base);
    const q = quoteProtectiveSpread(true, 100, 0.224, newHedgeQuote());
    expect(agent.hedge.longStrike).toBeCloseTo(95, 12);
    expect(agent.hedge.shortStrike).toBeCloseTo(90, 12);
    expect(agent.hedge.costPct).toBeCloseTo(q.costPct, 12);
    expect(agent.hedge.cost).toBeCloseTo(q.cost, 12);
    expect(agent.hedge.vegaPerPoint).toBeCloseTo(q.vegaPerPoint, 12);
    expect(agent.hedge.gamma).toBeCloseTo(q.gamma, 12);
    expect(q.delta).toBeLessThan(0);
    expect(a.reasoning).toBe(
      `reward 2.00× the risk (target 6.0%, stop 3.0%): at least twice; hedge: 30-day put spread 5%/10% below the price costs ${(q.costPct * 100).toFixed(2)}% of it to cover 5% ` +
        `(delta ${q.delta.toFixed(2)}; vega ${q.vegaPerPoint.toFixed(3)}% and theta ${q.thetaPerDay.toFixed(3)}% of the price per vol point and per day; implied vol 22.4%, dear at IV rank 82)`,
    );
    // the same hedge at another price: same words, the quote in that price
    expect(agent.assess({ ...proposal, price: 200, stopPrice: 194, takeProfitPrice: 212 }, base).reasoning).toBe(a.reasoning);
    expect(agent.hedge.longStrike).toBeCloseTo(190, 12);
    expect(agent.hedge.cost).toBeCloseTo(2 * q.cost, 12);
    const short = agent.assess({ ...proposal, side: 'SELL', stopPrice: 103, takeProfitPrice: 94 }, { ...base, impliedVol: Number.NaN, ivRank: Number.NaN });
    expect(short.reasoning).toMatch(/hedge: 30-day call spread 5%\/10% above the price costs [\d.]+% of it .*realized vol 15\.3%\)$/);
    expect(agent.hedge.longStrike).toBeCloseTo(105, 12);
  });
});

describe('scheduled volatility events', () => {
  it('the context says how far the next event is; the assessor names it and trusts the trade less', async () => {
    const { parseEventCalendar } = await import('../data/index.js');
    const t0 = Date.UTC(2024, 3, 22, 14);
    const events = parseEventCalendar('date,symbol,event,expected_move\n2024-04-25,SPX,earnings,0.06\n', 'events.csv');
    const c = new MarketContextBuilder(hourly(t0, 30), { events }).at(2);
    expect(c.nextEvent).toBe('earnings');
    expect(c.daysToEvent).toBeCloseTo((Date.UTC(2024, 3, 25) - (t0 + 2 * 3_600_000)) / DAY, 12);
    expect(c.eventMove).toBe(0.06);
    const proposal: Proposal = { symbol: 'SPX', side: 'BUY', pct: 0.05, stopPrice: 97, takeProfitPrice: 106, confidence: 0.7, reason: 't', bar: 2, time: c.time, price: 100, equity: 1e4 };
    const near = new VolatilityAssessor().assess(proposal, { ...c, regime: 'normal' });
    expect(near.reasoning).toMatch(/earnings in 2\.\d days \(priced for a 6\.0% move\): normal volatility; .*; earnings in 2\.\d days: a gap can jump the stop$/);
    const far = new VolatilityAssessor().assess(proposal, { ...c, regime: 'normal', daysToEvent: 30 });
    expect(far.reasoning).not.toContain('earnings');
    expect(near.confidence).toBeCloseTo(far.confidence - 0.1, 12);
  });
});
