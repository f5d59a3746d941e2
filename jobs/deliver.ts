/**
 * The deliver job: one stored briefing sent to one destination, part by part, with each sent
 * part recorded so a retry resumes where the last run stopped. Platform errors arrive already
 * classified (DeliveryError); this module decides what each kind means for the job and the
 * subscription.
 */
import type { Job, Worker } from 'bullmq';
import type { Logger } from '../src/log.js';
import type { HeraldMetrics } from '../src/observability/metrics.js';
import { DeliveryError, SendCancelled, type Destination, type PlatformSender, type SendContext } from '../src/platforms/delivery.js';
import type { ComposeQueue } from '../src/queue/compose-jobs.js';
import type { DeliverJobData } from '../src/queue/deliver-jobs.js';
import { bullmq } from '../src/queue/bullmq.js';
import { QUEUE_NAMES } from '../src/queue/names.js';
import { removeSubscriptionSchedulers, upsertSubscriptionSchedulers } from '../src/queue/subscription-schedulers.js';
import type { DiscordPart, TelegramPart, TextPart } from '../src/render/index.js';
import type { BriefingStore, StoredBriefing } from '../src/store/briefings.js';
import type { DeliveryStore, PartRecord } from '../src/store/deliveries.js';
import type { SubscriptionStore } from '../src/store/subscriptions.js';
import type { Subscription } from '../src/subscriptions/model.js';
import { startLoggedWorker, type LoggedWorkerOptions, type StallOptions } from './start-worker.js';

/** One sender per platform; a platform without a token has none (its deliveries fail to the dead letters). */
export interface Senders {
  telegram?: PlatformSender<TelegramPart>;
  discord?: PlatformSender<DiscordPart>;
  console: PlatformSender<TextPart>;
}

export interface DeliverDeps {
  subscriptions: SubscriptionStore;
  briefings: BriefingStore;
  deliveries: DeliveryStore;
  /** Where a deactivated or moved subscription's schedulers are removed (and a moved one's re-added). */
  composeQueue: ComposeQueue;
  senders: Senders;
  logger?: Logger;
  /** Counts dead letters and deactivated subscriptions. */
  metrics?: Pick<HeraldMetrics, 'deadLettered' | 'subscriptionDeactivated'>;
  /**
   * Total time one delivery may spend waiting out 429s before it goes to the dead letters
   * (default 6 h): a destination rate limited that long needs a person, and its briefing is stale.
   */
  maxRateLimitWaitMs?: number;
}

/** What one delivery job did. */
export interface DeliveryResult {
  status: 'delivered' | 'skipped' | 'deactivated';
  /** Parts sent by this run (earlier runs' parts are not sent again). */
  sentParts: number;
  detail?: string;
}

/** A destination moving more often than this within one delivery is a loop, not a migration. */
const MAX_MOVES = 3;

/**
 * How soon another worker resumes the deliveries of one that died (kill -9, out of memory, a
 * lost host): its locks lapse within 3 s (BullMQ renews them every 1.5 s) and the others look
 * for lapsed locks every second, so a briefing waits some 3-4 s instead of BullMQ's default
 * 30-60 s (both measured in test/e2e/crash-fanout.test.ts). A live worker whose event loop
 * stalls for 3 s loses its deliveries the same way; `confirmLock` then keeps it from sending a
 * part the new owner sends too. Such a takeover costs nothing (the delivery resumes at its first
 * unsent part), and on a CPU-starved machine a long delivery can be taken over more than once;
 * BullMQ's default of one takeover made those dead letters, which readers never got. Only a
 * delivery taken over three times (one that keeps killing its workers) is given up.
 */
export const DELIVERY_STALL: Required<StallOptions> = { lockDuration: 3_000, stalledInterval: 1_000, maxStalledCount: 3 };

const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 6 * 3_600_000;

type AnySender = PlatformSender<unknown>;

/** The sender and the parts of the briefing for a subscription's platform. */
function senderAndParts(subscription: Subscription, stored: StoredBriefing, senders: Senders): { sender: AnySender; parts: unknown[] } {
  const { platform } = subscription.destination;
  const sender = senders[platform];
  if (!sender) throw new bullmq.UnrecoverableError(`no ${platform} sender: set a ${platform} token to deliver to ${subscription.id}`);
  const parts =
    platform === 'telegram' ? withLinkPreviews(stored.parts.telegram, subscription.settings.linkPreviews)
    : platform === 'discord' ? stored.parts.discord
    : stored.parts.text;
  return { sender: sender as AnySender, parts };
}

/**
 * A bundle's Telegram parts carry the config's `briefing.linkPreviews`; a subscription that chose
 * otherwise (/settings previews=on|off) gets its choice at send time, so one rendering still
 * serves every subscriber of the bundle.
 */
function withLinkPreviews(parts: TelegramPart[], linkPreviews: boolean | undefined): TelegramPart[] {
  if (linkPreviews === undefined) return parts;
  return parts.map((part) => ({ ...part, link_preview_options: { is_disabled: !linkPreviews } }));
}

/** Later parts of a Discord forum briefing go into the post the first part created. */
function destinationFor(destination: Destination, done: Map<number, PartRecord>): Destination {
  const first = done.get(0);
  if (destination.channelKind !== 'forum' || !first || !('threadId' in first) || first.threadId === undefined) return destination;
  return { ...destination, threadId: first.threadId };
}

/**
 * Sends a briefing to one subscription's destination, part by part, resuming after the last
 * part recorded as sent. Permanent failures deactivate the subscription (and drop its
 * schedulers); a Telegram group that became a supergroup is followed; transient failures throw
 * DeliveryError for BullMQ to retry.
 */
export async function deliverBriefing(deliveryId: string, data: DeliverJobData, deps: DeliverDeps, beforeRequest?: SendContext['beforeRequest']): Promise<DeliveryResult> {
  let subscription = await deps.subscriptions.resolve(data.subscriptionId);
  if (!subscription?.active) return { status: 'skipped', sentParts: 0, detail: subscription ? 'inactive' : 'unsubscribed' };
  const stored = await deps.briefings.get(data.briefingId);
  if (!stored) throw new bullmq.UnrecoverableError(`briefing ${data.briefingId} has expired`);
  const title = stored.briefing?.title ?? '';
  const { sender, parts } = senderAndParts(subscription, stored, deps.senders);
  const done = await deps.deliveries.parts(deliveryId);
  let sentParts = 0;
  let moves = 0;
  for (let index = 0; index < parts.length; index += 1) {
    if (done.has(index)) continue;
    let record: PartRecord;
    try {
      const context = { index, total: parts.length, title, idempotencyKey: `${deliveryId}:${index}`, ...(beforeRequest && { beforeRequest }) };
      record = await sender.send(destinationFor(subscription.destination, done), parts[index], context);
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      const { failure } = error;
      if (failure.kind === 'transient') throw error;
      if (failure.kind === 'moved' && moves < MAX_MOVES) {
        moves += 1;
        subscription = await moveSubscription(subscription, failure.newChatId, deps);
        index -= 1; // the same part again, to the new chat
        continue;
      }
      if (failure.kind === 'permanent' && failure.scope === 'part') {
        deps.logger?.warn({ deliveryId, index, reason: failure.reason }, 'platform refused one part; sending the rest');
        record = { skipped: failure.reason };
      } else {
        const reason = failure.kind === 'permanent' ? failure.reason : `moved more than ${MAX_MOVES} times`;
        await deps.subscriptions.deactivate(subscription.id, reason);
        await removeSubscriptionSchedulers(deps.composeQueue, subscription.id);
        deps.logger?.warn({ subscriptionId: subscription.id, reason }, 'subscription deactivated');
        deps.metrics?.subscriptionDeactivated(subscription.destination.platform);
        return { status: 'deactivated', sentParts, detail: reason };
      }
    }
    // The one window left: a crash after the platform accepted the part and before this record
    // is written sends that part again on retry (Discord recognises it by its nonce and returns
    // the message already posted; Telegram has no such key). Everything else resumes exactly.
    await deps.deliveries.recordPart(deliveryId, index, record);
    done.set(index, record);
    if (!('skipped' in record)) sentParts += 1;
  }
  return { status: 'delivered', sentParts };
}

async function moveSubscription(subscription: Subscription, newChatId: string, deps: DeliverDeps): Promise<Subscription> {
  const moved = await deps.subscriptions.moveDestination(subscription.id, newChatId);
  if (!moved) throw new bullmq.UnrecoverableError(`subscription ${subscription.id} vanished while moving to ${newChatId}`);
  await removeSubscriptionSchedulers(deps.composeQueue, subscription.id);
  await upsertSubscriptionSchedulers(deps.composeQueue, moved);
  deps.logger?.info({ from: subscription.id, to: moved.id }, 'chat migrated; subscription moved');
  return moved;
}

function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * The deliver processor: a retry_after from the platform puts the job back as delayed for that
 * long (not counted as an attempt) until the delivery has waited `maxRateLimitWaitMs` in all;
 * any other failure is left to BullMQ's backoff, and on the last attempt (or one that cannot
 * succeed) the delivery is written to the dead letters first.
 */
export function createDeliverProcessor(deps: DeliverDeps, lockDuration = DELIVERY_STALL.lockDuration): (job: Job<DeliverJobData>, token?: string) => Promise<DeliveryResult> {
  return async (job, token) => {
    const jobId = job.id!;
    const stopRenewing = token !== undefined && job.stalledCounter > 0 ? renewLockWhileRunning(job, token, lockDuration) : undefined;
    try {
      return await deliverBriefing(jobId, job.data, deps, token === undefined ? undefined : () => confirmLock(job, token, lockDuration));
    } catch (thrown) {
      // Another worker owns the delivery now; it resumes from the record, and this one must not touch the job.
      if (thrown instanceof SendCancelled) {
        deps.logger?.warn({ deliveryId: jobId }, thrown.message);
        throw thrown;
      }
      let error = thrown;
      const retryAfterMs = error instanceof DeliveryError && error.failure.kind === 'transient' ? error.failure.retryAfterMs : undefined;
      if (retryAfterMs !== undefined && token !== undefined) {
        const waitedMs = (job.data.rateLimitedMs ?? 0) + retryAfterMs;
        const budgetMs = deps.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS;
        if (waitedMs <= budgetMs) {
          await job.updateData({ ...job.data, rateLimitedMs: waitedMs });
          await job.moveToDelayed(Date.now() + retryAfterMs, token);
          throw new bullmq.DelayedError();
        }
        error = new bullmq.UnrecoverableError(`rate limited for more than ${formatDuration(budgetMs)} in all; last: ${(error as Error).message}`);
      }
      if (isLastAttempt(job) || error instanceof bullmq.UnrecoverableError) await addDeadLetter(job, error as Error, job.attemptsMade + 1, deps);
      throw error;
    } finally {
      stopRenewing?.();
    }
  };
}

/**
 * Renews the lock of a delivery taken back after a stall, for as long as this run lasts.
 * BullMQ tracks the locks it renews by job id alone: when the same worker takes a stalled
 * delivery back, the run it left behind (cancelled at its next part, see confirmLock) ends
 * after the new one started and drops the job from that tracking, so the new run's lock
 * lapses within lockDuration however live its worker, and the delivery is taken over again,
 * and again, until maxStalledCount gives it up as a dead letter (its parts mostly sent). A
 * delivery that never stalled has no such run behind it, and BullMQ's renewal suffices.
 */
function renewLockWhileRunning(job: Job, token: string, lockDuration: number): () => void {
  const renewal = setInterval(() => void job.extendLock(token, lockDuration).catch(() => undefined), lockDuration / 2);
  return () => clearInterval(renewal);
}

/**
 * Renews the job's lock right before a part goes out, and calls the send off when the lock is
 * no longer this worker's: its deliveries were taken over while it was stalled.
 */
async function confirmLock(job: Job, token: string, lockDuration: number): Promise<void> {
  if ((await job.extendLock(token, lockDuration)) !== 1) throw new SendCancelled(`delivery ${job.id} was taken over by another worker while this one was stalled; leaving it to that one`);
}

/** "6 h", "90 s": a budget as an operator reads it. */
function formatDuration(ms: number): string {
  return ms >= 3_600_000 ? `${Math.round(ms / 360_000) / 10} h` : `${Math.round(ms / 1000)} s`;
}

async function addDeadLetter(job: Job<DeliverJobData>, error: Error, attempts: number, deps: DeliverDeps): Promise<void> {
  const { briefingId, subscriptionId } = job.data;
  const subscription = await deps.subscriptions.resolve(subscriptionId);
  await deps.deliveries.addDeadLetter({
    id: job.id!,
    briefingId,
    subscriptionId,
    ...(subscription ? { destination: subscription.destination } : {}),
    reason: error.message,
    attempts,
    failedAt: new Date().toISOString(),
  });
  deps.logger?.error({ err: error, deliveryId: job.id }, 'delivery failed for good; added to the dead letters');
  deps.metrics?.deadLettered(subscription?.destination.platform ?? 'unknown');
}

/** BullMQ's reason for a job failed because workers kept dying while running it (see maxStalledCount). */
const STALLED_TOO_OFTEN = /stalled more than allowable limit/;

export interface DeliverWorkerOptions extends Omit<LoggedWorkerOptions, 'concurrency'> {
  /**
   * Deliveries at once in this process. Each waits on one destination's platform, so many in
   * flight keep one slow or failing chat from holding up the others; the shared rate limiter
   * keeps the total within the platform's limits.
   */
  concurrency?: number;
}

/** Starts a worker on the deliver queue; `close()` resolves once the deliveries in flight have finished. */
export function startDeliverWorker(deps: DeliverDeps, options: DeliverWorkerOptions): Worker<DeliverJobData, DeliveryResult> {
  const stall = options.stall ?? DELIVERY_STALL;
  const processor = createDeliverProcessor(deps, stall.lockDuration ?? DELIVERY_STALL.lockDuration);
  const worker = startLoggedWorker(QUEUE_NAMES.deliver, processor, { ...options, stall, concurrency: options.concurrency ?? 50 }, {
    describe: (job) => ({ deliveryId: job?.id }),
    completed: 'delivery done',
    failed: 'delivery attempt failed',
    failedLevel: 'warn',
  });
  // A job failed by stall detection never reached the processor's catch: dead-letter it here.
  worker.on('failed', (job, error) => {
    if (job && STALLED_TOO_OFTEN.test(error.message)) void addDeadLetter(job, error, job.attemptsMade, deps).catch((cause: unknown) => deps.logger?.error({ err: cause }, 'cannot record a dead letter'));
  });
  return worker;
}
