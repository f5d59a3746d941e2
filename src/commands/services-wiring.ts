import type { RedisClient } from '../store/client.js';
import type { HeraldConfig } from '../config/schema.js';
import type { FetchOptions } from '../feeds/fetch.js';
import type { Logger } from '../log.js';
import type { HeraldMetrics } from '../observability/metrics.js';
import type { ComposeQueue } from '../queue/compose-jobs.js';
import { retryDeadLetter, type DeliverQueue } from '../queue/deliver-jobs.js';
import type { PollQueue } from '../queue/poll-jobs.js';
import { unscheduleFeed, scheduleNewFeed } from '../queue/schedulers.js';
import { nextBriefingTimes, removeSubscriptionSchedulers, upsertSubscriptionSchedulers } from '../queue/subscription-schedulers.js';
import { llmSummaryHooks } from '../runtime/llm-summaries.js';
import { BriefingStore } from '../store/briefings.js';
import { DeliveryStore } from '../store/deliveries.js';
import { FeedStore } from '../store/feeds.js';
import type { Keys } from '../store/keys.js';
import { SubscriptionStore } from '../store/subscriptions.js';
import { composeForSubscription } from '../subscriptions/compose-for-subscription.js';
import type { CommandServices, SchedulingPort } from './services.js';

/** What `createCommandServices` is built from: one Redis connection and the queues of the process. */
export interface CommandServicesDeps {
  config: HeraldConfig;
  redis: RedisClient;
  keys: Keys;
  pollQueue: PollQueue;
  composeQueue: ComposeQueue;
  /** Where an owner's retry puts a failed delivery back. */
  deliverQueue: DeliverQueue;
  /** For feed trials (/addfeed, /import): defaultFetchOptions(config.fetch), made once for the bot so its trials share one per-host cap. */
  fetchOptions: FetchOptions;
  /** Where a /preview's LLM summary fallbacks are logged and counted. */
  logger?: Logger;
  metrics?: HeraldMetrics;
}

function schedulingFor(deps: CommandServicesDeps): SchedulingPort {
  const { pollQueue, composeQueue } = deps;
  return {
    feedAdded: (feed) => scheduleNewFeed(pollQueue, feed),
    feedRemoved: async (feedId) => void (await unscheduleFeed(pollQueue, feedId)),
    subscriptionSaved: (subscription) => upsertSubscriptionSchedulers(composeQueue, subscription),
    subscriptionRemoved: (subscriptionId) => removeSubscriptionSchedulers(composeQueue, subscriptionId),
    nextBriefingAt: async (subscription) => (await nextBriefingTimes(composeQueue, [subscription])).get(subscription.id),
  };
}

/** The command core's services over Redis and BullMQ: what `herald start` hands to the bots. */
export function createCommandServices(deps: CommandServicesDeps): CommandServices {
  const { config, redis, keys } = deps;
  const feeds = new FeedStore(redis, keys);
  const subscriptions = new SubscriptionStore(redis, keys);
  const deliveries = new DeliveryStore(redis, keys);
  const briefings = new BriefingStore(redis, keys);
  const summaries = llmSummaryHooks({ redis, keys, config, logger: deps.logger, metrics: deps.metrics });
  const composeDeps = { redis, prefix: keys.prefix, config, subscriptions, briefings, feeds, summaries };
  return {
    config,
    feeds,
    subscriptions,
    scheduling: schedulingFor(deps),
    fetchOptions: deps.fetchOptions,
    composePreview: (subscription, now) => composeForSubscription(subscription, composeDeps, { now, preview: true }),
    deadLetters: () => deliveries.deadLetters(),
    retryDeadLetter: (id) => retryDeadLetter(id, { queue: deps.deliverQueue, deliveries, briefings }),
  };
}
