import type { Exchange, Order } from 'ccxt';
import type { SessionStore } from './store.js';

/** How a session's position changes reach a venue: nowhere (paper) or as real orders (live). */
export interface PositionMirror {
  /** The ledger holds `target` (signed, base units) now: bring the venue's position to it. */
  follow(target: number, bar: number, time: number, reason: string): Promise<void>;
  /** What the venue holds as far as this session placed it. */
  held: number;
  /**
   * A resumed session: what the venue holds from this session's journaled orders (an order the
   * kill left open followed to its end), so that `follow` places what the restart did not.
   */
  recover?(): Promise<void>;
}

/**
 * `volt live`: every change of the session's position becomes a market order on the venue
 * (`createOrder`), followed until it is filled (`fetchOrder`, polling); what is still open after
 * `fillWithinMs` is cancelled and the partial fill kept. Each order is journaled (session_orders)
 * as soon as the venue has taken it and again when it is done, with what it filled at; the
 * session's ledger keeps the book-walk price it decided on, so the difference is the drift the
 * report shows. Keys stay inside the ccxt client.
 */
export class VenueOrders implements PositionMirror {
  /** Signed amount filled on the venue by this session: orders are sized from it, so lot-size rounding never piles up. */
  held = 0;

  constructor(
    private readonly client: Exchange,
    private readonly symbol: string,
    private readonly store: SessionStore,
    private readonly fillWithinMs = 5000,
    private readonly pollMs = 200,
  ) {}

  async follow(target: number, bar: number, time: number, reason: string): Promise<void> {
    const delta = target - this.held;
    if (delta === 0) return;
    const side = delta > 0 ? 'buy' : 'sell';
    // The lot size needs the markets (loaded once; a resumed session may place before any other request).
    await this.client.loadMarkets();
    // Flat means flat: everything held goes, whatever the rounding of the orders before.
    const amount = target === 0 ? Math.abs(this.held) : Number(this.client.amountToPrecision(this.symbol, Math.abs(delta)));
    if (!(amount > 0)) return;
    let order = await this.client.createOrder(this.symbol, 'market', side, amount);
    const id = String(order.id);
    // Journaled at once: a process killed while following it finds it on resume (recover) and never places it twice.
    this.record(id, bar, time, side, amount, order, reason);
    order = await this.settle(id, order);
    this.held += (side === 'buy' ? 1 : -1) * (order.filled ?? 0);
    this.record(id, bar, time, side, amount, order, reason);
  }

  async recover(): Promise<void> {
    const db = this.store.journal.db;
    const rows = db
      .prepare(`SELECT order_id, bar, time, side, amount, filled, status, reason FROM session_orders WHERE session_id = ? ORDER BY time`)
      .all(this.store.session.id) as { order_id: string; bar: number; time: number; side: 'buy' | 'sell'; amount: number; filled: number; status: string; reason: string | null }[];
    let held = 0;
    for (const r of rows) {
      let filled = r.filled;
      if (r.status === 'open') {
        const order = await this.settle(r.order_id, await this.client.fetchOrder(r.order_id, this.symbol));
        this.record(r.order_id, r.bar, r.time, r.side, r.amount, order, r.reason ?? '');
        filled = order.filled ?? 0;
      }
      held += (r.side === 'buy' ? 1 : -1) * filled;
    }
    this.held = held;
  }

  /** Polls an order until it is no longer open or `fillWithinMs` has passed; then cancels what is left. */
  private async settle(id: string, order: Order): Promise<Order> {
    const deadline = Date.now() + this.fillWithinMs;
    while (order.status === 'open' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, this.pollMs));
      order = await this.client.fetchOrder(id, this.symbol);
    }
    if (order.status === 'open') {
      await this.client.cancelOrder(id, this.symbol);
      order = await this.client.fetchOrder(id, this.symbol);
    }
    return order;
  }

  private record(id: string, bar: number, time: number, side: 'buy' | 'sell', amount: number, order: Order, reason: string): void {
    this.store.journal.db
      .prepare(`INSERT OR REPLACE INTO session_orders (session_id, order_id, bar, time, side, amount, filled, average, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(this.store.session.id, id, bar, time, side, amount, order.filled ?? 0, order.average ?? null, order.status ?? 'unknown', reason);
  }
}
