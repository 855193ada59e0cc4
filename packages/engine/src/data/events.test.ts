import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isVoltError } from '../errors.js';
import { loadEventCalendar, parseEventCalendar } from './events.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'volt-events-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TEXT = `date,symbol,event,expected_move
2024-04-25,SPY,"earnings, mega caps",0.03
2024-03-20T18:00:00Z,*,FOMC,
2024-05-02,AAPL,earnings,0.045
`;

describe('the event calendar', () => {
  const cal = parseEventCalendar(TEXT, 'events.csv');

  it('reads events in any order, quoted names with commas, an optional expected move', () => {
    expect(cal.events.map((e) => e.event)).toEqual(['FOMC', 'earnings, mega caps', 'earnings']);
    expect(cal.events[0]!.expectedMove).toBeNaN();
    expect(cal.events[1]).toEqual({ time: Date.UTC(2024, 3, 25), symbol: 'SPY', event: 'earnings, mega caps', expectedMove: 0.03 });
  });

  it('finds the next event for a symbol, `*` ones included', () => {
    expect(cal.next('SPY', Date.UTC(2024, 2, 1))!.event).toBe('FOMC');
    expect(cal.next('SPY', Date.UTC(2024, 2, 21))!.event).toBe('earnings, mega caps');
    expect(cal.next('AAPL', Date.UTC(2024, 3, 26))!.event).toBe('earnings');
    expect(cal.next('SPY', Date.UTC(2024, 3, 26))).toBeUndefined();
  });

  it('refuses a bad row at its line, strictly; skips it and says so leniently', async () => {
    const file = path.join(tmp, 'bad.csv');
    writeFileSync(file, 'date,symbol,event\n2024-01-02,SPY,CPI\nsoon,SPY,earnings\n');
    const e = await loadEventCalendar(file).catch((x: unknown) => x);
    expect(isVoltError(e) && e.format()).toBe(`${file}:3: 'soon' is not a date\n  fix: write dates like 2024-04-25 (UTC), or re-run with --lenient to skip the row`);
    const skipped: string[] = [];
    const lenient = await loadEventCalendar(file, { lenient: true, onSkipped: (w) => skipped.push(w) });
    expect(lenient.events).toHaveLength(1);
    expect(skipped).toEqual([`${file}:3: 'soon' is not a date; skipped`]);
    expect(() => parseEventCalendar('when,what\n', 'x.csv')).toThrow(/lacks date, symbol or event/);
    expect(() => parseEventCalendar('date,symbol,event,expected_move\n2024-01-02,SPY,CPI,6%\n', 'x.csv')).toThrow(/expected_move '6%' is not a fraction/);
    await expect(loadEventCalendar(path.join(tmp, 'missing.csv'))).rejects.toThrow(/cannot read the event calendar/);
  });
});
