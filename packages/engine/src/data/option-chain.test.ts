import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainSnapshotAt, loadOptionChain, parseOptionChain } from './index.js';

const CSV = `time,expiry,right,strike,bid,ask,iv,open_interest
2024-03-01T08:00:00Z,2024-03-29T08:00:00Z,call,60000,2100,2150,0.55,120
2024-03-01T08:00:00Z,2024-03-29T08:00:00Z,put,60000,1900,1950,,80
2024-03-01T08:00:00Z,2024-03-08T08:00:00Z,C,62000,300,320,,
2024-03-01T09:00:00Z,2024-03-29T08:00:00Z,call,60000,2200,2250,0.56,125
`;

describe('option chain files', () => {
  it('reads a CSV into snapshots by time, quotes sorted by expiry, strike, calls first', () => {
    const c = parseOptionChain(CSV, 'chain.csv');
    expect(c.snapshots.map((s) => s.time)).toEqual([Date.UTC(2024, 2, 1, 8), Date.UTC(2024, 2, 1, 9)]);
    const first = c.snapshots[0]!.quotes;
    expect(first.map((q) => `${q.right} ${q.strike} ${new Date(q.expiry).toISOString().slice(5, 10)}`)).toEqual(['call 62000 03-08', 'call 60000 03-29', 'put 60000 03-29']);
    expect(first[1]).toEqual({ right: 'call', strike: 60000, expiry: Date.UTC(2024, 2, 29, 8), bid: 2100, ask: 2150, iv: 0.55, openInterest: 120 });
    expect(first[2]!.iv).toBeNaN();
    expect(c.repairs).toEqual([]);
  });

  it('reads the same quotes from JSON, and finds the snapshot a moment sees', () => {
    const rows = CSV.trim().split('\n').slice(1).map((l) => {
      const [time, expiry, right, strike, bid, ask, iv] = l.split(',');
      return { time, expiry, right, strike: Number(strike), bid: Number(bid), ask: Number(ask), ...(iv ? { iv: Number(iv) } : {}) };
    });
    const c = parseOptionChain(JSON.stringify(rows, null, 2), 'chain.json');
    expect(c.snapshots[1]!.quotes[0]!.bid).toBe(2200);
    expect(chainSnapshotAt(c, Date.UTC(2024, 2, 1, 7))).toBeUndefined();
    expect(chainSnapshotAt(c, Date.UTC(2024, 2, 1, 9))!.time).toBe(Date.UTC(2024, 2, 1, 9));
    expect(chainSnapshotAt(c, Date.UTC(2024, 2, 1, 9), true)!.time).toBe(Date.UTC(2024, 2, 1, 8));
  });

  it('strict: refuses the first problem naming the file, the line and the fix', () => {
    const bad = (line: string) => CSV.replace(/^2024-03-01T08:00:00Z,2024-03-29T08:00:00Z,put.*$/m, line);
    const refused = (text: string) => {
      try {
        parseOptionChain(text, 'chain.csv');
      } catch (e) {
        return e as { file: string; line: number; message: string; hint: string };
      }
      throw new Error('accepted');
    };
    expect(refused(bad('2024-03-01T08:00:00Z,2024-03-29T08:00:00Z,straddle,60000,1,2,,'))).toMatchObject({ file: 'chain.csv', line: 3, message: "right 'straddle' is not call or put" });
    expect(refused(bad('2024-03-01T08:00:00Z,2024-03-29T08:00:00Z,put,60000,1950,1900,,')).message).toBe('ask 1900 is below bid 1950');
    expect(refused(bad('2024-03-01T08:00:00Z,2024-03-29T08:00:00Z,put,60000,1900,1950,55,')).hint).toMatch(/write 0\.55 for 55 vol points/);
    expect(refused(bad('yesterday,2024-03-29T08:00:00Z,put,60000,1900,1950,,')).line).toBe(3);
    expect(refused(bad('2024-03-30T08:00:00Z,2024-03-29T08:00:00Z,put,60000,1900,1950,,')).message).toMatch(/is not after the quote's time/);
    expect(refused(bad('2024-03-01T08:00:00Z,2024-03-29T08:00:00Z,call,60000,1,2,,'))).toMatchObject({ line: 3, message: expect.stringMatching(/^duplicate: a second call 60000/) });
    expect(refused(CSV + '2024-03-01T08:30:00Z,2024-03-29T08:00:00Z,call,60000,1,2,,\n')).toMatchObject({ line: 6, message: expect.stringMatching(/^out of order/) });
    expect(refused('time,expiry,strike,bid,ask\n')).toMatchObject({ line: 1, message: expect.stringMatching(/has no right column/) });
    expect(refused(bad('2024-03-01T08:00:00Z,2024-03-29T08:00:00Z,put'))).toMatchObject({ line: 3, message: 'the row has 3 fields, the header 8' });
    const json = refused('[\n  {"time": "2024-03-01", "expiry": "2024-03-29", "right": "call", "strike": 1, "bid": 1, "ask": 2},\n  {"time": "2024-03-01", "expiry": "2024-03-29", "right": "call", "strike": -5, "bid": 1, "ask": 2}\n]');
    expect(json).toMatchObject({ line: 3, message: "strike '-5' is not a positive number" });
    expect(refused('[{"time": 1,]')).toMatchObject({ line: 1, message: expect.stringMatching(/^invalid JSON/) });
  });

  it('lenient: drops unreadable rows, keeps the first duplicate, sorts, and says what it did', () => {
    const text = CSV + 'later,2024-03-29T08:00:00Z,call,60000,1,2,,\n2024-03-01T08:30:00Z,2024-03-29T08:00:00Z,call,61000,1,2,,\n2024-03-01T09:00:00Z,2024-03-29T08:00:00Z,call,60000,9,10,,\n';
    const c = parseOptionChain(text, 'chain.csv', { lenient: true });
    expect(c.snapshots.map((s) => s.time)).toEqual([Date.UTC(2024, 2, 1, 8), Date.UTC(2024, 2, 1, 8, 30), Date.UTC(2024, 2, 1, 9)]);
    expect(c.snapshots[2]!.quotes[0]!.bid).toBe(2200);
    expect(c.repairs).toEqual([
      "dropped 1 row: time … is not a date or timestamp (line 6)",
      'sorted 1 row that were out of order',
      'dropped 1 duplicate quote, the first in the file kept',
    ]);
  });

  it('loads a file from disk; a missing one names the path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'volt-chain-'));
    const file = path.join(dir, 'btc-chain.csv');
    writeFileSync(file, CSV);
    expect((await loadOptionChain(file)).source).toBe(file);
    await expect(loadOptionChain(path.join(dir, 'nope.csv'))).rejects.toMatchObject({ message: expect.stringMatching(/cannot read the option chain file .*nope\.csv/) });
  });
});
