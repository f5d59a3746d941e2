import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PollResult } from '../../jobs/poll-feed.js';
import type { PlatformName } from '../platforms/delivery.js';
import type { LlmSummaryReport } from '../summarize/summarize.js';

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
  private readonly deadLetters: Counter<'platform'>;
  private readonly deactivations: Counter<'platform'>;
  private readonly llmSummaries: Counter<'source'>;
  private readonly llmFallbacks: Counter<'reason'>;
  private readonly llmTokens: Counter;
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
    this.deadLetters = counter('dead_letters_total', 'Deliveries that failed for good and went to the dead letters, by platform.', ['platform']);
    this.deactivations = counter('subscriptions_deactivated_total', 'Subscriptions deactivated because the platform refused their destination for good (bot blocked, chat gone).', ['platform']);
    this.llmSummaries = counter('llm_summaries_total', 'LLM summaries used in briefings: written by the model now, or from the shared cache.', ['source']);
    this.llmFallbacks = counter('llm_fallbacks_total', 'Stories that got an extractive summary although an LLM is configured, by reason.', ['reason']);
    this.llmTokens = counter('llm_tokens_total', 'Tokens spent on LLM summaries (as the endpoint reports them, else estimated).');
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

  /** `unknown` when the subscription was gone by then. */
  deadLettered(platform: PlatformName | 'unknown'): void {
    this.deadLetters.inc({ platform });
  }

  subscriptionDeactivated(platform: PlatformName): void {
    this.deactivations.inc({ platform });
  }

  /** Records what summarizing one briefing did with the LLM. */
  llmSummarized(report: LlmSummaryReport): void {
    if (report.generated > 0) this.llmSummaries.inc({ source: 'model' }, report.generated);
    if (report.cached > 0) this.llmSummaries.inc({ source: 'cache' }, report.cached);
    for (const { reason } of report.fallbacks) this.llmFallbacks.inc({ reason });
    if (report.tokens > 0) this.llmTokens.inc(report.tokens);
  }

  jobFinished(queue: string, outcome: 'completed' | 'failed', seconds: number): void {
    this.jobDuration.observe({ queue, outcome }, seconds);
  }

  /** The text exposition Prometheus scrapes. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
