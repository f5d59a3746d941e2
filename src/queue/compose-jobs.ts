import type { Queue } from 'bullmq';
import type { RedisClient } from '../store/client.js';
import { openQueue, QUEUE_NAMES } from './names.js';

/** Payload of a compose job: whose briefing is due. */
export interface ComposeJobData {
  subscriptionId: string;
}

export const COMPOSE_JOB_NAME = 'compose';

/** Finished compose jobs kept for inspection; older ones are dropped so the queue does not grow. */
export const COMPOSE_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
} as const;

export type ComposeQueue = Queue<ComposeJobData>;

/** The compose queue under `{prefix}`. */
export function createComposeQueue(connection: RedisClient, storePrefix = 'herald'): ComposeQueue {
  return openQueue<ComposeJobData>(QUEUE_NAMES.compose, connection, storePrefix);
}

/**
 * The time a compose job stands for: the run its scheduler planned (so every subscription due
 * at one minute gets the same window end, whenever a busy worker gets to its job), or when the
 * job was added for one asked outside the schedule.
 */
export function scheduledTime(job: { timestamp: number; opts: { prevMillis?: number } }): Date {
  return new Date(job.opts.prevMillis ?? job.timestamp);
}
