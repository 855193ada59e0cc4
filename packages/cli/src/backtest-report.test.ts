import { describe, expect, it } from 'vitest';
import { duration, sparkline } from './backtest-report.js';

describe('sparkline', () => {
  it('spans the lowest to the highest block and keeps the last point of each slice', () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8)).toBe('▁▂▃▄▅▆▇█');
    // 8 points in 4 characters: each character is the last of its two points
    expect(sparkline([1, 9, 1, 1, 1, 5, 1, 9], 4)).toBe('█▁▅█');
  });
  it('draws a flat run as a flat line, and nothing for no points', () => {
    expect(sparkline([5, 5, 5], 10)).toBe('▁▁▁');
    expect(sparkline([], 10)).toBe('');
  });
});

describe('duration', () => {
  it('reads as the two largest units', () => {
    expect(duration(93_600_000)).toBe('1d 2h');
    expect(duration(86_400_000 + 30 * 60_000)).toBe('1d');
    expect(duration(5 * 3_600_000 + 30 * 60_000)).toBe('5h 30m');
    expect(duration(45_000)).toBe('45s');
    expect(duration(0)).toBe('0m');
  });
});
