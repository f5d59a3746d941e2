import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Subscription } from '../subscriptions/model.js';
import { bullPrefix, QUEUE_NAMES } from './names.js';

/** Payload of a delivery job: one briefing to one subscription's destination. */
export interface DeliverJobData {
  briefingId: string;
  subscriptionId: string;
  /** Time this delivery has spent waiting out 429s so far (capped by the deliver worker). */
  rateLimitedMs?: number;
}

export const DELIVER_JOB_NAME = 'deliver';

/** Attempts of a delivery before it becomes a dead letter. */
export const DELIVERY_ATTEMPTS = 8;

/**
 * Transient failures retry with exponential backoff (2 s, 4 s, … about 4 min for the 8th), so
 * an outage of a few minutes costs no briefing. Failed jobs are kept (longer than their briefing) so an owner can retry them.
 */
export const DELIVER_JOB_OPTIONS = {
  attempts: DELIVERY_ATTEMPTS,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { count: 10_000 },
  removeOnFail: { age: 4 * 86_400 },
} as const;

export type DeliverQueue = Queue<DeliverJobData>;

/** The deliver queue under `{prefix}`. */
export function createDeliverQueue(connection: Redis, storePrefix = 'herald'): DeliverQueue {
  return new Queue<DeliverJobData>(QUEUE_NAMES.deliver, { connection, prefix: bullPrefix(storePrefix) });
}

/**
 * The delivery job id of a briefing to a destination. BullMQ ignores an add whose job id
 * exists, so a fan-out that runs again (a retried or restarted compose) adds nothing twice.
 * Subscription ids may hold `/` but never `:` (see subscriptionIdFor).
 */
export function deliveryJobId(briefingId: string, subscriptionId: string): string {
  return `${briefingId}-${subscriptionId}`;
}

/** Adds one delivery job per subscription for a briefing, in one round trip. */
export async function fanOut(queue: DeliverQueue, briefingId: string, subscriptions: Pick<Subscription, 'id'>[]): Promise<void> {
  if (subscriptions.length === 0) return;
  await queue.addBulk(
    subscriptions.map((subscription) => ({
      name: DELIVER_JOB_NAME,
      data: { briefingId, subscriptionId: subscription.id },
      opts: { ...DELIVER_JOB_OPTIONS, jobId: deliveryJobId(briefingId, subscription.id) },
    })),
  );
}
