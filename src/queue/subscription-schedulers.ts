import { cronEntries } from '../subscriptions/schedule.js';
import type { Subscription } from '../subscriptions/model.js';
import { COMPOSE_JOB_NAME, COMPOSE_JOB_OPTIONS, type ComposeQueue } from './compose-jobs.js';

/** Subscriptions whose schedulers are upserted at once when syncing. */
const SYNC_BATCH = 100;

/** Prefix of the job scheduler ids of one subscription; the suffix names the cron entry. */
function schedulerPrefix(subscriptionId: string): string {
  return `compose-${subscriptionId}-`;
}

/** Every compose scheduler id now in the queue, by subscription id prefix. */
async function schedulerIds(queue: ComposeQueue): Promise<string[]> {
  return (await queue.getJobSchedulers()).map((scheduler) => scheduler.key);
}

async function upsertEntries(queue: ComposeQueue, subscription: Subscription): Promise<Set<string>> {
  const wanted = new Set<string>();
  for (const entry of cronEntries(subscription.schedule)) {
    const id = `${schedulerPrefix(subscription.id)}${entry.key}`;
    wanted.add(id);
    await queue.upsertJobScheduler(
      id,
      { pattern: entry.pattern, tz: entry.timezone },
      { name: COMPOSE_JOB_NAME, data: { subscriptionId: subscription.id }, opts: COMPOSE_JOB_OPTIONS },
    );
  }
  return wanted;
}

/**
 * One job scheduler per cron entry of the subscription's schedule, evaluated by BullMQ in its
 * time zone; schedulers of entries no longer in the schedule are removed. An inactive
 * subscription gets none.
 */
export async function upsertSubscriptionSchedulers(queue: ComposeQueue, subscription: Subscription): Promise<void> {
  const wanted = subscription.active ? await upsertEntries(queue, subscription) : new Set<string>();
  const prefix = schedulerPrefix(subscription.id);
  const stale = (await schedulerIds(queue)).filter((id) => id.startsWith(prefix) && !wanted.has(id));
  await Promise.all(stale.map((id) => queue.removeJobScheduler(id)));
}

/** Stops a subscription's briefings (unsubscribed, deactivated or moved). */
export async function removeSubscriptionSchedulers(queue: ComposeQueue, subscriptionId: string): Promise<void> {
  const prefix = schedulerPrefix(subscriptionId);
  const ids = (await schedulerIds(queue)).filter((id) => id.startsWith(prefix));
  await Promise.all(ids.map((id) => queue.removeJobScheduler(id)));
}

/**
 * Makes the compose schedulers match the subscriptions, reading the queue's schedulers once
 * (startup with thousands of subscriptions): upserts those of active subscriptions, removes
 * every other compose scheduler.
 */
export async function syncSubscriptionSchedulers(queue: ComposeQueue, subscriptions: Subscription[]): Promise<{ upserted: number; removed: number }> {
  const wanted = new Set<string>();
  const active = subscriptions.filter((s) => s.active);
  // Batches in parallel: one round trip per scheduler would make startup with 10,000 subscriptions slow.
  for (let start = 0; start < active.length; start += SYNC_BATCH) {
    const batch = await Promise.all(active.slice(start, start + SYNC_BATCH).map((subscription) => upsertEntries(queue, subscription)));
    for (const ids of batch) for (const id of ids) wanted.add(id);
  }
  const stale = (await schedulerIds(queue)).filter((id) => id.startsWith('compose-') && !wanted.has(id));
  await Promise.all(stale.map((id) => queue.removeJobScheduler(id)));
  return { upserted: wanted.size, removed: stale.length };
}

/** The earliest planned briefing of each subscription that has a compose scheduler, read in one pass. */
export async function nextBriefingTimes(queue: ComposeQueue): Promise<Map<string, Date>> {
  const next = new Map<string, Date>();
  for (const scheduler of await queue.getJobSchedulers()) {
    const subscriptionId = scheduler.template?.data?.subscriptionId;
    if (subscriptionId === undefined || scheduler.next === undefined) continue;
    const known = next.get(subscriptionId);
    if (known === undefined || scheduler.next < known.getTime()) next.set(subscriptionId, new Date(scheduler.next));
  }
  return next;
}
