import type { FeedState } from '../feeds/item.js';
import type { RedisClient } from '../store/client.js';
import { leavePollSchedule, stateWrite } from '../store/feeds.js';
import { createKeys, type Keys } from '../store/keys.js';
import { execPipeline } from '../store/pipeline.js';
import { batchesOf } from '../batches.js';
import { withPollScripts } from './poll-scripts.js';

/** Feeds put into the schedule (or taken out) by one command: a ZADD of 10,000 members would hold them all in one reply buffer. */
const SCHEDULE_BATCH = 1000;

/** A finished poll, as the schedule records it. */
export interface FinishedPoll {
  feedId: string;
  /** When the feed is next due (ms); absent to take it out of the schedule (disabled or removed). */
  nextDueAt?: number;
  /** The feed's poll state after the poll, written with it unless the feed was removed meanwhile. */
  state?: FeedState;
  /** The state as read before the poll, so only what changed is written (a 304 rewrites two times). */
  previous?: FeedState;
}

/**
 * The feeds' poll schedule: one sorted set of feed ids under the `{feeds}` hash tag, scored by
 * when each is next due. It replaces one BullMQ job scheduler (and one job per poll) per feed:
 * BullMQ's job lifecycle alone ran 35–45 commands inside Redis per poll, where here workers
 * claim due feeds in batches (claim), poll them, and write their states and next due times
 * back in batches (finish) — a few commands per poll. A claim is a lease: the feed's due time
 * moves to the end of the lease and the lease is recorded, so no two workers poll one feed at
 * once and a worker that dies mid-poll leaves its feeds to come back when the lease lapses.
 *
 * Named a queue because it is one, ordered by due time: "poll now" puts a feed at its head.
 */
export class PollQueue {
  private readonly redis: RedisClient;

  constructor(
    redis: RedisClient,
    readonly keys: Keys,
  ) {
    this.redis = withPollScripts(redis);
  }

  /**
   * Asks for a poll of one feed now, outside its schedule (a feed just added, an admin's
   * "refresh"). A feed being polled is polled again once that poll has finished.
   */
  async requestPoll(feedId: string, now = Date.now()): Promise<void> {
    await this.redis.zadd(this.keys.pollDue(), now, feedId);
  }

  /**
   * Puts feeds into the schedule at the given times; a feed already due earlier keeps its time
   * (ZADD LT), so a re-sync never delays a poll, and a shorter interval takes effect at once.
   */
  async schedule(entries: readonly { feedId: string; dueAt: number }[]): Promise<void> {
    for (const batch of batchesOf(entries, SCHEDULE_BATCH)) {
      const members = batch.flatMap(({ feedId, dueAt }) => [dueAt, feedId]);
      await this.redis.zadd(this.keys.pollDue(), 'LT', ...members);
    }
  }

  /** Takes feeds out of the schedule; how many were in it. */
  async unschedule(feedIds: readonly string[]): Promise<number> {
    let removed = 0;
    for (const batch of batchesOf(feedIds, SCHEDULE_BATCH)) {
      const replies = await execPipeline(leavePollSchedule(this.redis.multi(), this.keys, batch));
      removed += replies[0] as number;
    }
    return removed;
  }

  /** Every scheduled feed → when it is next due (ms). */
  async dueTimes(): Promise<Map<string, number>> {
    const flat = await this.redis.zrange(this.keys.pollDue(), 0, -1, 'WITHSCORES');
    const times = new Map<string, number>();
    for (let index = 0; index < flat.length; index += 2) times.set(flat[index]!, Number(flat[index + 1]));
    return times;
  }

  /** Every scheduled feed, without its due time (a re-sync needs only which feeds are in). */
  async scheduledFeeds(): Promise<Set<string>> {
    return new Set(await this.redis.zrange(this.keys.pollDue(), 0, -1));
  }

  /** When one feed is next due (ms), or undefined when it is not scheduled. */
  async dueAt(feedId: string): Promise<number | undefined> {
    const score = await this.redis.zscore(this.keys.pollDue(), feedId);
    return score === null ? undefined : Number(score);
  }

  /** Claims up to `limit` feeds due by `now`, earliest first, each for `leaseMs`. */
  async claim(now: number, limit: number, leaseMs: number): Promise<string[]> {
    return this.redis.heraldClaimDuePolls(this.keys.pollDue(), this.keys.pollLeases(), this.keys.pollAsked(), now, limit, leaseMs);
  }

  /**
   * Records finished polls in one script: each state (unless its feed was removed meanwhile),
   * each next due time (now, for a feed asked for during its poll), every lease released.
   */
  async finish(polls: readonly FinishedPoll[], now = Date.now()): Promise<void> {
    if (polls.length === 0) return;
    const keys = [this.keys.pollDue(), this.keys.pollLeases(), this.keys.pollAsked()];
    const args: (string | number)[] = [now];
    for (const poll of polls) {
      keys.push(this.keys.feed(poll.feedId), this.keys.feedState(poll.feedId));
      const write = poll.state ? stateWrite(poll.state, poll.previous) : { replace: false, fields: [] };
      args.push(poll.feedId, poll.nextDueAt ?? '', write.replace ? '1' : '0', write.fields.length / 2, ...write.fields);
    }
    await this.redis.heraldFinishPolls(keys.length, ...keys, ...args);
  }

  /** Nothing to release (the queue borrows its caller's connection): closes like the BullMQ queues beside it. */
  async close(): Promise<void> {}
}

/** The poll queue under `prefix` (the store prefix: the schedule lives with the feeds). */
export function createPollQueue(connection: RedisClient, storePrefix = 'herald'): PollQueue {
  return new PollQueue(connection, createKeys(storePrefix));
}

