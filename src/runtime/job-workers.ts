/**
 * The worker role's job workers: poll-feed (new items go into the story engine, then to
 * breaking-news alerts), compose, deliver and housekeeping. startWorkers imports this module
 * while the schedulers are being synced: it pulls in most of Herald's code.
 */
import type { Worker } from 'bullmq';
import { startComposeWorker } from '../../jobs/compose.js';
import { startDeliverWorker } from '../../jobs/deliver.js';
import { startHousekeepingWorker } from '../../jobs/housekeeping.js';
import { createPollFeedDeps } from '../../jobs/poll-feed.js';
import { startPollWorker, type PollWorker } from '../../jobs/poll-worker.js';
import type { Item } from '../feeds/item.js';
import { observeWorker } from '../observability/worker-metrics.js';
import type { RedisClient } from '../store/client.js';
import { placedNow, RedisStoryEngine } from '../store/story-engine.js';
import { alertBreakingStories, alertLeftPending } from '../subscriptions/breaking.js';
import { ComposeCache } from '../subscriptions/compose-cache.js';
import { llmSummaryHooks } from './llm-summaries.js';
import type { StartWorkersOptions, Stores, WorkerQueues } from './workers.js';

/** Starts the four job workers on the stores and queues startWorkers opened. */
export function startJobWorkers(options: StartWorkersOptions, redis: RedisClient, queues: WorkerQueues, stores: Stores): (Worker | PollWorker)[] {
  const { config, logger, metrics } = options;
  const prefix = config.redis.prefix;
  const engine = new RedisStoryEngine(redis, prefix);
  const breakingDeps = { redis, keys: stores.keys, subscriptions: stores.subscriptions, briefings: stores.briefings, deliverQueue: queues.deliver, render: config.briefing, maxItemAgeHours: config.briefing.maxItemAgeHours };
  // The items are stored (and placed) by now: a failed alert must not fail (and retry) the poll.
  // A check cut short once it listed its stories (before its claims or after) is left for the
  // story's next alert or housekeeping to finish (see alertBreakingStories); one that fails before
  // (the listing itself, or reading the stories of copies) is only logged. Items and copies handed
  // on again (see ItemStore) alert again: at most once per story and chat.
  const alertBreaking = async (storyIds: () => Promise<string[]>): Promise<void> => {
    try {
      await alertBreakingStories(await storyIds(), breakingDeps);
    } catch (error) {
      logger.error({ err: error }, 'breaking-news alerts failed');
    }
  };
  // A poll's new items, and those housekeeping finds a failed poll left unplaced.
  const placeItems = async (items: Item[]): Promise<void> => {
    const placements = await engine.addItems(items);
    metrics?.itemsPlaced(placements.filter(placedNow));
    await alertBreaking(async () => placements.map((placement) => placement.storyId));
  };
  const pollDeps = createPollFeedDeps(redis, config, {
    ...(options.fetchOptions ? { fetchOptions: options.fetchOptions } : {}),
    onNewItems: placeItems,
    // A copy adds no item to a story, but the copy's feed's followers read the story through it now.
    onCopies: (originalIds) => alertBreaking(async () => [...(await engine.storiesOf(originalIds)).values()]),
  });
  const summaries = llmSummaryHooks({ redis, keys: stores.keys, config, logger, metrics });
  const composeDeps = { redis, prefix, config, subscriptions: stores.subscriptions, briefings: stores.briefings, feeds: stores.feeds, cache: new ComposeCache(), summaries, deliverQueue: queues.deliver };
  const deliverDeps = { ...stores, composeQueue: queues.compose, senders: options.senders, logger, ...(metrics ? { metrics } : {}) };
  const housekeepingDeps = { ...stores, items: pollDeps.items, composeQueue: queues.compose, placeItems, alertLeftPending: (now: Date) => alertLeftPending(breakingDeps, now) };
  const common = { connection: redis, prefix, logger };
  const workers: Worker[] = [
    startComposeWorker(composeDeps, common),
    startDeliverWorker(deliverDeps, { ...common, ...(options.deliverConcurrency !== undefined ? { concurrency: options.deliverConcurrency } : {}) }),
    startHousekeepingWorker(housekeepingDeps, common),
  ];
  if (metrics) for (const worker of workers) observeWorker(worker, metrics);
  return [startPollWorker(pollDeps, { logger, ...(metrics ? { metrics } : {}) }), ...workers];
}
