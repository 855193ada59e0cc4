import { describe, expect, it } from 'vitest';
import { applyEdits, reviewEdit } from './edits.js';
import type { SourceEdit } from './types.js';

const SOURCE = `import { defineStrategy } from '@volt/engine';
export default defineStrategy({
  name: 'dip',
  timeframe: '1h',
  onBar(ctx) {
    const c = ctx.history(2).close(1);
    if (ctx.bar.close < c) ctx.buy({ reason: 'dip' });
  },
  risk: { stopLoss: 0.05 },
});
`;
const lines = SOURCE.split('\n');

/** Replace 0-based line `line` with `newText`. */
function line(n: number, newText: string): SourceEdit[] {
  return [{ range: { start: { line: n, character: 0 }, end: { line: n, character: lines[n]!.length } }, newText }];
}

describe('reviewEdit', () => {
  it('passes an edit that adds nothing the lint forbids', () => {
    const edit = line(6, "    if (ctx.bar.close < c) ctx.buy({ confidence: 0.5, reason: 'dip' });");
    expect(reviewEdit(SOURCE, edit)).toEqual({ safe: true, added: [] });
    expect(applyEdits(SOURCE, edit)).toContain('confidence: 0.5');
  });

  it.each([
    ['VOLT106', "    require('node:fs').writeFileSync('/tmp/x', 'y');"],
    ['VOLT106', "    void fetch('http://127.0.0.1:9/');"],
    ['VOLT105', '    if (Math.random() < 0.5) return;'],
    ['VOLT105', '    const now = Date.now();'],
    ['VOLT104', '    const c = ctx.history(2).close(-1);'],
    ['TS1109', '    const c = ;'],
  ])('refuses an edit that adds %s', (code, newText) => {
    const review = reviewEdit(SOURCE, line(5, newText));
    expect(review.safe).toBe(false);
    expect(review.added.map((f) => f.code)).toEqual([code]);
  });

  it('judges only what the edit adds: a finding already there does not make every edit unsafe', () => {
    const withClock = SOURCE.replace("    const c = ctx.history(2).close(1);", '    const c = Date.now();');
    const edit = [{ range: { start: { line: 6, character: 0 }, end: { line: 6, character: lines[6]!.length } }, newText: "    if (ctx.bar.close < c) ctx.buy({ confidence: 0.5, reason: 'dip' });" }];
    expect(reviewEdit(withClock, edit).safe).toBe(true);
    // …but a second clock read is a new one.
    expect(reviewEdit(withClock, line(6, '    if (Date.now() > 0) return;')).added.map((f) => f.code)).toEqual(['VOLT105']);
  });
});
