import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './client.js';
import type { Destination, PlatformName } from '../platforms/delivery.js';
import type { Subscription } from '../subscriptions/model.js';
import type { Keys } from './keys.js';
import { execPipeline, readHashFields } from './pipeline.js';
import { withStoreScripts } from './scripts.js';

/** How long a moved subscription's old id keeps pointing at the new one (deliveries in flight follow it). */
const MOVED_POINTER_TTL_S = 30 * 86_400;

/**
 * The subscription id of a destination: platform, chat and thread joined by `/`, which no
 * Telegram username or Discord snowflake contains, so two destinations never share an id.
 * BullMQ refuses `:` in job ids and the id is part of delivery job ids, so `:` becomes `_`.
 */
export function subscriptionIdFor(destination: Destination): string {
  const parts = [destination.platform, destination.chatId, ...(destination.threadId ? [destination.threadId] : [])];
  return parts.join('/').replaceAll(':', '_');
}

/**
 * The fields of a subscription's hash, in the order fromFields takes them: the whole record as
 * JSON, plus the fields the jobs change on their own (`active`, `inactiveReason`,
 * `lastWindowEnd`), written field by field so that a delivery deactivating a subscription and a
 * compose moving its window on never undo each other.
 */
const HASH_FIELDS = ['json', 'active', 'inactiveReason', 'lastWindowEnd'] as const;

/**
 * The subscription stored as HASH_FIELDS (null where absent). The fields the jobs write on their
 * own are set on the object just parsed, not spread into a copy: 10,000 subscriptions listed
 * at every start made a copy each, garbage the start then had to collect.
 */
function fromFields([json, active, inactiveReason, lastWindowEnd]: ReadonlyArray<string | null>): Subscription | undefined {
  if (json === null || json === undefined) return undefined;
  const subscription = JSON.parse(json) as Subscription;
  if (active !== null && active !== undefined) subscription.active = active === '1';
  if (inactiveReason !== null && inactiveReason !== undefined) subscription.inactiveReason = inactiveReason;
  if (lastWindowEnd !== null && lastWindowEnd !== undefined) subscription.lastWindowEnd = lastWindowEnd;
  return subscription;
}

/** Subscriptions in Redis: one hash each, an index set, and a set of those with breaking news on. */
export class SubscriptionStore {
  private readonly redis: RedisClient;

  constructor(
    redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.redis = withStoreScripts(redis);
  }

  /** Creates or replaces a subscription (its id must be `subscriptionIdFor(destination)`). */
  async upsert(subscription: Subscription): Promise<void> {
    const key = this.keys.subscription(subscription.id);
    const pipeline = this.redis
      .multi()
      .del(key)
      .hset(key, 'json', JSON.stringify(subscription))
      .sadd(this.keys.subscriptionIndex(), subscription.id);
    if (subscription.breakingMinSources !== undefined) pipeline.sadd(this.keys.breakingSubscriptions(), subscription.id);
    else pipeline.srem(this.keys.breakingSubscriptions(), subscription.id);
    await execPipeline(pipeline);
  }

  async get(id: string): Promise<Subscription | undefined> {
    return fromFields(await this.redis.hmget(this.keys.subscription(id), ...HASH_FIELDS));
  }

  /** Subscriptions by id; missing ones are left out. */
  async getMany(ids: string[]): Promise<Subscription[]> {
    const records = await readHashFields(
      this.redis,
      ids.map((id) => this.keys.subscription(id)),
      HASH_FIELDS,
    );
    return records.flatMap((fields) => fromFields(fields) ?? []);
  }

  /** Every subscription matching the filter, ordered by id. */
  async list(filter: { platform?: PlatformName; active?: boolean } = {}): Promise<Subscription[]> {
    const ids = (await this.redis.smembers(this.keys.subscriptionIndex())).sort();
    return (await this.getMany(ids)).filter(
      (subscription) =>
        (filter.platform === undefined || subscription.destination.platform === filter.platform) &&
        (filter.active === undefined || subscription.active === filter.active),
    );
  }

  /** The ids of the subscriptions that asked for breaking-news alerts (active or not): one SMEMBERS, for a caller that has nothing to do without them. */
  async breakingIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.breakingSubscriptions());
  }

  /** The active subscriptions among `ids` (as breakingIds read them) that asked for breaking-news alerts. */
  async listBreaking(ids: string[]): Promise<Subscription[]> {
    const subscriptions = await this.getMany(ids);
    return subscriptions.filter((subscription) => subscription.active && subscription.breakingMinSources !== undefined);
  }

  /** Deletes a subscription; false when there was none. */
  async remove(id: string): Promise<boolean> {
    const replies = await execPipeline(this.dropFrom(this.redis.multi(), id));
    return replies[0] === 1;
  }

  /** Stops deliveries to a subscription, keeping it (and the reason, for /status) until someone resubscribes. */
  async deactivate(id: string, reason: string): Promise<void> {
    await this.setFields(id, 'active', '0', 'inactiveReason', reason);
  }

  /** Telegram group → supergroup: re-key the subscription to the new chat id, keep everything else. */
  async moveDestination(id: string, newChatId: string): Promise<Subscription | undefined> {
    const subscription = await this.get(id);
    if (!subscription) return undefined;
    const destination: Destination = { ...subscription.destination, chatId: newChatId, channelKind: 'supergroup' };
    const moved: Subscription = { ...subscription, id: subscriptionIdFor(destination), destination };
    if (moved.id === id) return subscription;
    await this.upsert(moved);
    await execPipeline(this.dropFrom(this.redis.multi(), id).set(this.keys.subscriptionMoved(id), moved.id, 'EX', MOVED_POINTER_TTL_S));
    return moved;
  }

  /**
   * The subscription under `id`, or the one it moved to (followed through several moves), so a
   * delivery queued before a move still finds its destination.
   */
  async resolve(id: string): Promise<Subscription | undefined> {
    let current = id;
    for (let hops = 0; hops < 5; hops += 1) {
      const subscription = await this.get(current);
      if (subscription) return subscription;
      const next = await this.redis.get(this.keys.subscriptionMoved(current));
      if (next === null) return undefined;
      current = next;
    }
    return undefined;
  }

  /** Records the end of the window its last briefing covered; the next window starts there. */
  async setLastWindowEnd(id: string, windowEnd: Date): Promise<void> {
    await this.setFields(id, 'lastWindowEnd', windowEnd.toISOString());
  }

  /** Adds to `multi` the removal of a subscription's hash (its reply first) and of its id from both index sets. */
  private dropFrom(multi: ChainableCommander, id: string): ChainableCommander {
    return multi.del(this.keys.subscription(id)).srem(this.keys.subscriptionIndex(), id).srem(this.keys.breakingSubscriptions(), id);
  }

  /** Sets fields of an existing subscription's hash in one step; a missing subscription stays missing. */
  private async setFields(id: string, ...fieldsAndValues: string[]): Promise<void> {
    const key = this.keys.subscription(id);
    await this.redis.heraldHsetIfExists(key, key, '0', ...fieldsAndValues);
  }
}
