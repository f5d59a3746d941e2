import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from './client.js';
import type { Briefing } from '../briefing/model.js';
import type { RenderedParts } from '../render/index.js';
import type { Keys } from './keys.js';
import { withLock } from './lock.js';
import { ShortLivedCache } from './short-lived-cache.js';

/**
 * How long a briefing's parts stay retryable: long past the last automatic retry (minutes), long
 * enough for an owner to retry a dead letter after a weekend. Not longer: with many distinct
 * bundles a day, stored briefings are most of Herald's Redis memory.
 */
export const BRIEFING_TTL_S = 3 * 86_400;

/** A composed bundle: the briefing (null when the window was empty and the settings ask for nothing) and its parts. */
export interface StoredBriefing {
  id: string;
  briefing: Briefing | null;
  parts: RenderedParts;
  /** The window the briefing covers (ISO). */
  window: { from: string; to: string };
}

/** How long a lock holder may take to compose before another worker may try. */
const COMPOSE_LOCK_MS = 120_000;
/** How long this process keeps a bundle in memory: long enough for the other subscriptions due at the same minute. */
const RECENT_BUNDLE_TTL_MS = 120_000;
/** Bundles kept in memory at most. */
const RECENT_BUNDLE_MAX_ENTRIES = 1000;

/**
 * Composed briefings in Redis, keyed by bundle key, with get-or-compose: across workers a lock
 * makes one of them compose while the others wait for the result; within a process a short-lived
 * cache lets thousands of compose jobs of one bundle share one read.
 */
export class BriefingStore {
  private readonly recent = new ShortLivedCache<StoredBriefing>(RECENT_BUNDLE_TTL_MS, RECENT_BUNDLE_MAX_ENTRIES);

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async get(id: string): Promise<StoredBriefing | undefined> {
    const json = await this.redis.get(this.keys.briefing(id));
    return json === null ? undefined : (JSON.parse(json) as StoredBriefing);
  }

  async save(stored: StoredBriefing): Promise<void> {
    await this.redis.set(this.keys.briefing(stored.id), JSON.stringify(stored), 'EX', BRIEFING_TTL_S);
  }

  /**
   * The stored bundle `id`, composing and saving it with `compose` when nobody has yet. Only the
   * holder of the compose lock runs `compose`, so a bundle is composed once however many jobs
   * ask at once; should the holder die, its lock expires and the next asker composes.
   */
  async getOrCompose(id: string, compose: () => Promise<StoredBriefing>): Promise<StoredBriefing> {
    return this.recent.get(id, () => this.loadOrCompose(id, compose));
  }

  private async loadOrCompose(id: string, compose: () => Promise<StoredBriefing>): Promise<StoredBriefing> {
    const deadline = Date.now() + COMPOSE_LOCK_MS + 10_000;
    for (;;) {
      const stored = await this.get(id);
      if (stored) return stored;
      const outcome = await withLock(this.redis, this.keys.composeLock(id), COMPOSE_LOCK_MS, async () => {
        const again = await this.get(id);
        if (again) return again;
        const composed = await compose();
        await this.save(composed);
        return composed;
      });
      if (outcome.acquired) return outcome.value;
      if (Date.now() > deadline) throw new Error(`briefing ${id} is still being composed elsewhere; try again later`);
      await sleep(100);
    }
  }
}
