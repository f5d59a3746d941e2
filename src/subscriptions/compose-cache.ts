import type { Story } from '../dedup/story.js';
import { ShortLivedCache } from '../store/short-lived-cache.js';

/**
 * What the compose jobs of one process share for a short while. The subscriptions due at one
 * minute mostly have the same window, and with thousands of distinct bundles, reading every
 * story of the window (or every feed's weight) once per bundle would cost more than composing.
 */
export class ComposeCache {
  private readonly stories: ShortLivedCache<Story[]>;
  private readonly weights: ShortLivedCache<Record<string, number>>;

  constructor(ttlMs = 60_000) {
    this.stories = new ShortLivedCache(ttlMs, 16);
    this.weights = new ShortLivedCache(ttlMs, 1);
  }

  /** The stories of [from, to], loaded with `load` unless a load of that window is recent. */
  storiesOf(from: Date, to: Date, load: () => Promise<Story[]>): Promise<Story[]> {
    return this.stories.get(`${from.getTime()}-${to.getTime()}`, load);
  }

  /** Feed id → ranking weight, loaded with `load` unless loaded recently. */
  feedWeights(load: () => Promise<Record<string, number>>): Promise<Record<string, number>> {
    return this.weights.get('all', load);
  }
}
