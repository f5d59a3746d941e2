/**
 * The poll-feed job: one feed fetched (conditionally), its new items stored and handed on to
 * the story engine. The feed's scheduler (src/queue/schedulers.ts) adds one job per interval;
 * the state transitions (backoff, disabling) are pure, in poll-feed-state.ts.
 */
import type { Job, Worker } from 'bullmq';
import type { RedisClient } from '../src/store/client.js';
import type { HeraldConfig } from '../src/config/schema.js';
import { nextAttemptDelayMs } from '../src/feeds/backoff.js';
import { FeedParseError } from '../src/feeds/feed-entry.js';
import { defaultFetchOptions, FetchError, type FetchErrorKind, type FetchOptions } from '../src/feeds/fetch.js';
import { fetchFeedAt } from '../src/feeds/local-feed.js';
import { ingestFeed } from '../src/feeds/ingest.js';
import type { Feed, FeedState, Item } from '../src/feeds/item.js';
import { QUEUE_NAMES } from '../src/queue/names.js';
import type { PollFeedJobData, PollQueue } from '../src/queue/poll-jobs.js';
import { removeFeedScheduler } from '../src/queue/schedulers.js';
import { FeedStore } from '../src/store/feeds.js';
import { ItemStore } from '../src/store/items.js';
import { createKeys, type Keys } from '../src/store/keys.js';
import { withLock } from '../src/store/lock.js';
import { feedContents, pollSkipReason, stateAfterFailure, stateAfterSuccess } from './poll-feed-state.js';
import { startLoggedWorker, type LoggedWorkerOptions } from './start-worker.js';

/** What one poll did, for logs and metrics. */
export interface PollResult {
  feedId: string;
  /** The feed's name, else its URL (absent when the feed is gone): what log lines call it. */
  feed?: string;
  status: 'fetched' | 'not-modified' | 'failed' | 'disabled' | 'skipped';
  /** Items stored by this poll (new to Herald). */
  newItems: number;
  /** Why the poll was skipped, what went wrong, or what a partly broken feed lost. */
  detail?: string;
  /** Entries dropped because another item had the same guid, URL or content (for metrics). */
  duplicatesDropped?: number;
  /** What kind of failure a failed poll met (for metrics): the fetch error's kind, or 'parse'. */
  errorKind?: FetchErrorKind | 'parse';
}

export interface PollFeedDeps {
  feeds: FeedStore;
  items: ItemStore;
  /** Connection for the per-feed lock. */
  redis: RedisClient;
  keys: Keys;
  /** Shared by every poll of the worker, with its per-host limiter. */
  fetchOptions: FetchOptions;
  disableAfterFailures: number;
  /** Where the schedulers live; a feed that gets disabled loses its scheduler. */
  queue?: PollQueue;
  /** Receives each poll's newly stored items (the story engine plugs in here). */
  onNewItems?: (items: Item[], feed: Feed) => Promise<void>;
  now?: () => Date;
  /** 0..1, for backoff jitter. */
  random?: () => number;
}

/**
 * The per-feed lock must outlast a poll: waiting for a per-host slot, the fetch (bounded by
 * the timeout) and parsing. It only matters if a worker dies mid-poll, so it errs long.
 */
function pollLockTtlMs(timeoutMs: number): number {
  return 4 * timeoutMs + 60_000;
}

/** Feed problems the poll records on the feed; anything else is a bug or an outage and fails the job. */
function feedProblem(error: unknown): (FetchError | FeedParseError) | undefined {
  return error instanceof FetchError || error instanceof FeedParseError ? error : undefined;
}

async function fetchAndStore(feed: Feed, state: FeedState, deps: PollFeedDeps, now: Date): Promise<PollResult> {
  const outcome = await fetchFeedAt(feed.url, { etag: state.etag, lastModified: state.lastModified }, deps.fetchOptions);
  if (outcome.permanentUrl !== undefined) await deps.feeds.updateUrl(feed.id, outcome.permanentUrl);
  if (outcome.kind === 'not-modified') {
    await deps.feeds.saveState(feed.id, stateAfterSuccess(state, now), state);
    return { feedId: feed.id, status: 'not-modified', newItems: 0 };
  }
  const ingested = await ingestFeed(outcome.body, outcome.contentType, {
    feedId: feed.id,
    ...(feed.name !== undefined ? { sourceName: feed.name } : {}),
    ...(feed.section !== undefined ? { section: feed.section } : {}),
    feedLink: outcome.finalUrl,
    now,
  });
  const { fresh, duplicates } = await deps.items.addNewCountingDuplicates(ingested.items, now);
  if (fresh.length > 0) await deps.onNewItems?.(fresh, feed);
  await deps.feeds.saveState(feed.id, stateAfterSuccess(state, now, { etag: outcome.etag, lastModified: outcome.lastModified, contents: feedContents(ingested.items) }));
  return {
    feedId: feed.id,
    status: 'fetched',
    newItems: fresh.length,
    ...(duplicates > 0 ? { duplicatesDropped: duplicates } : {}),
    ...(ingested.recovered ? { detail: ingested.recovered } : {}),
  };
}

async function recordFailure(feed: Feed, state: FeedState, problem: FetchError | FeedParseError, deps: PollFeedDeps, now: Date): Promise<PollResult> {
  const retryAfterMs = problem instanceof FetchError ? problem.retryAfterMs : undefined;
  const delayMs = nextAttemptDelayMs(state.consecutiveFailures + 1, (deps.random ?? Math.random)(), retryAfterMs);
  const failed = stateAfterFailure(state, { message: problem.message, delayMs }, now, deps.disableAfterFailures);
  await deps.feeds.saveState(feed.id, failed, state);
  const errorKind = problem instanceof FetchError ? problem.kind : 'parse';
  if (failed.disabledReason === undefined) return { feedId: feed.id, status: 'failed', newItems: 0, detail: problem.message, errorKind };
  return { feedId: feed.id, status: 'disabled', newItems: 0, detail: failed.disabledReason, errorKind };
}

/**
 * Polls one feed: skips it when removed, disabled or backing off; otherwise, under a per-feed
 * lock so no two workers poll it at once, makes a conditional GET with the stored validators,
 * stores the items new to Herald and hands them to `onNewItems`, and records the outcome in
 * the feed's state (backoff and, after too many failures in a row, disabling).
 */
export async function pollFeed(feedId: string, deps: PollFeedDeps): Promise<PollResult> {
  const skipped = (detail: string): PollResult => ({ feedId, status: 'skipped', newItems: 0, detail });
  const locked = await withLock(deps.redis, deps.keys.pollLock(feedId), pollLockTtlMs(deps.fetchOptions.timeoutMs), async () => {
    const [feed, state] = await Promise.all([deps.feeds.get(feedId), deps.feeds.getState(feedId)]);
    // A feed that is gone or disabled should have no scheduler; one left behind is dropped here.
    const dropScheduler = async () => {
      if (deps.queue) await removeFeedScheduler(deps.queue, feedId);
    };
    if (!feed) {
      await dropScheduler();
      return skipped('removed');
    }
    const now = (deps.now ?? (() => new Date()))();
    const reason = pollSkipReason(state, now);
    if (reason === 'disabled') await dropScheduler();
    if (reason) return skipped(reason);
    let result: PollResult;
    try {
      result = await fetchAndStore(feed, state, deps, now);
    } catch (error) {
      const problem = feedProblem(error);
      if (!problem) throw error;
      result = await recordFailure(feed, state, problem, deps, now);
    }
    if (result.status === 'disabled') await dropScheduler();
    return { ...result, feed: feed.name ?? feed.url };
  });
  return locked.acquired ? locked.value : skipped('locked');
}

/** The BullMQ processor of the poll-feed queue. */
export function createPollFeedProcessor(deps: PollFeedDeps): (job: Job<PollFeedJobData>) => Promise<PollResult> {
  return (job) => pollFeed(job.data.feedId, deps);
}

/** Poll dependencies from the config: stores under the configured prefix, one host limiter for the worker. */
export function createPollFeedDeps(
  redis: RedisClient,
  config: Pick<HeraldConfig, 'redis' | 'defaults' | 'fetch'>,
  extra: Partial<Pick<PollFeedDeps, 'queue' | 'onNewItems' | 'fetchOptions'>> = {},
): PollFeedDeps {
  const keys = createKeys(config.redis.prefix);
  return {
    feeds: new FeedStore(redis, keys),
    items: new ItemStore(redis, keys, { retentionDays: config.defaults.retentionDays }),
    redis,
    keys,
    fetchOptions: defaultFetchOptions(config.fetch),
    disableAfterFailures: config.fetch.disableAfterFailures,
    ...extra,
  };
}

export interface PollWorkerOptions extends Omit<LoggedWorkerOptions, 'concurrency'> {
  /** Polls at once in this process. Polls mostly wait on the network; the host limiter keeps each publisher at its cap. */
  concurrency?: number;
}

/** "3 new items", "not modified", "failed: HTTP 404 Not Found". */
export function describePollOutcome(result: PollResult): string {
  switch (result.status) {
    case 'fetched':
      return `${result.newItems} new item${result.newItems === 1 ? '' : 's'}`;
    case 'not-modified':
      return 'not modified';
    default:
      return result.detail ? `${result.status}: ${result.detail}` : result.status;
  }
}

/** Starts a worker on the poll-feed queue. `close()` resolves once the polls in flight have finished. */
export function startPollWorker(deps: PollFeedDeps, options: PollWorkerOptions): Worker<PollFeedJobData, PollResult> {
  return startLoggedWorker(QUEUE_NAMES.pollFeed, createPollFeedProcessor(deps), { ...options, concurrency: options.concurrency ?? 20 }, {
    describe: (job) => ({ feedId: job?.data.feedId }),
    completed: (result) => `feed polled: ${result.feed ?? result.feedId}, ${describePollOutcome(result)}`,
    failed: 'poll job failed',
    // A feed problem completes the job (it is recorded on the feed), so it must still show in the log.
    completedLevel: (result) => (result.status === 'failed' || result.status === 'disabled' ? 'warn' : result.newItems > 0 ? 'info' : 'debug'),
  });
}
