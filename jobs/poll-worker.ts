/**
 * The poll worker: one per worker process, it claims due feeds from the poll schedule
 * (PollQueue) in batches, polls them with up to `concurrency` in flight (each fetch also
 * waits for its host's slot), and writes their states and next due times back in batches.
 *
 * Why a loop in each process rather than a BullMQ job: a BullMQ job per poll cost 35–45
 * commands inside Redis (its lifecycle scripts) where the poll itself needs about four, and a
 * dispatcher job per batch would still need a wake-up chain of deduplicated delayed jobs for
 * "poll now" and fan-out jobs for other processes to help with a backlog. Here every worker
 * process pulls due feeds in proportion to its free slots (the pull model BullMQ's own workers
 * use), the claim's lease does what BullMQ's stall detection did (a dead worker's feeds come
 * back when their lease lapses), and an idle worker costs one claim script a second.
 */
import { EventEmitter } from 'node:events';
import type { Feed, FeedState } from '../src/feeds/item.js';
import type { Logger } from '../src/log.js';
import { QUEUE_NAMES } from '../src/queue/names.js';
import type { FinishedPoll } from '../src/queue/poll-jobs.js';
import { nextPollAt } from '../src/queue/schedulers.js';
import { describePollOutcome, describeRedirectConflictChange, pollFeed, type PollFeedDeps, type PollResult } from './poll-feed.js';

/** How often a worker with free slots looks for due feeds when the last look found fewer than it could take: how late a due poll may start. */
const IDLE_CLAIM_MS = 1_000;
/** Finished polls are written together once this many wait… */
const FINISH_BATCH = 100;
/** …or once the first of them has waited this long (or nothing else is in flight). */
const FINISH_DELAY_MS = 250;

/**
 * How long a claim lasts: longer than any poll (waiting for a host slot, the fetch bounded by
 * its timeout, parsing, storing, the batched write), so it only lapses when its worker died.
 */
function pollLeaseMs(timeoutMs: number): number {
  return 4 * timeoutMs + 60_000;
}

/** What the metrics take from the poll worker (HeraldMetrics has it). */
export interface PollMetrics {
  pollFinished(result: PollResult): void;
  jobFinished(queue: string, outcome: 'completed' | 'failed', seconds: number): void;
}

export interface PollWorkerOptions {
  /** Polls at once in this process. Polls mostly wait on the network; the host limiter keeps each publisher at its cap. */
  concurrency?: number;
  logger?: Logger;
  metrics?: PollMetrics;
}

/** A running poll worker: emits `polled` (PollResult) for each poll once it is recorded, `failed` (feedId, Error) for a poll that threw. */
export interface PollWorker extends EventEmitter {
  /** Stops claiming; resolves once the polls in flight are finished and recorded (at once with `force`, leaving them to their leases). */
  close(force?: boolean): Promise<void>;
}

interface Finished {
  finished: FinishedPoll;
  report: () => void;
}

class PollLoop extends EventEmitter implements PollWorker {
  private inFlight = 0;
  private stopping = false;
  private waiter: { wake: () => void; onSlot: boolean } | undefined;
  private pending: Finished[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly running: Promise<void>;

  constructor(
    private readonly deps: PollFeedDeps,
    private readonly options: PollWorkerOptions,
  ) {
    super();
    this.concurrency = options.concurrency ?? 20;
    this.leaseMs = pollLeaseMs(deps.fetchOptions.timeoutMs);
    this.running = this.run();
  }

  async close(force = false): Promise<void> {
    this.stopping = true;
    this.waiter?.wake();
    if (!force) await this.running;
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  private async run(): Promise<void> {
    // With a backlog, claim again once a quarter of the slots is free rather than one feed at a time.
    const refill = Math.max(1, Math.ceil(this.concurrency / 4));
    while (!this.stopping) {
      const free = this.concurrency - this.inFlight;
      if (free < refill) {
        await this.wait(undefined, true);
        continue;
      }
      let claimed: string[] = [];
      try {
        claimed = await this.deps.queue.claim(this.now().getTime(), free, this.leaseMs);
      } catch (error) {
        this.options.logger?.error({ err: error }, 'claiming due feeds failed');
      }
      if (claimed.length > 0) void this.pollAll(claimed);
      // Fewer due than slots free: nothing more is due now, look again in a while.
      if (claimed.length < free) await this.wait(IDLE_CLAIM_MS, false);
    }
    while (this.inFlight > 0) await this.wait(undefined, true);
    await this.flushing;
  }

  /** Waits `ms` (forever when undefined) or until close(); with `onSlot`, also until a poll finishes. */
  private wait(ms: number | undefined, onSlot: boolean): Promise<void> {
    if (this.stopping && !onSlot) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => wake(), ms);
      const wake = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve();
      };
      this.waiter = { wake, onSlot };
    });
  }

  /** Wakes the loop if it waits for a free slot (not if it waits out the idle interval: that would make a claim per finished poll). */
  private slotFreed(): void {
    if (this.waiter?.onSlot) this.waiter.wake();
  }

  private async pollAll(feedIds: string[]): Promise<void> {
    this.inFlight += feedIds.length;
    let claimed;
    try {
      claimed = await this.deps.feeds.getMany(feedIds);
    } catch (error) {
      // Their leases bring them back.
      this.options.logger?.error({ err: error, feeds: feedIds.length }, 'reading claimed feeds failed');
      this.inFlight -= feedIds.length;
      this.slotFreed();
      return;
    }
    await Promise.all(claimed.map(({ id, feed, state }) => this.pollOne(id, feed, state)));
  }

  private async pollOne(feedId: string, feed: Feed | undefined, state: FeedState): Promise<void> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let done: Finished;
    try {
      const { result, finished } = await pollFeed(feedId, feed, state, this.deps);
      done = { finished, report: () => this.report(result, seconds()) };
    } catch (error) {
      // A bug or an outage, not the feed's fault: its state stays, it is tried again at its next slot.
      const next = feed ? { nextDueAt: nextPollAt(feed, this.now().getTime()) } : {};
      done = {
        finished: { feedId, ...next },
        report: () => {
          this.options.logger?.error({ err: error, feedId }, 'poll failed');
          // Durations keep the label they had when polls were BullMQ jobs of the poll-feed queue.
          this.options.metrics?.jobFinished(QUEUE_NAMES.pollFeed, 'failed', seconds());
          this.emit('failed', feedId, error);
        },
      };
    }
    this.pending.push(done);
    this.inFlight -= 1;
    if (this.pending.length >= FINISH_BATCH || this.inFlight === 0) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), FINISH_DELAY_MS);
    this.slotFreed();
  }

  /** Writes the finished polls waiting, then reports them: a poll's log line means its state is stored. */
  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.flushing = this.flushing.then(async () => {
      try {
        await this.deps.queue.finish(
          batch.map(({ finished }) => finished),
          this.now().getTime(),
        );
      } catch (error) {
        // Their leases bring them back, to be polled again.
        this.options.logger?.error({ err: error, polls: batch.length }, 'recording finished polls failed');
      }
      for (const { report } of batch) report();
    });
  }

  private report(result: PollResult, seconds: number): void {
    const redirect = result.redirectConflict;
    // Two feeds fetching one document is for an admin to resolve: warned of once, when it starts.
    if (redirect) {
      const fields = { feedId: result.feedId, ...(redirect.change === 'found' ? { ...redirect.conflict, redirectsToFeedName: redirect.holderName } : {}) };
      this.options.logger?.[redirect.change === 'found' ? 'warn' : 'info'](fields, describeRedirectConflictChange(result.feed ?? result.feedId, redirect));
    }
    const level = result.status === 'failed' || result.status === 'disabled' ? 'warn' : result.newItems > 0 ? 'info' : 'debug';
    this.options.logger?.[level]({ feedId: result.feedId, result }, `feed polled: ${result.feed ?? result.feedId}, ${describePollOutcome(result)}`);
    this.options.metrics?.pollFinished(result);
    this.options.metrics?.jobFinished(QUEUE_NAMES.pollFeed, 'completed', seconds);
    this.emit('polled', result);
  }
}

/** Starts this process's poll worker. `close()` resolves once the polls in flight have finished and been recorded. */
export function startPollWorker(deps: PollFeedDeps, options: PollWorkerOptions = {}): PollWorker {
  return new PollLoop(deps, options);
}
