import type { RedisClient } from './client.js';
import type { Destination, SentPart } from '../platforms/delivery.js';
import { BRIEFING_TTL_S } from './briefings.js';
import type { Keys } from './keys.js';
import { withStoreScripts } from './scripts.js';

/** Sent records outlive the briefing itself (BRIEFING_TTL_S), so no retry can ever find a sent part unrecorded. */
const SENT_RECORD_TTL_S = BRIEFING_TTL_S + 86_400;

/** A part the delivery is done with: sent (with the platform's ids), or refused by the platform on its own. */
export type PartRecord = SentPart | { skipped: string };

/** A delivery that failed its last attempt, kept for /status, the logs and an owner's retry. */
export interface DeadLetter {
  /** The delivery job id. */
  id: string;
  briefingId: string;
  subscriptionId: string;
  /** Where it was going; absent when the subscription is gone. */
  destination?: Destination;
  reason: string;
  attempts: number;
  failedAt: string;
}

/** What an owner's retry of a dead letter did: requeued it, found none by that id, or found its briefing expired. */
export type DeadLetterRetry = 'retried' | 'unknown' | 'expired';

/**
 * Per-delivery progress and the dead-letter list. A delivery's record maps part index → what
 * happened to it; the delivery job resumes at the first index not in it.
 */
export class DeliveryStore {
  private readonly redis: RedisClient;

  constructor(
    redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.redis = withStoreScripts(redis);
  }

  /** Part index → record, for one delivery. */
  async parts(deliveryId: string): Promise<Map<number, PartRecord>> {
    const fields = await this.redis.hgetall(this.keys.deliverySent(deliveryId));
    return new Map(Object.entries(fields).map(([index, json]) => [Number(index), JSON.parse(json) as PartRecord]));
  }

  /** Records one part as done; written before the next part is sent. */
  async recordPart(deliveryId: string, index: number, record: PartRecord): Promise<void> {
    await this.redis.heraldHsetWithTtl(this.keys.deliverySent(deliveryId), String(index), JSON.stringify(record), String(SENT_RECORD_TTL_S));
  }

  async addDeadLetter(letter: DeadLetter): Promise<void> {
    await this.redis.hset(this.keys.deadLetters(), letter.id, JSON.stringify(letter));
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const fields = await this.redis.hgetall(this.keys.deadLetters());
    return Object.values(fields)
      .map((json) => JSON.parse(json) as DeadLetter)
      .sort((a, b) => a.failedAt.localeCompare(b.failedAt));
  }

  async deadLetter(id: string): Promise<DeadLetter | undefined> {
    const json = await this.redis.hget(this.keys.deadLetters(), id);
    return json === null ? undefined : (JSON.parse(json) as DeadLetter);
  }

  async removeDeadLetter(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.deadLetters(), id)) === 1;
  }

  /** Drops dead letters that failed before `before`; returns how many. */
  async pruneDeadLetters(before: Date): Promise<number> {
    const stale = (await this.deadLetters()).filter((letter) => Date.parse(letter.failedAt) < before.getTime());
    if (stale.length === 0) return 0;
    return this.redis.hdel(this.keys.deadLetters(), ...stale.map((letter) => letter.id));
  }
}
