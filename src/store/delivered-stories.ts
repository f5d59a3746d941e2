import type { RedisClient } from './client.js';
import type { Story } from '../dedup/story.js';
import { execPipeline } from './pipeline.js';
import { createStoryKeys } from './story-keys.js';

/** Long enough to outlast any story (stories are kept a week), short enough to forget families nobody reads any more. */
const DELIVERY_MEMORY_TTL_MS = 30 * 86_400_000;

/**
 * Remembers that these stories were delivered to a bundle family (see bundleFamily: every
 * subscription that reads alike shares one memory), each with its item count at the time, for
 * `applyDeliveryMemory` at the next briefing. One hash per family, its ttl renewed on every
 * delivery.
 */
export async function rememberDeliveredStories(redis: RedisClient, prefix: string, family: string, stories: Story[]): Promise<void> {
  if (stories.length === 0) return;
  const key = createStoryKeys(prefix).deliveredStories(family);
  await execPipeline(
    redis
      .multi()
      .hset(key, Object.fromEntries(stories.map((story) => [story.id, String(story.items.length)])))
      .pexpire(key, DELIVERY_MEMORY_TTL_MS),
  );
}

/** Story id → items delivered, for one bundle family (empty when nothing was delivered yet). */
export async function deliveredStories(redis: RedisClient, prefix: string, family: string): Promise<Map<string, number>> {
  const fields = await redis.hgetall(createStoryKeys(prefix).deliveredStories(family));
  return new Map(Object.entries(fields).map(([storyId, count]) => [storyId, Number(count)]));
}
