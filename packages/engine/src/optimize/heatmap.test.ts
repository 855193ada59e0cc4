import { describe, expect, it } from 'vitest';
import { heatmapAxes, heatmapOf, HEATMAP_CELLS } from './heatmap.js';
import { paramSpace } from './space.js';

const space = paramSpace({
  fast: { value: 10, min: 5, max: 15, step: 5 },
  slow: { value: 30, min: 20, max: 40, step: 10 },
  stop: { value: 0.02, min: 0.01, max: 0.05 },
  label: 3,
});

describe('the heatmap of two params', () => {
  it('puts each trial in its cell and keeps the best passing score there', () => {
    const h = heatmapOf([
      { params: { fast: 5, slow: 20, stop: 0.01 }, score: 0.4 },
      { params: { fast: 5, slow: 20, stop: 0.03 }, score: 0.9 },
      { params: { fast: 15, slow: 40, stop: 0.02 }, score: null },
      { params: { fast: 10, slow: 30, stop: 0.02 }, score: -0.2 },
    ], space, 'fast', 'slow');
    expect(h.xValues).toEqual([5, 10, 15]);
    expect(h.yValues).toEqual([20, 30, 40]);
    expect(h.scores).toEqual([[0.9, null, null], [null, -0.2, null], [null, null, null]]);
    expect(h.counts).toEqual([[2, 0, 0], [0, 1, 0], [0, 0, 1]]);
  });

  it('bins a continuous param into equal ranges, and a single param is one row', () => {
    const h = heatmapOf([{ params: { fast: 5, slow: 20, stop: 0.05 }, score: 1 }, { params: { fast: 5, slow: 20, stop: 0.01 }, score: 2 }], space, 'stop');
    expect(h.xValues).toHaveLength(HEATMAP_CELLS);
    expect(h.xValues[0]).toBe(0.01133); // the first bin's centre, 4 digits
    expect(h.scores).toHaveLength(1);
    expect(h.scores[0]![0]).toBe(2);
    expect(h.scores[0]![HEATMAP_CELLS - 1]).toBe(1);
    expect(h.y).toBeUndefined();
  });

  it('shows the two params with the most values by default, and names a param it does not search', () => {
    expect(heatmapAxes(space)).toEqual(['stop', 'fast']);
    expect(() => heatmapOf([], space, 'label')).toThrow("'label' is not a searched param (searched: fast, slow, stop)");
  });
});
