/**
 * Promises of values kept for a short while, so that concurrent and closely following askers in
 * one process share one load. A failed load is forgotten at once, so the next asker retries.
 */
export class ShortLivedCache<T> {
  private readonly entries = new Map<string, { expiresAt: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The value under `key`, from `load` unless one was loaded (or is loading) within the ttl. */
  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = load();
    value.catch(() => this.entries.delete(key));
    this.entries.set(key, { expiresAt: now + this.ttlMs, value });
    // Entries go in insertion order, which is also expiry order: drop from the front.
    for (const [oldKey, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && entry.expiresAt > now) break;
      this.entries.delete(oldKey);
    }
    return value;
  }
}
