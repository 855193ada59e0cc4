import { describe, expect, it } from 'vitest';
import type { Trade } from '../backtest/index.js';
import { synthesize } from '../data/index.js';
import { lineUp, withVenueFills, type SessionTrade } from './drift.js';

const bars = synthesize({ seed: 1, bars: 100, timeframe: '1m' });
const bt = (id: number, entryBar: number, exitBar: number, entryPrice: number, exitReason: Trade['exitReason'] = 'signal', pnl = 1): Trade => ({
  id, symbol: 'SYNTH', side: 'long', qty: 1, entryTime: bars.time[entryBar]!, entryBar, entryPrice, exitTime: bars.time[exitBar]!, exitBar, exitPrice: entryPrice + 1, exitReason, pnl, pnlPct: 0, fees: 0, barsHeld: exitBar - entryBar, confidence: 1, reason: 'r',
});
const live = (id: number, entryBar: number, exitBar: number, entryPrice: number, exitReason = 'signal', pnl = 1, lateMs = 0): SessionTrade => ({
  id, side: 'long', qty: 1, entryBar, entryTime: bars.time[entryBar]! + lateMs, entryPrice, exitBar, exitTime: bars.time[exitBar]!, exitPrice: entryPrice + 1, exitReason, pnl, reason: 'r',
});

describe('lineUp', () => {
  it('pairs trades by signal bar and side and says how each pair differs, and what only one side did', () => {
    const open20 = bars.open[20]!;
    const r = lineUp(
      7,
      [live(1, 10, 15, 100), live(2, 20, 25, open20 * 1.0012, 'signal', 0.5, 4000), live(3, 30, 33, 100, 'stop', -2), live(4, 40, 44, 100)],
      [bt(1, 10, 15, 100), bt(2, 20, 25, open20 * 1.0005), bt(3, 30, 38, 100), bt(4, 50, 55, 100), bt(5, 90, 99, 100, 'end')],
      bars,
      { warmupBars: 5, slippage: 0.0005 },
    );
    expect(r.lines.map((l) => [l.signalBar, l.kind])).toEqual([[9, 'same'], [19, 'price'], [29, 'exit'], [39, 'extra'], [49, 'missed']]);
    expect(r.same).toBe(1);
    expect(r.backtestTrades).toBe(4);
    expect(r.lines[1]!.entryDiffBps).toBeCloseTo(7, 0);
    expect(r.lines[1]!.why).toMatch(/the session paid 12\.0 bps over the open, the backtest's slippage model 5\.0 bps \(the order went out 4\.0 s after the open: latency\)/);
    expect(r.lines[2]!.why).toMatch(/the session left at bar 33 \(stop\), the backtest at bar 38 \(signal\)/);
    expect(r.pnlDrift).toBeCloseTo(-0.5 - 3, 9);
  });

  it("puts a live session's venue fills beside the ledger's prices: an exit and the next entry at one close as one netted order", () => {
    // Trade 1 leaves at bar 15 and trade 2 enters at bar 15: the venue got one small sell for their net.
    const r = lineUp(3, [live(1, 10, 15, 100), live(2, 15, 20, 100)], [bt(1, 10, 15, 100), bt(2, 15, 20, 100)], bars, { warmupBars: 5, slippage: 0.0005 });
    const v = withVenueFills(r, [
      { orderId: 'a', bar: 10, side: 'buy', filled: 1, average: 100.02, status: 'closed' },
      { orderId: 'b', bar: 15, side: 'sell', filled: 0.01, average: 100.99, status: 'closed' },
      { orderId: 'c', bar: 20, side: 'sell', filled: 0.99, average: 100.95, status: 'closed' },
    ]);
    expect(v.lines[0]!.venue).toEqual({ entry: { orderId: 'a', average: 100.02, filled: 1, status: 'closed', diffBps: expect.closeTo(2, 6) }, exit: { orderId: 'b', average: 100.99, filled: 0.01, status: 'closed', diffBps: expect.closeTo(10_000 * 0.01 / 101, 6) } });
    expect(v.lines[1]!.venue!.entry).toMatchObject({ orderId: 'b', netted: true, diffBps: expect.closeTo(99, 6) });
    expect(v.lines[1]!.why).toMatch(/; the venue filled the entry at 100\.99 \(\+99\.0 bps against the book walk, one order with the other trade at that bar\), the exit at 100\.95 \(\+5\.0 bps against the book walk\)$/);
    // Paper: no orders, the report as it was.
    expect(withVenueFills(r, [])).toEqual(r);
  });
});
