import type { Queue, RepeatStrategy } from 'bullmq';
import { bullmq } from './bullmq.js';
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

/**
 * BullMQ's cron next-run, remembered per pattern and zone: a next run found from time `from` is
 * the next run from any time in [from, next), since no run falls between. Writing 10,000
 * schedulers that share a handful of briefing times otherwise parses the cron and builds time
 * zone dates 10,000 times (a third of a first start's CPU).
 */
export function rememberedCronStrategy(): RepeatStrategy {
  const known = new Map<string, { from: number; next: number }>();
  return (millis, opts) => {
    // Only plain patterns: start dates and `immediately` make the answer depend on more than the time.
    if (opts.pattern === undefined || opts.startDate !== undefined || opts.immediately) return bullmq.defaultRepeatStrategy(millis, opts);
    const key = `${opts.pattern}\n${opts.tz ?? ''}`;
    const hit = known.get(key);
    if (hit !== undefined && hit.from <= millis && millis < hit.next) return hit.next;
    const next = bullmq.defaultRepeatStrategy(millis, opts);
    if (next !== undefined) known.set(key, { from: millis, next });
    return next;
  };
}

/** The compose queue under `{prefix}`: openQueue's, with the remembered cron strategy for its schedulers. */
export function createComposeQueue(connection: RedisClient, storePrefix = 'herald'): ComposeQueue {
  return openQueue<ComposeJobData>(QUEUE_NAMES.compose, connection, storePrefix, { repeatStrategy: rememberedCronStrategy() });
}

/**
 * The time a compose job stands for: the run its scheduler planned (so every subscription due
 * at one minute gets the same window end, whenever a busy worker gets to its job), or when the
 * job was added for one asked outside the schedule.
 */
export function scheduledTime(job: { timestamp: number; opts: { prevMillis?: number } }): Date {
  return new Date(job.opts.prevMillis ?? job.timestamp);
}
