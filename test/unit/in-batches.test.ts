import fc from 'fast-check';
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

  it('gives back every item in order, in batches of the size but the last, for any list and size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 50 }), fc.integer({ min: 1, max: 60 }), (items, size) => {
        const batches = batchesOf(items, size);
        expect(batches.flat()).toEqual(items);
        expect(batches.slice(0, -1).every((batch) => batch.length === size)).toBe(true);
        expect(batches.every((batch) => batch.length >= 1 && batch.length <= size)).toBe(true);
      }),
    );
  });

  it('refuses a size that is not a whole number from 1, which would loop for ever or cut uneven batches', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)), (size) => {
        // Even for an empty list: the caller's size is wrong whatever it is given.
        for (const items of [[], [1, 2, 3]]) expect(() => batchesOf(items, size)).toThrow(RangeError);
      }),
    );
    expect(() => batchesOf([1], 0)).toThrow('batchesOf: the batch size must be a whole number from 1, not 0');
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
