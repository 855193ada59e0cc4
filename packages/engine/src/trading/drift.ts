import type { Trade } from '../backtest/index.js';
import type { CandleSeries } from '../data/index.js';

/** A session's trade as the journal holds it. */
export interface SessionTrade {
  id: number;
  side: 'long' | 'short';
  qty: number;
  entryBar: number;
  entryTime: number;
  entryPrice: number;
  exitBar: number | null;
  exitTime: number | null;
  exitPrice: number | null;
  exitReason: string | null;
  pnl: number | null;
  reason: string | null;
}

export type DriftKind = 'same' | 'price' | 'exit' | 'missed' | 'extra';

/** One line of the drift report: a pair of trades, or one side alone. */
export interface DriftLine {
  kind: DriftKind;
  /** The bar whose close decided the entry (entry bar − 1), in the session's bar numbering (warm-up included). */
  signalBar: number;
  time: number;
  side: 'long' | 'short';
  session?: { id: number; entryPrice: number; exitBar: number | null; exitPrice: number | null; exitReason: string | null; pnl: number | null };
  backtest?: { id: number; entryPrice: number; exitBar: number; exitPrice: number; exitReason: string; pnl: number };
  /** Session entry price against the backtest's, in basis points (+ = the session paid more for a long). */
  entryDiffBps?: number;
  /** Why, in the trader's words. */
  why: string;
  /** The strategy's reason string (to place the line in the editor). */
  reason: string;
  /**
   * `volt live`: what the venue filled the session's entry and exit orders at, against the book-walk
   * price the ledger kept (+ bps = the venue cost more than the ledger's price).
   */
  venue?: { entry?: VenueFill; exit?: VenueFill };
}

export interface VenueFill {
  orderId: string;
  average: number | null;
  filled: number;
  status: string;
  diffBps: number | null;
  /** One order carried this and another trade's fill at the same bar (an exit and an entry, placed as their net). */
  netted?: boolean;
}

/** A live session's order as the journal keeps it (session_orders). */
export interface VenueOrderRow {
  orderId: string;
  bar: number;
  side: 'buy' | 'sell';
  filled: number;
  average: number | null;
  status: string;
}

export interface DriftReport {
  session: number;
  bars: number;
  warmupBars: number;
  sessionTrades: number;
  backtestTrades: number;
  same: number;
  lines: DriftLine[];
  /** Σ session P&L − Σ backtest P&L over the paired trades. */
  pnlDrift: number;
}

/**
 * Lines a session's trades up with a backtest of its recorded bars, trade by trade: paired by the
 * bar whose close decided the entry and by side. A pair is `same` when it entered and left on the
 * same bars for the same reason within `toleranceBps` of each other's entry price; `price` when only
 * the fill differs (why: the book paid more or less than the backtest's slippage model, or the
 * order landed after the bar's open); `exit` when it left on another bar or for another reason;
 * `missed` / `extra` when only the backtest / the session has it.
 */
export function lineUp(
  sessionId: number,
  live: readonly SessionTrade[],
  backtest: readonly Trade[],
  bars: CandleSeries,
  options: { warmupBars: number; slippage: number; toleranceBps?: number },
): DriftReport {
  const tolerance = options.toleranceBps ?? 1;
  const byKey = new Map<string, Trade[]>();
  for (const t of backtest) {
    if (t.exitReason === 'end') continue;
    const key = `${t.entryBar}:${t.side}`;
    byKey.set(key, [...(byKey.get(key) ?? []), t]);
  }
  const lines: DriftLine[] = [];
  let same = 0;
  let pnlDrift = 0;
  for (const s of live) {
    const key = `${s.entryBar}:${s.side}`;
    const b = byKey.get(key)?.shift();
    const sessionSide = { id: s.id, entryPrice: s.entryPrice, exitBar: s.exitBar, exitPrice: s.exitPrice, exitReason: s.exitReason, pnl: s.pnl };
    if (!b) {
      lines.push({ kind: 'extra', signalBar: s.entryBar - 1, time: s.entryTime, side: s.side, session: sessionSide, why: 'the session traded where the backtest did not: an earlier trade of one of them was still open, or left on another bar', reason: s.reason ?? '' });
      continue;
    }
    const sign = s.side === 'long' ? 1 : -1;
    const diff = (sign * (s.entryPrice - b.entryPrice) / b.entryPrice) * 10_000;
    if (s.pnl !== null) pnlDrift += s.pnl - b.pnl;
    const pair = { ...lineBase(s, b), session: sessionSide, backtest: { id: b.id, entryPrice: b.entryPrice, exitBar: b.exitBar, exitPrice: b.exitPrice, exitReason: b.exitReason, pnl: b.pnl }, entryDiffBps: diff };
    if (s.exitBar !== b.exitBar || s.exitReason !== b.exitReason) {
      lines.push({ ...pair, kind: 'exit', why: exitWhy(s, b, diff, tolerance) });
    } else if (Math.abs(diff) > tolerance) {
      lines.push({ ...pair, kind: 'price', why: priceWhy(s, b, bars, options.slippage) });
    } else {
      same++;
      lines.push({ ...pair, kind: 'same', why: 'same bars, same fill' });
    }
  }
  for (const rest of byKey.values()) {
    for (const b of rest) {
      lines.push({ kind: 'missed', signalBar: b.entryBar - 1, time: b.entryTime, side: b.side, backtest: { id: b.id, entryPrice: b.entryPrice, exitBar: b.exitBar, exitPrice: b.exitPrice, exitReason: b.exitReason, pnl: b.pnl }, why: 'the backtest traded where the session did not: a position still open, a capital-guard refusal, or a bar the session took late', reason: b.reason });
    }
  }
  lines.sort((x, y) => x.signalBar - y.signalBar);
  return { session: sessionId, bars: bars.length, warmupBars: options.warmupBars, sessionTrades: live.length, backtestTrades: backtest.filter((t) => t.exitReason !== 'end').length, same, lines, pnlDrift };
}

function lineBase(s: SessionTrade, b: Trade) {
  return { signalBar: b.entryBar - 1, time: b.entryTime, side: b.side, reason: b.reason || (s.reason ?? '') };
}

function priceWhy(s: SessionTrade, b: Trade, bars: CandleSeries, slippage: number): string {
  const open = bars.open[b.entryBar];
  const sign = s.side === 'long' ? 1 : -1;
  if (open === undefined) return 'the fill differs';
  const paid = (sign * (s.entryPrice - open) / open) * 10_000;
  const model = slippage * 10_000;
  const late = s.entryTime > b.entryTime;
  return `the session paid ${paid.toFixed(1)} bps ${paid >= 0 ? 'over' : 'under'} the open, the backtest's slippage model ${model.toFixed(1)} bps${late ? ` (the order went out ${((s.entryTime - b.entryTime) / 1000).toFixed(1)} s after the open: latency)` : ' (book depth and spread)'}`;
}

function exitWhy(s: SessionTrade, b: Trade, diff: number, tolerance: number): string {
  const where = `the session left at bar ${s.exitBar ?? '—'} (${s.exitReason ?? 'open'}), the backtest at bar ${b.exitBar} (${b.exitReason})`;
  if ((s.exitReason === 'stop' || s.exitReason === 'takeProfit' || b.exitReason === 'stop' || b.exitReason === 'takeProfit') && Math.abs(diff) > tolerance) {
    return `${where}: the entries were ${diff.toFixed(1)} bps apart, which moved the stop and target with them`;
  }
  if (s.exitBar !== null && s.exitBar < b.exitBar && s.exitReason === 'stop') return `${where}: a stop seen inside the bar on the live price`;
  return `${where}: a session exit of its own (kill switch, capital guard, exchange breaker, end of the session)`;
}

/**
 * `volt live`: each session trade's entry and exit beside the venue's fills of the orders placed
 * for them (the order at the trade's entry bar on its side, at its exit bar on the other), and why
 * a paired line says so. The ledger's prices stay the book walk; this is the drift the venue adds.
 */
export function withVenueFills(report: DriftReport, orders: readonly VenueOrderRow[]): DriftReport {
  const find = (bar: number | null, side: 'buy' | 'sell', price: number | null, sign: number): VenueFill | undefined => {
    if (bar === null) return undefined;
    const at = orders.filter((r) => r.bar === bar);
    // An exit and the next entry at one close go out as one order for their net: its side may be the other one.
    const o = at.find((r) => r.side === side) ?? at[0];
    if (!o) return undefined;
    const diffBps = o.average !== null && price !== null && price > 0 ? ((sign * (o.average - price)) / price) * 10_000 : null;
    return { orderId: o.orderId, average: o.average, filled: o.filled, status: o.status, diffBps, ...(o.side !== side ? { netted: true } : {}) };
  };
  const told = (what: string, f: VenueFill | undefined) =>
    f?.average != null ? `${what} at ${f.average.toFixed(2)} (${bps(f.diffBps)} against the book walk${f.netted ? ', one order with the other trade at that bar' : ''})` : null;
  const lines = report.lines.map((l) => {
    if (!l.session) return l;
    const long = l.side === 'long';
    const entry = find(l.signalBar + 1, long ? 'buy' : 'sell', l.session.entryPrice, long ? 1 : -1);
    const exit = find(l.session.exitBar, long ? 'sell' : 'buy', l.session.exitPrice, long ? -1 : 1);
    if (!entry && !exit) return l;
    const said = [told('the venue filled the entry', entry), told('the exit', exit)].filter((x) => x !== null);
    return { ...l, venue: { ...(entry ? { entry } : {}), ...(exit ? { exit } : {}) }, why: said.length > 0 ? `${l.why}; ${said.join(', ')}` : l.why };
  });
  return { ...report, lines };
}

function bps(x: number | null): string {
  return x === null ? 'no price' : `${x >= 0 ? '+' : ''}${x.toFixed(1)} bps`;
}
