/**
 * The agent bus: what agents and sessions tell each other while a strategy trades. The same typed
 * messages go through an in-process emitter or, when `bus.redis` is configured, through Redis
 * pub/sub so another process (a sidecar, a paper session, a dashboard) sees them.
 */

/** A strategy's call at a bar's close, for one symbol. Channel `signals/<symbol>`. */
export interface SignalMessage {
  kind: 'signal';
  symbol: string;
  action: 'buy' | 'sell' | 'exit';
  confidence: number;
  reason: string;
  /** Market time of the bar, epoch ms UTC. */
  time: number;
  bar: number;
  /** Why it did nothing, when it did nothing (already in position, rejected by the gate, …). */
  ignored?: string;
  /** Who said it: the strategy's name, or a session's. */
  source: string;
}

/** A position that filled. Channel `positions/open`. */
export interface PositionOpenedMessage {
  kind: 'position-opened';
  symbol: string;
  side: 'long' | 'short';
  qty: number;
  /** Fill price after slippage. */
  price: number;
  time: number;
  /** The run's trade number. */
  tradeId: number;
  stopPrice?: number;
  takeProfitPrice?: number;
  source: string;
}

/** A position that closed, with what it made. Channel `positions/close`. */
export interface PositionClosedMessage {
  kind: 'position-closed';
  symbol: string;
  side: 'long' | 'short';
  qty: number;
  entryPrice: number;
  price: number;
  time: number;
  tradeId: number;
  /** Why it closed: signal, stop, take-profit, end of data, … */
  exitReason: string;
  /** Net of fees, in quote currency. */
  pnl: number;
  pnlPct: number;
  source: string;
}

/** The risk gate refused a trade or a limit tripped. Channel `alerts/risk`. */
export interface RiskAlertMessage {
  kind: 'risk-alert';
  symbol: string;
  /** The rule that fired, in the gate's words: circuit-breaker, daily-loss, max-drawdown, … */
  rule: string;
  /** One line a trader reads. */
  message: string;
  time: number;
  source: string;
}

export type BusMessage = SignalMessage | PositionOpenedMessage | PositionClosedMessage | RiskAlertMessage;

/** The channel names the issue fixes; the same names locally and on Redis. */
export const CHANNELS = { positionsOpen: 'positions/open', positionsClose: 'positions/close', riskAlerts: 'alerts/risk' } as const;

export function signalChannel(symbol: string): string {
  return `signals/${symbol}`;
}

export function channelOf(message: BusMessage): string {
  switch (message.kind) {
    case 'signal': return signalChannel(message.symbol);
    case 'position-opened': return CHANNELS.positionsOpen;
    case 'position-closed': return CHANNELS.positionsClose;
    case 'risk-alert': return CHANNELS.riskAlerts;
  }
}

/**
 * Whether a subscription matches a channel: an exact name, `signals/*` (every symbol), or `*`
 * (everything). Only a trailing `*` is a wildcard; a symbol may itself hold a `/` (BTC/USDT).
 */
export function channelMatches(pattern: string, channel: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return channel.startsWith(pattern.slice(0, -1));
  return pattern === channel;
}

export type BusHandler = (message: BusMessage, channel: string) => void;

export interface AgentBus {
  /** Delivers to this process's subscribers at once and, on Redis, to every other process. */
  publish(message: BusMessage): void;
  /** Returns the unsubscribe. */
  subscribe(pattern: string, handler: BusHandler): () => void;
  /** Resolves once messages from other processes arrive (at once for the in-process bus). */
  ready(): Promise<void>;
  /** Waits for what was published to leave, then disconnects. */
  close(): Promise<void>;
}

const str = (v: unknown): v is string => typeof v === 'string';
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optNum = (v: unknown): boolean => v === undefined || num(v);

/** A message from outside the process, checked field by field; null when it is not one. */
export function parseBusMessage(value: unknown): BusMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (!str(m.symbol) || !num(m.time) || !str(m.source)) return null;
  switch (m.kind) {
    case 'signal':
      return (m.action === 'buy' || m.action === 'sell' || m.action === 'exit') && num(m.confidence) && str(m.reason) && num(m.bar) && (m.ignored === undefined || str(m.ignored)) ? (m as unknown as SignalMessage) : null;
    case 'position-opened':
      return (m.side === 'long' || m.side === 'short') && num(m.qty) && num(m.price) && num(m.tradeId) && optNum(m.stopPrice) && optNum(m.takeProfitPrice) ? (m as unknown as PositionOpenedMessage) : null;
    case 'position-closed':
      return (m.side === 'long' || m.side === 'short') && num(m.qty) && num(m.entryPrice) && num(m.price) && num(m.tradeId) && str(m.exitReason) && num(m.pnl) && num(m.pnlPct) ? (m as unknown as PositionClosedMessage) : null;
    case 'risk-alert':
      return str(m.rule) && str(m.message) ? (m as unknown as RiskAlertMessage) : null;
    default:
      return null;
  }
}
