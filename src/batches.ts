/**
 * `items` cut into consecutive batches of `size` (the last one shorter): commands or calls that must not take a whole list at once.
 * Throws a RangeError for a size that is not a whole number from 1: a size of 0 or less would never get past the first item, a fraction would cut uneven batches.
 */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batchesOf: the batch size must be a whole number from 1, not ${size}`);
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}
