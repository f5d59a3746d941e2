/** `items` cut into consecutive batches of `size` (the last one shorter): commands or calls that must not take a whole list at once, rows of buttons. */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}
