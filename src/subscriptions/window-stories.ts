import type { Story } from '../dedup/story.js';
import { ShortLivedCache } from '../store/short-lived-cache.js';

/**
 * Stories of a window, shared for a short while by the compose jobs of one process: the
 * subscriptions due at one minute mostly have the same window, and reading every story of it
 * from Redis once per subscription would cost more than composing.
 */
export class WindowStoriesCache {
  private readonly cache: ShortLivedCache<Story[]>;

  constructor(ttlMs = 60_000, maxEntries = 16) {
    this.cache = new ShortLivedCache(ttlMs, maxEntries);
  }

  /** The stories of [from, to], loaded with `load` unless a load of that window is recent. */
  get(from: Date, to: Date, load: () => Promise<Story[]>): Promise<Story[]> {
    return this.cache.get(`${from.getTime()}-${to.getTime()}`, load);
  }
}
