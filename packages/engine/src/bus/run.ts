import type { BacktestReport, Signal, Trade } from '../backtest/index.js';
import type { JournalEvent } from '../runner/protocol.js';
import type { AgentBus, BusMessage, PositionClosedMessage, PositionOpenedMessage, SignalMessage } from './types.js';

export function signalMessage(signal: Readonly<Signal>, symbol: string, source: string): SignalMessage {
  return {
    kind: 'signal', symbol, action: signal.action, confidence: signal.confidence, reason: signal.reason, time: signal.time, bar: signal.bar,
    ...(signal.ignored !== undefined ? { ignored: signal.ignored } : {}), source,
  };
}

export function positionOpened(trade: Readonly<Trade>, source: string): PositionOpenedMessage {
  return {
    kind: 'position-opened', symbol: trade.symbol, side: trade.side, qty: trade.qty, price: trade.entryPrice, time: trade.entryTime, tradeId: trade.id,
    ...(trade.stopPrice !== undefined ? { stopPrice: trade.stopPrice } : {}),
    ...(trade.takeProfitPrice !== undefined ? { takeProfitPrice: trade.takeProfitPrice } : {}),
    source,
  };
}

export function positionClosed(trade: Readonly<Trade>, source: string): PositionClosedMessage {
  return {
    kind: 'position-closed', symbol: trade.symbol, side: trade.side, qty: trade.qty, entryPrice: trade.entryPrice, price: trade.exitPrice,
    time: trade.exitTime, tradeId: trade.id, exitReason: trade.exitReason, pnl: trade.pnl, pnlPct: trade.pnlPct, source,
  };
}

/** The gate's refusal inside a journaled decision (`consensus_decision.risk_review`), if it refused. */
function refusal(decision: Extract<JournalEvent, { kind: 'decision' }>['decision']): { rule: string; message: string } | null {
  const consensus = decision.consensus_decision as { risk_review?: { status?: string; reasons?: unknown[] } | null; outcome?: { rejected_by?: string } } | undefined;
  const review = consensus?.risk_review;
  if (!review || review.status !== 'REJECTED') return null;
  const reason = typeof review.reasons?.[0] === 'string' ? review.reasons[0] : 'the risk gate refused the trade';
  return { rule: consensus.outcome?.rejected_by ?? 'risk_gate', message: reason };
}

/**
 * What a finished run tells the bus, in market-time order: each signal, each position as it opened
 * and closed (a backtest knows a trade whole, so both are sent once it is reported), and each
 * entry the risk gate refused. Signals and trades are the report's (its first MAX_REPORT_SIGNALS
 * signals, entries the panel refused among them, marked `ignored`); the agents' journal events
 * give the gate's refusals. (The events' own `signal` entries are only those no decision holds:
 * exits, mostly.)
 */
export function runMessages(report: Readonly<BacktestReport>, events?: readonly JournalEvent[]): BusMessage[] {
  const source = report.strategy.name;
  const symbol = report.data.symbol;
  const out: BusMessage[] = [];
  for (const s of report.signals) out.push(signalMessage(s, symbol, source));
  for (const t of report.trades) out.push(positionOpened(t, source), positionClosed(t, source));
  for (const e of events ?? []) {
    if (e.kind !== 'decision') continue;
    const r = refusal(e.decision);
    if (r) out.push({ kind: 'risk-alert', symbol: e.decision.symbol ?? symbol, rule: r.rule, message: r.message, time: e.decision.time, source });
  }
  // Stable: at one time a signal comes before the fill it caused, an alert after the signal it refused.
  const order = { signal: 0, 'risk-alert': 1, 'position-closed': 2, 'position-opened': 3 } as const;
  return out.sort((a, b) => a.time - b.time || order[a.kind] - order[b.kind]);
}

/** Publishes a finished run's messages (see runMessages). */
export function publishRun(bus: AgentBus, report: Readonly<BacktestReport>, events?: readonly JournalEvent[]): number {
  const messages = runMessages(report, events);
  for (const m of messages) bus.publish(m);
  return messages.length;
}
