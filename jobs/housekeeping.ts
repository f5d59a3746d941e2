/**
 * The hourly housekeeping job: trims what has no TTL and would otherwise grow for ever (the
 * item indexes, old dead letters, compose schedulers whose subscription is gone), sends the
 * breaking alerts whose check was cut short (see alertLeftPending), and hands on the items a
 * failed poll stored and left unplaced (see ItemStore.leftUnplaced) and the copies it recorded
 * and left unalerted (see ItemStore.leftUnalerted).
 */
import type { Queue, Worker } from 'bullmq';
import type { RedisClient } from '../src/store/client.js';
import type { ComposeQueue } from '../src/queue/compose-jobs.js';
import { openQueue, QUEUE_NAMES } from '../src/queue/names.js';
import { BRIEFING_TTL_S } from '../src/store/briefings.js';
import type { Item } from '../src/feeds/item.js';
import type { DeliveryStore } from '../src/store/deliveries.js';
import type { ItemStore } from '../src/store/items.js';
import type { SubscriptionStore } from '../src/store/subscriptions.js';
import { startLoggedWorker, type LoggedWorkerOptions } from './start-worker.js';

/** Dead letters are dropped once their briefing has expired: they could no longer be retried. */
const DEAD_LETTER_RETENTION_MS = BRIEFING_TTL_S * 1000;

/**
 * A poll hands its items and copies on seconds after storing them, and holds its feed for minutes
 * at the most (its lease): items stored (copies recorded) longer ago and still unplaced
 * (unalerted) were left by a poll that failed.
 */
const LEFT_BY_A_FAILED_POLL_AFTER_MS = 15 * 60_000;

const HOUSEKEEPING_SCHEDULER_ID = 'housekeeping-hourly';
const HOUSEKEEPING_EVERY_MS = 3_600_000;

export type HousekeepingQueue = Queue<Record<string, never>>;

export interface HousekeepingDeps {
  items: ItemStore;
  deliveries: DeliveryStore;
  subscriptions: SubscriptionStore;
  composeQueue: ComposeQueue;
  /** Places items into stories and alerts them, as a poll's new items (the poll's onNewItems). */
  placeItems: (items: Item[]) => Promise<void>;
  /** Alerts the stories of stored items that gained copies, as after a poll's copies (the poll's onCopies). */
  alertCopies: (originalIds: string[]) => Promise<void>;
  /** Sends the breaking alerts whose check was cut short (alertLeftPending); returns how many it fanned out. */
  alertLeftPending: (now: Date) => Promise<number>;
  now?: () => Date;
}

/** What one housekeeping run cleaned up. */
export interface HousekeepingResult {
  itemIndexEntriesDropped: number;
  deadLettersDropped: number;
  /** Compose schedulers whose subscription is gone or inactive (a crash between the two writes leaves one). */
  orphanSchedulersRemoved: number;
  /** Items a failed poll stored and its feed did not bring back, placed now. */
  leftItemsPlaced: number;
  /** Stored items whose copies a failed poll recorded and its feed did not bring back, their stories alerted now. */
  leftCopiesAlerted: number;
  /** Breaking alerts cut short (before their claim, or after it and left pending) fanned out now; one left pending whose fan-out had gone through is only settled, not counted. */
  leftAlertsSent: number;
}

/** Keys without a ttl that grow: the item indexes (see ItemStore.trimIndex), the dead letters, and compose schedulers left behind; and alerts whose check was cut short, items left unplaced, copies left unalerted. */
export async function runHousekeeping(deps: HousekeepingDeps): Promise<HousekeepingResult> {
  const now = (deps.now ?? (() => new Date()))();
  const itemIndexEntriesDropped = await deps.items.trimIndex(now);
  const deadLettersDropped = await deps.deliveries.pruneDeadLetters(new Date(now.getTime() - DEAD_LETTER_RETENTION_MS));
  const schedulers = (await deps.composeQueue.getJobSchedulers()).flatMap((scheduler) => {
    const subscriptionId = scheduler.template?.data?.subscriptionId;
    return subscriptionId === undefined ? [] : [{ key: scheduler.key, subscriptionId }];
  });
  const active = new Set((await deps.subscriptions.getMany([...new Set(schedulers.map((s) => s.subscriptionId))])).filter((s) => s.active).map((s) => s.id));
  const orphans = schedulers.filter((scheduler) => !active.has(scheduler.subscriptionId));
  await Promise.all(orphans.map((scheduler) => deps.composeQueue.removeJobScheduler(scheduler.key)));
  // Last, and each tried even when another failed: sending, placing and alerting can fail (Redis,
  // the clustering lock held too long), and what the others hand on need not wait for the next run.
  const failures: unknown[] = [];
  const tried = async (step: () => Promise<number>): Promise<number> => {
    try {
      return await step();
    } catch (error) {
      failures.push(error);
      return 0;
    }
  };
  const leftAlertsSent = await tried(() => deps.alertLeftPending(now));
  const leftItemsPlaced = await tried(() => placeLeftUnplaced(deps, now));
  const leftCopiesAlerted = await tried(() => alertLeftUnalerted(deps, now));
  // The job then fails (and is logged as such) with what went wrong.
  if (failures.length > 0) throw failures.length === 1 ? failures[0] : new AggregateError(failures, 'housekeeping: more than one of sending left alerts, placing left items and alerting left copies failed');
  return { itemIndexEntriesDropped, deadLettersDropped, orphanSchedulersRemoved: orphans.length, leftItemsPlaced, leftAlertsSent, leftCopiesAlerted };
}

/** Places the items a failed poll stored and left unplaced; returns how many. */
async function placeLeftUnplaced(deps: HousekeepingDeps, now: Date): Promise<number> {
  const left = await deps.items.leftUnplaced(new Date(now.getTime() - LEFT_BY_A_FAILED_POLL_AFTER_MS));
  if (left.items.length > 0) await deps.placeItems(left.items);
  await left.settle();
  return left.items.length;
}

/** Alerts the stories of the items whose copies a failed poll recorded and left unalerted; returns how many items. */
async function alertLeftUnalerted(deps: HousekeepingDeps, now: Date): Promise<number> {
  const left = await deps.items.leftUnalerted(new Date(now.getTime() - LEFT_BY_A_FAILED_POLL_AFTER_MS));
  if (left.originalIds.length > 0) await deps.alertCopies(left.originalIds);
  await left.settle();
  return left.originalIds.length;
}

/** The housekeeping queue under `{prefix}`. */
export function createHousekeepingQueue(connection: RedisClient, storePrefix = 'herald'): HousekeepingQueue {
  return openQueue<Record<string, never>>(QUEUE_NAMES.housekeeping, connection, storePrefix);
}

/** Runs housekeeping once an hour (one scheduler, however many scheduler processes upsert it). */
export async function upsertHousekeepingScheduler(queue: HousekeepingQueue): Promise<void> {
  await queue.upsertJobScheduler(HOUSEKEEPING_SCHEDULER_ID, { every: HOUSEKEEPING_EVERY_MS }, { name: 'housekeeping', data: {}, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } });
}

/** Starts the housekeeping worker (one job at a time). */
export function startHousekeepingWorker(deps: HousekeepingDeps, options: Omit<LoggedWorkerOptions, 'concurrency'>): Worker<Record<string, never>, HousekeepingResult> {
  return startLoggedWorker(QUEUE_NAMES.housekeeping, () => runHousekeeping(deps), { ...options, concurrency: 1 }, {
    describe: () => ({}),
    completed: 'housekeeping done',
    failed: 'housekeeping failed',
  });
}
