import { batchesOf } from '../batches.js';

/** Optional controls of inBatches (a long write at start-up that logs progress and stops at shutdown). */
export interface InBatchesOptions {
  /** Stops between batches once aborted; what is left is not run. */
  signal?: AbortSignal;
  /** Called after each batch with its size. */
  onBatch?: (size: number) => void;
}

/**
 * Runs `each` over `items`, `size` at a time: many round trips in flight instead of one after
 * another, without holding thousands of pending commands (and their memory) at once.
 */
export async function inBatches<T>(items: readonly T[], size: number, each: (item: T) => Promise<unknown>, options: InBatchesOptions = {}): Promise<void> {
  for (const batch of batchesOf(items, size)) {
    if (options.signal?.aborted) return;
    await Promise.all(batch.map(each));
    options.onBatch?.(batch.length);
  }
}
