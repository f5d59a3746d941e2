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
import { observeWorker } from '../observability/worker-metrics.js';
import { RedisStoryEngine } from '../store/story-engine.js';
import { alertLeftPending } from '../subscriptions/breaking.js';
import { ComposeCache } from '../subscriptions/compose-cache.js';
import { llmSummaryHooks } from './llm-summaries.js';
import { pollHooks } from './poll-hooks.js';
import type { Connections, StartWorkersOptions, Stores, WorkerQueues } from './workers.js';

/**
 * Starts the four job workers on the stores and queues startWorkers opened, and on its two
 * connections (see openQueueConnection). Each is added to `started` as soon as it runs, so a
 * start that throws partway leaves startWorkers those to close.
 */
export function startJobWorkers(options: StartWorkersOptions, connections: Connections, queues: WorkerQueues, stores: Stores, started: (Worker | PollWorker)[]): void {
  const { config, logger, metrics } = options;
  const redis = connections.store;
  const prefix = config.redis.prefix;
  const breakingDeps = { redis, keys: stores.keys, subscriptions: stores.subscriptions, briefings: stores.briefings, deliverQueue: queues.deliver, render: config.briefing, maxItemAgeHours: config.briefing.maxItemAgeHours };
  const { placeItems, onCopies } = pollHooks(new RedisStoryEngine(redis, prefix), breakingDeps, logger, metrics);
  const pollDeps = createPollFeedDeps(redis, config, {
    ...(options.fetchOptions ? { fetchOptions: options.fetchOptions } : {}),
    onNewItems: placeItems,
    onCopies,
  });
  const summaries = llmSummaryHooks({ redis, keys: stores.keys, config, logger, metrics });
  const composeDeps = { redis, prefix, config, subscriptions: stores.subscriptions, briefings: stores.briefings, feeds: stores.feeds, cache: new ComposeCache(), summaries, deliverQueue: queues.deliver };
  const deliverDeps = { ...stores, composeQueue: queues.compose, senders: options.senders, logger, ...(metrics ? { metrics } : {}) };
  const housekeepingDeps = { ...stores, items: pollDeps.items, composeQueue: queues.compose, placeItems, alertCopies: onCopies, alertLeftPending: (now: Date) => alertLeftPending(breakingDeps, now) };
  const common = { connection: connections.queues, prefix, logger };
  const add = (worker: Worker) => {
    started.push(worker);
    if (metrics) observeWorker(worker, metrics);
  };
  add(startComposeWorker(composeDeps, common));
  add(startDeliverWorker(deliverDeps, { ...common, ...(options.deliverConcurrency !== undefined ? { concurrency: options.deliverConcurrency } : {}) }));
  add(startHousekeepingWorker(housekeepingDeps, common));
  started.push(startPollWorker(pollDeps, { logger, ...(metrics ? { metrics } : {}) }));
}
