import { describe, expect, it } from 'vitest';
import { isoWeekOf, parseIsoWeek } from './weekly.js';

describe('ISO weeks', () => {
  it('a week starts on Monday and belongs to the year of its Thursday', () => {
    expect(isoWeekOf(Date.UTC(2021, 0, 1)).label).toBe('2020-W53');
    expect(isoWeekOf(Date.UTC(2026, 11, 1, 15)).label).toBe('2026-W49');
    expect(new Date(isoWeekOf(Date.UTC(2026, 11, 1)).start).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(isoWeekOf(Date.UTC(2024, 11, 30)).label).toBe('2025-W01');
  });

  it('parses a label back to its week and refuses one that is not there', () => {
    expect(new Date(parseIsoWeek('2020-W53').start).toISOString()).toBe('2020-12-28T00:00:00.000Z');
    expect(() => parseIsoWeek('2021-W53')).toThrow(/2021 has no week 53/);
    expect(() => parseIsoWeek('2021-53')).toThrow(/is not an ISO week/);
  });
});
