import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/log.js';
import { scheduledTime, type ComposeJobData } from '../src/queue/compose-jobs.js';
import { fanOut, type DeliverQueue } from '../src/queue/deliver-jobs.js';
import { bullPrefix, QUEUE_NAMES } from '../src/queue/names.js';
import { composeBundle, type ComposeDeps } from '../src/subscriptions/compose-for-subscription.js';

export interface ComposeJobDeps extends ComposeDeps {
  deliverQueue: DeliverQueue;
}

/** What one compose job did. */
export interface ComposeResult {
  subscriptionId: string;
  status: 'queued' | 'empty' | 'skipped';
  briefingId?: string;
  detail?: string;
}

/**
 * A subscription's briefing is due at `at`: gets or composes its bundle, queues its delivery
 * (deterministic job id, so running this twice queues it once), then moves the subscription's
 * window on. A run for a time its window already passed (a retry after that last step) does nothing.
 */
export async function composeAndQueue(subscriptionId: string, at: Date, deps: ComposeJobDeps): Promise<ComposeResult> {
  const subscription = await deps.subscriptions.get(subscriptionId);
  if (!subscription?.active) return { subscriptionId, status: 'skipped', detail: subscription ? 'inactive' : 'unsubscribed' };
  if (subscription.lastWindowEnd !== undefined && Date.parse(subscription.lastWindowEnd) >= at.getTime()) {
    return { subscriptionId, status: 'skipped', detail: 'already composed' };
  }
  const stored = await composeBundle(subscription, deps, at);
  if (stored.briefing) await fanOut(deps.deliverQueue, stored.id, [subscription]);
  await deps.subscriptions.setLastWindowEnd(subscription.id, at);
  return { subscriptionId, status: stored.briefing ? 'queued' : 'empty', briefingId: stored.id };
}

export interface ComposeWorkerOptions {
  connection: Redis;
  prefix?: string;
  /** Compose jobs at once; those of one bundle share its composition, so most are a read and a queue add. */
  concurrency?: number;
  logger?: Logger;
}

/** Starts a worker on the compose queue; `close()` resolves once the jobs in flight have finished. */
export function startComposeWorker(deps: ComposeJobDeps, options: ComposeWorkerOptions): Worker<ComposeJobData, ComposeResult> {
  const processor = (job: Job<ComposeJobData>) => composeAndQueue(job.data.subscriptionId, scheduledTime(job), deps);
  const worker = new Worker<ComposeJobData, ComposeResult>(QUEUE_NAMES.compose, processor, {
    connection: options.connection,
    prefix: bullPrefix(options.prefix),
    concurrency: options.concurrency ?? 20,
  });
  const { logger } = options;
  worker.on('completed', (_job, result) => logger?.debug({ compose: result }, 'briefing composed'));
  worker.on('failed', (job, error) => logger?.error({ err: error, subscriptionId: job?.data.subscriptionId }, 'compose job failed'));
  worker.on('error', (error) => logger?.error({ err: error }, 'compose worker error'));
  return worker;
}
