/**
 * Runs `each` over `items`, `size` at a time: many round trips in flight instead of one after
 * another, without holding thousands of pending commands (and their memory) at once.
 */
export async function inBatches<T>(items: readonly T[], size: number, each: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += size) await Promise.all(items.slice(start, start + size).map(each));
}
