import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PollResult } from '../../jobs/poll-feed.js';
import type { PlatformName } from '../platforms/delivery.js';

/** Job states shown as queue depth; finished jobs are trimmed by retention, so they are left out. */
const QUEUE_DEPTH_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'waiting-children'] as const;

/** Seconds: polls take from milliseconds (304) to the fetch timeout; deliveries may wait out a 429. */
const JOB_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Herald's Prometheus metrics in one registry: counters the pipeline reports into, and queue
 * depths read from BullMQ when Prometheus scrapes. Each process counts what it did itself, so
 * sums across instances are right however many workers run.
 */
export class HeraldMetrics {
  readonly registry: Registry;
  private readonly polls: Counter<'status'>;
  private readonly fetchErrors: Counter<'kind'>;
  private readonly itemsIngested: Counter;
  private readonly duplicates: Counter<'stage'>;
  private readonly stories: Counter;
  private readonly briefings: Counter;
  private readonly messages: Counter<'platform'>;
  private readonly rateLimits: Counter<'platform'>;
  private readonly jobDuration: Histogram<'queue' | 'outcome'>;
  private readonly watchedQueues: Queue[] = [];

  /** `process: true` adds Node's process metrics (CPU, memory, event loop lag). */
  constructor(options: { registry?: Registry; process?: boolean } = {}) {
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    if (options.process) collectDefaultMetrics({ register: registry });
    const counter = <Label extends string = never>(name: string, help: string, labelNames: Label[] = []) =>
      new Counter<Label>({ name: `herald_${name}`, help, labelNames, registers: [registry] });
    this.polls = counter('feed_polls_total', 'Feed polls by outcome (fetched, not-modified = HTTP 304, failed, disabled, skipped).', ['status']);
    this.fetchErrors = counter('fetch_errors_total', 'Failed feed polls by kind of error (dns, timeout, http, parse, …).', ['kind']);
    this.itemsIngested = counter('items_ingested_total', 'Feed items stored as new.');
    this.duplicates = counter('duplicates_dropped_total', 'Items dropped as duplicates: exact (guid, URL, content) or near (reprints).', ['stage']);
    this.stories = counter('stories_created_total', 'New stories started by an item no existing story matched.');
    this.briefings = counter('briefings_composed_total', 'Briefings composed for subscriptions.');
    this.messages = counter('messages_sent_total', 'Briefing parts sent, by platform.', ['platform']);
    this.rateLimits = counter('rate_limited_total', 'HTTP 429 answers from a platform API.', ['platform']);
    this.jobDuration = new Histogram({
      name: 'herald_job_duration_seconds',
      help: 'Time a job spent being processed, by queue and outcome.',
      labelNames: ['queue', 'outcome'],
      buckets: JOB_DURATION_BUCKETS,
      registers: [registry],
    });
    const queues = this.watchedQueues;
    new Gauge<'queue' | 'state'>({
      name: 'herald_queue_jobs',
      help: 'Jobs in each queue by state, read from Redis at scrape time.',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        const counts = await Promise.all(queues.map((queue) => queue.getJobCounts(...QUEUE_DEPTH_STATES)));
        queues.forEach((queue, index) => {
          for (const state of QUEUE_DEPTH_STATES) this.set({ queue: queue.name, state }, counts[index]![state] ?? 0);
        });
      },
    });
  }

  /** Reports the depths of these queues on every scrape. */
  watchQueues(queues: Queue[]): void {
    this.watchedQueues.push(...queues);
  }

  /** Records one poll: its outcome, the items it stored, the duplicates it dropped, and its error kind. */
  pollFinished(result: PollResult): void {
    this.polls.inc({ status: result.status });
    if (result.newItems > 0) this.itemsIngested.inc(result.newItems);
    if (result.duplicatesDropped) this.duplicates.inc({ stage: 'exact' }, result.duplicatesDropped);
    if (result.errorKind) this.fetchErrors.inc({ kind: result.errorKind });
  }

  /** Records where new items went in the story engine: a reprint of an earlier item, or a new story. */
  itemsPlaced(placements: readonly { kind: 'near-duplicate' | 'joined' | 'new-story' }[]): void {
    for (const { kind } of placements) {
      if (kind === 'near-duplicate') this.duplicates.inc({ stage: 'near' });
      if (kind === 'new-story') this.stories.inc();
    }
  }

  briefingComposed(): void {
    this.briefings.inc();
  }

  messageSent(platform: PlatformName): void {
    this.messages.inc({ platform });
  }

  rateLimited(platform: PlatformName): void {
    this.rateLimits.inc({ platform });
  }

  jobFinished(queue: string, outcome: 'completed' | 'failed', seconds: number): void {
    this.jobDuration.observe({ queue, outcome }, seconds);
  }

  /** The text exposition Prometheus scrapes. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
