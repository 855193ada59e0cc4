import type { FillPricer } from '../backtest/stepper.js';

/** One side of an order book as ccxt gives it: [price, amount] levels, best first. */
export type BookLevels = readonly (readonly [number, number])[] | readonly number[][];

export interface OrderBookSnapshot {
  bids: BookLevels;
  asks: BookLevels;
  /** Exchange time of the snapshot, when it says. */
  time?: number;
}

/**
 * Market fills of a paper session, priced by walking the live book: a buy takes the asks from the
 * best up until the size is filled, a sell the bids. The average price is the fill; a size larger
 * than the book shown fills its rest at the last level's price moved by `beyondBook` (a fraction),
 * since a market order that empties the visible book pays at least that much more.
 */
export class BookPricer implements FillPricer {
  private book: OrderBookSnapshot | null = null;
  /** Fills priced since the last take(): the session journals them so a resumed session replays them. */
  readonly priced: number[] = [];

  constructor(private readonly beyondBook = 0.001) {}

  update(book: OrderBookSnapshot): void {
    this.book = book;
  }

  /** The book's mid, or NaN without both sides. */
  mid(): number {
    const bid = this.book?.bids[0]?.[0];
    const ask = this.book?.asks[0]?.[0];
    return bid !== undefined && ask !== undefined ? (bid + ask) / 2 : Number.NaN;
  }

  fillPrice(side: 1 | -1, qty: number, reference: number): number {
    const levels = this.book === null ? undefined : side === 1 ? this.book.asks : this.book.bids;
    const price = levels === undefined || levels.length === 0 ? reference : walk(levels, qty, side, this.beyondBook);
    this.priced.push(price);
    return price;
  }
}

/** Average price of `qty` taken from `levels`, best first. */
export function walk(levels: BookLevels, qty: number, side: 1 | -1, beyondBook: number): number {
  if (!(qty > 0)) return levels[0]![0]!;
  let left = qty;
  let cost = 0;
  let last = levels[0]![0]!;
  for (const level of levels) {
    const price = level[0]!;
    const amount = level[1]!;
    last = price;
    const take = amount < left ? amount : left;
    cost += take * price;
    left -= take;
    if (left <= 0) break;
  }
  if (left > 0) cost += left * last * (1 + side * beyondBook);
  return cost / qty;
}

/** Replays the fill prices a session journaled, in order, then prices the rest from the live book. */
export class ReplayPricer implements FillPricer {
  private next = 0;
  constructor(
    private recorded: readonly number[],
    private readonly live: FillPricer,
  ) {}
  /** The journal's fill prices, to be handed out first. */
  load(recorded: readonly number[]): void {
    this.recorded = recorded;
    this.next = 0;
  }
  get replaying(): boolean {
    return this.next < this.recorded.length;
  }
  fillPrice(side: 1 | -1, qty: number, reference: number): number {
    if (this.next < this.recorded.length) return this.recorded[this.next++]!;
    return this.live.fillPrice(side, qty, reference);
  }
}
