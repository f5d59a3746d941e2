import { createHash } from 'node:crypto';
import type { Feed, FeedState } from '../feeds/item.js';
import type { RedisClient } from '../store/client.js';
import { bullPrefix, openQueue, QUEUE_NAMES } from './names.js';
import type { PollQueue } from './poll-jobs.js';

export const MIN_POLL_INTERVAL_MS = 60_000;

/** A feed's poll interval in ms, never under the minimum. */
export function pollIntervalMs(feed: Pick<Feed, 'intervalMinutes'>): number {
  return Math.max(MIN_POLL_INTERVAL_MS, Math.round(feed.intervalMinutes * 60_000));
}

/**
 * Where in each interval a feed is polled: a point in [1, intervalMs) derived from the feed id,
 * so thousands of feeds with one interval spread over it instead of firing together, and a
 * feed keeps its phase across restarts and re-syncs (the phase its BullMQ job scheduler had).
 */
export function pollJitterMs(feedId: string, intervalMs: number): number {
  const hash = createHash('sha256').update(feedId).digest().readUIntBE(0, 6);
  return 1 + (hash % (intervalMs - 1));
}

/** The feed's first slot after `now` (ms): the next time that is its phase past a whole number of intervals. */
export function nextPollAt(feed: Pick<Feed, 'id' | 'intervalMinutes'>, now: number): number {
  const every = pollIntervalMs(feed);
  const phase = pollJitterMs(feed.id, every);
  return Math.floor((now - phase) / every) * every + phase + every;
}

/** A feed new to Herald: polled now rather than at its first slot, then at its interval. */
export async function scheduleNewFeed(queue: PollQueue, feed: Pick<Feed, 'id'>): Promise<void> {
  await queue.requestPoll(feed.id);
}

/** Stops polling a feed; false when it was not scheduled. */
export async function unscheduleFeed(queue: PollQueue, feedId: string): Promise<boolean> {
  return (await queue.unschedule([feedId])) > 0;
}

/**
 * Makes the poll schedule match `feeds` (those that should be polled: leave disabled ones out):
 * a feed never polled is due now, one backing off when its backoff ends, any other at its next
 * slot; a feed due earlier keeps that time (overdue ones are polled at once). Feeds no longer
 * listed leave the schedule. Repeating it changes nothing.
 */
export async function syncFeedSchedule(
  queue: PollQueue,
  feeds: readonly { feed: Pick<Feed, 'id' | 'intervalMinutes'>; state: Pick<FeedState, 'lastPolledAt' | 'retryAfter'> }[],
  now = Date.now(),
): Promise<{ scheduled: number; removed: number }> {
  const scheduled = await queue.scheduledFeeds();
  const wanted = new Set(feeds.map(({ feed }) => feed.id));
  const stale = [...scheduled].filter((feedId) => !wanted.has(feedId));
  const dueAt = ({ feed, state }: (typeof feeds)[number]): number => {
    if (state.lastPolledAt === undefined) return now;
    const retryAt = state.retryAfter === undefined ? 0 : Date.parse(state.retryAfter);
    return Math.max(nextPollAt(feed, now), Number.isNaN(retryAt) ? 0 : retryAt);
  };
  await queue.schedule(feeds.map((entry) => ({ feedId: entry.feed.id, dueAt: dueAt(entry) })));
  const removed = await queue.unschedule(stale);
  return { scheduled: feeds.filter(({ feed }) => !scheduled.has(feed.id)).length, removed };
}

/**
 * Before the poll schedule, each feed had a BullMQ job scheduler on the poll-feed queue, which
 * would go on adding poll jobs nobody takes. Removes that queue, schedulers and jobs, once: it
 * does nothing when the queue left no keys. True when there was one to remove.
 */
export async function retireFeedSchedulers(connection: RedisClient, storePrefix = 'herald'): Promise<boolean> {
  const base = `${bullPrefix(storePrefix)}:${QUEUE_NAMES.pollFeed}`;
  if ((await connection.exists(`${base}:id`, `${base}:repeat`, `${base}:meta`)) === 0) return false;
  const queue = openQueue(QUEUE_NAMES.pollFeed, connection, storePrefix);
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
  return true;
}
