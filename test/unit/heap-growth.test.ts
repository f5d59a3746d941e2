import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from '../../src/runtime/heap-growth.js';

describe('heapGrowthFlag', () => {
  it('limits the old generation growth when the operator chose nothing', () => {
    expect(heapGrowthFlag([])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(['--enable-source-maps', '--max-old-space-size=512'])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });

  it("leaves the operator's own growth factor on node's command line alone, in either spelling", () => {
    expect(heapGrowthFlag(['--heap-growing-percent=100'])).toBeUndefined();
    expect(heapGrowthFlag(['--enable-source-maps', '--heap_growing_percent=20'])).toBeUndefined();
  });

  it('does not take a longer flag for the growth factor', () => {
    expect(heapGrowthFlag(['--heap-growing-percentage-of-nothing'])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });
});
