import { describe, expect, it } from 'vitest';
import { CapitalGuard } from './guard.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1, 9);

describe('CapitalGuard', () => {
  it('stops the day at the daily loss in % of the day’s start, unrealized counted, and lets entries in again the next UTC day', () => {
    const g = new CapitalGuard({ dailyLossPct: 0.03 });
    expect(g.mark(20_000, T0)).toBeNull();
    expect(g.mark(19_401, T0 + 1000)).toBeNull();
    const halt = g.mark(19_400, T0 + 2000);
    expect(halt).toMatchObject({ kind: 'daily-loss', until: Date.UTC(2024, 0, 2) });
    expect(g.refusal(10)).toMatch(/^daily loss stop: 600.00 lost today/);
    expect(g.mark(19_000, T0 + 3000)).toBeNull();
    expect(g.mark(19_000, T0 + DAY)).toBeNull();
    expect(g.refusal(11)).toBeNull();
  });

  it('stops the day at the daily loss in money when that comes first', () => {
    const g = new CapitalGuard({ dailyLossPct: 0.5, dailyLossMoney: 250 });
    g.mark(20_000, T0);
    expect(g.mark(19_751, T0 + 1)).toBeNull();
    expect(g.mark(19_750, T0 + 2)?.kind).toBe('daily-loss');
  });

  it('ends the session at the max drawdown from the marked peak', () => {
    const g = new CapitalGuard({ maxDrawdownPct: 0.1, dailyLossPct: 1 });
    g.mark(20_000, T0);
    g.mark(22_000, T0 + DAY);
    expect(g.mark(19_801, T0 + 2 * DAY)).toBeNull();
    expect(g.mark(19_800, T0 + 2 * DAY + 1)?.kind).toBe('max-drawdown');
    expect(g.finished).toBe(true);
  });

  it('pauses entries for pauseBars after maxConsecutiveLosses losing trades; a win resets the count', () => {
    const g = new CapitalGuard({ maxConsecutiveLosses: 3, pauseBars: 10 });
    g.tradeClosed(-1, 5);
    g.tradeClosed(-1, 6);
    g.tradeClosed(5, 7);
    g.tradeClosed(-1, 8);
    g.tradeClosed(-1, 9);
    expect(g.refusal(9)).toBeNull();
    g.tradeClosed(-1, 10);
    expect(g.refusal(19)).toMatch(/paused after 3 losing trades in a row, until bar 20/);
    expect(g.refusal(20)).toBeNull();
  });

  it('the kill switch and the exchange breaker refuse entries; the breaker clears', () => {
    const g = new CapitalGuard();
    g.exchange('stale feed');
    expect(g.refusal(1)).toBe('stale feed');
    g.exchange(null);
    expect(g.refusal(1)).toBeNull();
    g.kill('kill switch: SIGTERM');
    expect(g.refusal(1)).toBe('kill switch: SIGTERM');
    expect(g.finished).toBe(true);
  });
});
