import type { Redis } from 'ioredis';
import type { Story } from '../dedup/story.js';
import { execPipeline } from './pipeline.js';
import { createStoryKeys } from './story-keys.js';

/** Long enough to outlast any story (stories are kept a week), short enough to forget old subscriptions. */
export const DELIVERY_MEMORY_TTL_MS = 30 * 86_400_000;

/**
 * Remembers that these stories were delivered to a subscription, each with its item count at the
 * time, for `applyDeliveryMemory` at the next briefing. One hash per subscription, its ttl renewed
 * on every delivery.
 */
export async function rememberDeliveredStories(redis: Redis, prefix: string, subscriptionId: string, stories: Story[], ttlMs = DELIVERY_MEMORY_TTL_MS): Promise<void> {
  if (stories.length === 0) return;
  const key = createStoryKeys(prefix).deliveredStories(subscriptionId);
  await execPipeline(
    redis
      .multi()
      .hset(key, Object.fromEntries(stories.map((story) => [story.id, String(story.items.length)])))
      .pexpire(key, ttlMs),
  );
}

/** Story id → items delivered, for one subscription (empty when nothing was delivered yet). */
export async function deliveredStories(redis: Redis, prefix: string, subscriptionId: string): Promise<Map<string, number>> {
  const fields = await redis.hgetall(createStoryKeys(prefix).deliveredStories(subscriptionId));
  return new Map(Object.entries(fields).map(([storyId, count]) => [storyId, Number(count)]));
}
