/**
 * Wiring of Herald's background roles in one process: stores and queues over one Redis
 * connection, the four job workers, and the schedulers that keep feeds and subscriptions
 * planned. `herald start` and the scale-out tests start Herald through here.
 */
import type { Queue, Worker } from 'bullmq';
import type { RedisClient } from '../store/client.js';
import type { Senders } from '../../jobs/deliver.js';
import { createHousekeepingQueue, upsertHousekeepingScheduler, type HousekeepingQueue } from '../../jobs/housekeeping.js';
import type { PollWorker } from '../../jobs/poll-worker.js';
import { logFeedSync, syncConfigFeeds } from '../config/feed-sync.js';
import type { HeraldConfig } from '../config/schema.js';
import type { FetchOptions } from '../feeds/fetch.js';
import type { Logger } from '../log.js';
import type { HeraldMetrics } from '../observability/metrics.js';
import { createComposeQueue, type ComposeQueue } from '../queue/compose-jobs.js';
import { createRedisConnection, openQueueConnection } from '../queue/connection.js';
import { countFeeds, summarizeActive, type ActiveSubscriptions, type FeedCounts } from './startup-summary.js';
import { createDeliverQueue, type DeliverQueue } from '../queue/deliver-jobs.js';
import { createPollQueue, type PollQueue } from '../queue/poll-jobs.js';
import { retireFeedSchedulers, syncFeedSchedule } from '../queue/schedulers.js';
import { applySchedulerPlan, planSubscriptionSchedulers } from '../queue/subscription-schedulers.js';
import { BriefingStore } from '../store/briefings.js';
import { DeliveryStore } from '../store/deliveries.js';
import { FeedStore } from '../store/feeds.js';
import { createKeys, type Keys } from '../store/keys.js';
import { migrateKeyLayout } from '../store/migrate-layout.js';
import { SubscriptionStore } from '../store/subscriptions.js';
import { CONSOLE_DESTINATION, defaultSubscription } from '../subscriptions/defaults.js';
import type { Subscription } from '../subscriptions/model.js';

export type { Senders };

export interface WorkerQueues {
  poll: PollQueue;
  compose: ComposeQueue;
  deliver: DeliverQueue;
  housekeeping: HousekeepingQueue;
}

export interface StartWorkersOptions {
  config: HeraldConfig;
  /** A connection made with createRedisConnection (`maxRetriesPerRequest: null`), or a URL to make one from. */
  connection: RedisClient | string;
  senders: Senders;
  logger: Logger;
  roles: { worker: boolean; scheduler: boolean };
  /** How long close() lets jobs in flight finish before returning them to the queue (default 25 s). */
  shutdownGraceMs?: number;
  /** Deliveries in flight per process (default 50). */
  deliverConcurrency?: number;
  /** Prometheus metrics: job outcomes and durations, story placements, queue depths. */
  metrics?: HeraldMetrics;
  /** The process's fetch options, so polls and the bot's trial fetches share one per-host limit (default: from config.fetch). */
  fetchOptions?: FetchOptions;
  /**
   * Write the subscription schedulers that need it while the workers run, instead of before
   * startWorkers returns (`herald start`: a first start with 10,000 subscriptions writes for seconds).
   */
  subscriptionSchedulersInBackground?: boolean;
}

/** What the scheduler role put in place: the feeds counted as synced, and the subscription schedulers, which may still be being written when startWorkers returns. */
export interface SchedulerStart {
  /** The catalogue after the config sync, counted from the sync's own listing (for the start-up summary). */
  feeds: FeedCounts;
  /** Schedulers still to write or remove when startWorkers returned (0: all in place). */
  pending: number;
  /** Settles with the active subscriptions (counted, the first few kept) once their schedulers are in place (undefined: the writing was stopped by close()). */
  done: Promise<ActiveSubscriptions | undefined>;
}

export interface RunningWorkers {
  queues: WorkerQueues;
  /** The BullMQ queues among them (all but the poll schedule): what dashboards and queue metrics watch. */
  jobQueues: Queue[];
  /** With the scheduler role. */
  schedulerStart?: SchedulerStart;
  /** Stops taking jobs, lets those in flight finish (or returns them after the grace period), closes connections. */
  close(): Promise<void>;
}

/**
 * Makes the catalogue follow the config and schedules every enabled feed of it (one never polled
 * yet is due now, not at its first slot up to an interval away); disabled and removed feeds leave
 * the schedule. Returns just the counts: the sync's listing (10,000 feeds with their poll states,
 * ~4 MB) is garbage once this returns, not live while the subscriptions are read and compared
 * after it, the start-up's peak. A full GC at that peak sizes the old generation, and an idle
 * worker (a restart's) keeps that size, mostly garbage, until it allocates enough to reach it.
 */
async function scheduleConfigFeeds(config: HeraldConfig, feeds: FeedStore, pollQueue: PollQueue, logger: Logger): Promise<FeedCounts> {
  const sync = await syncConfigFeeds(config, feeds);
  logFeedSync(sync, logger);
  await syncFeedSchedule(
    pollQueue,
    sync.catalogue.filter(({ state }) => state.disabledReason === undefined),
  );
  return countFeeds(sync.catalogue);
}

/**
 * With no bot token nothing could be posted anywhere: a console subscription makes sure the
 * briefings are printed instead of lost. An existing one is left as it is (its window goes on).
 * Takes every stored subscription and returns them as they are now.
 */
async function ensureConsoleSubscription(config: HeraldConfig, store: SubscriptionStore, subscriptions: Subscription[]): Promise<Subscription[]> {
  if (config.telegram.token || config.discord.token) return subscriptions;
  const printed = defaultSubscription(CONSOLE_DESTINATION, config, new Date());
  const existing = subscriptions.find((subscription) => subscription.id === printed.id);
  if (existing) {
    // The console subscription belongs to the config: a changed briefing time or zone applies at the next start.
    const updated = { ...existing, schedule: printed.schedule };
    await store.upsert(updated);
    return subscriptions.map((subscription) => (subscription === existing ? updated : subscription));
  }
  if (subscriptions.some((subscription) => subscription.active)) return subscriptions;
  await store.upsert(printed);
  return [...subscriptions, printed];
}

/** startWorkers's two connections: the store's, and BullMQ's beside it (see openQueueConnection). */
export interface Connections {
  store: RedisClient;
  queues: RedisClient;
}

export interface Stores {
  keys: Keys;
  feeds: FeedStore;
  subscriptions: SubscriptionStore;
  briefings: BriefingStore;
  deliveries: DeliveryStore;
}

/** Progress of background scheduler writes is logged at most this often. */
const PROGRESS_LOG_MS = 2_000;

/** Up to this many scheduler writes take a fraction of a second: they are done before the workers start, even when background writing is asked for. */
const FOREGROUND_WRITES = 500;

/** Subscription schedulers written while the workers run: from when `begins` settles until `signal` aborts. */
interface BackgroundWriting {
  signal: AbortSignal;
  begins: Promise<void>;
}

/**
 * Feeds and housekeeping scheduled, subscription schedulers compared with the subscriptions.
 * Those to write are written before this returns, unless there are more than FOREGROUND_WRITES
 * and `background` is given: then they are written once `background.begins` settles (the
 * workers started), with progress logged, until `background.signal` aborts. The old poll-feed
 * queue is retired on the queues' connection; the scheduler records are read on the store's.
 */
async function startSchedulers(config: HeraldConfig, connections: Connections, queues: WorkerQueues, stores: Stores, logger: Logger, background: BackgroundWriting | undefined): Promise<SchedulerStart> {
  if (await retireFeedSchedulers(connections.queues, config.redis.prefix)) logger.info('removed the per-feed poll job schedulers: feeds are polled from the poll schedule now');
  const feeds = await scheduleConfigFeeds(config, stores.feeds, queues.poll, logger);
  await upsertHousekeepingScheduler(queues.housekeeping);
  const subscriptions = await ensureConsoleSubscription(config, stores.subscriptions, await stores.subscriptions.list());
  const plan = await planSubscriptionSchedulers(queues.compose, connections.store, subscriptions);
  // Summed up now, so the writing below does not keep every subscription (10,000: ~5 MB) alive for its few seconds.
  const active = summarizeActive(subscriptions.filter((subscription) => subscription.active));
  const pending = plan.write.length + plan.stale.length;
  const inBackground = pending > FOREGROUND_WRITES ? background : undefined;
  const signal = inBackground?.signal;
  let logged = Date.now();
  const onProgress = (done: number) => {
    if (signal === undefined || Date.now() - logged < PROGRESS_LOG_MS) return;
    logged = Date.now();
    logger.info({ done, pending }, `subscription schedulers: ${done} of ${pending} written`);
  };
  const done = (inBackground?.begins ?? Promise.resolve()).then(() => applySchedulerPlan(queues.compose, plan, { onProgress, ...(signal ? { signal } : {}) })).then((synced) => {
    if (signal?.aborted) {
      logger.info({ subscriptionSchedulers: synced, pending }, 'subscription schedulers: writing stopped by the shutdown; the next start writes the rest');
      return undefined;
    }
    logger.info({ subscriptionSchedulers: synced }, 'schedulers in place');
    return active;
  });
  if (signal === undefined) await done;
  return { feeds, pending: signal === undefined ? 0 : pending, done };
}

/** Closes workers gracefully; those still busy after `graceMs` are force-closed, their jobs left for another worker to take over. */
async function closeWorkers(workers: (Worker | PollWorker)[], graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = Promise.all(workers.map((worker) => worker.close()));
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), graceMs);
  });
  const outcome = await Promise.race([graceful, expired]);
  clearTimeout(timer);
  // Safe to force: a delivery resumes from its sent record, a poll and a compose are idempotent.
  if (outcome === 'expired') await Promise.all(workers.map((worker) => worker.close(true)));
}

/** A closing of something a start opened (see startWorkers). */
type Closer = () => Promise<unknown>;

/** What startWorkers opens and starts; each thing is added to `opened`, with how to close it, as soon as it is open. */
async function openWorkers(options: StartWorkersOptions, opened: Closer[]): Promise<Omit<RunningWorkers, 'close'>> {
  const { config, logger } = options;
  const redis = typeof options.connection === 'string' ? createRedisConnection(options.connection, { name: 'herald-workers', logger }) : options.connection;
  if (typeof options.connection === 'string') opened.push(() => redis.quit());
  const prefix = config.redis.prefix;
  const keys = createKeys(prefix);
  // Imported while the start waits on Redis (the layout check, then the
  // scheduler role syncs) rather than before anything starts: feed parsing, dedup, composing
  // and rendering are most of what Herald loads (~0.4 s of CPU).
  const jobWorkers = options.roles.worker ? import('./job-workers.js') : undefined;
  // Awaited below; a failed start before that must not leave it an unhandled rejection.
  jobWorkers?.catch(() => undefined);
  const migrated = await migrateKeyLayout(redis, prefix);
  if (migrated > 0) logger.info(`moved ${migrated} keys of an older Herald's layout to today's (feeds, subscriptions, near-duplicate band groups)`);
  const stores: Stores = {
    keys,
    feeds: new FeedStore(redis, keys),
    subscriptions: new SubscriptionStore(redis, keys),
    briefings: new BriefingStore(redis, keys),
    deliveries: new DeliveryStore(redis, keys),
  };
  // The poll schedule is Herald's own (its scripts stay on the store's client); BullMQ's queues and workers get their own.
  const queueRedis = openQueueConnection(redis, logger);
  opened.push(() => queueRedis.quit());
  const connections: Connections = { store: redis, queues: queueRedis };
  const queues: WorkerQueues = {
    poll: createPollQueue(redis, prefix),
    compose: createComposeQueue(queueRedis, prefix),
    deliver: createDeliverQueue(queueRedis, prefix),
    housekeeping: createHousekeepingQueue(queueRedis, prefix),
  };
  // Redis outages are logged once by the connection; BullMQ would print every socket error of each queue.
  const jobQueues: Queue[] = [queues.compose, queues.deliver, queues.housekeeping];
  opened.push(() => Promise.all(jobQueues.map((queue) => queue.close())));
  for (const queue of jobQueues) queue.on('error', (error: Error) => logger.debug({ err: error }, 'queue connection error'));
  options.metrics?.watchQueues(jobQueues);
  const stopWriting = new AbortController();
  // Background writes wait for the workers: on a first start they would otherwise share the CPU with starting them.
  let workersStarted = () => {};
  const begins = new Promise<void>((resolve) => (workersStarted = resolve));
  const schedulerStart = options.roles.scheduler
    ? await startSchedulers(config, connections, queues, stores, logger, options.subscriptionSchedulersInBackground ? { signal: stopWriting.signal, begins } : undefined)
    : undefined;
  const workers: (Worker | PollWorker)[] = [];
  opened.push(() => closeWorkers(workers, options.shutdownGraceMs ?? 25_000));
  if (jobWorkers) (await jobWorkers).startJobWorkers(options, connections, queues, stores, workers);
  // Background writes begin only now (a failed start never begins them), and are the first thing close() stops.
  workersStarted();
  opened.push(async () => {
    // Writes still under way stop after their batch; the next start finds what is left.
    stopWriting.abort();
    await schedulerStart?.done.catch(() => undefined);
  });
  return { queues, jobQueues, ...(schedulerStart ? { schedulerStart } : {}) };
}

/**
 * Starts Herald's background side. Worker role: poll-feed (new items go into the story engine,
 * then to breaking-news alerts), compose, deliver and housekeeping workers. Scheduler role:
 * config feeds synced into the store and scheduled, subscription schedulers (plus a console
 * subscription when there is no bot token), the hourly housekeeping.
 */
export async function startWorkers(options: StartWorkersOptions): Promise<RunningWorkers> {
  // Closed last opened first, by close() and by a start that fails partway (a worker that cannot
  // start, a Redis error at the scheduler sync): that must not leave queues and connections open.
  const opened: Closer[] = [];
  const close = async () => {
    for (let closer = opened.pop(); closer; closer = opened.pop()) await closer();
  };
  try {
    return { ...(await openWorkers(options, opened)), close };
  } catch (error) {
    // The start's own error is the one to report; one closing behind it would hide it.
    await close().catch(() => undefined);
    throw error;
  }
}
