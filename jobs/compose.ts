/**
 * The compose job: a subscription's briefing time has come. Composition itself is shared by
 * every subscriber of a bundle (src/subscriptions/compose-for-subscription.ts); this job only
 * makes sure the bundle exists, queues this subscription's delivery and moves its window on.
 */
import type { Job, Worker } from 'bullmq';
import { scheduledTime, type ComposeJobData } from '../src/queue/compose-jobs.js';
import { queueDelivery, type DeliverQueue } from '../src/queue/deliver-jobs.js';
import { QUEUE_NAMES } from '../src/queue/names.js';
import { composeBundle, type ComposeDeps } from '../src/subscriptions/compose-for-subscription.js';
import { startLoggedWorker, type LoggedWorkerOptions } from './start-worker.js';

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
  if (stored.briefing) await queueDelivery(deps.deliverQueue, stored.id, subscription.id);
  await deps.subscriptions.setLastWindowEnd(subscription.id, at);
  return { subscriptionId, status: stored.briefing ? 'queued' : 'empty', briefingId: stored.id };
}

export interface ComposeWorkerOptions extends Omit<LoggedWorkerOptions, 'concurrency'> {
  /** Compose jobs at once; those of one bundle share its composition, so most are a read and a queue add. */
  concurrency?: number;
}

/** Starts a worker on the compose queue; `close()` resolves once the jobs in flight have finished. */
export function startComposeWorker(deps: ComposeJobDeps, options: ComposeWorkerOptions): Worker<ComposeJobData, ComposeResult> {
  const processor = (job: Job<ComposeJobData>) => composeAndQueue(job.data.subscriptionId, scheduledTime(job), deps);
  return startLoggedWorker(QUEUE_NAMES.compose, processor, { ...options, concurrency: options.concurrency ?? 20 }, {
    describe: (job) => ({ subscriptionId: job?.data.subscriptionId }),
    completed: 'briefing composed',
    failed: 'compose job failed',
  });
}
