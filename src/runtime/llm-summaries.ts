import type { RedisClient } from '../store/client.js';
import type { HeraldConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { HeraldMetrics } from '../observability/metrics.js';
import type { Keys } from '../store/keys.js';
import { RedisSummaryCache } from '../store/summary-cache.js';
import { describeFallbacks, fallbacksNeedAttention } from '../summarize/llm-report.js';
import type { SummaryHooks } from '../summarize/summarize.js';

export interface LlmSummaryWiring {
  redis: RedisClient;
  keys: Keys;
  config: Pick<HeraldConfig, 'defaults'>;
  logger?: Logger | undefined;
  metrics?: HeraldMetrics | undefined;
}

/**
 * How a Herald process summarizes with an LLM: answers kept in Redis for every process, each
 * briefing's outcome counted in the metrics, and its fallbacks logged in one line (a warning
 * unless the configured token budget was all that held the model back).
 */
export function llmSummaryHooks({ redis, keys, config, logger, metrics }: LlmSummaryWiring): SummaryHooks {
  return {
    cache: new RedisSummaryCache(redis, keys, { retentionDays: config.defaults.retentionDays }),
    onReport(report) {
      metrics?.llmSummarized(report);
      const fallbacks = describeFallbacks(report);
      if (fallbacks === undefined) return;
      const fields = { stories: report.stories, generated: report.generated, cached: report.cached, fallbacks: report.fallbacks.length, tokens: report.tokens };
      if (fallbacksNeedAttention(report)) logger?.warn(fields, `LLM summaries: ${fallbacks}`);
      else logger?.info(fields, `LLM summaries: ${fallbacks}`);
    },
  };
}
