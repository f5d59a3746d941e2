import { describe, expect, it } from 'vitest';
import { batchesOf } from '../../src/batches.js';
import { inBatches } from '../../src/queue/in-batches.js';

describe('batchesOf', () => {
  it('cuts a list into consecutive batches of the size, the last one shorter, and an empty list into none', () => {
    expect(batchesOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batchesOf([1, 2, 3, 4], 2)).toEqual([[1, 2], [3, 4]]);
    expect(batchesOf([1, 2], 5)).toEqual([[1, 2]]);
    expect(batchesOf([], 3)).toEqual([]);
  });
});

describe('inBatches', () => {
  it('runs every item a batch at a time and stops between batches once aborted', async () => {
    const controller = new AbortController();
    const ran: number[] = [];
    const sizes: number[] = [];
    await inBatches([1, 2, 3, 4, 5], 2, async (item) => ran.push(item), {
      signal: controller.signal,
      onBatch: (size) => {
        sizes.push(size);
        if (sizes.length === 2) controller.abort();
      },
    });
    expect(ran).toEqual([1, 2, 3, 4]);
    expect(sizes).toEqual([2, 2]);
  });
});
