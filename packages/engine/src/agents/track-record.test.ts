import { describe, expect, it } from 'vitest';
import { TrackRecord } from './track-record.js';
import { AGENT_ROLES } from './types.js';

const TREND = 1 << AGENT_ROLES.indexOf('trend');

describe('track record', () => {
  it('is kept per regime: being right in calm markets earns nothing in a crash', () => {
    const t = new TrackRecord();
    for (let k = 0; k < 10; k++) t.record(TREND, true, 'normal');
    expect(t.multiplier('trend', 'normal')).toBeCloseTo(0.5 + 12 / 14, 10);
    expect(t.multiplier('trend', 'crash')).toBe(1);
    // Volatility held back from the ten winners: wrong ten times.
    expect(t.multiplier('volatility', 'normal')).toBeCloseTo(0.5 + 2 / 14, 10);
  });

  it('stays inside the configured bounds however long the record', () => {
    const t = new TrackRecord({ min: 0.8, max: 1.2 });
    for (let k = 0; k < 1000; k++) t.record(TREND, true, 'normal');
    expect(t.multiplier('trend')).toBeLessThanOrEqual(1.2);
    expect(t.multiplier('trend')).toBeGreaterThan(1.19);
    expect(t.multiplier('volatility')).toBeGreaterThanOrEqual(0.8);
    expect(new TrackRecord({ min: 0.8, max: 1.2 }).multiplier('trend')).toBeCloseTo(1, 10);
  });

  it('a seed counts like history, but only what the run added is handed back to the journal', () => {
    const t = new TrackRecord();
    t.seed([{ agent: 'trend_analyzer', regime: 'highVolatility', judged: 6, correct: 6 }]);
    expect(t.multiplier('trend', 'highVolatility')).toBeCloseTo(0.5 + 8 / 10, 10);
    t.record(TREND, false, 'highVolatility');
    expect(t.added().find((r) => r.agent === 'trend_analyzer')).toEqual({ agent: 'trend_analyzer', regime: 'highVolatility', judged: 1, correct: 0 });
  });
});
