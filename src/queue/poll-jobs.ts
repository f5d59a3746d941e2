import type { Queue } from 'bullmq';
import type { RedisClient } from '../store/client.js';
import { openQueue, pollSchedulerId, QUEUE_NAMES } from './names.js';

/** Payload of a poll-feed job. */
export interface PollFeedJobData {
  feedId: string;
}

/** Name given to every poll-feed job. */
export const POLL_JOB_NAME = 'poll';

/** Finished poll jobs kept for inspection; older ones are dropped so the queue does not grow. */
export const POLL_JOB_RETENTION = { removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } } as const;

/** Job names are left open: BullMQ types scheduler ids with the job-name type. */
export type PollQueue = Queue<PollFeedJobData>;

/** The poll-feed queue under `{prefix}`. */
export function createPollQueue(connection: RedisClient, storePrefix = 'herald'): PollQueue {
  return openQueue<PollFeedJobData>(QUEUE_NAMES.pollFeed, connection, storePrefix);
}

/**
 * Asks for a poll of one feed now, outside its schedule (a feed just added, an admin's
 * "refresh"). While such a request waits or runs, asking again adds nothing.
 */
export async function requestPoll(queue: PollQueue, feedId: string): Promise<void> {
  await queue.add(POLL_JOB_NAME, { feedId }, { ...POLL_JOB_RETENTION, deduplication: { id: `${pollSchedulerId(feedId)}-now` } });
}
