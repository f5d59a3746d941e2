import { isDeepStrictEqual } from 'node:util';
import type { RedisClient } from '../store/client.js';
import { bullmq } from './bullmq.js';
import { ioredis } from './ioredis.js';
import { readHashFields } from '../store/pipeline.js';
import { cronEntries, type CronEntry } from '../subscriptions/schedule.js';
import type { Subscription } from '../subscriptions/model.js';
import { COMPOSE_JOB_NAME, COMPOSE_JOB_OPTIONS, type ComposeQueue } from './compose-jobs.js';
import { inBatches } from './in-batches.js';

/** Schedulers read, upserted or removed this many at a time: 10,000 at once would hold every pending command in memory together. */
const SYNC_BATCH = 500;

/** Prefix of every compose job scheduler id. */
const COMPOSE_PREFIX = 'compose-';

/** Prefix of the job scheduler ids of one subscription; the suffix names the cron entry. */
function schedulerPrefix(subscriptionId: string): string {
  return `${COMPOSE_PREFIX}${subscriptionId}-`;
}

function schedulerId(subscriptionId: string, entry: CronEntry): string {
  return `${schedulerPrefix(subscriptionId)}${entry.key}`;
}

/**
 * The ioredis client the queue was opened on (openQueue always passes one). The scheduler
 * index is read with it directly: BullMQ's getJobSchedulers reads each scheduler's whole record
 * one command at a time, 10,000 round trips for 10,000 subscriptions.
 */
function redisOf(queue: ComposeQueue): RedisClient {
  const { connection } = queue.opts;
  if (connection instanceof ioredis.Redis || connection instanceof ioredis.Cluster) return connection;
  throw new Error('the compose queue must be opened on an ioredis client (see openQueue)');
}

/** BullMQ's sorted set of the queue's scheduler ids, scored by next run; each id's record is the hash `${this}:${id}`. */
function schedulerIndex(queue: ComposeQueue): string {
  return queue.toKey('repeat');
}

/** Every compose scheduler id now in the queue, with its next run (ms): one read of BullMQ's scheduler index. */
async function composeSchedulers(queue: ComposeQueue): Promise<Map<string, number>> {
  const flat = await redisOf(queue).zrange(schedulerIndex(queue), 0, -1, 'WITHSCORES');
  const next = new Map<string, number>();
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.startsWith(COMPOSE_PREFIX)) next.set(flat[i]!, Number(flat[i + 1]));
  return next;
}

async function upsertEntry(queue: ComposeQueue, subscriptionId: string, entry: CronEntry): Promise<void> {
  await queue.upsertJobScheduler(
    schedulerId(subscriptionId, entry),
    { pattern: entry.pattern, tz: entry.timezone },
    { name: COMPOSE_JOB_NAME, data: { subscriptionId }, opts: COMPOSE_JOB_OPTIONS },
  );
}

async function removeAll(queue: ComposeQueue, ids: readonly string[]): Promise<void> {
  await inBatches(ids, SYNC_BATCH, (id) => queue.removeJobScheduler(id));
}

/**
 * One job scheduler per cron entry of the subscription's schedule, evaluated by BullMQ in its
 * time zone; schedulers of entries no longer in the schedule are removed. An inactive
 * subscription gets none.
 */
export async function upsertSubscriptionSchedulers(queue: ComposeQueue, subscription: Subscription): Promise<void> {
  const entries = subscription.active ? cronEntries(subscription.schedule) : [];
  for (const entry of entries) await upsertEntry(queue, subscription.id, entry);
  const wanted = new Set(entries.map((entry) => schedulerId(subscription.id, entry)));
  const prefix = schedulerPrefix(subscription.id);
  await removeAll(
    queue,
    [...(await composeSchedulers(queue)).keys()].filter((id) => id.startsWith(prefix) && !wanted.has(id)),
  );
}

/** Stops a subscription's briefings (unsubscribed, deactivated or moved). */
export async function removeSubscriptionSchedulers(queue: ComposeQueue, subscriptionId: string): Promise<void> {
  const prefix = schedulerPrefix(subscriptionId);
  await removeAll(
    queue,
    [...(await composeSchedulers(queue)).keys()].filter((id) => id.startsWith(prefix)),
  );
}

/** The fields of a scheduler record that decide whether it is the one upsertEntry would write. */
const RECORD_FIELDS = ['name', 'pattern', 'tz', 'data', 'opts'] as const;

/** RECORD_FIELDS of one scheduler, in order (null where absent). */
type SchedulerRecord = Array<string | null>;

/**
 * The records of the given schedulers, a few hundred per script call. The script is Herald's, so
 * it runs on the store's connection `store`: defined on the queue's, it would be copied into
 * every pipeline BullMQ makes there (see openQueueConnection).
 */
async function schedulerRecords(queue: ComposeQueue, store: RedisClient, ids: string[]): Promise<Map<string, SchedulerRecord>> {
  // One slot: every key of a queue carries its {prefix} hash tag, so one script reads many on a cluster too.
  const replies = await readHashFields(
    store,
    ids.map((id) => `${schedulerIndex(queue)}:${id}`),
    RECORD_FIELDS,
  );
  return new Map(ids.map((id, i) => [id, replies[i]!]));
}

/**
 * Whether stored job options are COMPOSE_JOB_OPTIONS; memoised by the stored text, which is the
 * same for every scheduler one version of Herald wrote.
 */
function composeOptionsCheck(): (stored: string | null) => boolean {
  const known = new Map<string, boolean>();
  return (stored) => {
    if (stored === null) return false;
    let same = known.get(stored);
    if (same === undefined) known.set(stored, (same = isDeepStrictEqual(bullmq.Job.optsFromJSON(stored), COMPOSE_JOB_OPTIONS)));
    return same;
  };
}

/** What a sync did: schedulers written, left as they were (already right), and removed. */
export interface SchedulerSyncResult {
  upserted: number;
  kept: number;
  removed: number;
}

/** One compose scheduler to write: whose, and which cron entry of its schedule. */
interface SchedulerWrite {
  subscriptionId: string;
  entry: CronEntry;
}

/** What it takes to make the compose schedulers match the subscriptions. */
export interface SchedulerPlan {
  /** Schedulers missing or not as the schedule says. */
  write: SchedulerWrite[];
  /** Compose schedulers of no active subscription's schedule. */
  stale: string[];
  /** Schedulers already right. */
  kept: number;
}

/**
 * Compares the compose schedulers with the subscriptions, reading the schedulers once: a
 * scheduler is right when it has the entry's pattern, zone and job template and its next run
 * is still to come. Those already right are kept with their planned job: rewriting 10,000 of
 * them made every start take seconds. `store` is the store's connection (see schedulerRecords).
 */
export async function planSubscriptionSchedulers(queue: ComposeQueue, store: RedisClient, subscriptions: readonly Subscription[]): Promise<SchedulerPlan> {
  const wanted = new Map<string, SchedulerWrite>();
  for (const subscription of subscriptions) {
    if (!subscription.active) continue;
    for (const entry of cronEntries(subscription.schedule)) wanted.set(schedulerId(subscription.id, entry), { subscriptionId: subscription.id, entry });
  }
  const existing = await composeSchedulers(queue);
  const records = await schedulerRecords(
    queue,
    store,
    [...existing.keys()].filter((id) => wanted.has(id)),
  );
  const optionsMatch = composeOptionsCheck();
  const now = Date.now();
  const isRight = (id: string, { subscriptionId, entry }: SchedulerWrite): boolean => {
    const record = records.get(id);
    if (record === undefined) return false;
    const [name, pattern, tz, data, opts] = record;
    // A next run in the past is a briefing missed while Herald was down: upserting moves it to the next slot, as every start did.
    return (
      existing.get(id)! > now &&
      name === COMPOSE_JOB_NAME &&
      pattern === entry.pattern &&
      tz === entry.timezone &&
      data === JSON.stringify({ subscriptionId }) &&
      optionsMatch(opts ?? null)
    );
  };
  // A loop, not [...wanted].flatMap: that made an array for each of 10,000 schedulers, garbage for the start to collect.
  const write: SchedulerWrite[] = [];
  for (const [id, want] of wanted) if (!isRight(id, want)) write.push(want);
  return { write, stale: [...existing.keys()].filter((id) => !wanted.has(id)), kept: wanted.size - write.length };
}

export interface ApplyOptions {
  /** Called after each batch with the schedulers written or removed so far. */
  onProgress?: (done: number) => void;
  /** Stops between batches (shutdown); what is left is done at the next start. */
  signal?: AbortSignal;
}

/** Carries out a plan: stale schedulers removed, the others written, SYNC_BATCH at a time. */
export async function applySchedulerPlan(queue: ComposeQueue, plan: SchedulerPlan, options: ApplyOptions = {}): Promise<SchedulerSyncResult> {
  const result: SchedulerSyncResult = { upserted: 0, kept: plan.kept, removed: 0 };
  const progress = () => options.onProgress?.(result.removed + result.upserted);
  const { signal } = options;
  await inBatches(plan.stale, SYNC_BATCH, (id) => queue.removeJobScheduler(id), {
    signal,
    onBatch: (size) => {
      result.removed += size;
      progress();
    },
  });
  await inBatches(plan.write, SYNC_BATCH, ({ subscriptionId, entry }) => upsertEntry(queue, subscriptionId, entry), {
    signal,
    onBatch: (size) => {
      result.upserted += size;
      progress();
    },
  });
  return result;
}

/** Makes the compose schedulers match the subscriptions: planSubscriptionSchedulers, then applySchedulerPlan. */
export async function syncSubscriptionSchedulers(queue: ComposeQueue, store: RedisClient, subscriptions: readonly Subscription[]): Promise<SchedulerSyncResult> {
  return applySchedulerPlan(queue, await planSubscriptionSchedulers(queue, store, subscriptions));
}

/**
 * The earliest planned briefing of each of the subscriptions that has a compose scheduler:
 * one read of the scheduler index for just their entries, however many subscriptions exist.
 */
export async function nextBriefingTimes(queue: ComposeQueue, subscriptions: readonly Subscription[]): Promise<Map<string, Date>> {
  const ids = subscriptions.flatMap((subscription) => cronEntries(subscription.schedule).map((entry) => ({ subscriptionId: subscription.id, id: schedulerId(subscription.id, entry) })));
  const next = new Map<string, Date>();
  if (ids.length === 0) return next;
  const scores = await redisOf(queue).zmscore(schedulerIndex(queue), ...ids.map(({ id }) => id));
  ids.forEach(({ subscriptionId }, i) => {
    if (scores[i] === null || scores[i] === undefined) return;
    const at = Number(scores[i]);
    const known = next.get(subscriptionId);
    if (known === undefined || at < known.getTime()) next.set(subscriptionId, new Date(at));
  });
  return next;
}
