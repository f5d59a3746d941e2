import { createHash } from 'node:crypto';
import type { Feed } from '../feeds/item.js';
import { inBatches } from './in-batches.js';
import { pollSchedulerId } from './names.js';
import { POLL_JOB_NAME, POLL_JOB_RETENTION, requestPoll, type PollQueue } from './poll-jobs.js';

export const MIN_POLL_INTERVAL_MS = 60_000;

/** Schedulers added or removed this many at a time: 10,000 at once would hold every pending command in memory together. */
const SCHEDULER_SYNC_BATCH = 500;

/** A feed's poll interval in ms, never under the minimum. */
export function pollIntervalMs(feed: Pick<Feed, 'intervalMinutes'>): number {
  return Math.max(MIN_POLL_INTERVAL_MS, Math.round(feed.intervalMinutes * 60_000));
}

/**
 * Where in each interval a feed is polled: a point in [1, intervalMs) derived from the feed id,
 * so thousands of feeds with one interval spread over it instead of firing together, and a
 * feed keeps its phase across restarts and re-syncs. (Zero would tell BullMQ "no offset".)
 */
export function pollJitterMs(feedId: string, intervalMs: number): number {
  const hash = createHash('sha256').update(feedId).digest().readUIntBE(0, 6);
  return 1 + (hash % (intervalMs - 1));
}

/** Creates or updates the job scheduler that polls one feed. Repeating it changes nothing. */
export async function upsertFeedScheduler(queue: PollQueue, feed: Pick<Feed, 'id' | 'intervalMinutes'>): Promise<void> {
  const every = pollIntervalMs(feed);
  await queue.upsertJobScheduler(
    pollSchedulerId(feed.id),
    { every, offset: pollJitterMs(feed.id, every) },
    { name: POLL_JOB_NAME, data: { feedId: feed.id }, opts: POLL_JOB_RETENTION },
  );
}

/** A feed new to Herald: scheduled at its interval, and polled now rather than at its first slot. */
export async function scheduleNewFeed(queue: PollQueue, feed: Pick<Feed, 'id' | 'intervalMinutes'>): Promise<void> {
  await upsertFeedScheduler(queue, feed);
  await requestPoll(queue, feed.id);
}

/** Stops polling a feed; false when it had no scheduler. */
export async function removeFeedScheduler(queue: PollQueue, feedId: string): Promise<boolean> {
  return queue.removeJobScheduler(pollSchedulerId(feedId));
}

/**
 * Makes the poll schedulers match `feeds` (the feeds that should be polled: leave disabled ones
 * out): adds missing schedulers, updates those whose interval changed, removes those of feeds
 * no longer listed. Schedulers already right are left alone, so their next run stays put.
 */
export async function syncFeedSchedulers(queue: PollQueue, feeds: Pick<Feed, 'id' | 'intervalMinutes'>[]): Promise<{ upserted: number; removed: number }> {
  const wanted = new Map(feeds.map((feed) => [pollSchedulerId(feed.id), feed]));
  const existing = await queue.getJobSchedulers();
  const stale = existing.filter((scheduler) => scheduler.key.startsWith(pollSchedulerId('')) && !wanted.has(scheduler.key));
  const current = new Map(existing.map((scheduler) => [scheduler.key, scheduler]));
  const changed = feeds.filter((feed) => {
    const scheduler = current.get(pollSchedulerId(feed.id));
    const every = pollIntervalMs(feed);
    return scheduler?.every !== every || scheduler.offset !== pollJitterMs(feed.id, every);
  });
  await inBatches(stale, SCHEDULER_SYNC_BATCH, (scheduler) => queue.removeJobScheduler(scheduler.key));
  await inBatches(changed, SCHEDULER_SYNC_BATCH, (feed) => upsertFeedScheduler(queue, feed));
  return { upserted: changed.length, removed: stale.length };
}
