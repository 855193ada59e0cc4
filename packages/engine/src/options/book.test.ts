import { describe, expect, it } from 'vitest';
import { niceStep, OptionsBook, priceOption, smileVol, syntheticChain, weeklyExpiries, type BookLeg, type ListedOption } from './index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 4, 15); // a Monday afternoon
const quote = (chain: ListedOption[], right: 'call' | 'put', strike: number, expiry: number) =>
  chain.find((q) => q.right === right && q.strike === strike && q.expiry === expiry)!;

describe('the synthetic chain', () => {
  const chain = syntheticChain(T0, 101.3, 0.4);
  const [first] = weeklyExpiries(T0, 8);

  it('lists weekly Friday 08:00 UTC expiries and strikes on a round step around spot', () => {
    expect(weeklyExpiries(T0, 3).map((t) => new Date(t).toISOString())).toEqual(['2024-03-08T08:00:00.000Z', '2024-03-15T08:00:00.000Z', '2024-03-22T08:00:00.000Z']);
    // A Friday after 08:00 lists the next Friday first
    expect(new Date(weeklyExpiries(Date.UTC(2024, 2, 8, 9), 1)[0]!).toISOString()).toBe('2024-03-15T08:00:00.000Z');
    expect(niceStep(2.53)).toBe(5);
    expect(niceStep(2.4)).toBe(2.5);
    const strikes = [...new Set(chain.filter((q) => q.expiry === first).map((q) => q.strike))];
    expect(strikes).toHaveLength(21);
    expect(strikes[10]).toBe(100);
    expect(strikes[1]! - strikes[0]!).toBe(5);
    expect(chain).toHaveLength(8 * 21 * 2);
  });

  it('prices each option by BSM on the documented smile, with a bid below and an ask above the mid', () => {
    const years = (first! - T0) / (365 * DAY);
    const atm = 0.4 * 1.1;
    const put = quote(chain, 'put', 90, first!);
    expect(put.iv).toBeCloseTo(atm - 0.1 * Math.log(90 / 101.3) + 0.3 * Math.log(90 / 101.3) ** 2, 12);
    expect(put.iv).toBeCloseTo(smileVol(atm, 90, 101.3), 12);
    expect(put.mid).toBeCloseTo(priceOption({ right: 'put', spot: 101.3, strike: 90, years, rate: 0, vol: put.iv }).price, 12);
    expect(put.bid).toBeLessThan(put.mid);
    expect(put.ask).toBeGreaterThan(put.mid);
    // puts over calls at the same distance from the money
    expect(quote(chain, 'put', 90, first!).iv).toBeGreaterThan(quote(chain, 'call', 115, first!).iv);
  });

  it('is the same chain for the same inputs, and refuses a cold volatility estimate', () => {
    expect(syntheticChain(T0, 101.3, 0.4)).toEqual(chain);
    expect(() => syntheticChain(T0, 101.3, Number.NaN)).toThrow(/positive spot and volatility/);
  });
});

describe('the options book', () => {
  const chain = syntheticChain(T0, 100, 0.3);
  const expiry = weeklyExpiries(T0, 8)[3]!;
  const spread: BookLeg[] = [
    { right: 'call', strike: 105, expiry, quantity: -2 },
    { right: 'call', strike: 115, expiry, quantity: 2 },
  ];

  it('opens at the bid for what it sells and the ask for what it buys, with a fee per contract', () => {
    const book = new OptionsBook();
    const { position, cash } = book.open(spread, chain, T0);
    const credit = 2 * 100 * quote(chain, 'call', 105, expiry).bid - 2 * 100 * quote(chain, 'call', 115, expiry).ask;
    expect(cash).toBeCloseTo(-credit + 4 * 0.65, 9);
    expect(position.entryCost).toBe(cash);
    expect(position.legs.map((l) => l.state)).toEqual(['open', 'open']);
  });

  it('closing at once loses the bid-ask and the fees both ways', () => {
    const book = new OptionsBook();
    const { position, cash: paid } = book.open(spread, chain, T0);
    const back = book.close(position.id, chain);
    const spreadCost = 2 * 100 * (quote(chain, 'call', 105, expiry).ask - quote(chain, 'call', 105, expiry).bid) + 2 * 100 * (quote(chain, 'call', 115, expiry).ask - quote(chain, 'call', 115, expiry).bid);
    expect(back - paid).toBeCloseTo(-spreadCost - 8 * 0.65, 9);
    expect(position.pnl).toBeCloseTo(back - paid, 9);
    expect(() => book.close(99, chain)).toThrow(/no options position 99/);
  });

  it('settles at expiry: worthless legs expire, an in-the-money short is assigned; P&L is credit − intrinsic − fees', () => {
    const book = new OptionsBook();
    const { position, cash: paid } = book.open(spread, chain, T0);
    expect(book.settle(expiry - 1, 120)).toBe(0); // nothing has expired yet
    const received = book.settle(expiry, 110);
    expect(received).toBeCloseTo(-2 * 100 * 5, 9); // the short 105 call pays 5 a share, the 115 expires
    expect(position.legs.map((l) => l.state)).toEqual(['assigned', 'expired']);
    expect(position.pnl).toBeCloseTo(-paid + received, 9);
    const again = new OptionsBook();
    const p2 = again.open(spread, chain, T0);
    again.settle(expiry, 130);
    expect(p2.position.legs.map((l) => l.state)).toEqual(['assigned', 'exercised']);
    // the spread's max loss: width 10 × 2 contracts × 100, less the credit, plus fees
    expect(p2.position.pnl).toBeCloseTo(-2000 - p2.cash, 9);
  });

  it('marks open legs on the smile with their greeks, and nothing once they are settled', () => {
    const book = new OptionsBook();
    book.open(spread, chain, T0);
    const m = book.mark(T0, 100, 0.3);
    const q105 = quote(chain, 'call', 105, expiry);
    const q115 = quote(chain, 'call', 115, expiry);
    expect(m.value).toBeCloseTo(200 * (q115.mid - q105.mid), 9);
    expect(m.delta).toBeCloseTo(200 * (q115.delta - q105.delta), 9);
    expect(m.delta).toBeLessThan(0);
    expect(m.vegaPerPoint).toBeLessThan(0);
    book.settle(expiry, 90);
    expect(book.mark(expiry, 90, 0.3).value).toBe(0);
  });

  it('refuses a leg the chain does not list, and a zero quantity', () => {
    const book = new OptionsBook();
    expect(() => book.open([{ right: 'call', strike: 103, expiry, quantity: 1 }], chain, T0)).toThrow(/no call 103 expiring/);
    expect(() => book.open([{ right: 'put', strike: 100, expiry, quantity: 0 }], chain, T0)).toThrow(/quantity must be a non-zero number/);
    expect(() => book.open([], chain, T0)).toThrow(/at least one leg/);
  });
});
