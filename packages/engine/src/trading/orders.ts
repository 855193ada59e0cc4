import type { Exchange } from 'ccxt';
import type { SessionStore } from './store.js';

/** How a session's position changes reach a venue: nowhere (paper) or as real orders (live). */
export interface PositionMirror {
  /** The ledger holds `target` (signed, base units) now: bring the venue's position to it. */
  follow(target: number, bar: number, time: number, reason: string): Promise<void>;
  /** What the venue holds as far as this session placed it (a resumed session starts from the ledger's). */
  held: number;
}

/**
 * `volt live`: every change of the session's position becomes a market order on the venue
 * (`createOrder`), followed until it is filled (`fetchOrder`, polling); what is still open after
 * `fillWithinMs` is cancelled and the partial fill kept. Each order is journaled (session_orders)
 * with what it filled at; the session's ledger keeps the book-walk price it decided on, so the
 * difference is the drift the report shows. Keys stay inside the ccxt client.
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
    // Flat means flat: everything held goes, whatever the rounding of the orders before.
    const amount = target === 0 ? Math.abs(this.held) : Number(this.client.amountToPrecision(this.symbol, Math.abs(delta)));
    if (!(amount > 0)) return;
    let order = await this.client.createOrder(this.symbol, 'market', side, amount);
    const id = String(order.id);
    const deadline = Date.now() + this.fillWithinMs;
    while (order.status === 'open' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, this.pollMs));
      order = await this.client.fetchOrder(id, this.symbol);
    }
    if (order.status === 'open') {
      await this.client.cancelOrder(id, this.symbol);
      order = await this.client.fetchOrder(id, this.symbol);
    }
    this.held += (side === 'buy' ? 1 : -1) * (order.filled ?? 0);
    this.store.journal.db
      .prepare(`INSERT OR REPLACE INTO session_orders (session_id, order_id, bar, time, side, amount, filled, average, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(this.store.session.id, id, bar, time, side, amount, order.filled ?? 0, order.average ?? null, order.status ?? 'unknown', reason);
  }
}
