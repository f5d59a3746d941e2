import type { RedisClient } from './client.js';
import type { StorySummary } from '../summarize/extractive.js';
import type { SummaryCache } from '../summarize/summarize.js';
import type { Keys } from './keys.js';

/**
 * LLM summaries in Redis, shared by every worker and the bot, so a story is summarized once
 * however many processes compose briefings with it. Each summary expires with the items it
 * summarizes (`retentionDays`): a story shown again within that time costs no second request.
 */
export class RedisSummaryCache implements SummaryCache {
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    options: { retentionDays: number },
  ) {
    this.ttlSeconds = Math.max(1, Math.round(options.retentionDays * 86_400));
  }

  async get(key: string): Promise<StorySummary | undefined> {
    const json = await this.redis.get(this.keys.llmSummary(key));
    return json === null ? undefined : (JSON.parse(json) as StorySummary);
  }

  async set(key: string, summary: StorySummary): Promise<void> {
    await this.redis.set(this.keys.llmSummary(key), JSON.stringify(summary), 'EX', this.ttlSeconds);
  }
}
