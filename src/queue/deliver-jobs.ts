import type { Queue } from 'bullmq';
import type { RedisClient } from '../store/client.js';
import type { BriefingStore } from '../store/briefings.js';
import type { DeadLetterRetry, DeliveryStore } from '../store/deliveries.js';
import type { Subscription } from '../subscriptions/model.js';
import { batchesOf } from '../batches.js';
import { openQueue, QUEUE_NAMES } from './names.js';

/** Payload of a delivery job: one briefing to one subscription's destination. */
export interface DeliverJobData {
  briefingId: string;
  subscriptionId: string;
  /** Time this delivery has spent waiting out 429s so far (capped by the deliver worker). */
  rateLimitedMs?: number;
}

export const DELIVER_JOB_NAME = 'deliver';

/** Attempts of a delivery before it becomes a dead letter. */
const DELIVERY_ATTEMPTS = 8;

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
export function createDeliverQueue(connection: RedisClient, storePrefix = 'herald'): DeliverQueue {
  return openQueue<DeliverJobData>(QUEUE_NAMES.deliver, connection, storePrefix);
}

/**
 * The delivery job id of a briefing to a destination. BullMQ ignores an add whose job id
 * exists, so a fan-out that runs again (a retried or restarted compose) adds nothing twice.
 * Subscription ids may hold `/` but never `:` (see subscriptionIdFor).
 */
export function deliveryJobId(briefingId: string, subscriptionId: string): string {
  return `${briefingId}-${subscriptionId}`;
}

/**
 * Jobs a fan-out adds per round trip. BullMQ makes a bulk add visible all at once, and 5,000 jobs
 * take half a second to add on a busy machine: in chunks the first deliveries start sending
 * while the rest are added, and a chunk is still plenty to keep every worker busy.
 */
const FAN_OUT_CHUNK = 500;

/** The delivery job of a briefing to one subscription. */
function deliveryJob(briefingId: string, subscriptionId: string) {
  return { name: DELIVER_JOB_NAME, data: { briefingId, subscriptionId }, opts: { ...DELIVER_JOB_OPTIONS, jobId: deliveryJobId(briefingId, subscriptionId) } };
}

/** Adds one delivery job per subscription for a briefing, a chunk per round trip. */
export async function fanOut(queue: DeliverQueue, briefingId: string, subscriptions: Pick<Subscription, 'id'>[]): Promise<void> {
  for (const chunk of batchesOf(subscriptions, FAN_OUT_CHUNK)) await queue.addBulk(chunk.map((subscription) => deliveryJob(briefingId, subscription.id)));
}

/**
 * Adds the delivery job of a briefing to one subscription (a compose's, a breaking alert's). An add and not a
 * fanOut of one: BullMQ's bulk add goes through a pipeline, and ioredis copies every script
 * defined on the client (BullMQ's 64) into each pipeline it makes, most of such an add's CPU.
 */
export async function queueDelivery(queue: DeliverQueue, briefingId: string, subscriptionId: string): Promise<void> {
  const job = deliveryJob(briefingId, subscriptionId);
  await queue.add(job.name, job.data, job.opts);
}

/**
 * Puts a dead letter back on the deliver queue with fresh attempts (an owner's command). The
 * sent record is kept, so only the parts that never went out are sent. 'unknown' when there is
 * no such dead letter; 'expired' when its briefing is gone (after BRIEFING_TTL_S) and it can no
 * longer be sent.
 */
export async function retryDeadLetter(id: string, deps: { queue: DeliverQueue; deliveries: DeliveryStore; briefings: BriefingStore }): Promise<DeadLetterRetry> {
  const letter = await deps.deliveries.deadLetter(id);
  if (!letter) return 'unknown';
  if (!(await deps.briefings.get(letter.briefingId))) return 'expired';
  const data = { briefingId: letter.briefingId, subscriptionId: letter.subscriptionId };
  const job = await deps.queue.getJob(id);
  if (job && (await job.isFailed())) {
    // A fresh start: the rate-limit waits of the failed run count no more.
    await job.updateData(data);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  } else if (!job) await deps.queue.add(DELIVER_JOB_NAME, data, { ...DELIVER_JOB_OPTIONS, jobId: id });
  await deps.deliveries.removeDeadLetter(id);
  return 'retried';
}
